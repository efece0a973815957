// Statements recorded by a source of their own (feedback episodes: source "feedback") are
// searched apart from the extracted ones: "was this asked before?" on every question.
CREATE INDEX experience_source IF NOT EXISTS FOR (n:Experience) ON (n.source);
CREATE INDEX knowledge_source IF NOT EXISTS FOR (n:Knowledge) ON (n.source);
CREATE INDEX wisdom_source IF NOT EXISTS FOR (n:Wisdom) ON (n.source);
CREATE INDEX insight_source IF NOT EXISTS FOR (n:Insight) ON (n.source);
CREATE INDEX situation_source IF NOT EXISTS FOR (n:Situation) ON (n.source);
