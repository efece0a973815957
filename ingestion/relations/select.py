"""Choosing the relation finder: the ontology-cue finder, or a learned one from a lexicon file.

``KAG_INGESTION__RELATION_LEXICON=<file>`` selects the finder learned from labelled sentences
(``ingestion.relations.learned``), which reads that file; otherwise the cue finder is used.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from graph_schema import GraphSchema
from ingestion.relations.base import RelationFinder
from ingestion.relations.cues import CueRelationFinder
from kag.errors import ConfigurationError

LEARNED_MODULE = "ingestion.relations.learned"


def make_relation_finder(schema: GraphSchema, lexicon: Path | None = None) -> RelationFinder:
    """The relation finder for these settings.

    The learned finder's module must expose ``load_relation_finder(schema, path) ->
    RelationFinder``.

    Raises:
        ConfigurationError: a lexicon is configured but missing, or no learned finder exists.
    """
    if lexicon is None:
        return CueRelationFinder(schema)
    if not Path(lexicon).is_file():
        raise ConfigurationError(
            f"KAG_INGESTION__RELATION_LEXICON={lexicon}: no such file; build the lexicon or "
            "unset the variable to use the ontology-cue relation finder"
        )
    try:
        module = importlib.import_module(LEARNED_MODULE)
    except ImportError as exc:
        raise ConfigurationError(
            f"KAG_INGESTION__RELATION_LEXICON is set but this installation has no learned "
            f"relation finder ({LEARNED_MODULE}: {exc}); unset the variable"
        ) from exc
    loader = getattr(module, "load_relation_finder", None)
    if loader is None:
        raise ConfigurationError(
            f"{LEARNED_MODULE} has no load_relation_finder(schema, path); it cannot be selected "
            "with KAG_INGESTION__RELATION_LEXICON"
        )
    finder: RelationFinder = loader(schema, Path(lexicon))
    return finder
