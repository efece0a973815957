"""All Cypher of the Neo4j backend, one module per concern.

Values are always ``$parameters``. Labels and relationship types enter query text only through
``graph_schema``'s quoting functions (:func:`graph_schema.cypher_label`,
:meth:`graph_schema.GraphSchema.cypher_rel_type`), in the builder functions of these modules.
"""
