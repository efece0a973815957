"""Typed loaders for the public evaluation data sets (read in place, never copied)."""
