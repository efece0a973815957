"""Loading documents: plain text, Markdown, HTML and PDF files, or texts held in memory.

The loaded text is normalised (:mod:`ingestion.loaders.normalise`); every offset the engine
stores points into it.
"""

from ingestion.loaders.files import SkippedFile, discover, load_file, load_text, source_of
from ingestion.loaders.formats import MEDIA_TYPES
from ingestion.loaders.normalise import content_hash, normalise_text

__all__ = [
    "MEDIA_TYPES",
    "SkippedFile",
    "content_hash",
    "discover",
    "load_file",
    "load_text",
    "normalise_text",
    "source_of",
]
