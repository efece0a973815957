// The full-text indexes take committed writes in on a background thread instead of inside every
// commit (a third of an ingested document's write time when they were synchronous). Writes made
// through the store wait for them afterwards (read-your-writes), except inside
// ``GraphStore.deferred_search_refresh()``, which waits once at its end: ingestion runs and bulk
// loads. Neo4j cannot change an index's settings in place: each index is dropped and rebuilt.
DROP INDEX entity_names IF EXISTS;
CREATE FULLTEXT INDEX entity_names IF NOT EXISTS FOR (n:Entity) ON EACH [n.search_text]
  OPTIONS {indexConfig: {`fulltext.eventually_consistent`: true}};
DROP INDEX statements IF EXISTS;
CREATE FULLTEXT INDEX statements IF NOT EXISTS
  FOR (n:Knowledge|Experience|Wisdom|Insight|Situation) ON EACH [n.text]
  OPTIONS {indexConfig: {`fulltext.eventually_consistent`: true}};
