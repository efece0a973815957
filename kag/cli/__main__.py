"""``python -m kag.cli``."""

from kag.cli.app import main

main()
