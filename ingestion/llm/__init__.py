"""The LLM half of extraction: structured output into the shared candidate models."""
