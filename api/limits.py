"""Request size limits announced by ``Content-Length``, refused before any body is read.

FastAPI's own ``max_body_size`` limits (the app's for JSON, the upload route's for multipart)
also stop bodies without a length (chunked) while they stream in; this guard answers the common
case, a declared length over the limit, with a problem+json 413 instead of Starlette's plain text.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.schemas.problem import PROBLEM_MEDIA_TYPE, Problem


class ContentLengthGuard:
    """Refuse requests whose declared body exceeds the limit for their content type.

    Args:
        app: the wrapped ASGI app.
        max_request_bytes: the limit for everything but multipart uploads.
        max_upload_bytes: the limit for ``multipart/form-data`` requests.
    """

    def __init__(self, app: ASGIApp, *, max_request_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            declared = headers.get("content-length")
            multipart = headers.get("content-type", "").startswith("multipart/form-data")
            limit = self.max_upload_bytes if multipart else self.max_request_bytes
            if declared is not None and declared.isdigit() and int(declared) > limit:
                await self._refuse(scope, send, limit)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, limit: int) -> None:
        body = Problem(
            type="urn:kag:problem:content-too-large",
            title="Content Too Large",
            status=413,
            detail=f"the request body is larger than the {limit:,} bytes this API accepts "
            "for this kind of request",
            instance=str(scope.get("path", "")),
            code="content-too-large",
        ).model_dump_json(exclude_none=True)
        payload = body.encode()
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
