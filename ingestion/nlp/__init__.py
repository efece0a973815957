"""The spaCy half of extraction: model loading, entities, observations, layers, the extractor."""
