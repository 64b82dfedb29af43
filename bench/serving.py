"""Central served by Uvicorn on loopback for the benchmarks that measure from a node's side."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from central.settings import Settings
from central.web.app import create_app


@contextmanager
def served(settings: Settings) -> Iterator[str]:
    """The base URL of central running in a thread on a free port, stopped on exit."""
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
