"""The deterministic id scheme of the gold graph (the one ingestion is expected to reproduce).

All ids come from :func:`graph_schema.stable_id` (a label prefix plus a blake2b digest of the
identifying parts joined by ``\\x1f``):

========== ===================================================================================
node       identifying parts
========== ===================================================================================
Entity     ``type``, ``normalise_name(name)``
Document   ``source`` (the path relative to the corpus' ``docs/`` folder, with ``/``)
Chunk      document id, version (``"1"``), position (``"0"``)
Knowledge  fingerprint: ``relation|<subject id>|<PREDICATE>|<object id>`` (for a symmetric
           relation the two entity ids in sorted order, and the typed edge runs that way), or
           ``observation|<subject id>|<metric>|<period>|<value>|<unit>`` (value as ``repr(float)``)
Wisdom ... fingerprint ``statement|<normalise_name(text)>``, under the statement's layer label
========== ===================================================================================

Evidence ids are :func:`graph_schema.evidence_id` (assertion, chunk, start, end) and structural
links :func:`graph_schema.rel_id` (type, source, target). A period is ``YYYY``, ``YYYY-Qn``,
``YYYY-Hn`` or ``YYYY-MM``; :func:`period_bounds` gives its first and last day.
"""

from __future__ import annotations

import calendar

from graph_schema import Label, Layer, normalise_name, stable_id


def entity_id(entity_type: str, name: str) -> str:
    """The id of an entity: its type and normalised canonical name."""
    return stable_id(Label.ENTITY, entity_type, normalise_name(name))


def document_id(source: str) -> str:
    """The id of a document from its source path."""
    return stable_id(Label.DOCUMENT, source)


def chunk_id(doc_id: str, version: int = 1, position: int = 0) -> str:
    """The id of a document version's chunk at ``position``."""
    return stable_id(Label.CHUNK, doc_id, str(version), str(position))


def relation_fingerprint(
    subject_id: str, predicate: str, object_id: str, *, symmetric: bool
) -> tuple[str, str, str]:
    """(fingerprint, subject id, object id) of a relation; symmetric ones in id order."""
    if symmetric and object_id < subject_id:
        subject_id, object_id = object_id, subject_id
    return f"relation|{subject_id}|{predicate}|{object_id}", subject_id, object_id


def observation_fingerprint(
    subject_id: str, metric: str, period: str | None, value: float, unit: str
) -> str:
    """The fingerprint of an observation (different values are different assertions)."""
    return f"observation|{subject_id}|{metric}|{period or ''}|{float(value)!r}|{unit}"


def statement_fingerprint(text: str) -> str:
    """The fingerprint of a statement: its normalised text."""
    return f"statement|{normalise_name(text)}"


def assertion_id(layer: Layer, fingerprint: str) -> str:
    """The id of an assertion of ``layer`` with this fingerprint."""
    return stable_id(layer.label, fingerprint)


def period_bounds(period: str) -> tuple[str, str]:
    """First and last day (ISO dates) of ``YYYY``, ``YYYY-Qn``, ``YYYY-Hn`` or ``YYYY-MM``.

    Raises:
        ValueError: the period is in none of these forms.
    """
    year_text, _, part = period.partition("-")
    if not (len(year_text) == 4 and year_text.isdigit()):
        raise ValueError(f"period {period!r} does not start with a four-digit year")
    year = int(year_text)
    if not part:
        first, last = 1, 12
    elif part[0] in "QH" and part[1:].isdigit():
        size = 3 if part[0] == "Q" else 6
        index = int(part[1:])
        if not 1 <= index <= 12 // size:
            raise ValueError(f"period {period!r} has no part {part!r}")
        first, last = (index - 1) * size + 1, index * size
    elif part.isdigit() and 1 <= int(part) <= 12:
        first = last = int(part)
    else:
        raise ValueError(f"period {period!r} is not YYYY, YYYY-Qn, YYYY-Hn or YYYY-MM")
    end_day = calendar.monthrange(year, last)[1]
    return f"{year:04d}-{first:02d}-01", f"{year:04d}-{last:02d}-{end_day:02d}"
