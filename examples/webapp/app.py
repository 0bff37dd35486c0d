"""A small host web app on casino_core: Starlette over a :class:`Casino` on SQLite.

Example only (``pip install 'casino-core[sql,examples]'``); the library never imports
Starlette. It shows what a host's HTTP layer does around the facade: pick the operator,
parse and type-check the request, call the casino in a worker thread (the facade is
synchronous and thread-safe), and turn casino_core's stable error codes into HTTP statuses
without leaking anything else. See README.md beside this file for the endpoints.

    CASINO_WEBAPP_SEED_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))') \\
        python examples/webapp/app.py
"""

from __future__ import annotations

import functools
import hmac
import itertools
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from casino_core.casino import (
    Casino,
    CasinoObserver,
    CasinoSettings,
    Round,
    SeedInfo,
    SeedRotation,
)
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.errors import CasinoError, ConfigurationError, InvalidInput
from casino_core.wallet import AccountKey, Balance
from casino_core.wallet.sql import SqlWallet, make_engine

__all__ = ["STATUS_BY_CODE", "app_from_env", "create_app"]

_log = logging.getLogger("casino_webapp")

STATUS_BY_CODE: Final[dict[str, int]] = {
    # bad input: the message names the field and is safe to show
    "INVALID_INPUT": 400,
    "INVALID_BET": 400,
    "INVALID_SEED": 400,
    "INVALID_AMOUNT": 400,
    "UNKNOWN_CURRENCY": 400,
    "UNKNOWN_SCHEME": 400,
    "IDEMPOTENCY_KEY_REQUIRED": 400,  # this app's: no Idempotency-Key header
    "FORBIDDEN": 403,  # this app's: real-money funding without the admin token
    "ACCOUNT_NOT_FOUND": 404,
    "ROUND_NOT_FOUND": 404,  # no such round for this player
    "INSUFFICIENT_FUNDS": 402,
    "IDEMPOTENCY_CONFLICT": 409,  # the key was used for another request
    "ROUND_IN_PROGRESS": 409,  # e.g. rotating while a mines round is open
    "SEED_REVEALED": 409,
    "LIMIT_EXCEEDED": 422,  # well-formed, refused by a configured limit
    "STORAGE_UNAVAILABLE": 503,  # retry later with the same Idempotency-Key
}
"""HTTP status of each error code; any other code is a 500 ``INTERNAL_ERROR``."""

_GENERIC: Final = {
    503: "the casino's storage is unavailable; retry with the same Idempotency-Key",
    500: "internal error",
}

Handler = Callable[[Request], Awaitable[Response]]


class _Refused(Exception):
    """An error of this app (not of casino_core): status, code and a safe message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _endpoint(fn: Handler) -> Handler:
    """Map errors to responses: 4xx with the error's code and message, 5xx generic."""

    @functools.wraps(fn)
    async def wrapped(request: Request) -> Response:
        try:
            return await fn(request)
        except (_Refused, CasinoError) as exc:
            code = exc.code
            status = STATUS_BY_CODE.get(code, 400 if isinstance(exc, InvalidInput) else 500)
            if status < 500:
                return _error(status, code, exc.message)
            # A storage or configuration message may name hosts or tables: log it, say less.
            _log.error("%s %s failed: %s", request.method, request.url.path, code)
            return _error(status, code if status == 503 else "INTERNAL_ERROR", _GENERIC[status])
        except Exception:
            _log.exception("%s %s failed", request.method, request.url.path)
            return _error(500, "INTERNAL_ERROR", _GENERIC[500])

    return wrapped


# -- request parsing --------------------------------------------------------------------


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise InvalidInput("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object")
    return body


def _text(body: dict[str, Any], name: str, default: str | None = None) -> str:
    value = body.get(name, default)
    if not isinstance(value, str):
        raise InvalidInput(f"{name}: a string is required")
    return value


def _int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"{name}: an integer number of minor units is required")
    return value


def _account(operator_id: str, player: str, source: dict[str, Any]) -> AccountKey:
    """The account named by ``currency`` and ``mode`` (default ``real``) in ``source``."""
    currency, mode = _text(source, "currency"), _text(source, "mode", "real")
    return AccountKey(operator_id, player, currency, mode)  # type: ignore[arg-type]


def _key(request: Request, player: str) -> str:
    """The Idempotency-Key header, namespaced by player so players never share keys."""
    key = request.headers.get("idempotency-key")
    if not key:
        raise _Refused("IDEMPOTENCY_KEY_REQUIRED", "the Idempotency-Key header is required")
    return f"{player}:{key}"


# -- responses --------------------------------------------------------------------------


