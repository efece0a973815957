"""A small competitive-intelligence graph with every shape the engine answers over.

Entities, typed relations (approved, proposed, rejected, time-bounded), observations over several
periods and units, and the other layers (situation, wisdom, experience, insight) with their
structural links, each with evidence in a document chunk. Used by the plan contract suite and
the engine tests; every record has fixed timestamps so the backends compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph_schema import Layer, RelType, Status, rel_id
from graph_schema.properties import (
    AssertionRecord,
    ChunkRecord,
    DocumentRecord,
    EvidenceRecord,
    LinkRecord,
)
from kag.store import GraphStore, WriteBatch
from tests.support.builders import document, entity, evidence, observation, relation, statement

ACME = entity("Acme Corp", aliases=("Acme",))
GLOBEX = entity("Globex", aliases=("Globex Corporation",))
INITECH = entity("Initech")
UMBRELLA = entity("Umbrella Group", aliases=("Umbrella",))
HOOLI = entity("Hooli")
VANDELAY = entity("Vandelay Industries", aliases=("Vandelay",))
ROGUE = entity("Rogue Ltd", status=Status.REJECTED)
BERLIN = entity("Berlin", "place")
ROUTEMAX = entity("RouteMax", "product")
LOGISTICS = entity("logistics software", "market")

COMPETES = relation(ACME, "COMPETES_WITH", GLOBEX)
ACQUIRED = relation(GLOBEX, "ACQUIRED", INITECH).model_copy(update={"valid_from": "2024-03-01"})
SUPPLIED = relation(INITECH, "SUPPLIED_BY", UMBRELLA)
HQ = relation(UMBRELLA, "HEADQUARTERED_IN", BERLIN)
OFFERS = relation(ACME, "OFFERS", ROUTEMAX)
OPERATES = relation(GLOBEX, "OPERATES_IN", LOGISTICS)
PARTNER_PROPOSED = relation(HOOLI, "PARTNERS_WITH", ACME, status=Status.PROPOSED, confidence=0.6)
COMPETES_REJECTED = relation(VANDELAY, "COMPETES_WITH", ACME, status=Status.REJECTED)
OLD_PARTNER = relation(ACME, "PARTNERS_WITH", INITECH).model_copy(
    update={"valid_from": "2021-01-01", "valid_to": "2022-06-30"}
)
ROGUE_ACQ = relation(ROGUE, "ACQUIRED", UMBRELLA)
LOW_CONF = relation(HOOLI, "CUSTOMER_OF", GLOBEX, confidence=0.3)

REV = {
    (ACME, "2023"): observation(ACME, "revenue", 10.0, "USD million", "2023"),
    (ACME, "2024"): observation(ACME, "revenue", 12.5, "USD million", "2024"),
    (ACME, "2025"): observation(ACME, "revenue", 14.0, "USD million", "2025"),
    (GLOBEX, "2023"): observation(GLOBEX, "revenue", 14.0, "USD million", "2023"),
    (GLOBEX, "2024"): observation(GLOBEX, "revenue", 15.0, "USD million", "2024"),
    (GLOBEX, "2024-Q3"): observation(GLOBEX, "revenue", 4.0, "USD million", "2024-Q3"),
    (INITECH, "2024"): observation(INITECH, "revenue", 6.0, "USD million", "2024"),
}
REV_EUR = observation(ACME, "revenue", 11.0, "EUR million", "2024")
REV_PROPOSED = observation(HOOLI, "revenue", 99.0, "USD million", "2024", status=Status.PROPOSED)
SHARE = {
    ACME: observation(ACME, "market share", 20.0, "percent", "2024"),
    GLOBEX: observation(GLOBEX, "market share", 25.0, "percent", "2024"),
}
PRICE_CUT = observation(GLOBEX, "price change", -15.0, "percent", "2025")

SITUATION = statement(Layer.SITUATION, "A competitor cuts list prices by more than 10 percent.")
WISDOM = statement(
    Layer.WISDOM,
    "When a competitor undercuts on price, compete on integration depth, not on price.",
)
WISDOM_PROPOSED = statement(
    Layer.WISDOM, "Never match a price cut in the first quarter after it is announced."
).model_copy(update={"status": Status.PROPOSED})
EXPERIENCE_WIN = statement(
    Layer.EXPERIENCE,
    "In 2025 Globex cut prices by 15 percent; we kept our prices and won 7 of 9 renewals by "
    "bundling integrations.",
    about=(GLOBEX,),
)
EXPERIENCE_LOSS = statement(
    Layer.EXPERIENCE,
    "In 2022 we answered a Globex discount with deeper integration and still lost the Hooli "
    "deal on price.",
    about=(GLOBEX, HOOLI),
)
INSIGHT = statement(
    Layer.INSIGHT,
    "Globex's acquisition of Initech gives it control of the Umbrella supply chain.",
    about=(GLOBEX, INITECH),
)


def link(kind: RelType, source: AssertionRecord, target: AssertionRecord) -> LinkRecord:
    """An approved structural link."""
    return LinkRecord(
        id=rel_id(kind.value, source.id, target.id),
        type=kind,
        source_id=source.id,
        target_id=target.id,
        confidence=0.9,
        status=Status.APPROVED,
    )


LINKS = (
    link(RelType.APPLIES_IN, WISDOM, SITUATION),
    link(RelType.APPLIES_IN, WISDOM_PROPOSED, SITUATION),
    link(RelType.SUPPORTS, EXPERIENCE_WIN, WISDOM),
    link(RelType.CONTRADICTS, EXPERIENCE_LOSS, WISDOM),
    link(RelType.IN_SITUATION, EXPERIENCE_WIN, SITUATION),
    link(RelType.DERIVED_FROM, INSIGHT, ACQUIRED),
)

ENTITIES = (ACME, GLOBEX, INITECH, UMBRELLA, HOOLI, VANDELAY, ROGUE, BERLIN, ROUTEMAX, LOGISTICS)
RELATIONS = (
    COMPETES,
    ACQUIRED,
    SUPPLIED,
    HQ,
    OFFERS,
    OPERATES,
    PARTNER_PROPOSED,
    COMPETES_REJECTED,
    OLD_PARTNER,
    ROGUE_ACQ,
    LOW_CONF,
)
OBSERVATIONS = (*REV.values(), REV_EUR, REV_PROPOSED, *SHARE.values(), PRICE_CUT)
STATEMENTS = (SITUATION, WISDOM, WISDOM_PROPOSED, EXPERIENCE_WIN, EXPERIENCE_LOSS, INSIGHT)


@dataclass
class EngineGraph:
    """What :func:`write_engine_graph` wrote: the documents and every evidence span by assertion."""

    documents: dict[str, DocumentRecord] = field(default_factory=dict)
    chunks: dict[str, ChunkRecord] = field(default_factory=dict)
    evidence: dict[str, list[EvidenceRecord]] = field(default_factory=dict)

    def document_of(self, assertion: AssertionRecord) -> str:
        """The source of the (first) document evidencing an assertion."""
        doc_id = self.evidence[assertion.id][0].document_id
        return self.documents[doc_id].source


def _sentence(a: AssertionRecord) -> str:
    return a.text if a.text.endswith(".") else f"{a.text}."


def write_engine_graph(store: GraphStore) -> EngineGraph:
    """Write the graph, one document per layer group, every assertion with one evidence span."""
    groups = {
        "profiles/relations.txt": RELATIONS,
        "reports/figures.txt": OBSERVATIONS,
        "playbooks/pricing.txt": (SITUATION, WISDOM, WISDOM_PROPOSED),
        "reviews/win-loss.txt": (EXPERIENCE_WIN, EXPERIENCE_LOSS),
        "notes/analyst.txt": (INSIGHT,),
    }
    out = EngineGraph()
    store.write(WriteBatch(entities=ENTITIES))
    for source, assertions in groups.items():
        text = " ".join(_sentence(a) for a in assertions)
        doc, chunk = document(source, text)
        spans = tuple(evidence(a, chunk, _sentence(a)) for a in assertions)
        store.write(
            WriteBatch(documents=(doc,), chunks=(chunk,), assertions=assertions, evidence=spans)
        )
        out.documents[doc.id] = doc
        out.chunks[chunk.id] = chunk
        for span in spans:
            out.evidence.setdefault(span.assertion_id, []).append(span)
    store.write(WriteBatch(links=LINKS))
    return out
