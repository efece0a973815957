// Lookup indexes and full-text indexes on entity names/aliases and on statements.
CREATE INDEX entity_name_norm IF NOT EXISTS FOR (n:Entity) ON (n.name_norm);
CREATE INDEX entity_type IF NOT EXISTS FOR (n:Entity) ON (n.type);
CREATE INDEX chunk_document IF NOT EXISTS FOR (n:Chunk) ON (n.document_id);
CREATE INDEX document_source IF NOT EXISTS FOR (n:Document) ON (n.source);
CREATE INDEX knowledge_fingerprint IF NOT EXISTS FOR (n:Knowledge) ON (n.fingerprint);
CREATE INDEX experience_fingerprint IF NOT EXISTS FOR (n:Experience) ON (n.fingerprint);
CREATE INDEX wisdom_fingerprint IF NOT EXISTS FOR (n:Wisdom) ON (n.fingerprint);
CREATE INDEX insight_fingerprint IF NOT EXISTS FOR (n:Insight) ON (n.fingerprint);
CREATE INDEX situation_fingerprint IF NOT EXISTS FOR (n:Situation) ON (n.fingerprint);
CREATE INDEX knowledge_metric IF NOT EXISTS FOR (n:Knowledge) ON (n.metric);
CREATE INDEX knowledge_status IF NOT EXISTS FOR (n:Knowledge) ON (n.status);
CREATE INDEX decision_target IF NOT EXISTS FOR (n:Decision) ON (n.target_id);
CREATE FULLTEXT INDEX entity_names IF NOT EXISTS FOR (n:Entity) ON EACH [n.search_text];
CREATE FULLTEXT INDEX statements IF NOT EXISTS FOR (n:Knowledge|Experience|Wisdom|Insight|Situation) ON EACH [n.text];
