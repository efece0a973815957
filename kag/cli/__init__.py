"""The ``kag`` command line."""
