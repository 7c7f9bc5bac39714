"""Where a sandbox posts its notifications when a merchant listens over HTTP."""

from __future__ import annotations

from collections.abc import Mapping

import httpx


class HttpSink:
    """Posts each delivery to ``url``; answers (HTTP status, response body) for the sandbox to
    judge by its provider's own acknowledgement rule."""

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:  # float-ok: seconds
        self.url = url
        self._client = httpx.Client(timeout=timeout)

    def __call__(self, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
        response = self._client.post(self.url, content=body, headers=dict(headers))
        return response.status_code, response.content

    def close(self) -> None:
        self._client.close()
