"""The sync endpoints under /sync/v1: HTTP in, a sync function call, gzip JSON out.

Every endpoint but /time and /enrol takes a signed request (`sync_protocol.signing`). Errors become
`{"error": {code, message, message_en, details}}` with the error's status, here and only here, so a
node can act on a gap (`details.expected`) or a revocation without parsing prose.
"""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from central.db import new_session
from central.errors import CentralError
from central.retry import retrying
from central.services.context import ServiceContext
from central.settings import Settings
from central.sync import devices, downstream, ingest
from central.sync.errors import BadRequest
from central.sync.ingest import collector_paused, ingest_batch
from sync_protocol.batch import Batch, decode_json, encode_json
from sync_protocol.codec import FormatError, to_plain
from sync_protocol.timezone import utc_now

router = APIRouter(prefix="/sync/v1", tags=["sync"], include_in_schema=False)
GZIP_JSON = {"Content-Type": "application/json", "Content-Encoding": "gzip"}


def _reply(document: Any, status: int = 200) -> Response:
    return Response(encode_json(document), status_code=status, headers=GZIP_JSON)


def _error(error: CentralError) -> Response:
    body = {"error": {"code": error.code, "message": error.ja, "message_en": error.en, "details": error.details}}
    return _reply(to_plain(body), error.status)


async def _run(request: Request, work: Callable[[ServiceContext, bytes], Any], *, signed: bool = True) -> Response:
    """Read the body, open a session, authenticate when `signed`, run `work`, answer gzip JSON.

    The authentication and `work` are each run again on a transient database failure
    (`central.retry`), separately: once the authentication committed, the request's nonce is spent,
    so only `work` may be repeated after it."""
    body = await request.body()
    settings: Settings = request.app.state.settings

    def call() -> Any:
        with new_session(request.app.state.engine) as session:
            ctx = ServiceContext(session, settings.policy(), "node:?", None, utc_now())
            if signed:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                node = retrying(
                    session, lambda: devices.authenticate_request(ctx, request.method, target, request.headers, body)
                )
                ctx = ServiceContext(session, ctx.policy, f"node:{node.code}", node.location_id, ctx.now)
                ctx.session.info["sync_node"] = node
            return retrying(session, lambda: work(ctx, body))

    try:
        return _reply(await run_in_threadpool(call))
    except CentralError as error:
        return _error(error)


def _node(ctx: ServiceContext) -> Any:
    return ctx.session.info["sync_node"]


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        document = decode_json(body)
    except FormatError as error:
        raise BadRequest("bad_body", "送信データが壊れています。", str(error)) from None
    if not isinstance(document, dict):
        raise BadRequest("bad_body", "送信データが壊れています。", "Expected a JSON object.")
    return document


@router.get("/time")
async def server_time(request: Request) -> Response:
    """Central's clock, for the node to measure its offset before it signs anything (SPEC 8)."""
    return await _run(request, lambda ctx, _b: {"server_time_ms": int(ctx.now.timestamp() * 1000)}, signed=False)


@router.post("/enrol")
async def enrol(request: Request) -> Response:
    """A new node proves its one-time code and registers its public key."""

    def work(ctx: ServiceContext, body: bytes) -> dict[str, Any]:
        document = _json_body(body)
        try:
            epoch = int(document.get("epoch", 0))
        except (TypeError, ValueError):
            raise BadRequest("bad_epoch", "エポックが正しくありません。", "Malformed epoch.") from None
        node = devices.enrol(
            ctx,
            str(document.get("node_id", "")),
            str(document.get("code", "")),
            str(document.get("public_key", "")),
            epoch,
        )
        return {"node_id": node.code, "epoch": node.epoch, "high_water": node.high_water}

    return await _run(request, work, signed=False)


@router.get("/state")
async def state(request: Request) -> Response:
    """Where the node should resume: its epoch and central's high-water mark (not the node's belief)."""

    def work(ctx: ServiceContext, _body: bytes) -> dict[str, Any]:
        node = _node(ctx)
        return {
            "node_id": node.code,
            "epoch": node.epoch,
            "high_water": node.high_water,
            "high_water_sha256": ingest.last_operation_hash(ctx, node),
            "status": node.status,
            "server_time_ms": int(ctx.now.timestamp() * 1000),
        }

    return await _run(request, work)


@router.post("/batches")
async def upload(request: Request) -> Response:
    """Apply one batch exactly once; the receipt lists every operation's outcome."""

    def work(ctx: ServiceContext, body: bytes) -> dict[str, Any]:
        with collector_paused():  # decoding allocates as much as applying (see `collector_paused`)
            try:
                batch = Batch.decode(body)
            except FormatError as error:
                broken = "バッチが壊れています(途中で切れたか改変されました)。"
                raise BadRequest("bad_batch", broken, str(error)) from None
            return ingest_batch(ctx, _node(ctx), batch).to_dict()

    return await _run(request, work)


@router.post("/rotate")
async def rotate(request: Request) -> Response:
    """Replace the node's key; the request is signed with the old one."""

    def work(ctx: ServiceContext, body: bytes) -> dict[str, Any]:
        document = _json_body(body)
        node = devices.rotate_key(ctx, _node(ctx), str(document.get("public_key", "")))
        return {"node_id": node.code, "rotated": True}

    return await _run(request, work)


@router.get("/snapshot")
async def snapshot(request: Request) -> Response:
    """A full snapshot for a first pull or an explicit re-bootstrap (B6)."""
    library = request.app.state.settings.library_name
    return await _run(request, lambda ctx, _b: downstream.full_snapshot(ctx, _node(ctx), library).to_dict())


@router.get("/changes")
async def changes(request: Request, since: int = 0) -> Response:
    """What changed for this node since its cursor, per scope, with each scope's checksum (B6)."""
    return await _run(request, lambda ctx, _b: downstream.changes_since(ctx, _node(ctx), since).to_dict())
