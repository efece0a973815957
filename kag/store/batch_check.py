"""Checks a write batch against the graph schema before anything is written."""

from __future__ import annotations

from graph_schema import AssertionKind, GraphSchema, Label, SchemaViolation, label_of
from kag.errors import InvalidInput
from kag.store.base import WriteBatch
from kag.store.views import label_for


def check_batch(schema: GraphSchema, batch: WriteBatch) -> None:
    """Refuse a batch that writes anything outside the schema.

    Raises:
        InvalidInput: naming the offending record and what is allowed.
    """
    try:
        for assertion in batch.assertions:
            if assertion.kind is AssertionKind.RELATION:
                assert assertion.predicate is not None  # the record's validator guarantees it
                schema.require_relation_type(assertion.predicate)
                for end in (assertion.subject_id, assertion.object_id):
                    if label_of(end or "") is not Label.ENTITY:
                        raise SchemaViolation(
                            f"relation {assertion.id} must join two entities, got {end!r}"
                        )
            for entity_id in (*assertion.entity_ids, assertion.subject_id):
                if entity_id is not None and label_of(entity_id) is not Label.ENTITY:
                    raise SchemaViolation(f"assertion {assertion.id}: {entity_id!r} is no entity")
        for link in batch.links:
            schema.check_pattern(
                label_for(link.source_id), link.type.value, label_for(link.target_id)
            )
        for ev in batch.evidence:
            schema.check_pattern(label_for(ev.assertion_id), "EVIDENCED_BY", Label.CHUNK)
            if label_of(ev.chunk_id) is not Label.CHUNK:
                raise SchemaViolation(f"evidence {ev.id}: {ev.chunk_id!r} is not a chunk id")
        for mention in batch.mentions:
            schema.check_pattern(
                label_for(mention.chunk_id), "MENTIONS", label_for(mention.entity_id)
            )
    except (SchemaViolation, ValueError) as exc:
        raise InvalidInput(f"write refused, nothing was written: {exc}") from exc
