"""``kag lexicon ...`` as an expert runs it: build, read, adjust, try, and readable failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.film_data import FILM_ONTOLOGY, training_lines, write_jsonl

pytestmark = pytest.mark.e2e
KAG = [sys.executable, "-m", "kag.cli"]


def kag(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAG_")}
    return subprocess.run(
        [*KAG, "lexicon", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(work folder, ontology, lexicon) after `kag lexicon build`."""
    work = tmp_path_factory.mktemp("lexicon-cli")
    ontology = work / "film_ontology.json"
    ontology.write_text(json.dumps(FILM_ONTOLOGY), encoding="utf-8")
    write_jsonl(work / "train" / "ont_film_test_train.jsonl", training_lines())
    done = kag(
        "build", "--train", "train", "--ontology", str(ontology), "-o", "lexicon.json", cwd=work
    )
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())
    assert "wrote lexicon.json: 18 sentences, 48 triples, 4 of 4 relation types" in out
    return work, ontology, work / "lexicon.json"


def test_show_summarises_and_details_a_relation(built: tuple[Path, Path, Path]) -> None:
    work, _, lexicon = built
    summary = kag("show", str(lexicon), "--json", cwd=work)
    assert summary.returncode == 0, summary.stderr
    data = json.loads(summary.stdout)
    assert data["ontology"] == "ont_film_test"
    assert data["relations"]["DIRECTOR"]["examples"] == 18
    detail = json.loads(kag("show", str(lexicon), "-r", "DIRECTOR", "--json", cwd=work).stdout)
    assert "direct" in detail["triggers"]
    assert detail["top_weights"]


def test_try_finds_the_relations_of_a_new_sentence(built: tuple[Path, Path, Path]) -> None:
    work, ontology, lexicon = built
    sentence = "Amber Causeway is a 1987 drama film directed by Tomas Lindqvist."
    done = kag("try", str(lexicon), sentence, "--ontology", str(ontology), "--json", cwd=work)
    assert done.returncode == 0, done.stderr
    triples = {
        (c["subject"]["name"], c["predicate"], c["object"]["name"]) for c in json.loads(done.stdout)
    }
    assert ("Amber Causeway", "DIRECTOR", "Tomas Lindqvist") in triples


def test_edits_change_what_the_finder_does(built: tuple[Path, Path, Path], tmp_path: Path) -> None:
    work, ontology, original = built
    lexicon = tmp_path / "edited.json"
    lexicon.write_bytes(original.read_bytes())
    sentence = "Amber Causeway is a 1987 neo-noir film directed by Tomas Lindqvist."

    def relations() -> dict[tuple[str, str], float]:
        done = kag("try", str(lexicon), sentence, "--ontology", str(ontology), "--json", cwd=work)
        assert done.returncode == 0, done.stderr
        return {
            (c["predicate"], c["object"]["name"]): c["confidence"] for c in json.loads(done.stdout)
        }

    assert ("DIRECTOR", "Tomas Lindqvist") in relations()
    assert kag("set", str(lexicon), "-r", "DIRECTOR", "--threshold", "1", cwd=work).returncode == 0
    assert ("DIRECTOR", "Tomas Lindqvist") not in relations()

    # the scorer may already take "neo-noir" for a genre (it reads like "drama" in "a 1987
    # drama film"); a taught value with a strong known-value weight must make it surer
    before = relations().get(("GENRE", "neo-noir"), 0.0)
    taught = kag("value", str(lexicon), "GENRE", "neo-noir", cwd=work)
    assert taught.returncode == 0, taught.stderr
    assert kag("weight", str(lexicon), "GENRE", "src=known", "8", cwd=work).returncode == 0
    after = relations().get(("GENRE", "neo-noir"), 0.0)
    assert after > max(before, 0.5)
    shown = kag("weight", str(lexicon), "GENRE", "src=known", cwd=work)
    assert "GENRE src=known: 8.0" in " ".join(shown.stdout.split())
    assert kag("check", str(lexicon), "--ontology", str(ontology), cwd=work).returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("build", "--train", "nope.jsonl", "-o", "x.json"), "training data nope.jsonl does not"),
        (("show", "missing.json"), "cannot read relation lexicon missing.json"),
        (("set", "LEXICON", "-r", "EDITOR", "--threshold", "0.5"), "no relation 'EDITOR'"),
        (("check", "LEXICON"), "is for ontology 'ont_film_test' but the graph uses"),
    ],
)
def test_failures_are_one_readable_line(
    built: tuple[Path, Path, Path], args: tuple[str, ...], message: str
) -> None:
    work, _, lexicon = built
    done = kag(*(str(lexicon) if a == "LEXICON" else a for a in args), cwd=work)
    assert done.returncode == 2
    assert message in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
