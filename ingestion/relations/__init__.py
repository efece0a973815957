"""Relation finding: from a parsed sentence and its entity mentions to relation candidates."""

from ingestion.relations.base import RelationFinder, SentenceContext

__all__ = ["RelationFinder", "SentenceContext"]
