"""Fingerprints: the normalised identity of what an assertion states, shared by every writer.

An assertion's id is ``stable_id(<layer label>, fingerprint)``, so whoever writes a fact
(ingestion, the gold graph, an expert's edit or merge in curation) arrives at the same id for
the same fact:

- relation: ``relation|<subject id>|<PREDICATE>|<object id>`` (a symmetric relation's entity ids
  in sorted order, and its typed relationship runs that way);
- observation: ``observation|<subject id>|<metric>|<period>|<repr(float(value))>|<unit>``;
- statement: ``statement|<normalised text>``, under the statement's layer label.
"""

from __future__ import annotations

import calendar
import re

from graph_schema.model import normalise_name

_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]|0[1-9]|1[0-2]))?$")


def relation_fingerprint(subject_id: str, predicate: str, object_id: str) -> str:
    """The fingerprint of a relation (pass symmetric relations' ids in sorted order)."""
    return f"relation|{subject_id}|{predicate}|{object_id}"


def observation_fingerprint(
    subject_id: str, metric: str, period: str | None, value: float, unit: str
) -> str:
    """The fingerprint of an observation (different values are different assertions)."""
    return f"observation|{subject_id}|{metric}|{period or ''}|{float(value)!r}|{unit}"


def statement_fingerprint(text: str) -> str:
    """The fingerprint of a statement: its normalised text."""
    return f"statement|{normalise_name(text)}"


def period_bounds(period: str) -> tuple[str, str] | None:
    """First and last day (ISO dates) of ``YYYY``, ``YYYY-Qn``, ``YYYY-Hn`` or ``YYYY-MM``;
    ``None`` for anything else."""
    match = _PERIOD.match(period)
    if match is None:
        return None
    year, part = int(match.group(1)), match.group(2)
    if part is None:
        first, last = 1, 12
    elif part[0] in "QH":
        size = 3 if part[0] == "Q" else 6
        first, last = (int(part[1]) - 1) * size + 1, int(part[1]) * size
    else:
        first = last = int(part)
    end_day = calendar.monthrange(year, last)[1]
    return f"{year:04d}-{first:02d}-01", f"{year:04d}-{last:02d}-{end_day:02d}"
