"""Domain ontologies: the entity types and entity-relation types of a domain, as configuration.

The file format is Text2KGBench's ontology JSON (``concepts`` with ``qid``/``label``; ``relations``
with ``pid``/``label``/``domain``/``range``), optionally extended with ``symmetric``, ``cues``
(trigger words an expert can edit) and ``functional`` (a subject has one object at a time, so two
objects contradict each other), and with a ``metrics`` vocabulary (``once``: a one-off figure,
such as an acquisition price, that a subject has for one period only). Each relation label
becomes a relationship type name in UPPER_SNAKE_CASE ("designed by" -> ``DESIGNED_BY``); a label
may be listed several times with different domain/range pairs.
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from graph_schema.model import RelType

DEFAULT_ONTOLOGY: Final[str] = "competitive_intelligence"
_TYPE_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
_NON_WORD = re.compile(r"[^0-9A-Za-z]+")


class OntologyError(ValueError):
    """An ontology file that cannot be used; the message names the file and the problem."""


def relation_type_name(label: str) -> str:
    """The relationship type for a relation label: ``"designed by"`` -> ``"DESIGNED_BY"``."""
    name = _NON_WORD.sub("_", label.strip()).strip("_").upper()
    if not name or not name[0].isalpha():
        name = f"REL_{name}"
    return name


class Concept(BaseModel):
    """An entity type of the domain.

    Extensions of the Text2KGBench format, both editable by experts: ``cues`` are head nouns
    that make a noun phrase an instance of the concept ("the logistics software *market*"), or
    type a name they head or stand in apposition to ("Orvik *Sensors*", "RoutePro, a routing
    *platform*"); ``examples`` are names of instances to recognise as they are ("LiDAR").
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    qid: str
    label: str = Field(min_length=1)
    cues: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


class RelationDef(BaseModel):
    """One (relation, domain, range) entry of the ontology file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pid: str
    label: str = Field(min_length=1)
    domain: str = ""
    range: str = ""
    symmetric: bool = False
    functional: bool = False
    cues: tuple[str, ...] = ()

    @property
    def type_name(self) -> str:
        """The relationship type this relation is written as."""
        return relation_type_name(self.label)


class MetricDef(BaseModel):
    """A quantitative metric of the domain (extension of the Text2KGBench format).

    ``kind`` says what its values are: ``money`` (absolute amounts, unit = ISO currency code),
    ``percent`` (unit ``percent``), ``count`` (unit ``count``) or ``number`` (unit as written).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, description="normalised metric name, e.g. 'revenue'")
    kind: Literal["money", "percent", "count", "number"]
    cues: tuple[str, ...] = ()
    once: bool = Field(
        default=False, description="a one-off figure: one value per subject, for one period"
    )


class RelationType(BaseModel):
    """A relationship type with every domain/range pair the ontology allows for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    label: str
    domains: tuple[str, ...]
    ranges: tuple[str, ...]
    symmetric: bool = False
    functional: bool = False
    cues: tuple[str, ...] = ()


class Ontology(BaseModel):
    """A domain ontology (Text2KGBench JSON format plus optional extensions)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str = ""
    concepts: tuple[Concept, ...]
    relations: tuple[RelationDef, ...]
    metrics: tuple[MetricDef, ...] = ()

    @cached_property
    def concept_labels(self) -> dict[str, str]:
        """Concept qid -> label."""
        return {c.qid: c.label.strip() for c in self.concepts}

    @cached_property
    def relation_types(self) -> dict[str, RelationType]:
        """Relationship type name -> its definition (domain/range labels merged)."""
        grouped: dict[str, list[RelationDef]] = {}
        for rel in self.relations:
            grouped.setdefault(rel.type_name, []).append(rel)
        out: dict[str, RelationType] = {}
        for name, rels in grouped.items():
            domains = tuple(dict.fromkeys(self._concept(r.domain) for r in rels if r.domain))
            ranges = tuple(dict.fromkeys(self._concept(r.range) for r in rels if r.range))
            cues = tuple(dict.fromkeys(c for r in rels for c in r.cues))
            out[name] = RelationType(
                name=name,
                label=rels[0].label.strip(),
                domains=domains,
                ranges=ranges,
                symmetric=any(r.symmetric for r in rels),
                functional=any(r.functional for r in rels),
                cues=cues,
            )
        return out

    def _concept(self, qid: str) -> str:
        return self.concept_labels.get(qid, qid)

    def check(self) -> None:
        """Refuse relation names that cannot be relationship types or clash with the model's."""
        structural = {t.value for t in RelType}
        for name in self.relation_types:
            if not _TYPE_NAME.match(name):
                raise OntologyError(f"relation type {name!r} of ontology {self.id!r} is not valid")
            if name in structural:
                raise OntologyError(
                    f"relation {name!r} of ontology {self.id!r} clashes with a structural "
                    "relationship type of the graph model; rename it in the ontology file"
                )


def load_ontology(path: Path | str | None = None) -> Ontology:
    """Load an ontology file, or the shipped default (competitive intelligence) when ``None``.

    Raises:
        OntologyError: the file is missing, not JSON, or not in the expected format.
    """
    if path is None:
        text = (
            resources.files("graph_schema.ontologies")
            .joinpath(f"{DEFAULT_ONTOLOGY}.json")
            .read_text(encoding="utf-8")
        )
        source = f"<shipped {DEFAULT_ONTOLOGY}>"
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise OntologyError(
                f"cannot read ontology file {source}: {exc.strerror}; check KAG_ONTOLOGY"
            ) from exc
    try:
        ontology = Ontology.model_validate(json.loads(text))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise OntologyError(
            f"ontology file {source} is not a valid ontology (Text2KGBench JSON format "
            f"with concepts and relations): {exc}"
        ) from exc
    ontology.check()
    return ontology
