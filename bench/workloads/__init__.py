"""Workloads run in their own process (clean peak-RSS figures), driven by figure groups."""
