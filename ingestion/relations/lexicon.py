"""The relation lexicon: what the learned relation finder knows, as a JSON file experts can edit.

One lexicon serves one ontology. It holds, per relation type of the ontology:

- ``triggers`` — lemmas of the words that govern the relation's objects in the training
  sentences ("direct" for "directed by X"), with counts;
- ``paths`` — dependency paths from subject to object, with counts;
- ``object_kinds`` — how the objects looked (entity type, span source, shape), with counts;
- ``values`` — known object values, written as they appear in text (lower case) and mapped to
  the value to emit ("middle distance runner" -> "middle-distance runner");
- ``weights``/``bias`` — the logistic scorer the finder actually uses, over the named features
  of :mod:`ingestion.relations.features`; ``label_frequency`` — what its output is divided by
  (1 unless the lexicon was built with ``negatives="all"``, see
  :mod:`ingestion.relations.training`); ``threshold`` — what P(subject) x that score must reach
  for a triple to be emitted; ``max_per_sentence`` — 1 unless the relation takes lists.

plus the subject chooser, the date output templates, the NER label of each argument type (for
names the ingestion's EntityRuler labels by concept) and a provenance block. Counts are evidence
for a reader; weights, values, thresholds, limits and templates change behaviour. Edit with
``kag lexicon ...`` or by hand (then ``kag lexicon check``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from graph_schema import GraphSchema
from ingestion.relations.features import FEATURES_VERSION
from ingestion.relations.values import DEFAULT_DATE_TEMPLATES, squash
from kag.errors import ConfigurationError, InvalidInput

LEXICON_FORMAT: Final = "kag-relation-lexicon"
LEXICON_VERSION: Final = 1


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LinearScorer(_Model):
    """A logistic scorer over named features: ``sigmoid(bias + sum of weights present)``."""

    bias: float = 0.0
    weights: dict[str, float] = Field(default_factory=dict)

    def probability(self, features: Iterable[str]) -> float:
        """The scorer's probability for a candidate with these features."""
        weights = self.weights
        z = self.bias + sum(weights.get(f, 0.0) for f in set(features))
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)


class SubjectModel(_Model):
    """Chooses the sentence's subject (the topic it is about) among its candidate spans.

    A softmax over the candidates' scores (sums of feature weights) and a "none" option whose
    score is ``none_score``: the subject is often not written in the sentence.
    """

    threshold: float = Field(default=0.2, ge=0, le=1)
    none_score: float = 0.0
    weights: dict[str, float] = Field(default_factory=dict)

    def probabilities(self, candidates: Sequence[Iterable[str]]) -> list[float]:
        """Probability of each candidate being the subject (the rest is "none")."""
        weights = self.weights
        scores = [sum(weights.get(f, 0.0) for f in set(feats)) for feats in candidates]
        top = max([self.none_score, *scores])
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps) + math.exp(self.none_score - top)
        return [e / total for e in exps]


class RelationEntry(LinearScorer):
    """What the lexicon knows about one relation type."""

    label: str = Field(min_length=1, description="the ontology's relation label")
    examples: int = Field(default=0, ge=0, description="training triples seen")
    threshold: float = Field(default=0.25, ge=0, le=1)
    label_frequency: float = Field(default=1.0, gt=0, le=1)
    max_per_sentence: int = Field(default=3, ge=1)
    triggers: dict[str, int] = Field(default_factory=dict)
    paths: dict[str, int] = Field(default_factory=dict)
    object_kinds: dict[str, int] = Field(default_factory=dict)
    values: dict[str, str] = Field(default_factory=dict)

    def truth_probability(self, features: Iterable[str]) -> float:
        """Estimated probability that the candidate fact is true (label frequency corrected)."""
        return min(1.0, self.probability(features) / self.label_frequency)


class Provenance(_Model):
    """Where a lexicon came from."""

    sources: tuple[str, ...] = ()
    sentences: int = 0
    triples: int = 0
    spacy_model: str = ""
    created_at: str = ""
    notes: str = ""


