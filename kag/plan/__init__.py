"""Typed query plans: the model, the one Cypher compiler, and the embedded executor.

The embedded executor (:mod:`kag.plan.executor`) is imported by the embedded backend itself, not
here, so importing the plan model never loads a backend.
"""

from kag.plan.compiler import CompiledQuery, compile_plan, decode
from kag.plan.model import (
    Aggregation,
    Filters,
    Hop,
    QueryPlan,
    QuestionShape,
    TimeFilter,
)
from kag.plan.result import PlanResult, ValueRow

__all__ = [
    "Aggregation",
    "CompiledQuery",
    "Filters",
    "Hop",
    "PlanResult",
    "QueryPlan",
    "QuestionShape",
    "TimeFilter",
    "ValueRow",
    "compile_plan",
    "decode",
]
