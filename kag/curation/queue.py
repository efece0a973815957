"""The review queue: what waits for an expert, ordered by impact.

Items are proposed assertions and entities (other statuses on request), merge candidates
(``near_duplicates`` proposals, ids ``mc_...``) and contradictions (ids ``ct_...``).

Impact estimates how much the graph's answers would change with the item decided::

    impact = 10 * cited_by + reach + 2 * sources + evidence + confidence

``cited_by``: answers that cited it (use already made of it); ``reach``: live relationships of
the entities it connects plus its own links to other statements (the paths that run through
it); ``sources``: documents it was read in; ``evidence``: spans. Merge candidates and
contradictions add up their members. Ties go by id, so the order is the same on every backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from graph_schema import AssertionKind, Label, Layer, Status
from kag.curation.contradictions import contradictions
from kag.curation.models import Impact, QueueFilter, ReviewItem
from kag.curation.rules import Proposal, RuleContext, near_duplicates
from kag.store import GraphStore
from kag.store.patch import AssertionSummary, EntitySummary


def impact_score(impact: Impact) -> float:
    """The impact formula of the module docstring."""
    return round(
        10 * impact.cited_by
        + impact.reach
        + 2 * impact.sources
        + impact.evidence
        + impact.confidence,
        4,
    )


def _sum(impacts: Sequence[Impact]) -> Impact:
    return Impact(
        cited_by=sum(i.cited_by for i in impacts),
        reach=sum(i.reach for i in impacts),
        sources=sum(i.sources for i in impacts),
        evidence=sum(i.evidence for i in impacts),
        confidence=round(max((i.confidence for i in impacts), default=0.0), 4),
    )


class QueueBuilder:
    """Builds review items from one read of the graph."""

    def __init__(self, store: GraphStore, ctx: RuleContext, statuses: Iterable[Status]) -> None:
        self.ctx = ctx
        wanted = tuple(dict.fromkeys(statuses))
        extra = [s for s in wanted if s not in (Status.PROPOSED, Status.APPROVED)]
        self._assertions = dict(ctx.assertions)
        self._entities = dict(ctx.entities)
        if extra:
            self._assertions.update({s.node.id: s for s in store.assertion_summaries(extra)})
            self._entities.update({s.node.id: s for s in store.entity_summaries(extra)})
        self._statuses = set(wanted)
        doc_ids = {d for s in self._assertions.values() for d in s.documents}
        doc_ids |= {d for e in self._entities.values() for d in e.documents}
        self.sources = {
            n.id: str(n.props.get("source", n.id)) for n in store.get_nodes(sorted(doc_ids))
        }

    # -- impacts -----------------------------------------------------------------------------
    def _reach(self, entity_ids: Iterable[str]) -> int:
        return sum(
            e.relations + e.assertions
            for i in set(entity_ids)
            if (e := self.ctx.entities.get(i)) is not None
        )

    def assertion_impact(self, s: AssertionSummary) -> Impact:
        """Impact of an assertion."""
        return Impact(
            cited_by=s.cited_by,
            reach=self._reach(s.entity_ids) + s.links,
            sources=len(s.documents),
            evidence=s.evidence,
            confidence=round(s.node.confidence or 0.0, 4),
        )

    def entity_impact(self, e: EntitySummary) -> Impact:
        """Impact of an entity."""
        return Impact(
            cited_by=e.cited_by,
            reach=e.relations + e.assertions,
            sources=len(e.documents),
            evidence=e.mentions,
            confidence=round(e.node.confidence or 0.0, 4),
        )

    def _member_impact(self, node_id: str) -> Impact | None:
        if node_id in self._assertions:
            return self.assertion_impact(self._assertions[node_id])
        if node_id in self._entities:
            return self.entity_impact(self._entities[node_id])
        return None

    # -- items -------------------------------------------------------------------------------
    def _docs(self, ids: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted({self.sources.get(i, i) for i in ids}))

    def assertion_item(self, s: AssertionSummary) -> ReviewItem:
        """A review item for an assertion."""
        props = s.node.props
        kind = str(props.get("kind", ""))
        type_ = {
            AssertionKind.RELATION.value: str(props.get("predicate", "")),
            AssertionKind.OBSERVATION.value: str(props.get("metric", "")),
        }.get(kind, AssertionKind.STATEMENT.value)
        impact = self.assertion_impact(s)
        return ReviewItem(
            id=s.node.id,
            kind="assertion",
            label=s.node.label,
            layer=Layer(s.node.label.value),
            type=type_,
            title=str(props.get("text", s.node.name)),
            status=s.node.status,
            confidence=s.node.confidence,
            impact=impact_score(impact),
            impact_detail=impact,
            documents=self._docs(s.documents),
            extractors=s.extractors,
            entity_ids=s.entity_ids,
        )

    def entity_item(self, e: EntitySummary) -> ReviewItem:
        """A review item for an entity."""
        impact = self.entity_impact(e)
        return ReviewItem(
            id=e.node.id,
            kind="entity",
            label=Label.ENTITY,
            type=str(e.node.props.get("type", "")),
            title=f"{e.node.name} ({e.node.props.get('type', '')})",
            status=e.node.status,
            confidence=e.node.confidence,
            impact=impact_score(impact),
            impact_detail=impact,
            documents=self._docs(e.documents),
            entity_ids=(e.node.id,),
        )

    def candidate_item(self, proposal: Proposal) -> ReviewItem:
        """A review item for a merge candidate or a contradiction."""
        merge = proposal.rule == "near_duplicates"
        members = proposal.involved
        impacts = [i for m in members if (i := self._member_impact(m)) is not None]
        impact = _sum(impacts)
        docs: set[str] = set()
        extractors: set[str] = set()
        entities: set[str] = set()
        for m in members:
            if m in self._assertions:
                docs.update(self._assertions[m].documents)
                extractors.update(self._assertions[m].extractors)
                entities.update(self._assertions[m].entity_ids)
            elif m in self._entities:
                docs.update(self._entities[m].documents)
                entities.add(m)
        return ReviewItem(
            id=proposal.id,
            kind="merge_candidate" if merge else "contradiction",
            type="merge" if merge else "contradiction",
            title=proposal.title,
            impact=impact_score(impact),
            impact_detail=impact,
            documents=self._docs(docs),
            extractors=tuple(sorted(extractors)),
            entity_ids=tuple(sorted(entities)),
            members=tuple(members),
            proposal=proposal.action,
            reason=proposal.reason,
        )

    def items(self, wanted: QueueFilter) -> list[ReviewItem]:
        """Every item the filter selects, by impact (highest first), then id."""
        kinds = set(wanted.kinds or ("assertion", "entity", "merge_candidate", "contradiction"))
        out: list[ReviewItem] = []
        if "assertion" in kinds:
            out += [
                self.assertion_item(s)
                for s in self._assertions.values()
                if s.node.status in self._statuses
            ]
        if "entity" in kinds:
            out += [
                self.entity_item(e)
                for e in self._entities.values()
                if e.node.status in self._statuses
            ]
        if "merge_candidate" in kinds:
            out += [self.candidate_item(p) for p in near_duplicates(self.ctx)]
        if "contradiction" in kinds:
            out += [self.candidate_item(p) for p in contradictions(self.ctx)]
        selected = [i for i in out if matches(i, wanted, self.sources)]
        selected.sort(key=lambda i: (-i.impact, i.id))
        return selected


def matches(item: ReviewItem, wanted: QueueFilter, sources: dict[str, str]) -> bool:
    """Whether an item passes a filter."""
    if wanted.layers is not None and item.layer not in wanted.layers:
        return False
    if wanted.types is not None and item.type not in wanted.types:
        return False
    if wanted.extractors is not None and not _extractor_match(item.extractors, wanted.extractors):
        return False
    if wanted.documents is not None:
        allowed = set(wanted.documents) | {sources[d] for d in wanted.documents if d in sources}
        if not allowed.intersection(item.documents):
            return False
    confidence = item.confidence if item.confidence is not None else item.impact_detail.confidence
    if wanted.min_confidence is not None and confidence < wanted.min_confidence:
        return False
    if wanted.max_confidence is not None and confidence > wanted.max_confidence:
        return False
    if wanted.entity_id is not None and wanted.entity_id not in item.entity_ids:
        return False
    return wanted.text is None or wanted.text.casefold() in item.title.casefold()


def _extractor_match(have: Sequence[str], wanted: Sequence[str]) -> bool:
    """``nlp`` matches evidence read by ``nlp`` alone or together with others (``llm+nlp``)."""
    names = {part for h in have for part in h.split("+")}
    return bool(names.intersection(wanted) or set(have).intersection(wanted))
