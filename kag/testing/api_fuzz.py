"""Schemathesis against a running API: every check, a bounded number of examples, a summary.

Used by the test suite (``tests/e2e/api/test_schemathesis.py``) and the ``api_load`` benchmark
group. Schemathesis runs as its own process (``python -m schemathesis.cli``) against the URL, so
the API is exercised through its real HTTP stack.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict

#: The failure code of schemathesis' ``not_a_server_error`` check (a 5xx answer).
SERVER_ERROR_CODE = "ST101"

#: Operations that may refuse schema-valid input with 422, and the rule beyond their schema.
BUSINESS_RULES: Final[dict[str, str]] = {
    "POST /v1/answers/{answer_id}/feedback": "flagged citations must be the answer's",
    "POST /v1/curation/items/{item_id}/approve": "the item must still be open to that decision",
    "POST /v1/curation/items/{item_id}/reject": "the item must still be open to that decision",
    "POST /v1/curation/items/{item_id}/edit": "only assertions are edited, with fields of their "
    "kind and ids that exist",
    "POST /v1/curation/entities/{entity_id}/merge": "two different live entities",
    "POST /v1/curation/entities/{entity_id}/split": "the names must be the entity's",
    "POST /v1/curation/bulk/preview": "the filter must select decidable items",
    "POST /v1/curation/bulk/apply": "the request must be decidable as previewed",
    "POST /v1/curation/decisions/{decision_id}/undo": "an undo is not undone; later changes "
    "must not overlap",
    "GET /v1/curation/prune": "rules must be known rule names",
    "POST /v1/curation/prune/apply": "rules and proposals must exist",
}

#: Operations whose body parts are opaque bytes: schemathesis' "schema-violating" file (say, a
#: JSON object where a binary string is expected) is still a file, and is rightly accepted; its
#: content is judged by the loader, which reports a file it cannot read as skipped.
OPAQUE_BODIES: Final[dict[str, str]] = {
    "POST /v1/documents": "an uploaded file is bytes: any content is a valid file",
}


class FuzzFailure(BaseModel):
    """One kind of failure schemathesis found, and where."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    title: str
    count: int
    operations: tuple[str, ...]


class FuzzResult(BaseModel):
    """The outcome of one schemathesis run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    exit_code: int
    operations: int
    test_cases: int
    failures: tuple[FuzzFailure, ...]
    errors: int
    seconds: float
    output_tail: str

    @property
    def server_errors(self) -> int:
        """Test cases answered with a 5xx."""
        return sum(f.count for f in self.failures if f.code == SERVER_ERROR_CODE)

    @property
    def schema_violations(self) -> int:
        """Test cases whose response broke the OpenAPI schema (status, body, type, headers)."""
        return sum(f.count for f in self.failures) - self.server_errors

    @property
    def clean(self) -> bool:
        """No failure, no error, and schemathesis itself succeeded."""
        return self.exit_code == 0 and not self.failures and self.errors == 0


def _config(
    dictionaries: Mapping[str, Sequence[str]],
    bindings: Mapping[str, str],
    business_rules: Mapping[str, str],
    opaque_bodies: Mapping[str, str],
) -> str:
    lines: list[str] = []
    for operation, why in opaque_bodies.items():
        lines += [
            f"# {why}",
            "[[operations]]",
            f'include-name = "{operation}"',
            "checks.negative_data_rejection.enabled = false",
            "",
        ]
    for operation, why in business_rules.items():
        # Valid by the schema, refused by a rule the schema cannot state: 422 is right here.
        lines += [
            f"# {why}",
            "[[operations]]",
            f'include-name = "{operation}"',
            "checks.positive_data_acceptance.expected-statuses = "
            '["2xx", "3xx", 401, 403, 404, 409, 422, 429]',
            "",
        ]
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(list(values))}", ""]
    if bindings:
        lines.append("[parameters]")
        for key, dictionary in bindings.items():
            lines.append(f'"{key}" = {{ dictionary = "{dictionary}", probability = 0.7 }}')
    return "\n".join(lines) + "\n"


def run_schemathesis(
    base_url: str,
    token: str,
    workdir: Path,
    *,
    max_examples: int = 25,
    seed: int = 7,
    max_seconds: float = 600,
    dictionaries: Mapping[str, Sequence[str]] | None = None,
    bindings: Mapping[str, str] | None = None,
    business_rules: Mapping[str, str] = BUSINESS_RULES,
    opaque_bodies: Mapping[str, str] = OPAQUE_BODIES,
) -> FuzzResult:
    """Run every schemathesis check against ``base_url`` with ``token`` as the bearer key.

    Args:
        base_url: the API root, e.g. ``http://127.0.0.1:8000``.
        token: an API key allowed everywhere (admin).
        workdir: where the config and the JSON report are written.
        max_examples: test cases per operation and phase.
        seed: the generation seed (runs are reproducible).
        max_seconds: hard limit on the run.
        dictionaries: named value lists (e.g. ids that exist in the graph).
        bindings: parameter (``path.entity_id``) -> dictionary name, used 70% of the time.
        business_rules: operation (``POST /v1/...``) -> the rule, beyond its schema, that may
            refuse schema-valid input with 422 (the positive-data check accepts 422 there).
        opaque_bodies: operation -> why its body is opaque bytes (the negative-data check,
            which expects "schema-violating" bodies to be refused, is off there).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "schemathesis.toml"
    config.write_text(
        _config(dictionaries or {}, bindings or {}, business_rules, opaque_bodies),
        encoding="utf-8",
    )
    report = workdir / "report.json"
    report.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{base_url}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
    ]
    began = time.monotonic()
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=max_seconds,
        cwd=workdir,
        check=False,
    )
    seconds = time.monotonic() - began
    tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-60:])
    if not report.is_file():
        raise RuntimeError(f"schemathesis wrote no report (exit {done.returncode}):\n{tail}")
    data = json.loads(report.read_text(encoding="utf-8"))
    return FuzzResult(
        exit_code=done.returncode,
        operations=int(data["operations"]["tested"]),
        test_cases=int(data["test_cases"]["generated"]),
        failures=tuple(
            FuzzFailure(
                code=f["code"],
                title=f["title"],
                count=int(f["count"]),
                operations=tuple(f["operations"]),
            )
            for f in data["failures"]
        ),
        errors=len(data["errors"]),
        seconds=round(seconds, 1),
        output_tail=tail,
    )
