"""Syncs at random times, with the network and power faults of B3 injected on the way.

Every sync goes through the van's own `sync_once` with a `requests` session whose adapter may
lose an answer after central committed, answer 503, cut the laptop's power mid-upload or after a
commit (the node is then reopened from its disk), or keep a batch to deliver later. Duplicated
and out-of-order batches are sent by the simulation itself, signed by the node's key, around a
normal sync. After a sync that completed, the van's view must agree with central's.
"""

import json
from collections.abc import Callable

import requests
from sqlmodel import func, select

from bookmobile.store import outbox
from bookmobile.store.connection import reading
from bookmobile.sync.errors import CentralUnreachable, SyncFailed
from bookmobile.sync.session import make_link, sync_once
from bookmobile.sync.transport import CentralError
from central.db import new_session
from central.models import SyncOperation
from sync_protocol.batch import Batch, cut_batches
from tests.simulation import invariants
from tests.simulation.transport import (
    Fault,
    FaultLayer,
    HoldBack,
    PowerCut,
    Recorder,
    cut_power_after_commit,
    cut_power_mid_upload,
    lose_answer,
    server_error,
    session_over,
)
from tests.simulation.van_passwords import learn_applied
from tests.simulation.vans import Van, node_settings
from tests.simulation.world import World

BATCHES = "/sync/v1/batches"
CHANGES = "/sync/v1/changes"
# name: (weight, path, fault, times)
ADAPTER_FAULTS: dict[str, tuple[float, str, Fault, int]] = {
    "answer lost after commit": (6, BATCHES, lose_answer, 1),
    "pull answer lost": (3, CHANGES, lose_answer, 1),
    "503 from a proxy": (3, BATCHES, server_error, 2),
    "power cut mid-upload": (4, BATCHES, cut_power_mid_upload, 1),
    "power cut after commit": (4, BATCHES, cut_power_after_commit, 1),
    "power cut mid-pull": (3, CHANGES, cut_power_after_commit, 1),
}
SIMULATION_FAULTS = {"batches sent twice": 4.0, "batch delivered late": 4.0, "batches out of order": 4.0}
CLEAN_WEIGHT = 55.0
RECEIPT_AGAIN = "a batch sent again gets its stored receipt, nothing applied twice (B3)"
GAP_REFUSED = "a batch that arrives before its predecessor is refused with the expected sequence (B3)"


def pick_fault(world: World) -> str:
    """The fault of the next sync ("clean" for none)."""
    names = ["clean", *ADAPTER_FAULTS, *SIMULATION_FAULTS]
    weights = [CLEAN_WEIGHT / world.fault_boost, *(w for w, *_ in ADAPTER_FAULTS.values()), *SIMULATION_FAULTS.values()]
    return world.rng.choices(names, weights)[0]


def sync_van(world: World, van: Van, fault: str = "clean") -> bool:
    """One sync of `van` with `fault`; True when it completed (then the views are compared)."""
    layer, after = _prepare(world, van, fault)
    completed = False
    try:
        sync_once(van.node, node_settings(van.folder), http=session_over(layer))
        completed = True
    except PowerCut:
        van.reopen()
    except CentralUnreachable:
        world.stats.notes["syncs given up (central unreachable)"] += 1
    finally:
        van.capture(world.ledger)
        learn_applied(world)
    if fault in ADAPTER_FAULTS and isinstance(layer, FaultLayer) and layer.times < ADAPTER_FAULTS[fault][3]:
        world.stats.faults[fault] += 1  # counted only when the fault met its request
    if completed:
        after()
        if van.pending() == 0:
            invariants.views_agree(world, van)
    return completed


def _prepare(world: World, van: Van, fault: str) -> tuple[requests.adapters.HTTPAdapter, Callable[[], None]]:
    adapter = world.adapter()
    if fault in ADAPTER_FAULTS:
        _, path, injected, times = ADAPTER_FAULTS[fault]
        return FaultLayer(adapter, path, injected, times), lambda: None
    if fault == "batches sent twice":
        recorder = Recorder()
        return FaultLayer(adapter, BATCHES, recorder, 10**6), lambda: _send_again(world, van, recorder)
    if fault == "batch delivered late":
        held = HoldBack()
        return FaultLayer(adapter, BATCHES, held, 1), lambda: _deliver_late(world, van, held)
    if fault == "batches out of order":
        _second_batch_first(world, van)
    return adapter, lambda: None


def _send_again(world: World, van: Van, recorder: Recorder) -> None:
    """The node's batches arrive a second time (freshly signed): the same receipts, nothing more."""
    if not recorder.sent:
        return
    world.stats.faults["batches sent twice"] += 1
    link = make_link(van.node, node_settings(van.folder), http=world.http())
    link.handshake()
    before = _operation_count(world)
    for request, first_answer in recorder.sent:
        again = link.call("POST", BATCHES, request.body)
        world.check(RECEIPT_AGAIN, again == json.loads(first_answer), f"{van.node_id}: a replay got another receipt")
    world.check(RECEIPT_AGAIN, _operation_count(world) == before, f"{van.node_id}: a replay added operations")


def _deliver_late(world: World, van: Van, held: HoldBack) -> None:
    """The first attempt of a batch, delayed in the network, arrives after the node moved on."""
    if not held.held:
        return
    world.stats.faults["batch delivered late"] += 1
    before = _operation_count(world)
    late = world.http().send(held.held[0])
    fine = late.status_code == 200 or (late.status_code == 401 and "sync_not_authenticated" in late.text)
    world.check(RECEIPT_AGAIN, fine, f"{van.node_id}: a late batch got HTTP {late.status_code}")
    world.check(RECEIPT_AGAIN, _operation_count(world) == before, f"{van.node_id}: a late batch added operations")


def _second_batch_first(world: World, van: Van) -> None:
    """Before the sync, the van's second batch reaches central ahead of its first: refused, 409."""
    settings = node_settings(van.folder)
    link = make_link(van.node, settings, http=world.http())
    link.handshake()
    high_water = int(link.call("GET", "/sync/v1/state")["high_water"])
    with reading(van.node.conn):
        todo = outbox.pending(van.node.conn, high_water, limit=10**9)
    runs = list(cut_batches(todo, settings.sync_batch_bytes))
    if len(runs) < 2:
        return
    world.stats.faults["batches out of order"] += 1
    second = runs[1]
    batch = Batch(van.node_id, van.epoch, second[0].seq, second[-1].seq, second)
    try:
        link.call("POST", BATCHES, batch.encode())
    except CentralError as refused:
        expected = refused.central_details.get("expected") == high_water + 1
        world.check(GAP_REFUSED, refused.status == 409 and expected, f"{van.node_id}: {refused.central_code}")
        return
    world.check(GAP_REFUSED, False, f"{van.node_id}: central took batch {second[0].seq}.. after {high_water}")


def _operation_count(world: World) -> int:
    with new_session(world.engine) as session:
        return int(session.exec(select(func.count()).select_from(SyncOperation)).one())


def refused_sync(world: World, van: Van) -> SyncFailed | None:
    """A sync that central or the node itself must refuse (a restored node); the refusal, if any."""
    try:
        sync_once(van.node, node_settings(van.folder), http=world.http())
    except SyncFailed as refusal:
        return refusal
    finally:
        van.capture(world.ledger)
        learn_applied(world)
    return None
