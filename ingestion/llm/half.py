"""The LLM half of one ingestion run: the model, its cache and budget, per-document extraction,
usage reporting and the ``--dry-run`` estimate."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from graph_schema import GraphSchema
from ingestion.llm.cache import LlmCache
from ingestion.llm.extractor import LlmExtractor, estimate_calls
from ingestion.models import Chunk, ChunkExtraction
from ingestion.report import LlmEstimate, LlmUsage
from kag.errors import BudgetExceeded, ExtractionError
from kag.llm import LlmBudget, make_chat_model, model_name
from kag.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

logger = logging.getLogger(__name__)

MAX_CONSECUTIVE_FAILURES: Final = 3


class LlmHalf:
    """What the LLM half holds for a run (nothing is called when no model is configured)."""

    def __init__(
        self,
        settings: Settings,
        schema: GraphSchema,
        chat_model: BaseChatModel | None,
        *,
        dry_run: bool,
    ) -> None:
        options = settings.llm_options
        self.settings = settings
        self.schema = schema
        self.budget = LlmBudget(
            max_calls=options.max_calls_per_run,
            max_tokens=options.max_tokens_per_run,
            max_cost_usd=options.max_cost_usd_per_run,
            usd_per_1k_input=options.usd_per_1k_input_tokens,
            usd_per_1k_output=options.usd_per_1k_output_tokens,
        )
        self.model = model_name(settings)
        if chat_model is not None and self.model is None:
            self.model = f"custom:{chat_model._llm_type}"
        self.cache = LlmCache(options.cache_dir) if self.model else None
        self.extractor: LlmExtractor | None = None
        # a dry run spends nothing, so it needs no chat model (nor its provider package)
        chat = None if dry_run else (chat_model or make_chat_model(settings))
        if chat is not None and self.model is not None:
            self.extractor = LlmExtractor(
                chat, schema, model=self.model, budget=self.budget, cache=self.cache
            )

    @property
    def configured(self) -> bool:
        """Whether an LLM takes part (hybrid mode)."""
        return self.model is not None

    def extract(
        self, title: str, chunks: Sequence[Chunk]
    ) -> tuple[dict[str, ChunkExtraction], int]:
        """The LLM's candidates per chunk id, and how many answers or items it got rejected
        (chunks whose call failed are left out: the NLP half still covers them).

        Raises:
            BudgetExceeded: a cap of the run was reached, or calls keep failing.
        """
        answers: dict[str, ChunkExtraction] = {}
        invalid = 0
        extractor = self.extractor
        if extractor is None:
            return answers, invalid
        for chunk in chunks:
            try:
                converted = extractor.extract(title, chunk)
            except ExtractionError as exc:
                invalid += 1
                # the message may quote the answer (document text): the log names the chunk only
                logger.warning(
                    "LLM extraction skipped for chunk %s (%s)",
                    chunk.id,
                    "invalid answer" if exc.raw_output is not None else "call failed",
                )
                if extractor.stats.consecutive_failures >= MAX_CONSECUTIVE_FAILURES:
                    raise BudgetExceeded(
                        f"{MAX_CONSECUTIVE_FAILURES} LLM calls failed in a row, last: {exc.message}"
                    ) from exc
                continue
            answers[chunk.id] = converted.extraction
            invalid += len(converted.rejected)
        return answers, invalid

    def usage(self, stopped: str | None) -> LlmUsage:
        """The run's usage (``stopped``: why calls stopped early, if they did)."""
        if self.extractor is None:
            return LlmUsage()
        stats = self.extractor.stats
        return LlmUsage(
            model=self.model,
            calls=stats.calls,
            cached=stats.cached,
            input_tokens=self.budget.usage.input_tokens,
            output_tokens=self.budget.usage.output_tokens,
            cost_usd=round(self.budget.spent_usd, 6),
            invalid_outputs=stats.invalid_outputs,
            invalid_items=stats.invalid_items,
            failed_calls=stats.failed_calls,
            stopped=stopped,
            invalid_reasons=tuple(stats.reasons[:20]),
        )

    def estimate(self, planned: Sequence[tuple[str, Chunk]]) -> LlmEstimate:
        """What the planned ``(title, chunk)`` pairs would cost."""
        options = self.settings.llm_options
        limits = (
            f"caps: {options.max_calls_per_run} calls, {options.max_tokens_per_run:,} tokens, "
            f"${options.max_cost_usd_per_run:.2f}"
        )
        if self.model is None:
            return LlmEstimate(
                model=None,
                chunks=len(planned),
                cached=0,
                calls=0,
                input_tokens=0,
                output_tokens=0,
                cost_usd=0.0,
                within_budget=True,
                limits=limits,
            )
        calls, cached, usage = estimate_calls(self.schema, self.model, self.cache, planned)
        cost = self.budget.cost(usage)
        return LlmEstimate(
            model=self.model,
            chunks=len(planned),
            cached=cached,
            calls=calls,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=round(cost, 6),
            within_budget=calls <= options.max_calls_per_run
            and usage.total <= options.max_tokens_per_run
            and cost <= options.max_cost_usd_per_run,
            limits=limits,
        )
