"""Test support shipped with the library: real servers for integration tests and benchmarks."""
