"""Restating an assertion: its properties after a change of subject, object, value, layer...,
with the fingerprint, id, text and period bounds recomputed as ingestion computes them, so the
expert's version is the very assertion ingestion finds when a document states it."""

from __future__ import annotations

from typing import Any

from graph_schema import AssertionKind, GraphSchema, Label, Layer, Status, stable_id
from graph_schema.fingerprints import (
    observation_fingerprint,
    period_bounds,
    relation_fingerprint,
    statement_fingerprint,
)
from kag.curation.changes import ChangeSet, node_label
from kag.errors import InvalidInput, NotFound

LIVE = frozenset({Status.PROPOSED.value, Status.APPROVED.value})
#: Status precedence when two assertions become one (an expert's rejection always stands).
_RANK = {
    Status.REJECTED.value: 3,
    Status.APPROVED.value: 2,
    Status.PROPOSED.value: 1,
    Status.SUPERSEDED.value: 0,
}


def stronger_status(a: str, b: str) -> str:
    """The status two assertions merged into one keep."""
    return a if _RANK.get(a, 0) >= _RANK.get(b, 0) else b


def entity_name(cs: ChangeSet, entity_id: str) -> str:
    """The name of an entity that must exist.

    Raises:
        NotFound: there is no such entity.
    """
    props = cs.node(entity_id) if node_label(entity_id) is Label.ENTITY else None
    if props is None:
        raise NotFound(f"no entity with id {entity_id!r}; entity ids start with 'ent_'")
    return str(props["name"])


def restate(
    schema: GraphSchema, cs: ChangeSet, props: dict[str, Any], changes: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The id and full properties of an assertion with ``changes`` applied.

    Args:
        schema: the graph schema (relation types, metrics).
        cs: the working graph (entity names).
        props: the assertion's properties now.
        changes: new values of ``subject_id``, ``predicate``, ``object_id``, ``metric``,
            ``value``, ``unit``, ``period``, ``text`` and ``layer`` (a :class:`Layer`).

    Raises:
        InvalidInput: a change the assertion's kind does not take, or outside the ontology.
        NotFound: an entity that does not exist.
    """
    changes = dict(changes)
    kind = AssertionKind(props["kind"])
    layer = changes.pop("layer", None) or Layer(str(node_label(str(props["id"]))))
    allowed = {
        AssertionKind.RELATION: {"subject_id", "predicate", "object_id"},
        AssertionKind.OBSERVATION: {"subject_id", "metric", "value", "unit", "period"},
        AssertionKind.STATEMENT: {"text"},
    }[kind]
    wrong = sorted(set(changes) - allowed)
    if wrong or (layer is not Layer.KNOWLEDGE and kind is not AssertionKind.STATEMENT):
        fields = ", ".join(wrong) or "layer"
        raise InvalidInput(
            f"a {kind.value} cannot change its {fields}; a {kind.value} takes "
            f"{', '.join(sorted(allowed))}"
            + (" and layer" if kind is AssertionKind.STATEMENT else "")
        )
    new = {**props, **changes}
    if kind is AssertionKind.RELATION:
        fingerprint = _relation(schema, cs, new)
    elif kind is AssertionKind.OBSERVATION:
        fingerprint = _observation(schema, cs, new)
    else:
        fingerprint = statement_fingerprint(str(new["text"]))
    new_id = stable_id(layer.label, fingerprint)
    new.update(id=new_id, fingerprint=fingerprint)
    return new_id, new


def _relation(schema: GraphSchema, cs: ChangeSet, new: dict[str, Any]) -> str:
    predicate = str(new["predicate"])
    if not schema.is_relation_type(predicate):
        known = ", ".join(sorted(schema.relation_types))
        raise InvalidInput(
            f"{predicate!r} is not a relation type of the ontology; use one of {known}"
        )
    relation = schema.relation_types[predicate]
    subject, obj = str(new["subject_id"]), str(new["object_id"])
    subject_name, object_name = entity_name(cs, subject), entity_name(cs, obj)
    if subject == obj:
        raise InvalidInput(f"a relation needs two different entities, got {subject} twice")
    if relation.symmetric and obj < subject:
        subject, obj = obj, subject
        subject_name, object_name = object_name, subject_name
    new.update(
        subject_id=subject,
        object_id=obj,
        text=f"{subject_name} {relation.label} {object_name}",
    )
    return relation_fingerprint(subject, predicate, obj)


def _observation(schema: GraphSchema, cs: ChangeSet, new: dict[str, Any]) -> str:
    metrics = {m.name for m in schema.ontology.metrics}
    metric = str(new["metric"])
    if metrics and metric not in metrics:
        raise InvalidInput(
            f"{metric!r} is not a metric of the ontology; use one of {sorted(metrics)}"
        )
    subject = str(new["subject_id"])
    name = entity_name(cs, subject)
    value = float(new["value"])
    unit = str(new.get("unit") or "")
    period = new.get("period")
    for key in ("period", "period_start", "period_end"):
        new.pop(key, None)
    if period:
        bounds = period_bounds(str(period))
        if bounds is None:
            raise InvalidInput(
                f"period {period!r} is not YYYY, YYYY-Qn, YYYY-Hn or YYYY-MM (e.g. 2024-Q3)"
            )
        new.update(period=str(period), period_start=bounds[0], period_end=bounds[1])
    new.update(
        subject_id=subject,
        value=value,
        unit=unit,
        text=f"{name} {metric}{f' ({period})' if period else ''}: {value:,.10g} {unit}",
    )
    return observation_fingerprint(subject, metric, period or None, value, unit)
