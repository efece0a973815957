"""Neo4j backend."""
