"""How a van's requests reach central in the simulation, and the faults injected on the way.

Most syncs go to central's ASGI app in this process (starlette's TestClient: the whole FastAPI
stack, no socket), because a sync over loopback HTTP costs several times as much and a long run
makes tens of thousands of requests. A share of syncs (`World.loopback_share`) goes to the same
central served by Uvicorn on loopback, so real HTTP (Content-Length, gzip, connection handling)
stays in the loop. Faults sit in front of either, as a `requests` adapter: the van's own
`CentralLink` takes the session, exactly as in production.
"""

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

with warnings.catch_warnings():  # starlette asks for httpx2, which the project does not use
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

Forward = Callable[..., requests.Response]
Fault = Callable[[requests.PreparedRequest, Forward], requests.Response]


class PowerCut(BaseException):
    """The laptop lost power: raised through the node's code like a kill, nothing catches it."""


class InProcessAdapter(HTTPAdapter):
    """Sends each request to central's ASGI app in this process."""

    def __init__(self, client: TestClient) -> None:
        super().__init__(max_retries=0)
        self.client = client

    def send(self, request: requests.PreparedRequest, *args: object, **kwargs: object) -> requests.Response:
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        reply = self.client.request(
            request.method or "GET", request.url or "", content=body, headers=dict(request.headers)
        )
        response = requests.Response()
        response.status_code = reply.status_code
        response._content = reply.content
        response.headers = CaseInsensitiveDict(reply.headers)
        response.url = request.url or ""
        response.request = request
        response.reason = reply.reason_phrase
        return response


class LoopbackAdapter(HTTPAdapter):
    """Sends each request over real HTTP to central served by Uvicorn at `base_url`."""

    def __init__(self, base_url: str) -> None:
        super().__init__(max_retries=0)
        self.base_url = base_url

    def send(self, request: requests.PreparedRequest, *args: object, **kwargs: object) -> requests.Response:
        request.url = self.base_url + (request.path_url or "/")
        return super().send(request, *args, **kwargs)  # type: ignore[arg-type]


class FaultLayer(HTTPAdapter):
    """Passes requests to `inner`; the first `times` whose path ends with `path` go through `fault`."""

    def __init__(self, inner: HTTPAdapter, path: str, fault: Fault, times: int = 1) -> None:
        super().__init__(max_retries=0)
        self.inner = inner
        self.path = path
        self.fault = fault
        self.times = times

    def send(self, request: requests.PreparedRequest, *args: object, **kwargs: object) -> requests.Response:
        def forward(prepared: requests.PreparedRequest = request) -> requests.Response:
            return self.inner.send(prepared, *args, **kwargs)  # type: ignore[arg-type]

        if self.times > 0 and (request.path_url or "").split("?")[0].endswith(self.path):
            self.times -= 1
            return self.fault(request, forward)
        return forward()


def session_over(adapter: HTTPAdapter) -> requests.Session:
    session = requests.Session()
    session.mount("http://", adapter)
    return session


def lose_answer(request: requests.PreparedRequest, forward: Forward) -> requests.Response:
    """Central commits, the answer is lost on the way back (B3)."""
    forward()
    raise requests.ConnectionError("connection reset after central answered")


def cut_power_mid_upload(request: requests.PreparedRequest, forward: Forward) -> requests.Response:
    """The laptop dies while the body is on the wire: central gets half a body."""
    body = request.body if isinstance(request.body, bytes) else b""
    request.body = body[: len(body) // 2]
    request.headers["Content-Length"] = str(len(request.body))
    forward(request)
    raise PowerCut("power lost mid-upload")


def cut_power_after_commit(request: requests.PreparedRequest, forward: Forward) -> requests.Response:
    """The laptop dies after central committed, before the node stored the receipt (or the pull)."""
    forward()
    raise PowerCut("power lost before the answer was stored")


def server_error(request: requests.PreparedRequest, forward: Forward) -> requests.Response:
    """A proxy in front of central answers 503 without forwarding; the node retries."""
    response = requests.Response()
    response.status_code = 503
    response._content = b""
    response.request = request
    return response


@dataclass
class Recorder:
    """Remembers each request it forwards with central's answer (to send them again later)."""

    sent: list[tuple[requests.PreparedRequest, bytes]] = field(default_factory=list)

    def __call__(self, request: requests.PreparedRequest, forward: Forward) -> requests.Response:
        kept = request.copy()
        response = forward()
        self.sent.append((kept, response.content))
        return response


@dataclass
class HoldBack:
    """Keeps the first request back (the network delays it) and reports a reset; it is sent later."""

    held: list[requests.PreparedRequest] = field(default_factory=list)

    def __call__(self, request: requests.PreparedRequest, forward: Forward) -> requests.Response:
        self.held.append(request.copy())
        raise requests.ConnectionError("request delayed in the network")
