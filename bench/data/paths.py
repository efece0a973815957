"""Where the evaluation data lives and how a missing file is reported.

The data is public benchmark data kept outside the repository (``shared/eval`` beside it) and is
read in place. Its folder comes, in order of precedence, from ``--eval-data``, the
``KAG_EVAL_DATA`` environment variable, or ``../shared/eval`` relative to the repository root.
"""

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from bench.errors import EvalDataInvalid, EvalDataMissing

EVAL_DATA_ENV: Final = "KAG_EVAL_DATA"
REPO_ROOT: Final = Path(__file__).resolve().parents[2]


def default_eval_root() -> Path:
    """Return the default evaluation data folder, ``../shared/eval`` from the repository root."""
    return (REPO_ROOT / ".." / "shared" / "eval").resolve()


def resolve_eval_root(
    explicit: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """Pick the evaluation data folder.

    Args:
        explicit: A path given on the command line; wins over everything else.
        environ: The environment to read ``KAG_EVAL_DATA`` from (``os.environ`` if omitted).

    Returns:
        The folder as an absolute path. It is not checked here: loaders check the files they need
        and say which is missing.
    """
    env = os.environ if environ is None else environ
    if explicit is not None:
        return Path(explicit).expanduser().resolve()
    from_env = env.get(EVAL_DATA_ENV, "").strip()
    if from_env:
        return Path(from_env).expanduser().resolve()
    return default_eval_root()


def require_path(path: Path, what: str) -> Path:
    """Return ``path`` if it exists, else raise an error naming it and the setting to fix.

    Args:
        path: The file or folder a loader needs.
        what: A short description of it, e.g. ``"MuSiQue corpus"``.

    Raises:
        EvalDataMissing: ``path`` does not exist.
    """
    if not path.exists():
        raise EvalDataMissing(
            f"{what} not found at {path}. Point {EVAL_DATA_ENV} (or --eval-data) at the folder "
            "holding text2kgbench-tekgen-dev/ and musique-dev/; by default it is ../shared/eval "
            "beside the repository root."
        )
    return path


def read_json(path: Path, what: str) -> Any:
    """Read one JSON document, with a clear error when it is missing or malformed."""
    require_path(path, what)
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as e:
        raise EvalDataInvalid(f"{what} at {path} is not valid JSON: {e}") from e


def iter_jsonl(path: Path, what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for each non-blank line of a JSON Lines file."""
    require_path(path, what)
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise EvalDataInvalid(f"{what} {path}:{number} is not valid JSON: {e}") from e
            if not isinstance(record, dict):
                raise EvalDataInvalid(f"{what} {path}:{number} is not a JSON object")
            yield number, record
