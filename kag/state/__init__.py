"""State of the service around the graph: API keys and ingestion jobs, in one SQLite file.

It lives in ``KAG_API__STATE_DIR`` (``state.db`` plus an ``uploads/`` folder), so the API, the
``kag keys`` command and a restarted API process all see the same keys and jobs.
"""

from kag.state.answers import AnswerOwners
from kag.state.db import StateDB
from kag.state.jobs import ItemStatus, Job, JobItem, JobStatus, JobStore, NewItem
from kag.state.keys import ApiKey, IssuedKey, KeyStore, Role

__all__ = [
    "AnswerOwners",
    "ApiKey",
    "IssuedKey",
    "ItemStatus",
    "Job",
    "JobItem",
    "JobStatus",
    "JobStore",
    "KeyStore",
    "NewItem",
    "Role",
    "StateDB",
]
