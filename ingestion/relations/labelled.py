"""Reading labelled training sentences for the lexicon builder (Text2KGBench JSONL format).

Each line is one gold triple with its sentence: ``{"id", "sent", "sub_label", "rel_label",
"obj_label", ...}`` (other keys are ignored). A sentence with several triples appears on several
lines; lines are grouped by sentence text. Relation labels become relationship type names of the
ontology ("country of origin " -> ``COUNTRY_OF_ORIGIN``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from graph_schema import GraphSchema
from graph_schema.ontology import relation_type_name
from ingestion.relations.value_learning import LabelledSentence, LabelledTriple
from kag.errors import InvalidInput

_REQUIRED = ("sent", "sub_label", "rel_label", "obj_label")


def training_files(path: Path, schema: GraphSchema) -> list[Path]:
    """The labelled files a path names: the file itself, or in a folder the JSONL files of the
    schema's ontology (``<ontology id>_*.jsonl``, e.g. ``ont_1_movie_train.jsonl``).

    Raises:
        InvalidInput: the path does not exist, or the folder has no file for the ontology.
    """
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InvalidInput(f"training data {path} does not exist; give a JSONL file or a folder")
    ontology_id = schema.ontology.id
    found = sorted(path.glob(f"{ontology_id}_*.jsonl")) + sorted(path.glob(f"{ontology_id}.jsonl"))
    if not found:
        present = ", ".join(sorted(p.name for p in path.glob("*.jsonl"))[:10]) or "none"
        raise InvalidInput(
            f"folder {path} has no training file for ontology {ontology_id!r} (expected "
            f"{ontology_id}_*.jsonl; JSONL files present: {present}); pass the file itself"
        )
    return found


def _lines(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InvalidInput(
                        f"{path}:{number} is not JSON ({exc.msg}); each line must be one "
                        "labelled triple"
                    ) from exc
                if not isinstance(record, dict):
                    raise InvalidInput(f"{path}:{number} is not a JSON object")
                yield number, record
    except OSError as exc:
        raise InvalidInput(f"cannot read training file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"training file {path} is not UTF-8 text: {exc.reason}") from exc


def read_labelled(paths: Sequence[Path], schema: GraphSchema) -> list[LabelledSentence]:
    """Read labelled triples and group them by sentence.

    Raises:
        InvalidInput: a line is not JSON, lacks a key, or names a relation the ontology does not
            define; the message gives the file and line.
    """
    grouped: dict[str, list[LabelledTriple]] = {}
    for path in paths:
        for number, record in _lines(path):
            missing = [key for key in _REQUIRED if not isinstance(record.get(key), str)]
            if missing:
                raise InvalidInput(
                    f"{path}:{number} lacks {', '.join(missing)}; expected the Text2KGBench "
                    "train format (sent, sub_label, rel_label, obj_label)"
                )
            relation = relation_type_name(str(record["rel_label"]))
            if not schema.is_relation_type(relation):
                raise InvalidInput(
                    f"{path}:{number} has relation {record['rel_label']!r}, which ontology "
                    f"{schema.ontology.id!r} does not define; use the ontology the data was "
                    "labelled with"
                )
            triple = LabelledTriple(
                str(record["sub_label"]).strip(), relation, str(record["obj_label"]).strip()
            )
            triples = grouped.setdefault(str(record["sent"]), [])
            if triple not in triples:
                triples.append(triple)
    return [LabelledSentence(text, tuple(triples)) for text, triples in grouped.items() if text]
