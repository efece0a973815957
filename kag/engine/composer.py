"""The template composer: answer text from the selected paths and values only, offline.

Every sentence names the citation ids it rests on (``[c1]``); every number is a value the query
executor computed (value rows and series summaries), formatted with its unit and period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from graph_schema import GraphSchema, Label
from kag.engine.answer import Citation, CitedNode, Quantity
from kag.engine.linking import QuestionAnalysis
from kag.engine.material import Material
from kag.engine.render import amount, change, join_names, path_sentence
from kag.plan import ValueRow

INSUFFICIENT = "Insufficient evidence: the graph holds no approved facts that answer this question."


@dataclass
class Composition:
    """The composed text and the quantities it states."""

    text: str
    quantities: list[Quantity] = field(default_factory=list)
    short: str | None = None


def _refs(ids: Sequence[str]) -> str:
    return "".join(f"[{i}]" for i in ids)


class TemplateComposer:
    """Writes answers from templates per question shape."""

    def __init__(self, schema: GraphSchema) -> None:
        self.schema = schema

    def compose(self, analysis: QuestionAnalysis, kind: str | None, m: Material) -> Composition:
        """Compose the answer text; ``kind`` is the shape of the plans that produced it."""
        if m.selection.empty:
            return Composition(INSUFFICIENT)
        if kind == "quantitative":
            return self._quantitative(analysis, m)
        if kind == "advice":
            return Composition(self._advice(m))
        if kind == "experience":
            return Composition(self._experience(m))
        if kind == "describe":
            return Composition(self._describe(m))
        if kind == "chain":
            ends = list(dict.fromkeys(c.nodes[-1].name for c in m.by_role("answer")))
            return Composition(self._chain(m), short=join_names(ends))
        return Composition(self._paths(analysis, m))

    # -- paths -----------------------------------------------------------------------------------
    def _sentence(self, c: Citation) -> str:
        return f"{path_sentence(self.schema, c)} [{c.id}]."

    def _chain(self, m: Material) -> str:
        answers = m.by_role("answer")
        ends = list(dict.fromkeys(c.nodes[-1].name for c in answers))
        body = " ".join(self._sentence(c) for c in answers)
        return f"{join_names(ends)}. {body}"

    def _insight(self, m: Material) -> str:
        parts: dict[str, list[str]] = {}
        for c in m.by_role("answer"):
            insight = c.nodes[0]
            parts.setdefault(insight.text or insight.name, []).append(
                f"{_fact_text(c.nodes[-1])} [{c.id}]"
            )
        return " ".join(f"{text} It rests on: {'; '.join(facts)}." for text, facts in parts.items())

    def _paths(self, analysis: QuestionAnalysis, m: Material) -> str:
        answers = m.by_role("answer")
        if answers and answers[0].nodes[0].label is Label.INSIGHT:
            return self._insight(m)
        text = " ".join(self._sentence(c) for c in answers)
        if analysis.shape == "why":
            text += " " + self._evidence(answers)
        return text.strip()

    @staticmethod
    def _evidence(citations: Sequence[Citation]) -> str:
        lines = []
        for c in citations:
            for hop in c.hops:
                for span in hop.spans:
                    lines.append(
                        f"\u201c{span.quote}\u201d ({span.document_source} v{span.version}, "
                        f"characters {span.start}-{span.end}) [{c.id}]"
                    )
        return "Evidence: " + "; ".join(dict.fromkeys(lines)) + "." if lines else ""

    def _describe(self, m: Material) -> str:
        answers = m.by_role("answer")
        statements = m.by_role("context")
        subject = (answers or statements)[0].nodes[0].name
        parts = [f"{subject}:"]
        if answers:
            facts = "; ".join(f"{path_sentence(self.schema, c)} [{c.id}]" for c in answers)
            parts.append(facts + ".")
        if statements:
            texts = " ".join(f"{_statement_text(c)} [{c.id}]" for c in statements)
            parts.append(f"Statements about it: {texts}")
        return " ".join(parts)

    def _advice(self, m: Material) -> str:
        parts = []
        for c in m.by_role("answer"):
            wisdom = next(n for n in c.nodes if n.label is Label.WISDOM)
            situation = next((n for n in c.nodes if n.label is Label.SITUATION), None)
            where = f" (applies when: {situation.text or situation.name})" if situation else ""
            parts.append(f"{wisdom.text or wisdom.name}{where} [{c.id}]")
        text = "Advice: " + " ".join(parts) if parts else ""
        for role, title in (("supports", "Supported by"), ("contradicts", "Contradicted by")):
            backing = m.by_role(role)
            if backing:
                items = "; ".join(f"{_statement_text(c)} [{c.id}]" for c in backing)
                text += f" {title}: {items}"
        context = m.by_role("context")
        if context:
            items = "; ".join(f"{_statement_text(c)} [{c.id}]" for c in context)
            text += f" Related experience: {items}"
        return text.strip()

    @staticmethod
    def _experience(m: Material) -> str:
        return " ".join(f"{_statement_text(c)} [{c.id}]" for c in m.by_role("answer"))

    # -- values ----------------------------------------------------------------------------------
    def _quantitative(self, analysis: QuestionAnalysis, m: Material) -> Composition:
        rows = m.selection.values
        ids = m.value_ids
        op = analysis.op or "value"
        out = Composition("")
        metric = rows[0].metric
        period = _period_text(analysis)
        lines: list[str] = []
        for i, row in enumerate(rows):
            label = row.entity_name or "all"
            kind = {"sum": "total", "avg": "average", "min": "minimum", "max": "maximum"}.get(
                op, "value"
            )
            if op in ("sum", "avg", "min", "max") and row.count == 1 and row.entity_name:
                kind = "value"
            out.quantities.append(
                Quantity(
                    label=label if op != "trend" else row.period or label,
                    metric=row.metric,
                    kind=kind,  # type: ignore[arg-type]
                    value=row.value,
                    unit=row.unit,
                    period=row.period,
                    rank=row.rank if op in ("rank", "compare") else None,
                    citation_ids=tuple(ids[i]),
                )
            )
            line = self._row_line(op, row, ids[i], rows)
            if op in ("sum", "avg", "min", "max") and row.count > 1:
                line += " (" + "; ".join(self._components(row, ids[i], out)) + ")"
            lines.append(line)
        head = self._headline(analysis, m, out, metric, period)
        out.text = (head + " " + "; ".join(lines) + ".").strip()
        return out

    @staticmethod
    def _components(row: ValueRow, ids: Sequence[str], out: Composition) -> list[str]:
        """The observations a total or average combines, as read from the graph."""
        entities = {p.nodes[1].id for p in row.paths}
        parts = []
        for path, cid in zip(row.paths, ids, strict=True):
            obs, entity = path.nodes[0], path.nodes[1]
            value, unit = float(obs.props["value"]), str(obs.props.get("unit") or "")
            period = obs.props.get("period")
            label = entity.name if len(entities) > 1 else str(period or entity.name)
            out.quantities.append(
                Quantity(
                    label=label,
                    metric=row.metric,
                    kind="value",
                    value=value,
                    unit=unit,
                    period=period,
                    citation_ids=(cid,),
                )
            )
            parts.append(f"{label} {amount(value, unit)} [{cid}]")
        return parts

    @staticmethod
    def _row_line(op: str, row: ValueRow, ids: Sequence[str], rows: Sequence[ValueRow]) -> str:
        value = amount(row.value, row.unit)
        who = row.entity_name or "all entities together"
        when = f" in {row.period}" if row.period else ""
        note = (
            f" (average of {row.count} reported values)" if row.count > 1 and op == "value" else ""
        )
        if op == "trend":
            step = f" ({change(row.change, row.unit)})" if row.change is not None else ""
            return f"{row.period}: {value}{step} {_refs(ids)}"
        if op in ("rank", "compare"):
            return f"{row.rank}. {who} {value}{when} {_refs(ids)}"
        if op in ("sum", "avg", "min", "max") and not row.entity_name:
            return f"{value} from {row.count} figures {_refs(ids)}"
        return f"{who}: {value}{when}{note} {_refs(ids)}"

    def _headline(
        self,
        analysis: QuestionAnalysis,
        m: Material,
        out: Composition,
        metric: str,
        period: str,
    ) -> str:
        op = analysis.op or "value"
        names = join_names([e.entity.name for e in (analysis.named or analysis.entities)])
        series = m.selection.series
        all_ids = tuple(i for ids in m.value_ids for i in ids)
        if op == "trend" and series:
            s = series[0]
            out.quantities.append(
                Quantity(
                    label=f"{s.first_label}-{s.last_label}",
                    metric=metric,
                    kind="change",
                    value=s.change,
                    unit=s.unit,
                    citation_ids=all_ids,
                )
            )
            pct = (
                f", {s.change_pct:+.1f}%"
                if s.change_pct is not None and s.unit != "percent"
                else ""
            )
            return (
                f"{names}'s {metric} went from {amount(s.first_value, s.unit)} "
                f"({s.first_label}) to {amount(s.last_value, s.unit)} ({s.last_label}): "
                f"{change(s.change, s.unit)}{pct}."
            )
        if op == "compare" and series:
            s = series[0]
            out.quantities.append(
                Quantity(
                    label=f"{s.first_label} - {s.last_label}",
                    metric=metric,
                    kind="difference",
                    value=s.difference,
                    unit=s.unit,
                    citation_ids=all_ids,
                )
            )
            higher = "lower" if analysis.ascending else "higher"
            return (
                f"{s.first_label} has the {higher} {metric}{period}: "
                f"{amount(s.first_value, s.unit)} against {amount(s.last_value, s.unit)} for "
                f"{s.last_label}, a difference of {amount(abs(s.difference), s.unit)}."
            )
        if op == "rank":
            order = "lowest" if analysis.ascending else "highest"
            return f"{metric.capitalize()}{period}, {order} first:"
        if op in ("sum", "avg", "min", "max"):
            word = {"sum": "Total", "avg": "Average", "min": "Minimum", "max": "Maximum"}[op]
            return f"{word} {metric}{period} of {names}:"
        return f"{metric.capitalize()}{period}:"


def _period_text(analysis: QuestionAnalysis) -> str:
    periods = sorted(analysis.periods)
    if not periods:
        return ""
    if len(periods) == 1:
        return f" in {periods[0]}"
    return f" from {periods[0]} to {periods[-1]}"


def _fact_text(node: CitedNode) -> str:
    """A fact an insight rests on: an observation with its value, else its statement."""
    if node.metric is not None and node.value is not None:
        when = f" in {node.period}" if node.period else ""
        return f"{node.metric}{when}: {amount(node.value, node.unit or '')}"
    return node.text or node.name


def _statement_text(c: Citation) -> str:
    for node in reversed(c.nodes):
        if node.label is not Label.ENTITY:
            return node.text or node.name
    return c.nodes[-1].name
