"""Errors raised by the benchmark suite."""


class BenchError(Exception):
    """Root of the benchmark suite's errors."""


class EvalDataMissing(BenchError):
    """The evaluation data folder, or a file expected inside it, does not exist."""


class EvalDataInvalid(BenchError):
    """An evaluation data file exists but does not have the expected shape."""
