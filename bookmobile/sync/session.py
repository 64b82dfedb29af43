"""One sync from start to end (handshake, push, pull), enrolment, and `--watch` retries with APScheduler."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from apscheduler.schedulers.blocking import BlockingScheduler

from bookmobile.node import Node
from bookmobile.settings import Settings
from bookmobile.store import meta, outbox
from bookmobile.store.connection import reading, write_transaction
from bookmobile.sync.errors import CentralUnreachable, NotEnrolled
from bookmobile.sync.keys import load_key, save_key
from bookmobile.sync.pull import PullReport, pull
from bookmobile.sync.push import PushReport, push
from bookmobile.sync.transport import CentralLink
from sync_protocol.batch import encode_json
from sync_protocol.codec import encode_instant
from sync_protocol.signing import new_private_key, public_key_of

CENTRAL_URL = "central_url"


@dataclass(frozen=True)
class SyncReport:
    offset_ms: int
    pushed: PushReport
    pulled: PullReport
    retries: int


def _central_url(node: Node, settings: Settings) -> str:
    if settings.central_url:
        return settings.central_url
    with reading(node.conn):
        url = meta.get(node.conn, CENTRAL_URL)
    if url is None:
        raise NotEnrolled()
    return url


def make_link(node: Node, settings: Settings, http: requests.Session | None = None) -> CentralLink:
    """A link for this node with its key and the configured timeouts and retries."""
    return CentralLink(
        _central_url(node, settings),
        node.node_id,
        load_key(settings.key_path),
        http=http,
        timeout_s=settings.sync_timeout_s,
        attempts=settings.sync_attempts,
        backoff_s=settings.sync_backoff_s,
        wall_ms=lambda: int(node.clock.now().timestamp() * 1000),
    )


def enrol(node: Node, settings: Settings, central_url: str, code: str, http: requests.Session | None = None) -> int:
    """Prove the one-time code with a new key pair; keep the key (0600) and central's address."""
    key = new_private_key()
    link = CentralLink(
        central_url,
        node.node_id,
        None,
        http=http,
        timeout_s=settings.sync_timeout_s,
        attempts=2,
        wall_ms=lambda: int(node.clock.now().timestamp() * 1000),
    )
    body = encode_json({"node_id": node.node_id, "code": code, "public_key": public_key_of(key), "epoch": node.epoch})
    answer = link.call("POST", "/sync/v1/enrol", body, signed=False)
    save_key(settings.key_path, key)
    with write_transaction(node.conn):
        meta.put(node.conn, CENTRAL_URL, central_url)
    return int(answer["epoch"])


def sync_once(
    node: Node,
    settings: Settings,
    *,
    http: requests.Session | None = None,
    progress: Callable[[int, int], None] = lambda _done, _total: None,
) -> SyncReport:
    """Handshake, push the outbox, pull central's changes; record the offset and the time."""
    link = make_link(node, settings, http)
    offset = link.handshake()
    with write_transaction(node.conn):
        meta.put(node.conn, meta.CLOCK_OFFSET_MS, str(offset))
    pushed = push(node, link, settings.sync_batch_bytes, progress)
    pulled = pull(node, link)
    with write_transaction(node.conn):
        meta.put(node.conn, meta.LAST_SYNC_AT, encode_instant(node.clock.now()))
        outbox.forget_acknowledged(node.conn, node.clock.now() - timedelta(days=settings.outbox_retention_days))
    return SyncReport(offset, pushed, pulled, link.retries)


def watch(
    attempt: Callable[[], SyncReport],
    interval_s: int,
    on_wait: Callable[[CentralUnreachable], None],
) -> SyncReport:
    """Try now and then every `interval_s` until one sync succeeds (the link came back).

    Runs never overlap (max_instances=1), and a run missed while the laptop slept is caught up once.
    """
    scheduler = BlockingScheduler()
    outcome: list[SyncReport | BaseException] = []

    def job() -> None:
        try:
            outcome.append(attempt())
        except CentralUnreachable as unreachable:
            on_wait(unreachable)
            return
        except BaseException as error:  # anything else ends the watch and is shown by the caller
            outcome.append(error)
        scheduler.shutdown(wait=False)

    scheduler.add_job(
        job, "interval", seconds=interval_s, next_run_time=datetime.now().astimezone(), max_instances=1, coalesce=True
    )
    scheduler.start()
    result = outcome[-1]
    if isinstance(result, BaseException):
        raise result
    return result
