"""The effects of one feedback, as decision steps on a :class:`~kag.curation.changes.ChangeSet`.

Applying a feedback is one batch of decisions written in one transaction: one ``feedback``
decision per cited fact whose Beta belief moves (target: the fact), and one recording the
question-and-answer as an Experience episode (target: the ``Feedback`` node, which is marked
``applied``). Undoing the batch restores every fact's belief and removes the episode.

What feedback never does: approve, reject or create a fact. Flags and corrections are review
items an expert decides (:mod:`kag.feedback.reviews`); the episode is ``proposed``, so the engine
does not answer from it unless an expert approves it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graph_schema import (
    LAYER_LABELS,
    AssertionKind,
    Label,
    Layer,
    RelType,
    Status,
    label_of,
    rel_id,
    stable_id,
)
from graph_schema.fingerprints import statement_fingerprint
from graph_schema.properties import AssertionRecord, FeedbackRecord
from kag.curation.changes import ChangeSet
from kag.curation.decider import Outcome, Step
from kag.curation.models import FEEDBACK
from kag.engine.answer import Answer, Citation
from kag.feedback.belief import SPENT_KEY, capped_weight, encode_spent, role_weight
from kag.feedback.models import BeliefChange
from kag.settings import FeedbackSettings

#: Flags that say a cited fact is false (they lower its belief); ``outdated`` says it was true.
DISBELIEF_FLAGS = frozenset({"wrong_path", "untrustworthy_source"})
_LIVE = (Status.APPROVED.value, Status.PROPOSED.value)
#: Layers a feedback episode may contradict (the schema's CONTRADICTS targets).
_CONTRADICTABLE = frozenset({Label.KNOWLEDGE, Label.WISDOM, Label.INSIGHT})
#: ``source`` property of episodes recorded from feedback.
EPISODE_SOURCE = "feedback"


def _is_fact(node_id: str) -> bool:
    try:
        return label_of(node_id) in LAYER_LABELS
    except ValueError:
        return False


def citation_facts(citation: Citation) -> list[str]:
    """Ids of the facts (layer nodes, relation assertions) a citation rests on, in path order."""
    ids: dict[str, None] = {}
    for i, node in enumerate(citation.nodes):
        if node.label in LAYER_LABELS:
            ids[node.id] = None
        if i < len(citation.relationships) and _is_fact(citation.relationships[i].id):
            ids[citation.relationships[i].id] = None
    for hop in citation.hops:
        ids.update(dict.fromkeys(s.assertion_id for s in hop.spans))
    return list(ids)


def question_entities(answer: Answer) -> list[str]:
    """Entities the question was about: the plans' entity anchors, else the citations' starts."""
    found: dict[str, None] = {}
    for query in answer.cypher:
        if query.plan is not None:
            found.update(dict.fromkeys(a for a in query.plan.anchors if _is_entity(a)))
    if not found:
        found.update(
            dict.fromkeys(c.nodes[0].id for c in answer.citations if _is_entity(c.nodes[0].id))
        )
    return list(found)


def _is_entity(node_id: str) -> bool:
    try:
        return label_of(node_id) is Label.ENTITY
    except ValueError:
        return False


@dataclass(frozen=True)
class Push:
    """Which way, and how strongly, a feedback moves one fact's belief."""

    fact_id: str
    key: str  # "alpha" (believe it more) or "beta" (less)
    share: float


def pushes(answer: Answer, feedback: FeedbackRecord, settings: FeedbackSettings) -> list[Push]:
    """The belief updates a feedback asks for, fact by fact (each fact once)."""
    by_id = {c.id: c for c in answer.citations}
    disbelieved: dict[str, None] = {}
    outdated: set[str] = set()
    for flag in feedback.citation_flags:
        facts = citation_facts(by_id[flag.citation_id])
        if flag.flag in DISBELIEF_FLAGS:
            disbelieved.update(dict.fromkeys(facts))
        else:
            outdated.update(facts)
    out = [Push(f, "beta", 1.0) for f in disbelieved]
    if feedback.verdict == "helpful":
        cited = [f for c in answer.citations for f in citation_facts(c)]
        out += [Push(f, "alpha", 1.0) for f in dict.fromkeys(cited) if f not in disbelieved]
    elif not disbelieved and settings.unflagged_share > 0:
        # A "wrong" without flags blames the answering paths, each fact only in part.
        answering = [f for c in answer.citations if c.role == "answer" for f in citation_facts(c)]
        out += [
            Push(f, "beta", settings.unflagged_share)
            for f in dict.fromkeys(answering)
            if f not in outdated
        ]
    return out


