"""Reading labelled training files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph_schema import GraphSchema
from ingestion.relations.labelled import read_labelled, training_files
from kag.errors import InvalidInput
from tests.support.film_data import write_jsonl


def line(sent: str, rel: str, obj: str, sub: str = "Midnight Ferry") -> dict[str, str]:
    return {"id": "x", "sent": sent, "sub_label": sub, "rel_label": rel, "obj_label": obj}


def test_lines_of_one_sentence_become_one_labelled_sentence(
    tmp_path: Path, film_schema: GraphSchema
) -> None:
    sent = "Midnight Ferry is a 1990 film directed by Clara Voss."
    path = write_jsonl(
        tmp_path / "t.jsonl",
        [
            line(sent, "director", "Clara Voss"),
            line(sent, "publication date ", "01 January 1990"),
            line(sent, "director", "Clara Voss"),  # a duplicate line counts once
        ],
    )
    [labelled] = read_labelled([path], film_schema)
    assert labelled.text == sent
    assert [(t.relation, t.object) for t in labelled.triples] == [
        ("DIRECTOR", "Clara Voss"),
        ("PUBLICATION_DATE", "01 January 1990"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{oops\n", r"t\.jsonl:1 is not JSON"),
        (json.dumps({"sent": "s", "rel_label": "director"}) + "\n", "lacks sub_label, obj_label"),
        (
            json.dumps(line("s", "composer", "Bach")) + "\n",
            "relation 'composer', which ontology 'ont_film_test' does not define",
        ),
    ],
)
def test_bad_lines_are_refused_with_file_and_line(
    tmp_path: Path, film_schema: GraphSchema, content: str, message: str
) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        read_labelled([path], film_schema)


def test_a_folder_gives_the_files_of_the_ontology(tmp_path: Path, film_schema: GraphSchema) -> None:
    mine = write_jsonl(tmp_path / "ont_film_test_train.jsonl", [line("s", "director", "X")])
    write_jsonl(tmp_path / "ont_2_music_train.jsonl", [line("s", "composer", "Y")])
    assert training_files(tmp_path, film_schema) == [mine]
    assert training_files(mine, film_schema) == [mine]


def test_a_folder_without_the_ontology_file_lists_what_it_holds(
    tmp_path: Path, film_schema: GraphSchema
) -> None:
    write_jsonl(tmp_path / "ont_2_music_train.jsonl", [line("s", "composer", "Y")])
    with pytest.raises(InvalidInput, match=r"present: ont_2_music_train\.jsonl"):
        training_files(tmp_path, film_schema)
    with pytest.raises(InvalidInput, match="does not exist"):
        training_files(tmp_path / "nope", film_schema)
