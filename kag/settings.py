"""Settings: one ``Settings`` object, read from ``KAG_*`` environment variables and ``.env``.

Nothing is read at import time; call :func:`get_settings` (cached) or build ``Settings(...)``
explicitly in tests. Nested groups use ``__`` in variable names, e.g. ``KAG_NEO4J__PASSWORD``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kag.errors import ConfigurationError

DEFAULT_STORE = "embedded:.kag/graph.db"
_NEO4J_SCHEMES = frozenset({"neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc"})


class Neo4jSettings(BaseModel):
    """Connection settings for the Neo4j backend (``KAG_NEO4J__*``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user: str = "neo4j"
    password: SecretStr = SecretStr("")
    database: str = "neo4j"
    connection_timeout_s: float = Field(default=5.0, gt=0)
    max_transaction_retry_time_s: float = Field(default=15.0, ge=0)
    write_batch_size: int = Field(default=5000, ge=1)


class LlmSettings(BaseModel):
    """Options of the optional LLM (``KAG_LLM_OPTIONS__*``); the model itself is ``KAG_LLM``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str | None = None
    api_key: SecretStr | None = None
    temperature: float = 0.0
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=3, ge=0)
    max_calls_per_run: int = Field(default=500, ge=0)
    max_tokens_per_run: int = Field(default=2_000_000, ge=0)
    max_cost_usd_per_run: float = Field(default=5.0, ge=0)
    usd_per_1k_input_tokens: float = Field(default=0.00015, ge=0)
    usd_per_1k_output_tokens: float = Field(default=0.0006, ge=0)
    cache_dir: Path = Path(".kag/llm-cache")


class IngestionSettings(BaseModel):
    """Ingestion limits and review policy (``KAG_INGESTION__*``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_file_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    chunk_chars: int = Field(default=1500, ge=200)
    chunk_overlap_chars: int = Field(default=0, ge=0)
    auto_approve_threshold: float = Field(default=0.8, ge=0, le=1)
    nlp_only_auto_approve_threshold: float = Field(default=0.9, ge=0, le=1)
    fuzzy_merge_threshold: float = Field(default=92.0, ge=0, le=100)
    spacy_model: str | None = None
    relation_lexicon: Path | None = Field(
        default=None,
        description="a relation lexicon file; selects the learned relation finder instead of "
        "the ontology-cue finder",
    )
    nlp_batch_size: int = Field(default=64, ge=1, description="texts per nlp.pipe batch")
    documents_per_batch: int = Field(
        default=16, ge=1, description="documents parsed together before they are written"
    )
    first_person_entity: str | None = Field(
        default=None,
        description="the organisation 'we', 'us' and 'our' refer to in the documents (e.g. the "
        "company whose analysts wrote them); unset, first-person pronouns name no entity",
    )
    knowledge_statements: bool = Field(
        default=True,
        description="store sentences that mention an entity but state no relation or figure "
        "as Knowledge statements (searchable text with ABOUT links)",
    )


class EngineSettings(BaseModel):
    """Budgets and policies of the question-answering loop (``KAG_ENGINE__*``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_iterations: int = Field(default=4, ge=1)
    max_queries: int = Field(default=12, ge=1)
    max_llm_calls: int = Field(default=6, ge=0)
    max_llm_tokens: int = Field(default=20_000, ge=0)
    deadline_s: float = Field(default=20.0, gt=0)
    max_hops: int = Field(default=4, ge=1, le=6)
    allow_proposed: bool = False
    min_confidence: float = Field(default=0.0, ge=0, le=1)
    max_paths: int = Field(default=25, ge=1)
    confident_at: float = Field(
        default=0.5, ge=0, le=1, description="answers resting only on facts below are partial"
    )
    max_plan_repairs: int = Field(default=2, ge=0, le=5)
    question_nlp: Literal["fast", "full"] = Field(
        default="fast", description="fast: tagger only; full: plus parser and NER (~10 ms more)"
    )
    store_answers: bool = Field(default=True, description="store answers as Answer nodes")
    passages: int = Field(
        default=5,
        ge=0,
        le=50,
        description="passages offered (as passages, not facts) when no reviewed fact answers "
        "the question; 0 turns the hybrid passage search off",
    )


class CurationSettings(BaseModel):
    """Pruning rules and the review queue (``KAG_CURATION__*``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[str, ...] = Field(
        default=("low_confidence", "orphans", "near_duplicates", "out_of_schema", "contradictions"),
        description="the pruning rules `kag prune` runs, in this order",
    )
    low_confidence: float = Field(
        default=0.6, ge=0, le=1, description="low_confidence: facts below this, single source"
    )
    duplicate_score: float = Field(
        default=88.0, ge=0, le=100, description="near_duplicates: rapidfuzz WRatio of two names"
    )
    duplicate_min_shared: int = Field(
        default=1, ge=0, description="near_duplicates: neighbours both must share"
    )
    duplicate_strong_score: float = Field(
        default=96.0, ge=0, le=100, description="near_duplicates: a score needing no neighbour"
    )
    contradiction_tolerance: float = Field(
        default=0.01, ge=0, le=1, description="contradictions: relative difference of values"
    )


class FeedbackSettings(BaseModel):
    """How feedback on answers moves beliefs and what it proposes (``KAG_FEEDBACK__*``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    expert_weight: float = Field(
        default=3.0, gt=0, description="Beta pseudo-count one expert verdict adds to a fact"
    )
    analyst_weight: float = Field(
        default=1.0, gt=0, description="Beta pseudo-count one analyst verdict adds to a fact"
    )
    per_user_cap: float = Field(
        default=3.0, gt=0, description="most weight one user can ever add to one fact"
    )
    unflagged_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="share of the weight a 'wrong' verdict without flags puts on each cited fact",
    )
    recall_min_score: float = Field(
        default=85.0, ge=0, le=100, description="how closely a question must match an earlier one"
    )
    insight_min_support: int = Field(
        default=3, ge=2, description="episodes pointing the same way before an insight is proposed"
    )


class ApiSettings(BaseModel):
    """REST API limits and state (``KAG_API__*``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    state_dir: Path = Field(
        default=Path(".kag/api"),
        description="where API keys, ingestion jobs and their uploaded files are kept "
        "(a SQLite file and an uploads folder); a volume in docker compose",
    )
    max_request_bytes: int = Field(default=1_000_000, ge=1, description="JSON request bodies")
    max_upload_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1, description="a whole multipart upload request"
    )
    max_upload_files: int = Field(default=100, ge=1, description="files in one upload")
    rate_limit_per_minute: int = Field(default=600, ge=1, description="requests per key")
    rate_limit_burst: int = Field(default=60, ge=1, description="requests a key may burst")
    ask_timeout_s: float = Field(default=30.0, gt=0)
    ingest_timeout_s: float = Field(
        default=3600.0, gt=0, description="wall-clock limit of one ingestion job"
    )
    readiness_timeout_s: float = Field(
        default=3.0, gt=0, description="how long /readyz waits for the store to answer"
    )
    store_retry_interval_s: float = Field(
        default=2.0, gt=0, description="pause between attempts to open an unreachable store"
    )
    cors_origins: tuple[str, ...] = Field(
        default=(), description="browser origins allowed by CORS, e.g. '[\"https://a.example\"]'"
    )


class Settings(BaseSettings):
    """All settings of the engine. Environment variables use the ``KAG_`` prefix."""

    model_config = SettingsConfigDict(
        env_prefix="KAG_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    store: str = Field(
        default=DEFAULT_STORE,
        description="embedded:<path> or a neo4j://, neo4j+s://, bolt:// or bolt+s:// URI",
    )
    llm: str = Field(default="none", description="none, openai:<model> or anthropic:<model>")
    ontology: Path | None = Field(
        default=None, description="a domain ontology JSON file (Text2KGBench format)"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    neo4j: Neo4jSettings = Neo4jSettings()
    llm_options: LlmSettings = LlmSettings()
    ingestion: IngestionSettings = IngestionSettings()
    engine: EngineSettings = EngineSettings()
    curation: CurationSettings = CurationSettings()
    feedback: FeedbackSettings = FeedbackSettings()
    api: ApiSettings = ApiSettings()

    @field_validator("store")
    @classmethod
    def _check_store(cls, value: str) -> str:
        if value.startswith("embedded:") and len(value) > len("embedded:"):
            return value
        if value.split("://", 1)[0] in _NEO4J_SCHEMES:
            return value
        raise ValueError(
            f"KAG_STORE={value!r} is not a store address: use embedded:<path> "
            "(e.g. embedded:.kag/graph.db) or a Neo4j URI such as neo4j://localhost:7687"
        )

    @field_validator("llm")
    @classmethod
    def _check_llm(cls, value: str) -> str:
        provider, _, model = value.partition(":")
        if value == "none" or (provider in {"openai", "anthropic"} and model):
            return value
        raise ValueError(
            f"KAG_LLM={value!r} is not understood: use none, openai:<model> "
            "(any OpenAI-compatible server, set KAG_LLM_OPTIONS__BASE_URL for Ollama/vLLM) "
            "or anthropic:<model>"
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment and ``.env``.

    Raises:
        ConfigurationError: when a variable has an invalid value; the message names it.
    """
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"KAG_{'__'.join(str(p) for p in err['loc']).upper()}: "
            f"{err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from exc
