"""What an ingestion run did: per document, per layer and status, skipped files, LLM usage."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

DocumentStatus = Literal[
    "ingested", "new version", "unchanged", "deleted", "not found", "skipped", "failed", "planned"
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DocumentOutcome(_Frozen):
    """What happened to one document (or file)."""

    source: str
    status: DocumentStatus
    reason: str | None = None
    document_id: str | None = None
    version: int | None = None
    chunks: int = 0
    words: int = 0
    assertions: int = 0
    entities: int = 0
    by_layer: dict[str, int] = Field(default_factory=dict)
    by_status: dict[str, int] = Field(default_factory=dict)
    superseded: int = 0
    revived: int = 0
    rejected_before: int = 0
    expert_versions: int = Field(
        default=0, description="facts an expert corrected: kept as corrected"
    )
    ungrounded: int = 0
    agreed: int = 0
    llm_invalid: int = 0
    cross_links: int = 0


class LlmUsage(_Frozen):
    """The LLM half's calls, tokens, cost and rejections in a run."""

    model: str | None = None
    calls: int = 0
    cached: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    invalid_outputs: int = 0
    invalid_items: int = 0
    failed_calls: int = 0
    stopped: str | None = Field(default=None, description="why LLM calls stopped early")
    invalid_reasons: tuple[str, ...] = ()


class LlmEstimate(_Frozen):
    """What a run would spend on the LLM (``--dry-run``)."""

    model: str | None
    chunks: int
    cached: int
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    within_budget: bool
    limits: str


class IngestReport(_Frozen):
    """The outcome of one ingestion run."""

    documents: tuple[DocumentOutcome, ...]
    llm: LlmUsage = LlmUsage()
    estimate: LlmEstimate | None = None
    seconds: float = 0.0
    dry_run: bool = False

    def _sum(self, field: str) -> Counter[str]:
        total: Counter[str] = Counter()
        for outcome in self.documents:
            total.update(getattr(outcome, field))
        return total

    @computed_field  # type: ignore[prop-decorator]
    @property
    def by_layer(self) -> dict[str, int]:
        """Assertions written, per layer."""
        return dict(sorted(self._sum("by_layer").items()))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def by_status(self) -> dict[str, int]:
        """Assertions written, per review status."""
        return dict(sorted(self._sum("by_status").items()))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> dict[str, int]:
        """Documents per outcome status."""
        return dict(sorted(Counter(o.status for o in self.documents).items()))

    @property
    def skipped(self) -> list[DocumentOutcome]:
        """Files and texts that were not ingested, with the reason."""
        return [o for o in self.documents if o.status in {"skipped", "failed"}]

    @property
    def words(self) -> int:
        """Words of the documents parsed in this run."""
        return sum(o.words for o in self.documents)

    @property
    def assertions(self) -> int:
        """Assertions written in this run."""
        return sum(o.assertions for o in self.documents)