def belief_step(
    push: Push, feedback: FeedbackRecord, settings: FeedbackSettings, changes: list[BeliefChange]
) -> Step:
    """A step moving one fact's belief (node and typed relationship alike)."""

    def step(cs: ChangeSet) -> Outcome:
        props = cs.require(push.fact_id)
        alpha, beta = float(props.get("alpha", 1.0)), float(props.get("beta", 1.0))
        wanted = role_weight(feedback.role, settings) * push.share
        weight, used = capped_weight(props, feedback.actor, wanted, settings.per_user_cap)
        new = {"alpha": alpha, "beta": beta}
        new[push.key] = round(new[push.key] + weight, 9)
        update: dict[str, Any] = {**new, SPENT_KEY: encode_spent(used)}
        cs.update_node(push.fact_id, **update)
        typed = cs.typed_rel(push.fact_id)
        if typed is not None:
            cs.update_rel(typed.id, **new)
        changes.append(
            BeliefChange(
                fact_id=push.fact_id,
                alpha_before=alpha,
                beta_before=beta,
                alpha_after=new["alpha"],
                beta_after=new["beta"],
                weight=weight,
                capped=weight < wanted,
            )
        )
        return Outcome(
            push.fact_id,
            FEEDBACK,
            {"alpha": alpha, "beta": beta},
            {**new, "feedback_id": feedback.id, "weight": weight},
        )

    return step


def live_pushes(cs: ChangeSet, wanted: Iterable[Push]) -> list[Push]:
    """The pushes whose fact exists and is proposed or approved."""
    out = []
    for push in wanted:
        props = cs.node(push.fact_id)
        if props is not None and props.get("status") in _LIVE:
            out.append(push)
    return out


def episode_id(feedback_id: str) -> str:
    """The id of the Experience episode a feedback records."""
    return stable_id(Label.EXPERIENCE, "feedback", feedback_id)


def episode_text(answer: Answer, feedback: FeedbackRecord) -> str:
    """What the episode says: the question, the verdict, and why."""
    judged = "judged helpful" if feedback.verdict == "helpful" else "judged wrong"
    notes = [f.note for f in feedback.citation_flags if f.note]
    why = "; ".join([*([feedback.correction] if feedback.correction else []), *notes])
    because = f" because {why}" if why and feedback.verdict == "wrong" else ""
    return (
        f"Asked {answer.question!r}; the answer was {judged} by {feedback.role} "
        f"{feedback.actor}{because}."
    )


def episode_step(answer: Answer, feedback: FeedbackRecord) -> Step:
    """A step recording the exchange as a proposed Experience episode and marking the
    feedback applied."""

    def step(cs: ChangeSet) -> Outcome:
        exp_id = episode_id(feedback.id)
        text = episode_text(answer, feedback)
        record = AssertionRecord(
            id=exp_id,
            layer=Layer.EXPERIENCE,
            kind=AssertionKind.STATEMENT,
            text=text,
            fingerprint=statement_fingerprint(text),
            status=Status.PROPOSED,
            # Certain as a record (the exchange happened); what it teaches is for review.
            confidence=1.0,
            extractors=(EPISODE_SOURCE,),
            created_at=feedback.created_at,
        )
        flags = {f.citation_id: f for f in feedback.citation_flags}
        cited = [f for c in answer.citations for f in citation_facts(c)]
        props = {
            **record.props(),
            "source": EPISODE_SOURCE,
            "feedback_id": feedback.id,
            "answer_id": answer.id,
            "question": answer.question,
            "verdict": feedback.verdict,
            "cited_ids": list(dict.fromkeys(cited)),
            **({"correction": feedback.correction} if feedback.correction else {}),
        }
        cs.put_node(exp_id, props)
        cs.load_rels([exp_id])
        roles = [(e, "mention") for e in question_entities(answer)]
        for entity, role in [*roles, (answer.id, "answer")]:
            if cs.node(entity) is None:
                continue
            rid = rel_id(RelType.ABOUT.value, exp_id, entity)
            cs.put_rel(rid, RelType.ABOUT.value, exp_id, entity, {"id": rid, "role": role})
        by_id = {c.id: c for c in answer.citations}
        for cid, flag in sorted(flags.items()):
            if flag.flag not in DISBELIEF_FLAGS:
                continue
            for fact in citation_facts(by_id[cid]):
                if label_of(fact) not in _CONTRADICTABLE or cs.node(fact) is None:
                    continue
                rid = rel_id(RelType.CONTRADICTS.value, exp_id, fact)
                link = {"id": rid, "status": Status.PROPOSED.value, "confidence": 0.5}
                cs.put_rel(rid, RelType.CONTRADICTS.value, exp_id, fact, link)
        cs.update_node(feedback.id, applied=True)
        return Outcome(
            feedback.id,
            FEEDBACK,
            {"applied": False},
            {"applied": True, "experience_id": exp_id, "verdict": feedback.verdict},
        )

    return step
