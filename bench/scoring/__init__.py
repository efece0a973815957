"""Scorers that reproduce the evaluation data sets' published scoring rules."""
