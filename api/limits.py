"""Request body size limits, answered with problem+json 413.

A declared ``Content-Length`` over the limit is refused before anything is read; a body without
one (chunked) is counted as it streams in and refused as soon as it passes the limit. Multipart
uploads (and documents sent as JSON text) get ``KAG_API__MAX_UPLOAD_BYTES``, every other body
``KAG_API__MAX_REQUEST_BYTES``.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.schemas.problem import PROBLEM_MEDIA_TYPE, Problem


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its limit (mapped to 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _detail(limit))


def _detail(limit: int) -> str:
    return f"the request body is larger than the {limit:,} bytes this API accepts for it"


class BodySizeLimit:
    """Refuse request bodies over the limit for their content type.

    Args:
        app: the wrapped ASGI app.
        max_request_bytes: the limit for everything but multipart uploads.
        max_upload_bytes: the limit for ``multipart/form-data`` requests and ``upload_paths``.
        upload_paths: paths whose (JSON) bodies are uploads too.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_request_bytes: int,
        max_upload_bytes: int,
        upload_paths: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes
        self.max_upload_bytes = max_upload_bytes
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        multipart = headers.get("content-type", "").startswith("multipart/form-data")
        upload = multipart or scope.get("path") in self.upload_paths
        limit = self.max_upload_bytes if upload else self.max_request_bytes
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(scope, send, limit)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    payload = (
        Problem(
            type="urn:kag:problem:content-too-large",
            title="Content Too Large",
            status=413,
            detail=_detail(limit),
            instance=str(scope.get("path", "")),
            code="content-too-large",
        )
        .model_dump_json(exclude_none=True)
        .encode()
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
