"""Guarded text-to-Cypher (Neo4j only): the model writes a read query, the guard decides.

The guard refuses anything but one read-only statement: no write or admin clause, no procedure
call, no string literal (values go in parameters), only labels, relationship types and property
keys of the graph schema, every ``$parameter`` supplied. A query that passes is ``EXPLAIN``-ed,
then run, both in a READ transaction (the server refuses writes there too) with the answer's
deadline as timeout. Refusals and server errors go back to the model a bounded number of times;
after that, or when the model says so, the answer is an explicit "cannot answer" — never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, Field

from graph_schema import LAYER_LABELS, GraphSchema, Label, label_of
from graph_schema import properties as records
from kag.engine.answer import Answer, CypherQuery
from kag.engine.budget import Budget
from kag.engine.llm import LlmGateway, schema_summary
from kag.engine.material import build_material, needed_evidence
from kag.engine.selection import Selection
from kag.engine.tracing import Tracer
from kag.errors import BudgetExceeded, ConfigurationError, InvalidInput
from kag.store import GraphPath, NodeView, RelView

if TYPE_CHECKING:
    from kag.engine.agent import Engine

FORBIDDEN: Final = (
    "CREATE", "MERGE", "DELETE", "DETACH", "SET", "REMOVE", "DROP", "LOAD", "FOREACH", "CALL",
    "USE", "ALTER", "GRANT", "DENY", "REVOKE", "START", "STOP", "TERMINATE", "SHOW", "IMPORT",
    "COMMIT", "ROLLBACK", "ENABLE", "DISABLE", "RENAME",
)  # fmt: skip
_FORBIDDEN_RE: Final = re.compile(r"\b(" + "|".join(FORBIDDEN) + r")\b", re.IGNORECASE)
_NAMESPACE_RE: Final = re.compile(r"\b(apoc|dbms|db|gds|genai)\s*\.", re.IGNORECASE)
_COMMENT_RE: Final = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_PROPERTY_RE: Final = re.compile(r"(?<![\w$`])([A-Za-z_]\w*)\s*\.\s*([A-Za-z_]\w*)")
_PARAM_RE: Final = re.compile(r"\$([A-Za-z_]\w*)")
_NAME_RE: Final = re.compile(r"`([^`]+)`|([A-Za-z_]\w*)")
MAX_ROWS: Final = 50
#: Properties derived on write besides the record fields.
_DERIVED_KEYS: Final = frozenset({"name_norm", "aliases_norm", "search_text", "role", "count"})


def known_property_keys() -> frozenset[str]:
    """Every property key the graph stores (record fields and derived keys)."""
    keys = set(_DERIVED_KEYS)
    for name in dir(records):
        model = getattr(records, name)
        if isinstance(model, type) and issubclass(model, records.Record):
            keys.update(model.model_fields)
    return frozenset(keys)


def _label_expressions(text: str) -> Iterator[tuple[str, str]]:
    """``(kind, name)`` for every label (``node``) and relationship type (``rel``) used."""
    brackets: list[str] = []
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            brackets.append(ch)
        elif ch in ")]" and brackets:
            brackets.pop()
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif ch == ":" and depth == 0:
            kind = "rel" if brackets and brackets[-1] == "[" else "node"
            j = i + 1
            while j < len(text) and (text[j] in " `|&!:%" or text[j].isalnum() or text[j] == "_"):
                if text[j] == "`":
                    end = text.find("`", j + 1)
                    j = len(text) if end < 0 else end + 1
                    continue
                j += 1
            for quoted, bare in _NAME_RE.findall(text[i + 1 : j]):
                yield kind, quoted or bare
            i = j
            continue
        i += 1


def _lexical_check(text: str) -> None:
    if not text:
        raise InvalidInput("the query is empty")
    if ";" in text:
        raise InvalidInput("only one statement is allowed")
    if "'" in text or '"' in text:
        raise InvalidInput("string literals are not allowed: pass values as $parameters")
    forbidden = sorted({m.upper() for m in _FORBIDDEN_RE.findall(text)})
    if forbidden:
        raise InvalidInput(f"the query is not read-only: {', '.join(forbidden)} refused")
    if _NAMESPACE_RE.search(text):
        raise InvalidInput("procedures and namespaced functions (db., apoc., dbms.) are refused")
    if not re.search(r"\bMATCH\b", text, re.I) or not re.search(r"\bRETURN\b", text, re.I):
        raise InvalidInput("a query must MATCH and RETURN")


def _schema_check(text: str, schema: GraphSchema) -> None:
    labels = {label.value for label in Label if label is not Label.SCHEMA_META}
    for kind, name in _label_expressions(text):
        if kind == "node" and name not in labels:
            raise InvalidInput(f"unknown label {name!r}; labels: {', '.join(sorted(labels))}")
        if kind == "rel" and name not in schema.all_rel_types:
            raise InvalidInput(
                f"unknown relationship type {name!r}; types: "
                f"{', '.join(sorted(schema.all_rel_types))}"
            )
    keys = known_property_keys()
    for _, key in _PROPERTY_RE.findall(text):
        if key not in keys:
            raise InvalidInput(f"unknown property {key!r}; properties: {', '.join(sorted(keys))}")


def guard(cypher: str, params: Mapping[str, Any], schema: GraphSchema) -> str:
    """The query if it is one read-only statement within the schema.

    Raises:
        InvalidInput: why the query is refused (sent back to the model for repair).
    """
    text = _COMMENT_RE.sub(" ", cypher).strip().rstrip(";").strip()
    _lexical_check(text)
    _schema_check(text, schema)
    missing = sorted(set(_PARAM_RE.findall(text)) - set(params))
    if missing:
        raise InvalidInput(f"parameters {missing} are used but not given")
    return text


class CypherProposal(BaseModel):
    """A read-only Cypher query with its parameters, or ``cannot_answer`` with the reason."""

    model_config = ConfigDict(extra="forbid")

    cypher: str = ""
    params: dict[str, str | int | float | bool | list[str]] = Field(default_factory=dict)
    cannot_answer: bool = False
    reason: str = ""


def _messages(question: str, schema: GraphSchema, entities: str) -> list[BaseMessage]:
    return [
        SystemMessage(
            "Write one read-only Cypher query for Neo4j 5 answering the question, with every "
            "value as a $parameter (no string literals). Nodes have labels "
            f"{', '.join(sorted(v.value for v in LAYER_LABELS))}, Entity, Document, Chunk; "
            "every node has an id; entities have name and type; observations are Knowledge "
            "nodes with kind='observation', metric, value, unit, period. "
            + schema_summary(schema)
            + " If the graph cannot answer, set cannot_answer and give the reason."
        ),
        HumanMessage(f"Question: {question}\nLinked entities:\n{entities or '- (none)'}"),
    ]


def _ids_in(value: Any, found: dict[str, None]) -> None:
    if isinstance(value, str):
        if label_of(value) is not None:
            found[value] = None
    elif isinstance(value, Mapping):
        for item in value.values():
            _ids_in(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _ids_in(item, found)
    elif hasattr(value, "get") and hasattr(value, "items"):  # driver Node / Relationship
        _ids_in(dict(value.items()), found)


def _citable_paths(engine: Engine, rows: list[dict[str, Any]]) -> list[GraphPath]:
    """Paths for the relation and observation assertions the rows name."""
    found: dict[str, None] = {}
    for row in rows:
        _ids_in(row, found)
    facts = [n for n in engine.store.get_nodes(list(found)) if n.label is Label.KNOWLEDGE]
    ends = {s for f in facts for s in (f.props.get("subject_id"), f.props.get("object_id")) if s}
    nodes: dict[str, NodeView] = {n.id: n for n in engine.store.get_nodes(sorted(ends))}
    paths = []
    for fact in facts:
        subject, obj = nodes.get(fact.props.get("subject_id", "")), None
        if fact.props.get("kind") == "relation":
            obj = nodes.get(fact.props.get("object_id", ""))
            if subject is None or obj is None:
                continue
            rel = RelView(
                id=fact.id,
                type=str(fact.props["predicate"]),
                source_id=subject.id,
                target_id=obj.id,
                status=fact.status,
                confidence=fact.confidence,
            )
            paths.append(GraphPath(nodes=(subject, obj), relationships=(rel,)))
        elif subject is not None:
            about = RelView(
                id=f"{fact.id}:about", type="ABOUT", source_id=fact.id, target_id=subject.id
            )
            paths.append(GraphPath(nodes=(fact, subject), relationships=(about,)))
    return paths


def _render(rows: list[dict[str, Any]]) -> str:
    def show(value: Any) -> str:
        if hasattr(value, "items") and not isinstance(value, dict):
            value = dict(value.items())
        if isinstance(value, dict):
            return str(value.get("name") or value.get("text") or value.get("id") or value)
        if isinstance(value, list):
            return "[" + ", ".join(show(v) for v in value) + "]"
        return str(value)

    lines = ["; ".join(f"{k}: {show(v)}" for k, v in row.items()) for row in rows[:MAX_ROWS]]
    more = f" (first {MAX_ROWS} of {len(rows)} rows)" if len(rows) > MAX_ROWS else ""
    return f"Query result{more}: " + " | ".join(lines)


def _run_guarded(
    store: Any, proposal: CypherProposal, schema: GraphSchema, budget: Budget, tracer: Tracer
) -> tuple[str, list[dict[str, Any]]]:
    """Guard, EXPLAIN, then run a proposal; raises :class:`InvalidInput` when refused."""
    with tracer.step("guard", "check the proposed query") as detail:
        try:
            text = guard(proposal.cypher, proposal.params, schema)
        except InvalidInput as exc:
            detail.update(refused=exc.message[:200])
            raise
    budget.start_query()
    with tracer.step("query", "EXPLAIN", backend="neo4j"):
        store.read_query("EXPLAIN " + text, proposal.params, timeout_s=budget.remaining_s())
    timeout = budget.start_query()
    with tracer.step("query", "text-to-Cypher", backend="neo4j") as detail:
        rows: list[dict[str, Any]] = store.read_query(text, proposal.params, timeout_s=timeout)
        detail.update(rows=len(rows))
    return text, rows


def answer_with_cypher(engine: Engine, question: str, budget: Budget, tracer: Tracer) -> Answer:
    """Answer through guarded text-to-Cypher.

    Raises:
        InvalidInput: the store is not Neo4j.
        ConfigurationError: no language model is configured.
    """
    from kag.engine.agent import _Run
    from kag.engine.linking import analyse
    from kag.engine.retrieval import Retriever

    store = engine.store
    if store.backend != "neo4j" or not hasattr(store, "read_query"):
        raise InvalidInput(
            "text-to-Cypher mode needs the Neo4j backend; use the default plan mode on the "
            f"{store.backend} store"
        )
    if engine.chat_model is None:
        raise ConfigurationError("text-to-Cypher mode needs a language model: set KAG_LLM")
    gateway = LlmGateway(engine.chat_model, budget, tracer)
    retriever = Retriever(store, budget, tracer, engine.settings.engine)
    run = _Run(question, budget, tracer, retriever, gateway)
    reason = "the model could not write a valid read-only query"
    try:
        with tracer.step("link", "question analysis"):
            run.analysis = analyse(question, store, engine.nlp, store.schema)
        entities = "\n".join(f"- {e.entity.name}: id {e.entity.id}" for e in run.analysis.entities)
        messages = _messages(question, store.schema, entities)
        for round_ in range(1 + engine.settings.engine.max_plan_repairs):
            proposal, error = gateway.structured(CypherProposal, messages, f"cypher #{round_}")
            if proposal is not None and proposal.cannot_answer:
                reason = proposal.reason or "the model says the graph cannot answer"
                break
            if proposal is not None:
                try:
                    text, rows = _run_guarded(store, proposal, store.schema, budget, tracer)
                except InvalidInput as exc:
                    error = exc.message
                else:
                    retriever.queries.append(
                        CypherQuery(
                            purpose="text-to-Cypher",
                            cypher=text,
                            params=dict(proposal.params),
                            rows=len(rows),
                        )
                    )
                    if not rows:
                        reason = "the query found nothing"
                        break
                    return _answer_rows(engine, run, rows)
            messages = [*messages, HumanMessage(f"Refused: {error}. Reply with a corrected query.")]
    except BudgetExceeded as exc:
        reason = exc.message
    return run.answer(f"Cannot answer: {reason}.", "cannot_answer", 0.0, None, (), [], "template")


def _answer_rows(engine: Engine, run: Any, rows: list[dict[str, Any]]) -> Answer:
    paths = _citable_paths(engine, rows)
    selection = Selection(paths=[(p, "answer") for p in paths], slot_filled=True)
    material = build_material(selection, run.retriever.evidence(needed_evidence(selection)))
    answer: Answer = run.answer(_render(rows), "answered", 1.0, None, (), [], "template")
    confidence = min((c.confidence for c in material.citations), default=1.0)
    return answer.model_copy(
        update={"citations": tuple(material.citations), "confidence": confidence}
    )
