"""Route modules, one per concern; each exposes ``router``."""
