"""Building read views from stored property maps, the same way for every backend."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from graph_schema import Label, Status, label_of
from kag.store.base import NodeView, RelView

_NAME_KEYS: dict[Label, tuple[str, ...]] = {
    Label.ENTITY: ("name",),
    Label.DOCUMENT: ("title", "source"),
    Label.CHUNK: ("text",),
    Label.DECISION: ("action",),
    Label.ANSWER: ("question",),
    Label.FEEDBACK: ("verdict",),
}
_MAX_NAME = 120


def _status(value: Any) -> Status | None:
    return Status(value) if isinstance(value, str) and value in Status._value2member_map_ else None


def display_name(label: Label, props: Mapping[str, Any]) -> str:
    """The name a node is shown by (``""`` when it has none): name, title or text, shortened."""
    name = ""
    for key in _NAME_KEYS.get(label, ("text",)):
        value = props.get(key)
        if isinstance(value, str) and value:
            name = value
            break
    if len(name) > _MAX_NAME:
        name = name[: _MAX_NAME - 1] + "\u2026"
    return name


def node_view(node_id: str, label: Label | str, props: Mapping[str, Any]) -> NodeView:
    """A :class:`NodeView` from a node's label and properties."""
    lab = Label(label)
    name = display_name(lab, props)
    confidence = props.get("confidence")
    return NodeView(
        id=node_id,
        label=lab,
        name=name or node_id,
        status=_status(props.get("status")),
        confidence=float(confidence) if isinstance(confidence, int | float) else None,
        props=dict(props),
    )


def rel_view(
    rel_id: str, rel_type: str, source_id: str, target_id: str, props: Mapping[str, Any]
) -> RelView:
    """A :class:`RelView` from a relationship's endpoints and properties."""
    confidence = props.get("confidence")
    return RelView(
        id=rel_id,
        type=rel_type,
        source_id=source_id,
        target_id=target_id,
        status=_status(props.get("status")),
        confidence=float(confidence) if isinstance(confidence, int | float) else None,
        props=dict(props),
    )


def node_passes(
    node: NodeView, statuses: Sequence[Status], entity_statuses: Sequence[Status]
) -> bool:
    """Whether a node may be traversed: entities by ``entity_statuses``, layer nodes by
    ``statuses``; nodes without a status (documents, chunks) always."""
    if node.status is None:
        return True
    if node.label is Label.ENTITY:
        return node.status in entity_statuses
    return node.status in statuses


def rel_passes(rel: RelView, statuses: Sequence[Status]) -> bool:
    """Whether a relationship may be traversed (relationships without a status always may)."""
    return rel.status is None or rel.status in statuses


def order_ids(ids: Iterable[str]) -> list[str]:
    """Deterministic order used by every backend for sets of ids."""
    return sorted(set(ids))


def label_for(node_id: str) -> Label:
    """The label encoded in an engine-minted id (``ent_...`` -> Entity)."""
    label = label_of(node_id)
    if label is None:
        raise ValueError(f"{node_id!r} is not an id minted by the engine")
    return label
