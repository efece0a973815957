"""The graph model as code: ontology loading, relation types, patterns, quoting, migrations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.data.paths import resolve_eval_root
from graph_schema import (
    GraphSchema,
    Label,
    OntologyError,
    SchemaViolation,
    cypher_label,
    label_of,
    load_ontology,
    migrations,
    normalise_name,
    schema_version,
    stable_id,
)
from graph_schema.ontology import relation_type_name
from graph_schema.properties import AssertionRecord, ChunkRecord

# the evaluation data folder as the benchmarks find it (KAG_EVAL_DATA, else ../shared/eval)
EVAL = resolve_eval_root()


def test_default_ontology_relations() -> None:
    schema = GraphSchema.load()
    assert {"COMPETES_WITH", "SUPPLIED_BY", "ACQUIRED", "OPERATES_IN"} <= set(schema.relation_types)
    operates = schema.relation_types["OPERATES_IN"]
    assert operates.domains == ("company",)
    assert operates.ranges == ("market", "place")  # two entries of one label are merged
    assert schema.relation_types["COMPETES_WITH"].symmetric


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("designed by", "DESIGNED_BY"),
        ("military casualty classification ", "MILITARY_CASUALTY_CLASSIFICATION"),
        ("country of origin", "COUNTRY_OF_ORIGIN"),
        ("P1-x y", "P1_X_Y"),
        ("1st place", "REL_1ST_PLACE"),
    ],
)
def test_relation_type_names(label: str, name: str) -> None:
    assert relation_type_name(label) == name


def test_text2kgbench_ontology_file_loads(tmp_path: Path) -> None:
    source = {
        "title": "Military Ontology",
        "id": "ont_5_military",
        "concepts": [{"qid": "Q5", "label": "human"}, {"qid": "Q56019", "label": "military rank"}],
        "relations": [
            {"pid": "P410", "label": "military rank", "domain": "Q5", "range": "Q56019"},
            {"pid": "P1654", "label": "wing configuration", "domain": "Q11436", "range": ""},
        ],
    }
    path = tmp_path / "ont.json"
    path.write_text(json.dumps(source))
    schema = GraphSchema.load(path)
    assert set(schema.relation_types) == {"MILITARY_RANK", "WING_CONFIGURATION"}
    assert schema.relation_types["MILITARY_RANK"].domains == ("human",)
    assert schema.relation_types["WING_CONFIGURATION"].ranges == ()


@pytest.mark.skipif(not EVAL.exists(), reason="shared eval data not present")
def test_all_benchmark_ontologies_load() -> None:
    for path in sorted((EVAL / "text2kgbench-tekgen-dev" / "ontologies").glob("*.json")):
        assert load_ontology(path).relation_types, path


def test_bad_ontology_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(OntologyError, match="cannot read"):
        load_ontology(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(OntologyError, match="not a valid ontology"):
        load_ontology(broken)
    clash = tmp_path / "clash.json"
    clash.write_text(
        json.dumps(
            {
                "id": "x",
                "concepts": [],
                "relations": [{"pid": "p", "label": "evidenced by"}],
            }
        )
    )
    with pytest.raises(OntologyError, match="clashes with a structural"):
        load_ontology(clash)


def test_patterns_and_quoting() -> None:
    schema = GraphSchema.load()
    schema.check_pattern(Label.ENTITY, "COMPETES_WITH", Label.ENTITY)
    schema.check_pattern(Label.WISDOM, "APPLIES_IN", Label.SITUATION)
    with pytest.raises(SchemaViolation):
        schema.check_pattern(Label.SITUATION, "APPLIES_IN", Label.WISDOM)
    with pytest.raises(SchemaViolation):
        schema.check_pattern(Label.DOCUMENT, "COMPETES_WITH", Label.ENTITY)
    with pytest.raises(SchemaViolation, match="not in ontology"):
        schema.require_relation_type("LOVES")
    assert schema.cypher_rel_type("COMPETES_WITH") == "`COMPETES_WITH`"
    with pytest.raises(SchemaViolation):
        schema.cypher_rel_type("X`]->() DETACH DELETE (n) //")
    assert cypher_label(Label.ENTITY) == "`Entity`"
    with pytest.raises(SchemaViolation):
        cypher_label("Entity")  # type: ignore[arg-type]


def test_ids_and_names() -> None:
    entity_id = stable_id(Label.ENTITY, "company", "acme")
    assert entity_id == stable_id(Label.ENTITY, "company", "acme")
    assert entity_id != stable_id(Label.ENTITY, "company", "acme2")
    assert label_of(entity_id) is Label.ENTITY
    assert label_of("nonsense") is None
    assert normalise_name("  ACME\u00a0Corp.  ") == "acme corp"
    assert normalise_name("Acme\u2019s") == "acme's"


def test_migrations_are_contiguous_and_idempotent_statements() -> None:
    found = migrations()
    assert [m.version for m in found] == list(range(1, schema_version() + 1))
    for migration in found:
        assert migration.statements
        for statement in migration.statements:
            # re-running a migration leaves the same schema: creations and drops are guarded
            guard = "IF EXISTS" if statement.startswith("DROP ") else "IF NOT EXISTS"
            assert guard in statement, statement


def test_records_validate_shapes() -> None:
    with pytest.raises(ValueError, match="needs subject_id, predicate and object_id"):
        AssertionRecord(
            id=stable_id(Label.KNOWLEDGE, "x"),
            layer="Knowledge",  # type: ignore[arg-type]
            kind="relation",  # type: ignore[arg-type]
            text="x",
            fingerprint="x",
        )
    with pytest.raises(ValueError, match="is not a wis_"):
        AssertionRecord(
            id=stable_id(Label.KNOWLEDGE, "x"),
            layer="Wisdom",  # type: ignore[arg-type]
            kind="statement",  # type: ignore[arg-type]
            text="x",
            fingerprint="x",
        )
    with pytest.raises(ValueError, match="does not match its text length"):
        ChunkRecord(
            id=stable_id(Label.CHUNK, "c"),
            document_id=stable_id(Label.DOCUMENT, "d"),
            version=1,
            position=0,
            start=10,
            end=12,
            text="abc",
        )
