"""Benchmarks and evaluation suite: ``python -m bench --quick|--full``.

Each figure group lives in :mod:`bench.groups`; the runner collects their figures into one
:class:`bench.report.BenchReport` written to ``bench/results/``.
"""