class RelationLexicon(_Model):
    """A relation lexicon for one ontology (see the module docstring for the format)."""

    format: Literal["kag-relation-lexicon"] = LEXICON_FORMAT
    version: Literal[1] = LEXICON_VERSION
    features_version: int = FEATURES_VERSION
    ontology: str = Field(min_length=1, description="the ontology id this lexicon serves")
    provenance: Provenance = Provenance()
    date_templates: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_DATE_TEMPLATES),
        description="output template per date granularity (day, month, year)",
    )
    entity_labels: dict[str, str] = Field(
        default_factory=dict,
        description="entity type (ontology concept, date, value) -> the spaCy NER label its "
        "names had in training, for entities the ingestion's EntityRuler labels by type",
    )
    subject: SubjectModel = SubjectModel()
    relations: dict[str, RelationEntry] = Field(default_factory=dict)

    @field_validator("date_templates")
    @classmethod
    def _check_templates(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(DEFAULT_DATE_TEMPLATES))
        if unknown:
            raise ValueError(f"date templates for unknown granularities {unknown}")
        for granularity, template in value.items():
            try:
                template.format(day=1, month=1, month_name="January", year=2000)
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(
                    f"date template {template!r} ({granularity}) is not usable: {exc}; use "
                    "{day}, {day:02d}, {month}, {month:02d}, {month_name} and {year}"
                ) from exc
        return value

    def known_values(self) -> dict[str, str]:
        """Every relation's known values, keyed by their squashed surface form."""
        out: dict[str, str] = {}
        for entry in self.relations.values():
            for surface, value in entry.values.items():
                out.setdefault(squash(surface), value)
        return out

    def check_against(self, schema: GraphSchema) -> None:
        """Refuse a lexicon that does not fit ``schema``'s ontology.

        Raises:
            ConfigurationError: another ontology, an unknown relation type, or features from
                another version of the finder.
        """
        ontology = schema.ontology
        if self.ontology != ontology.id:
            raise ConfigurationError(
                f"relation lexicon is for ontology {self.ontology!r} but the graph uses "
                f"{ontology.id!r}; build a lexicon for this ontology with `kag lexicon build`"
            )
        unknown = sorted(set(self.relations) - set(schema.relation_types))
        if unknown:
            raise ConfigurationError(
                f"relation lexicon names relation types {unknown} that ontology {ontology.id!r} "
                "does not define; remove them with `kag lexicon remove-relation` or fix the "
                "ontology"
            )
        if self.features_version != FEATURES_VERSION:
            raise ConfigurationError(
                f"relation lexicon was built with features version {self.features_version}, "
                f"this finder uses {FEATURES_VERSION}; rebuild it with `kag lexicon build`"
            )

    def relation(self, name: str) -> RelationEntry:
        """The entry of relation type ``name``.

        Raises:
            InvalidInput: the lexicon has no such relation.
        """
        try:
            return self.relations[name]
        except KeyError:
            known = ", ".join(sorted(self.relations)) or "(none)"
            raise InvalidInput(
                f"relation lexicon has no relation {name!r}; known: {known}"
            ) from None


def load_lexicon(path: Path | str) -> RelationLexicon:
    """Read a lexicon file.

    Raises:
        ConfigurationError: the file is missing, unreadable, not JSON or not a lexicon.
    """
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read relation lexicon {source}: {exc.strerror}; build one with "
            "`kag lexicon build` or fix the path"
        ) from exc
    try:
        return RelationLexicon.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"relation lexicon {source} is not JSON (line {exc.lineno}: {exc.msg}); fix the edit "
            "or rebuild it with `kag lexicon build`"
        ) from exc
    except ValidationError as exc:
        raise ConfigurationError(
            f"relation lexicon {source} is not a valid lexicon: {exc}; fix the edit or rebuild "
            "it with `kag lexicon build`"
        ) from exc


def save_lexicon(lexicon: RelationLexicon, path: Path | str) -> None:
    """Write a lexicon as indented JSON (stable key order, so diffs of edits stay small).

    The file is written next to its destination and renamed over it, so a failed write never
    leaves half a lexicon behind.
    """
    target = Path(path)
    data = lexicon.model_dump(mode="json")
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigurationError(
            f"cannot write relation lexicon {target}: {exc.strerror}; check the folder exists "
            "and is writable"
        ) from exc


def top_weights(weights: Mapping[str, float], n: int) -> list[tuple[str, float]]:
    """The ``n`` features with the largest positive weights, largest first."""
    return sorted(((f, w) for f, w in weights.items() if w > 0), key=lambda fw: -fw[1])[:n]