def _round(r: Round) -> dict[str, object]:
    return {
        "round_id": r.round_id,
        "player_id": r.player_id,
        "currency": r.currency,
        "mode": r.mode,
        "game": r.game,
        "params": dict(r.params),
        "scheme": r.scheme.value,
        "server_seed_hash": r.server_seed_hash,
        "client_seed": r.client_seed,
        "nonce": r.nonce,
        "result": dict(r.result),
        "multiplier": r.multiplier,
        "stake": r.stake,
        "payout": r.payout,
        "balance_after": r.balance_after,
        "status": r.status,
        "actions": list(r.actions),
        "created_at": r.created_at.isoformat(),
    }


def _seeds(s: SeedInfo) -> dict[str, object]:
    """What a player may see of the active pair: commitments, never the server seed."""
    return {
        "server_seed_hash": s.server_seed_hash,
        "next_server_seed_hash": s.next_server_seed_hash,
        "client_seed": s.client_seed,
        "nonce": s.nonce,
        "scheme": s.scheme.value,
    }


def _rotation(r: SeedRotation) -> dict[str, object]:
    old = r.revealed
    return {
        "revealed": {
            "server_seed": old.server_seed,
            "server_seed_hash": old.commitment,
            "client_seed": old.client_seed,
            "nonces_used": old.nonces_used,
            "scheme": old.scheme.value,
        },
        "active": _seeds(r.active),
    }


def _balance(account: AccountKey, b: Balance) -> dict[str, object]:
    return {
        "currency": account.currency.code,
        "mode": account.mode.value,
        "available": b.available,
        "held": b.held,
        "posted": b.posted,
    }


# -- the app ----------------------------------------------------------------------------


