"""Merging two entities and splitting a wrongly merged one, on a ChangeSet.

Merge (``loser`` into ``keeper``): the keeper gains the loser's name and aliases; every live
relation and observation about the loser is restated about the keeper (a relation that would
join the keeper to itself is superseded); statements about the loser are linked to the keeper;
mentions move; the loser becomes ``superseded`` with ``merged_into``. Rejected and superseded
facts about the loser stay as they are, so a rejection still blocks the same fact about the
keeper (ingestion checks the fingerprints under merged ids). Answers that cited the loser and
decisions about it keep pointing at it (provenance).

Split (names off ``entity``): the names go to another entity (new, or given), with the facts
read under those names: those whose every evidence quote names one of them and none of the
names the entity keeps (or the facts the expert lists), restated the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from graph_schema import (
    AssertionKind,
    GraphSchema,
    Label,
    RelType,
    Status,
    normalise_name,
    rel_id,
    stable_id,
)
from graph_schema.properties import EntityRecord, utc_now
from kag.curation.changes import ChangeSet, node_label
from kag.curation.facts import LIVE, restate
from kag.curation.operations import Transfer, live_facts_about, set_status
from kag.errors import Conflict, InvalidInput, NotFound

_FACT_KINDS = frozenset({AssertionKind.RELATION.value, AssertionKind.OBSERVATION.value})


def require_entity(cs: ChangeSet, entity_id: str, *, live: bool = True) -> dict[str, Any]:
    """An entity's properties.

    Raises:
        NotFound: no such entity.
        Conflict: ``live`` and the entity is rejected or superseded.
    """
    props = cs.node(entity_id) if node_label(entity_id) is Label.ENTITY else None
    if props is None:
        raise NotFound(f"no entity with id {entity_id!r}; entity ids start with 'ent_'")
    if live and props.get("status") not in LIVE:
        where = f" into {props['merged_into']}" if props.get("merged_into") else ""
        raise Conflict(
            f"entity {entity_id} ({props.get('name')}) is {props.get('status')}{where}; "
            "decide on a live entity"
        )
    return props


def name_keys(props: dict[str, Any], aliases: Sequence[str]) -> dict[str, Any]:
    """``aliases`` and the lookup keys derived from name and aliases, as ingestion stores them."""
    record = EntityRecord(
        id=str(props["id"]),
        name=str(props["name"]),
        type=str(props["type"]),
        aliases=tuple(sorted(set(aliases))),
    )
    derived = record.props()
    return {k: derived[k] for k in ("aliases", "name_norm", "aliases_norm", "search_text")}


def _restated(
    schema: GraphSchema, cs: ChangeSet, fact: dict[str, Any], old: str, new: str
) -> tuple[str, dict[str, Any]] | None:
    changes: dict[str, Any] = {}
    for key in ("subject_id", "object_id"):
        if fact.get(key) == old:
            changes[key] = new
    if fact.get("kind") == AssertionKind.RELATION.value and (
        changes.get("subject_id", fact.get("subject_id"))
        == changes.get("object_id", fact.get("object_id"))
    ):
        return None  # it would join the entity to itself
    return restate(schema, cs, fact, changes)


def move_fact(schema: GraphSchema, cs: ChangeSet, fact: dict[str, Any], old: str, new: str) -> str:
    """Restate a live fact (or link a statement) about ``old`` as about ``new``; returns the id
    of what now states it (the fact's own id when it is superseded as a self-relation)."""
    fact_id = str(fact["id"])
    if fact.get("kind") not in _FACT_KINDS:
        cs.load_rels([fact_id])
        old_link = rel_id(RelType.ABOUT.value, fact_id, old)
        link = cs.rel(old_link)
        role = str(link.props.get("role", "mention")) if link is not None else "mention"
        if link is not None:
            cs.delete_rel(old_link)
        new_link = rel_id(RelType.ABOUT.value, fact_id, new)
        if cs.rel(new_link) is None:
            props = {"id": new_link, "role": role}
            cs.put_rel(new_link, RelType.ABOUT.value, fact_id, new, props)
        return fact_id
    restated = _restated(schema, cs, fact, old, new)
    if restated is None:
        set_status(cs, fact_id, Status.SUPERSEDED)
        return fact_id
    new_id, new_props = restated
    return Transfer(schema, cs).run(fact_id, new_id, new_props, entity_map={old: new})


def _move_mention(cs: ChangeSet, chunk_id: str, old: str, new: str, *, keep_old: bool) -> None:
    old_id = rel_id(RelType.MENTIONS.value, chunk_id, old)
    mention = cs.rel(old_id)
    count = int(mention.props.get("count", 1)) if mention is not None else 1
    new_id = rel_id(RelType.MENTIONS.value, chunk_id, new)
    cs.load_rels([new])
    existing = cs.rel(new_id)
    if existing is None:
        cs.put_rel(new_id, RelType.MENTIONS.value, chunk_id, new, {"id": new_id, "count": count})
    elif not keep_old:
        cs.update_rel(new_id, count=int(existing.props.get("count", 1)) + count)
    if not keep_old and mention is not None:
        cs.delete_rel(old_id)


def merge(schema: GraphSchema, cs: ChangeSet, loser: str, keeper: str) -> dict[str, Any]:
    """Merge ``loser`` into ``keeper``; returns what the decision records as ``after``."""
    if loser == keeper:
        raise InvalidInput(f"cannot merge entity {loser} into itself")
    lost = require_entity(cs, loser)
    kept = require_entity(cs, keeper)
    cs.load_rels([loser, keeper])
    moved: list[str] = []
    for about, fact in live_facts_about(cs, loser):
        if fact.get("kind") in _FACT_KINDS and fact.get("status") not in LIVE:
            continue  # rejected and superseded facts stay: their fingerprints keep blocking
        del about
        moved.append(move_fact(schema, cs, fact, loser, keeper))
    for mention in cs.rels_of(loser, [RelType.MENTIONS.value]):
        _move_mention(cs, mention.source, loser, keeper, keep_old=False)
    names = [*(kept.get("aliases") or []), str(lost["name"]), *(lost.get("aliases") or [])]
    names = [n for n in names if normalise_name(n) != normalise_name(str(kept["name"]))]
    updates = name_keys(kept, names)
    if lost.get("status") == Status.APPROVED.value:
        updates["status"] = Status.APPROVED.value
    cs.update_node(keeper, **updates)
    cs.update_node(loser, status=Status.SUPERSEDED.value, merged_into=keeper)
    return {"into": keeper, "status": Status.SUPERSEDED.value, "moved": sorted(set(moved))}


_WORD = r"(?<![\w]){}(?![\w])"


def _mentions(text: str, names: Sequence[str]) -> bool:
    return any(re.search(_WORD.format(re.escape(n)), text, re.IGNORECASE) for n in names if n)


def _masked(text: str, names: Sequence[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(_WORD.format(re.escape(name)), " ", text, flags=re.IGNORECASE)
    return text


def _quotes(cs: ChangeSet, fact_id: str) -> list[str]:
    return [
        str(ev.props.get("quote", ""))
        for ev in cs.rels_of(fact_id, [RelType.EVIDENCED_BY.value])
        if ev.source == fact_id
    ]


def _read_under(cs: ChangeSet, fact_id: str, names: Sequence[str], kept: Sequence[str]) -> bool:
    quotes = _quotes(cs, fact_id)
    return bool(quotes) and all(
        _mentions(q, names) and not _mentions(_masked(q, names), kept) for q in quotes
    )


def split(
    schema: GraphSchema,
    cs: ChangeSet,
    entity_id: str,
    names: Sequence[str],
    *,
    into: str | None,
    entity_type: str | None,
    assertion_ids: Sequence[str] | None,
    merged_facts: Collection[str] = (),
) -> dict[str, Any]:
    """Split ``names`` off ``entity_id``; returns what the decision records as ``after``.

    ``merged_facts``: facts a standing merge of the split target into ``entity_id`` moved
    (see :func:`merged_away_facts`); they go back with the names even when their quotes use a
    shorter name ("Corvane" for "Corvane Robotics").
    """
    props = require_entity(cs, entity_id)
    own = {normalise_name(a): a for a in props.get("aliases") or []}
    wanted = [normalise_name(n) for n in names]
    if normalise_name(str(props["name"])) in wanted:
        raise InvalidInput(
            f"{props['name']!r} is the entity's own name; split off the other names, or merge"
        )
    unknown = [n for n, key in zip(names, wanted, strict=True) if key not in own]
    if unknown:
        raise InvalidInput(
            f"{', '.join(map(repr, unknown))} not among the names of {props['name']!r} "
            f"(its aliases: {', '.join(sorted(own.values())) or 'none'})"
        )
    split_names = [own[k] for k in wanted]
    target = _split_target(cs, props, split_names, into, entity_type)
    remaining = [a for k, a in own.items() if k not in wanted]
    cs.update_node(entity_id, **name_keys(props, remaining))
    kept_names = [str(props["name"]), *remaining]
    moved = []
    came_in = {_latest(cs, f) for f in merged_facts}
    for about, fact in live_facts_about(cs, entity_id):
        del about
        chosen = (
            str(fact["id"]) in assertion_ids
            if assertion_ids is not None
            else str(fact["id"]) in came_in
            or _read_under(cs, str(fact["id"]), split_names, kept_names)
        )
        if chosen and (fact.get("status") in LIVE or fact.get("kind") not in _FACT_KINDS):
            moved.append(move_fact(schema, cs, fact, entity_id, target))
    for mention in cs.rels_of(entity_id, [RelType.MENTIONS.value]):
        text = str((cs.node(mention.source) or {}).get("text", ""))
        if _mentions(text, split_names):
            keep = _mentions(_masked(text, split_names), kept_names)
            _move_mention(cs, mention.source, entity_id, target, keep_old=keep)
    return {"names": split_names, "into": target, "moved": sorted(set(moved))}


def _latest(cs: ChangeSet, fact_id: str) -> str:
    """The end of a fact's ``replaced_by`` chain (later corrections of what a merge moved)."""
    seen = {fact_id}
    while (nxt := (cs.node(fact_id) or {}).get("replaced_by")) and str(nxt) not in seen:
        fact_id = str(nxt)
        seen.add(fact_id)
    return fact_id


def split_target(props: dict[str, Any], names: Sequence[str], entity_type: str | None) -> str:
    """The id of the new entity a split without ``into`` gives the names to."""
    return stable_id(Label.ENTITY, entity_type or str(props["type"]), normalise_name(names[0]))


def merged_away_facts(merges: Iterable[Mapping[str, Any]], loser: str, keeper: str) -> list[str]:
    """Facts that standing merges of ``loser`` into ``keeper`` moved (decision properties of
    merges, as ``GraphStore.list_decisions`` returns them)."""
    out: list[str] = []
    for props in merges:
        if props.get("undone") or props.get("target_id") != loser:
            continue
        after = json.loads(str(props.get("after") or "{}"))
        if isinstance(after, dict) and after.get("into") == keeper:
            out += [str(m) for m in after.get("moved") or []]
    return out


def _split_target(
    cs: ChangeSet,
    source: dict[str, Any],
    names: Sequence[str],
    into: str | None,
    entity_type: str | None,
) -> str:
    if into is not None:
        target = require_entity(cs, into, live=False)
        if target.get("status") == Status.REJECTED.value:
            raise Conflict(f"entity {into} is rejected; split into a live or a new entity")
    else:
        kind = entity_type or str(source["type"])
        into = split_target(source, names, entity_type)
        target = cs.node(into) or {}
        if not target:
            record = EntityRecord(
                id=into,
                name=names[0],
                type=kind,
                aliases=tuple(names[1:]),
                status=Status.APPROVED,
                confidence=1.0,
                created_at=utc_now(),
            )
            cs.put_node(into, record.props())
            return into
    aliases = [*(target.get("aliases") or []), *names]
    aliases = [a for a in aliases if normalise_name(a) != normalise_name(str(target["name"]))]
    cs.update_node(
        into, status=Status.APPROVED.value, merged_into=None, **name_keys(target, aliases)
    )
    return into
