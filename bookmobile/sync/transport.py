"""The link to central: signed HTTP requests with retries (requests; the session is injectable).

A request that times out, is reset, dies mid-response or gets a 5xx is retried with growing
pauses; every attempt is signed afresh (new nonce, new timestamp), because central spends each
nonce once. Retrying is safe: uploads are idempotent at central (a batch is applied once).
"""

import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import orjson
import requests

from bookmobile.sync.errors import CentralRefused, CentralUnreachable
from sync_protocol import signing

_RETRYABLE = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class CentralError(CentralRefused):
    """Central's own refusal, with its stable code and details (e.g. the expected sequence)."""

    def __init__(self, status: int, central_code: str, reason: str, details: dict[str, Any]) -> None:
        super().__init__(reason=reason)
        self.status = status
        self.central_code = central_code
        self.central_details = details


def _wall_ms() -> int:
    return int(time.time() * 1000)


class CentralLink:
    """Talks to one central for one node. `offset_ms` is the node's clock minus central's."""

    def __init__(
        self,
        base_url: str,
        node_id: str,
        key: bytes | None,
        *,
        http: requests.Session | None = None,
        timeout_s: float = 30.0,
        attempts: int = 5,
        backoff_s: float = 1.0,
        wall_ms: Callable[[], int] = _wall_ms,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.node_id = node_id
        self.key = key
        self.http = http or requests.Session()
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.wall_ms = wall_ms
        self.sleep = sleep
        self.offset_ms = 0
        self.retries = 0

    def handshake(self) -> int:
        """Measure the clock offset against central's clock (half the round trip as latency)."""
        sent = self.wall_ms()
        answer = self.call("GET", "/sync/v1/time", signed=False)
        received = self.wall_ms()
        self.offset_ms = (sent + received) // 2 - int(answer["server_time_ms"])
        return self.offset_ms

    def call(
        self, method: str, path: str, body: bytes = b"", params: dict[str, Any] | None = None, *, signed: bool = True
    ) -> Any:
        """Send a request (retrying what can be retried) and return central's JSON answer."""
        target = path + ("?" + urlencode(params) if params else "")
        last_problem = ""
        for attempt in range(self.attempts):
            if attempt:
                self.retries += 1
                self.sleep(min(self.backoff_s * 2 ** (attempt - 1), 30.0))
            try:
                response = self.http.request(
                    method,
                    self.base_url + target,
                    data=body,
                    headers=self._headers(method, target, body, signed),
                    timeout=self.timeout_s,
                )
                document = orjson.loads(response.content) if response.content else {}
            except _RETRYABLE as exc:
                last_problem = type(exc).__name__
                continue
            except orjson.JSONDecodeError:
                last_problem = "incomplete answer"
                continue
            if response.status_code >= 500:
                last_problem = f"HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                raise _refusal(response.status_code, document)
            return document
        raise CentralUnreachable(problem=last_problem or "no answer")

    def _headers(self, method: str, target: str, body: bytes, signed: bool) -> dict[str, str]:
        headers = {"Content-Type": "application/json", signing.HEADER_NODE_CLOCK: str(self.wall_ms())}
        if body:
            headers["Content-Encoding"] = "gzip"
        if not signed:
            return headers
        if self.key is None:
            raise CentralUnreachable(problem="no key")
        timestamp = (self.wall_ms() - self.offset_ms) // 1000
        nonce = secrets.token_hex(16)
        message = signing.string_to_sign(method, target, self.node_id, timestamp, nonce, body)
        signed_headers = signing.SignedHeaders(self.node_id, timestamp, nonce, signing.sign(self.key, message))
        return headers | signed_headers.as_dict()


def _refusal(status: int, document: Any) -> CentralError:
    error = document.get("error", {}) if isinstance(document, dict) else {}
    return CentralError(
        status,
        str(error.get("code", f"http_{status}")),
        str(error.get("message") or error.get("message_en") or f"HTTP {status}"),
        error.get("details") or {},
    )
