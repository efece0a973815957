"""The REST API: a FastAPI app factory (``api.app:create_app``), routes under ``/v1``."""