def create_app(
    database: str | Path,
    *,
    seed_key: bytes,
    operator_id: str = "webapp-demo",
    admin_token: str | None = None,
    settings: CasinoSettings | None = None,
    observers: Iterable[CasinoObserver] = (),
    metrics: bool = False,
) -> Starlette:
    """The web app over a casino on ``database`` (a SQLite path, or a SQLAlchemy URL).

    ``seed_key`` (32+ random bytes) encrypts the server seeds at rest. ``operator_id`` is
    fixed for the whole app here; a real host takes it from the authenticated API client
    (one operator must never reach another's players). ``admin_token`` enables funding real
    money (``Authorization: Bearer <token>``); without it only play money can be funded.
    ``settings`` (limits, scheme) get ``seed_key`` put in. ``metrics=True`` (needs the
    ``metrics`` extra) counts rounds, rotations and limits on a registry of this app and
    serves it at ``GET /metrics``; a real host would guard that path.
    """
    url = str(database) if "://" in str(database) else f"sqlite:///{database}"
    engine = make_engine(url)
    create_casino_schema(engine)
    base = settings if settings is not None else CasinoSettings()
    watchers = list(observers)
    scrape: Callable[[], bytes] | None = None
    if metrics:
        from prometheus_client import CollectorRegistry, generate_latest

        from casino_core.casino.metrics import PrometheusObserver

        registry = CollectorRegistry()
        watchers.append(PrometheusObserver(registry))
        scrape = functools.partial(generate_latest, registry)
    store = SqlCasinoStore(SqlWallet(engine))
    casino = Casino(store, replace(base, seed_key=seed_key), observers=watchers)
    op = operator_id

    @_endpoint
    async def fund(request: Request) -> Response:
        player = request.path_params["player"]
        body = await _body(request)
        account = _account(op, player, body)
        amount = _int(body, "amount")
        if account.mode.value == "real":
            # Real money comes from the host's payment flow; this stands in for its admin API.
            given = request.headers.get("authorization", "")
            if admin_token is None or not hmac.compare_digest(given, f"Bearer {admin_token}"):
                raise _Refused("FORBIDDEN", "funding real money needs the admin token")
        key = f"fund:{_key(request, player)}"

        def run() -> Balance:
            casino.wallet.open_account(account)
            casino.wallet.credit(account, amount, idempotency_key=key, system_account="deposits")
            return casino.wallet.balance(account)

        return JSONResponse(_balance(account, await run_in_threadpool(run)))

    @_endpoint
    async def balance(request: Request) -> Response:
        query = dict(request.query_params)
        player = request.path_params["player"]
        account = _account(op, player, query)
        return JSONResponse(
            _balance(account, await run_in_threadpool(casino.wallet.balance, account))
        )

    @_endpoint
    async def seeds(request: Request) -> Response:
        info = await run_in_threadpool(casino.seeds, op, request.path_params["player"])
        return JSONResponse(_seeds(info))

    @_endpoint
    async def rotate(request: Request) -> Response:
        body = await _body(request)
        scheme = _text(body, "scheme") if "scheme" in body else None
        rotation = await run_in_threadpool(
            functools.partial(casino.rotate_seed, op, request.path_params["player"], scheme=scheme)
        )
        return JSONResponse(_rotation(rotation))

    @_endpoint
    async def client_seed(request: Request) -> Response:
        body = await _body(request)
        rotation = await run_in_threadpool(
            casino.set_client_seed, op, request.path_params["player"], _text(body, "client_seed")
        )
        return JSONResponse(_rotation(rotation))

    async def _open(request: Request, opener: Callable[..., Round]) -> Response:
        player = request.path_params["player"]
        body = await _body(request)
        params = body.get("params", {})
        if not isinstance(params, dict):
            raise InvalidInput("params: a JSON object is required")
        call = functools.partial(
            opener,
            op,
            player,
            _text(body, "currency"),
            _text(body, "mode", "real"),
            _text(body, "game"),
            params,
            _int(body, "stake"),
            idempotency_key=_key(request, player),
        )
        return JSONResponse(_round(await run_in_threadpool(call)))

    @_endpoint
    async def play(request: Request) -> Response:
        return await _open(request, casino.play)

    @_endpoint
    async def start(request: Request) -> Response:
        return await _open(request, casino.start)

    @_endpoint
    async def act(request: Request) -> Response:
        player, round_id = request.path_params["player"], request.path_params["round_id"]
        body = await _body(request)
        if "action" not in body:
            raise InvalidInput("action: required")
        step = body.get("step")
        if step is not None and (not isinstance(step, int) or isinstance(step, bool)):
            raise InvalidInput("step: an integer is required")
        # player_id: another player's round is refused as unknown (ROUND_NOT_FOUND).
        r = await run_in_threadpool(
            functools.partial(casino.act, op, round_id, body["action"], step=step, player_id=player)
        )
        return JSONResponse(_round(r))

    @_endpoint
    async def export(request: Request) -> Response:
        player = request.path_params["player"]
        pending = request.query_params.get("pending") == "true"
        # Streamed page by page (flat memory). The header needs the count before the
        # lines: export_counts is a separate pass that builds no records.
        counts = await run_in_threadpool(casino.export_counts, op, player)
        lines = casino.export_lines(op, player, pending=pending)
        # Read the first page here, so that a storage error still maps to a status code.
        first = await run_in_threadpool(next, lines, "")
        return StreamingResponse(
            itertools.chain([first], lines),
            media_type="application/x-ndjson",
            headers={"X-Pending-Rounds": str(counts.pending)},
        )

    async def metrics_endpoint(request: Request) -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        assert scrape is not None
        return Response(await run_in_threadpool(scrape), media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        casino.close()

    p = "/players/{player}"
    routes = [
        Route(f"{p}/fund", fund, methods=["POST"]),
        Route(f"{p}/balance", balance, methods=["GET"]),
        Route(f"{p}/seeds", seeds, methods=["GET"]),
        Route(f"{p}/seeds/rotate", rotate, methods=["POST"]),
        Route(f"{p}/seeds/client-seed", client_seed, methods=["POST"]),
        Route(f"{p}/play", play, methods=["POST"]),
        Route(f"{p}/rounds", start, methods=["POST"]),
        Route(f"{p}/rounds/{{round_id}}/act", act, methods=["POST"]),
        Route(f"{p}/export", export, methods=["GET"]),
    ]
    if scrape is not None:
        routes.append(Route("/metrics", metrics_endpoint, methods=["GET"]))
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.casino = casino
    return app


def app_from_env() -> Starlette:
    """The app configured from the environment (what ``uvicorn --factory`` calls).

    ``CASINO_WEBAPP_SEED_KEY`` (required: 64+ hex characters, i.e. 32+ bytes),
    ``CASINO_WEBAPP_DB`` (default ``casino-webapp.db``), ``CASINO_WEBAPP_OPERATOR``,
    ``CASINO_WEBAPP_ADMIN_TOKEN`` (optional), ``CASINO_WEBAPP_METRICS=1`` (serve
    ``/metrics``; needs prometheus-client). Nothing falls back silently: a missing or short
    key refuses to start.
    """
    try:
        seed_key = bytes.fromhex(os.environ["CASINO_WEBAPP_SEED_KEY"])
    except (KeyError, ValueError):
        raise ConfigurationError(
            "set CASINO_WEBAPP_SEED_KEY to 64+ hex characters (32+ random bytes)"
        ) from None
    return create_app(
        os.environ.get("CASINO_WEBAPP_DB", "casino-webapp.db"),
        seed_key=seed_key,
        operator_id=os.environ.get("CASINO_WEBAPP_OPERATOR", "webapp-demo"),
        admin_token=os.environ.get("CASINO_WEBAPP_ADMIN_TOKEN") or None,
        metrics=os.environ.get("CASINO_WEBAPP_METRICS") == "1",
    )


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app_from_env(), host="127.0.0.1", port=8000)
