"""A small host web app on casino_core: Starlette over an :class:`AsyncCasino` on SQLite.

Example only (``pip install 'casino-core[sql,aio,examples]'``); the library never imports
Starlette. It shows what a host's HTTP layer does around the facade: pick the operator,
authenticate the player (a signed session token; the player never comes from the body),
parse the request against a strict schema (an offering id and the player's bet fields,
nothing else: the rules are the operator's :class:`Catalog`, configuration published at
``GET /catalog``), await the casino (``casino_core.aio``: no thread per request),
and turn casino_core's stable error codes into HTTP statuses without leaking anything
else. See README.md beside this file for the endpoints and what a real host replaces.

    export CASINO_WEBAPP_SEED_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')
    export CASINO_WEBAPP_SESSION_SECRET=$(python -c 'import secrets; print(secrets.token_hex(32))')
    python examples/webapp/app.py
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal, ParamSpec, TypeVar

from starlette.applications import Starlette
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from casino_core import verifier_page
from casino_core.aio import AsyncCasino, make_async_engine, run_sync
from casino_core.casino import (
    Casino,
    CasinoObserver,
    CasinoSettings,
    Round,
    SeedInfo,
    SeedRotation,
)
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.catalog import Catalog, default_catalog
from casino_core.errors import CasinoError, ConfigurationError, InvalidInput
from casino_core.provider import ProviderConfig, ProviderWallet
from casino_core.provider.presets import (
    BlueOceanPreset,
    Hub88Preset,
    PresetResponse,
    SlotegratorPreset,
)
from casino_core.provider.sql import SqlProviderStore, create_provider_schema
from casino_core.wallet import AccountKey, Balance
from casino_core.wallet.sql import SqlWallet, make_engine

__all__ = [
    "APIS",
    "CATALOG_ENV",
    "STATUS_BY_CODE",
    "app_from_env",
    "create_app",
    "issue_token",
    "verify_token",
]

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
    "UNAUTHENTICATED": 401,  # this app's: no, a bad or an expired session token
    "FORBIDDEN": 403,  # this app's: another player's path, or admin-only without the token
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
            if status == 401:
                response = _error(status, code, exc.message)
                response.headers["WWW-Authenticate"] = "Bearer"
                return response
            if status < 500:
                return _error(status, code, exc.message)
            # A storage or configuration message may name hosts or tables: log it, say less.
            _log.error("%s %s failed: %s", request.method, request.url.path, code)
            return _error(status, code if status == 503 else "INTERNAL_ERROR", _GENERIC[status])
        except Exception:
            _log.exception("%s %s failed", request.method, request.url.path)
            return _error(500, "INTERNAL_ERROR", _GENERIC[500])

    return wrapped


# -- sessions ---------------------------------------------------------------------------

SESSION_TTL: Final = 3600
"""Seconds a session token lives by default."""

MAX_SESSION_TTL: Final = 24 * 3600
"""The longest session the admin endpoint issues."""

MIN_SECRET_BYTES: Final = 32

_MAX_TOKEN: Final = 512
_EXPIRY: Final = re.compile(r"[0-9]{1,12}")
_SESSION_CONTEXT: Final = b"casino-webapp-session-v1\x00"


def _check_secret(secret: object) -> bytes:
    if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"the session secret must be {MIN_SECRET_BYTES}+ random bytes")
    return secret


def _mac(secret: bytes, payload: str) -> bytes:
    mac = hmac.new(secret, _SESSION_CONTEXT + payload.encode("ascii"), hashlib.sha256)
    return mac.hexdigest().encode("ascii")


def issue_token(
    secret: bytes, player_id: str, ttl: int | timedelta = SESSION_TTL, *, now: float | None = None
) -> str:
    """A session token for ``player_id`` that expires ``ttl`` seconds after ``now``.

    ``<player id, base64url>.<expiry, unix seconds>.<HMAC-SHA256 of both, hex>`` under the
    server's ``secret``: enough for an example. A real host has its own login and sessions.
    """
    seconds = int(ttl.total_seconds()) if isinstance(ttl, timedelta) else ttl
    if type(seconds) is not int or seconds <= 0:
        raise InvalidInput("ttl: a positive number of seconds is required")
    if not isinstance(player_id, str) or not 0 < len(player_id.encode()) <= 128:
        raise InvalidInput("player: a player id (1-128 bytes of UTF-8) is required")
    expiry = int(time.time() if now is None else now) + seconds
    subject = base64.urlsafe_b64encode(player_id.encode()).rstrip(b"=").decode("ascii")
    payload = f"{subject}.{expiry}"
    return f"{payload}.{_mac(_check_secret(secret), payload).decode('ascii')}"


def verify_token(secret: bytes, token: str, *, now: float | None = None) -> str:
    """The player id of a token :func:`issue_token` signed with ``secret`` and that has not
    expired; else ``UNAUTHENTICATED``. The MAC is compared in constant time, first: nothing
    of a token is read before it is known to be the server's."""
    refused = _Refused("UNAUTHENTICATED", "the session token is not valid")
    parts = token.split(".") if len(token) <= _MAX_TOKEN else []
    if len(parts) != 3:
        raise refused
    subject, expiry, mac = parts
    try:
        payload = f"{subject}.{expiry}"
        if not hmac.compare_digest(_mac(_check_secret(secret), payload), mac.encode()):
            raise refused
    except UnicodeEncodeError:
        raise refused from None
    if not _EXPIRY.fullmatch(expiry):
        raise refused
    if int(expiry) <= (time.time() if now is None else now):
        raise _Refused("UNAUTHENTICATED", "the session token has expired; sign in again")
    try:
        return base64.urlsafe_b64decode(subject + "=" * (-len(subject) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise refused from None


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _Refused(
            "UNAUTHENTICATED", "a session token is required: Authorization: Bearer <token>"
        )
    return token.strip()


# -- request parsing --------------------------------------------------------------------

FUND_FIELDS: Final = frozenset({"currency", "mode", "amount"})
ROTATE_FIELDS: Final = frozenset({"scheme"})
CLIENT_SEED_FIELDS: Final = frozenset({"client_seed"})
BET_REQUEST_FIELDS: Final = frozenset({"offering", "bet", "stake", "currency", "mode"})
"""A play or start body: the offering id and the player's bet, never the rules."""
ACT_FIELDS: Final = frozenset({"action", "step"})
SESSION_FIELDS: Final = frozenset({"player", "ttl"})


async def _body(request: Request, fields: frozenset[str]) -> dict[str, Any]:
    """The JSON object body; a key that is not one of ``fields`` is refused (strict)."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise InvalidInput("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object")
    unknown = sorted(set(body) - fields)
    if unknown:
        name = unknown[0] if len(unknown[0]) <= 64 else unknown[0][:64] + "..."
        raise InvalidInput(
            f"{name}: not a field of this request (fields: {', '.join(sorted(fields))})"
        )
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
    ref = r.offering
    return {
        "round_id": r.round_id,
        "player_id": r.player_id,
        "currency": r.currency,
        "mode": r.mode,
        "game": r.game,
        "offering_id": ref.offering_id if ref else None,
        "offering_version": ref.version if ref else None,
        "rules_fingerprint": ref.rules_fingerprint if ref else None,
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


# -- the seam: how a handler reaches the casino ------------------------------------------

Api = Literal["async", "threads"]
APIS: Final[tuple[Api, ...]] = ("async", "threads")
"""``create_app(api=...)``: ``async`` (the default) or ``threads`` (for the benchmark)."""

T = TypeVar("T")
P = ParamSpec("P")
Runner = Callable[..., Awaitable[Any]]


async def _in_bridge(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn`` on the sync core in SQLAlchemy's greenlet bridge (what ``casino_core.aio``
    runs on), its I/O awaited on this loop: for what has no async face here (building the
    stores, the aggregator presets). No thread is used."""
    return await run_sync(fn, *args, **kwargs)


class _InThreadPool:
    """``api="threads"`` only, kept for ``benchmarks/webapp.py``'s comparison: the sync
    :class:`Casino` (or its wallet) with the face the handlers await (the
    :class:`AsyncCasino`'s), each call run in Starlette's thread pool as this app did
    before ``casino_core.aio``."""

    def __init__(self, target: Any) -> None:
        self._target = target

    @property
    def wallet(self) -> _InThreadPool:
        return _InThreadPool(self._target.wallet)

    def catalog(self) -> Catalog:
        return self._target.catalog()  # type: ignore[no-any-return]  # no I/O

    def export_lines(self, *args: Any, **kwargs: Any) -> AsyncIterator[str]:
        return iterate_in_threadpool(self._target.export_lines(*args, **kwargs))

    def __getattr__(self, name: str) -> Runner:
        method = getattr(self._target, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await run_in_threadpool(method, *args, **kwargs)

        return call


class _Live:
    """What the lifespan builds and the handlers use: the casino they await, the seam
    (``run``: a sync call off the loop, in the bridge or in the thread pool) and the
    aggregator presets."""

    casino: Any  # AsyncCasino, or _InThreadPool over a Casino
    run: Runner
    presets: dict[str, Any]


# -- the app ----------------------------------------------------------------------------

CATALOG_ENV: Final = "CASINO_CORE_CATALOG"
"""The environment variable naming the operator's catalog file (JSON or TOML)."""


def create_app(
    database: str | Path,
    *,
    seed_key: bytes,
    session_secret: bytes,
    catalog: Catalog | None = None,
    operator_id: str = "webapp-demo",
    admin_token: str | None = None,
    settings: CasinoSettings | None = None,
    observers: Iterable[CasinoObserver] = (),
    metrics: bool = False,
    hub88_public_key: bytes | None = None,
    hub88_signing_key: bytes | None = None,
    slotegrator: tuple[str, bytes] | None = None,
    blueocean: tuple[str, str] | None = None,
    api: Api = "async",
) -> Starlette:
    """The web app over a casino on ``database`` (a SQLite path, or a SQLAlchemy URL).

    ``seed_key`` (32+ random bytes) encrypts the server seeds at rest. ``session_secret``
    (32+ random bytes) signs the players' session tokens (:func:`issue_token`); every player
    endpoint acts for the token's player only. ``catalog`` is the operator's offerings
    (default: the library's :func:`~casino_core.catalog.default_catalog`), published at
    ``GET /catalog``; a request names an offering and carries bet fields only. ``operator_id``
    is fixed for the whole app here; a real host takes it from the authenticated API client
    (one operator must never reach another's players). ``admin_token`` enables the admin
    endpoints (``Authorization: Bearer <token>``): funding real money and issuing sessions.
    ``settings`` (limits, scheme) get ``seed_key`` put in. ``metrics=True`` (needs the
    ``metrics`` extra) counts rounds, rotations and limits on a registry of this app and
    serves it at ``GET /metrics``; a real host would guard that path.

    The casino is built when the app starts (its lifespan): with ``api="async"`` (the
    default) an :class:`~casino_core.aio.AsyncCasino` on an async engine (aiosqlite,
    psycopg async) that the handlers await, no thread per request; ``api="threads"`` is
    the former variant, the sync :class:`Casino` run in Starlette's thread pool, kept only
    for ``benchmarks/webapp.py`` to compare with. Both serve the same routes and rules.

    Aggregators (seamless wallet, docs/providers.md "Aggregator presets"): with
    ``hub88_public_key`` (PEM; ``hub88_signing_key``, the operator's private key, signs the
    answers to verified requests) Hub88's Wallet API is served under ``POST /hub88/...``;
    with ``slotegrator`` (merchant id, merchant key) Slotegrator's callbacks at
    ``POST /slotegrator``; with
    ``blueocean`` (salt key, currency code) Blue Ocean Gaming's seamless wallet at
    ``GET /blueocean``. All move the same players' accounts as the casino (same database).
    """
    secret = _check_secret(session_secret)
    if api not in APIS:
        raise ConfigurationError(f"api: one of {', '.join(APIS)}")
    offerings = catalog if catalog is not None else default_catalog()
    published = offerings.to_json()
    page = verifier_page(offerings)
    url = str(database) if "://" in str(database) else f"sqlite:///{database}"
    casino_settings = replace(
        settings if settings is not None else CasinoSettings(), seed_key=seed_key
    )
    watchers = list(observers)
    scrape: Callable[[], bytes] | None = None
    if metrics:
        from prometheus_client import CollectorRegistry, generate_latest

        from casino_core.casino.metrics import PrometheusObserver

        registry = CollectorRegistry()
        watchers.append(PrometheusObserver(registry))
        scrape = functools.partial(generate_latest, registry)
    op = operator_id
    live = _Live()
    aggregators = _Aggregators(op, hub88_public_key, hub88_signing_key, slotegrator, blueocean)
    admin = None if admin_token is None else f"Bearer {admin_token}".encode()

    def build(engine: Any) -> Casino:
        """The sync casino and the presets on ``engine`` (in the bridge for ``async``)."""
        create_casino_schema(engine)
        live.presets = aggregators.build(engine)
        store = SqlCasinoStore(SqlWallet(engine))
        return Casino(store, casino_settings, catalog=offerings, observers=watchers)

    def is_admin(request: Request) -> bool:
        given = request.headers.get("authorization", "").encode()
        return admin is not None and hmac.compare_digest(given, admin)

    def session_player(request: Request) -> str:
        """The player of the request's session token; a path's player must be that one."""
        player = verify_token(secret, _bearer(request))
        if request.path_params.get("player", player) != player:
            raise _Refused("FORBIDDEN", "this session is another player's")
        return player

    @_endpoint
    async def catalog_endpoint(request: Request) -> Response:
        return Response(published, media_type="application/json")

    async def verifier(request: Request) -> Response:
        # The players' offline verifier with this app's catalog: static, no session needed.
        return HTMLResponse(page)

    @_endpoint
    async def new_session(request: Request) -> Response:
        if not is_admin(request):
            raise _Refused("FORBIDDEN", "issuing sessions needs the admin token")
        body = await _body(request, SESSION_FIELDS)
        ttl = body.get("ttl", SESSION_TTL)
        if type(ttl) is not int or not 0 < ttl <= MAX_SESSION_TTL:
            raise InvalidInput(f"ttl: an integer number of seconds, 1 to {MAX_SESSION_TTL}")
        now = int(time.time())
        token = issue_token(secret, _text(body, "player"), ttl, now=now)
        expires = datetime.fromtimestamp(now + ttl, UTC).isoformat()
        return JSONResponse({"token": token, "player": body["player"], "expires_at": expires})

    @_endpoint
    async def fund(request: Request) -> Response:
        player = request.path_params["player"]
        admin_call = is_admin(request)
        if not admin_call:
            session_player(request)
        body = await _body(request, FUND_FIELDS)
        account = _account(op, player, body)
        amount = _int(body, "amount")
        if account.mode.value == "real" and not admin_call:
            # Real money comes from the host's payment flow; this stands in for its admin API.
            raise _Refused("FORBIDDEN", "funding real money needs the admin token")
        key = f"fund:{_key(request, player)}"
        wallet = live.casino.wallet
        await wallet.open_account(account)
        await wallet.credit(account, amount, idempotency_key=key, system_account="deposits")
        return JSONResponse(_balance(account, await wallet.balance(account)))

    @_endpoint
    async def balance(request: Request) -> Response:
        account = _account(op, session_player(request), dict(request.query_params))
        return JSONResponse(_balance(account, await live.casino.wallet.balance(account)))

    @_endpoint
    async def seeds(request: Request) -> Response:
        return JSONResponse(_seeds(await live.casino.seeds(op, session_player(request))))

    @_endpoint
    async def rotate(request: Request) -> Response:
        player = session_player(request)
        body = await _body(request, ROTATE_FIELDS)
        scheme = _text(body, "scheme") if "scheme" in body else None
        return JSONResponse(_rotation(await live.casino.rotate_seed(op, player, scheme=scheme)))

    @_endpoint
    async def client_seed(request: Request) -> Response:
        player = session_player(request)
        body = await _body(request, CLIENT_SEED_FIELDS)
        rotation = await live.casino.set_client_seed(op, player, _text(body, "client_seed"))
        return JSONResponse(_rotation(rotation))

    async def _open(request: Request, method: str) -> Response:
        player = session_player(request)
        body = await _body(request, BET_REQUEST_FIELDS)
        bet = body.get("bet", {})
        if not isinstance(bet, dict):
            raise InvalidInput("bet: a JSON object of the offering's bet fields is required")
        r = await getattr(live.casino, method)(
            op,
            player,
            _text(body, "currency"),
            _text(body, "mode", "real"),
            _text(body, "offering"),
            bet,  # rule keys (house_edge, table ...) are refused by the casino: INVALID_BET
            _int(body, "stake"),
            idempotency_key=_key(request, player),
        )
        return JSONResponse(_round(r))

    @_endpoint
    async def play(request: Request) -> Response:
        return await _open(request, "play")

    @_endpoint
    async def start(request: Request) -> Response:
        return await _open(request, "start")

    @_endpoint
    async def act(request: Request) -> Response:
        player, round_id = session_player(request), request.path_params["round_id"]
        body = await _body(request, ACT_FIELDS)
        if "action" not in body:
            raise InvalidInput("action: required")
        step = body.get("step")
        if step is not None and (not isinstance(step, int) or isinstance(step, bool)):
            raise InvalidInput("step: an integer is required")
        # player_id: another player's round is refused as unknown (ROUND_NOT_FOUND).
        r = await live.casino.act(op, round_id, body["action"], step=step, player_id=player)
        return JSONResponse(_round(r))

    @_endpoint
    async def export(request: Request) -> Response:
        player = session_player(request)
        pending = request.query_params.get("pending") == "true"
        # Streamed page by page (flat memory). The header needs the count before the
        # lines: export_counts is a separate pass that builds no records.
        counts = await live.casino.export_counts(op, player)
        lines = live.casino.export_lines(op, player, pending=pending)
        # Read the first page here, so that a storage error still maps to a status code.
        first = await anext(lines, "")

        async def stream() -> AsyncIterator[str]:
            yield first
            async for line in lines:
                yield line

        return StreamingResponse(
            stream(),
            media_type="application/x-ndjson",
            headers={"X-Pending-Rounds": str(counts.pending)},
        )

    async def metrics_endpoint(request: Request) -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        assert scrape is not None
        return Response(scrape(), media_type=CONTENT_TYPE_LATEST)  # in memory, no I/O

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if api == "async":
            engine = make_async_engine(url)
            try:
                live.casino = AsyncCasino(await _in_bridge(build, engine.sync_engine))
            except BaseException:
                await engine.dispose()
                raise
            live.run = _in_bridge
        else:
            live.casino = _InThreadPool(await run_in_threadpool(build, make_engine(url)))
            live.run = run_in_threadpool
        app.state.casino = live.casino
        try:
            yield
        finally:
            await live.casino.close()
            if api == "async":
                await engine.dispose()

    p = "/players/{player}"
    routes = [
        Route("/catalog", catalog_endpoint, methods=["GET"]),
        Route("/verify", verifier, methods=["GET"]),
        Route("/admin/sessions", new_session, methods=["POST"]),
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
    routes += aggregators.routes(live)
    return Starlette(routes=routes, lifespan=lifespan)


# -- aggregators: a preset per aggregator, a few lines each -------------------------------


async def _capped_body(request: Request, limit: int = 64 * 1024) -> bytes:
    """The request body, read no further than ``limit`` + 1 bytes (the preset refuses more)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            break
    return bytes(body)


def _send(answer: PresetResponse) -> Response:
    return Response(
        answer.body, answer.status, headers=dict(answer.headers), media_type=answer.media_type
    )


class _Aggregators:
    """The configured aggregators: their presets (built on the casino's engine when the
    app starts) and their routes (none configured: none). A preset is sync: its calls go
    through the seam, ``live.run``."""

    def __init__(
        self,
        operator_id: str,
        hub88_public_key: bytes | None,
        hub88_signing_key: bytes | None,
        slotegrator: tuple[str, bytes] | None,
        blueocean: tuple[str, str] | None,
    ) -> None:
        self.operator_id = operator_id
        self.hub88 = (hub88_public_key, hub88_signing_key) if hub88_public_key else None
        self.slotegrator, self.blueocean = slotegrator, blueocean

    def build(self, engine: Any) -> dict[str, Any]:
        """The presets by name, on ``engine`` (a sync one, or an async one's ``sync_engine``
        in the bridge)."""
        if self.hub88 is None and self.slotegrator is None and self.blueocean is None:
            return {}
        create_provider_schema(engine)
        store = SqlProviderStore(SqlWallet(engine))
        op, presets = self.operator_id, dict[str, Any]()
        if self.hub88 is not None:
            public_key, signing_key = self.hub88
            presets["hub88"] = Hub88Preset(
                ProviderWallet(store, ProviderConfig("hub88", multiple_wins=True)),
                operator_id=op,
                hub88_public_key=public_key,
                signing_key=signing_key,
            )
        if self.slotegrator is not None:
            merchant_id, merchant_key = self.slotegrator
            presets["slotegrator"] = SlotegratorPreset(
                ProviderWallet(store, ProviderConfig("slotegrator")),
                operator_id=op,
                merchant_id=merchant_id,
                merchant_key=merchant_key,
            )
        if self.blueocean is not None:
            salt, currency = self.blueocean
            presets["blueocean"] = BlueOceanPreset(
                ProviderWallet(store, ProviderConfig("blueocean")),
                operator_id=op,
                salt=salt,
                currency=currency,
            )
        return presets

    def routes(self, live: _Live) -> list[Route]:
        """The routes of the configured aggregators, calling ``live``'s presets."""

        @_endpoint
        async def hub88_endpoint(request: Request) -> Response:
            endpoint = request.url.path.removeprefix("/hub88")
            body, headers = await _capped_body(request), dict(request.headers)
            return _send(await live.run(live.presets["hub88"].handle, endpoint, body, headers))

        @_endpoint
        async def slotegrator_endpoint(request: Request) -> Response:
            body, headers = await _capped_body(request), dict(request.headers)
            return _send(await live.run(live.presets["slotegrator"].handle, body, headers))

        @_endpoint
        async def blueocean_endpoint(request: Request) -> Response:
            query = request.scope.get("query_string", b"")  # raw, as Blue Ocean keyed it
            return _send(await live.run(live.presets["blueocean"].handle, query))

        routes = []
        if self.hub88 is not None:
            endpoints = Hub88Preset.ENDPOINTS
            routes += [Route(f"/hub88{e}", hub88_endpoint, methods=["POST"]) for e in endpoints]
        if self.slotegrator is not None:
            routes.append(Route("/slotegrator", slotegrator_endpoint, methods=["POST"]))
        if self.blueocean is not None:
            routes.append(Route("/blueocean", blueocean_endpoint, methods=["GET"]))
        return routes


def _hex_secret(name: str) -> bytes:
    """A required secret of 32+ random bytes given as 64+ hex characters in ``$name``."""
    try:
        value = bytes.fromhex(os.environ[name])
    except (KeyError, ValueError):
        value = b""
    if len(value) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"set {name} to 64+ hex characters (32+ random bytes)")
    return value


def app_from_env() -> Starlette:
    """The app configured from the environment (what ``uvicorn --factory`` calls).

    ``CASINO_WEBAPP_SEED_KEY`` and ``CASINO_WEBAPP_SESSION_SECRET`` (required: 64+ hex
    characters, i.e. 32+ bytes, each its own), ``CASINO_CORE_CATALOG`` (the operator's
    catalog file, JSON or TOML; default the library's default catalog),
    ``CASINO_WEBAPP_DB`` (default ``casino-webapp.db``), ``CASINO_WEBAPP_OPERATOR``,
    ``CASINO_WEBAPP_ADMIN_TOKEN`` (optional), ``CASINO_WEBAPP_METRICS=1`` (serve
    ``/metrics``; needs prometheus-client). Nothing falls back silently: a missing or short
    secret, or a catalog file that is not valid, refuses to start.
    """
    seed_key = _hex_secret("CASINO_WEBAPP_SEED_KEY")
    session_secret = _hex_secret("CASINO_WEBAPP_SESSION_SECRET")
    catalog_file = os.environ.get(CATALOG_ENV)
    return create_app(
        os.environ.get("CASINO_WEBAPP_DB", "casino-webapp.db"),
        seed_key=seed_key,
        session_secret=session_secret,
        catalog=Catalog.load(catalog_file) if catalog_file else None,
        operator_id=os.environ.get("CASINO_WEBAPP_OPERATOR", "webapp-demo"),
        admin_token=os.environ.get("CASINO_WEBAPP_ADMIN_TOKEN") or None,
        metrics=os.environ.get("CASINO_WEBAPP_METRICS") == "1",
    )


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app_from_env(), host="127.0.0.1", port=8000)
