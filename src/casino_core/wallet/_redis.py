"""The Redis demo wallet: play money, one Lua script per operation, not durable.

Imports redis-py, so it is only imported when a Redis wallet is asked for.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeAlias, cast

import redis
from redis.cluster import RedisCluster
from redis.commands.core import Script
from redis.exceptions import RedisClusterException, RedisError

from casino_core._ids import new_id
from casino_core.errors import (
    AccountNotFound,
    ConfigurationError,
    InvalidInput,
    LimitExceeded,
    StorageUnavailable,
)
from casino_core.events import Listener
from casino_core.money import MAX_MINOR_UNITS, Currency, get_currency
from casino_core.wallet._base import MovingWallet
from casino_core.wallet._common import (
    Clock,
    HistoryWindow,
    Request,
    check_account,
    check_floor,
    from_micros,
    history_page,
    journal_key,
    key_conflict,
    recorded_error,
    single_request,
    to_micros,
    utc_now,
)
from casino_core.wallet._paging import Window
from casino_core.wallet._redis_lua import MOVE, OPEN
from casino_core.wallet._types import (
    AccountKey,
    Balance,
    HistoryEntry,
    HistoryPage,
    JournalEntry,
    Kind,
    LedgerReport,
    Mode,
    Movement,
    Receipt,
    check_amount,
    check_idempotency_key,
    fingerprint,
    system_key,
)

__all__ = ["SCRIPT_TEXTS", "RedisClient", "RedisDemoWallet", "as_hash", "register_script"]

_log = logging.getLogger(__name__)

RedisClient: TypeAlias = "redis.Redis | RedisCluster"
"""What the Redis stores take: one Redis server or a Redis Cluster (``decode_responses=True``)."""


def as_hash(reply: Any) -> dict[str, str]:
    """An ``HGETALL`` reply read in a MULTI pipeline as a dict: redis-py 6's cluster
    transactions return the raw flat [field, value, ...] list there."""
    if isinstance(reply, dict):
        return reply
    return dict(zip(reply[::2], reply[1::2], strict=True))


def is_cluster(client: object) -> bool:
    """Whether ``client`` talks to a Redis Cluster: a :class:`RedisCluster`, or a client
    that says so (the asyncio API's bridged cluster client, ``cluster = True``)."""
    return isinstance(client, RedisCluster) or getattr(client, "cluster", False) is True


def register_script(client: RedisClient, text: str) -> Script:
    """``client.register_script(text)`` for either client: redis-py runs scripts on a
    cluster too (routed by their KEYS, loaded on the node on first use) but types the
    client of a :class:`Script` as :class:`redis.Redis`."""
    script = Script(cast("redis.Redis", client), text)
    SCRIPT_TEXTS[script.sha] = text
    return script


SCRIPT_TEXTS: dict[str, str] = {}
"""Every registered script's text by SHA-1: the asyncio API's bridged pipelines load a
script before queuing its ``EVALSHA`` in a transaction (redis-py's sync pipeline does the
same through its own script registry)."""


_MAX = str(MAX_MINOR_UNITS)
_MESSAGES = {
    "ACCOUNT_NOT_FOUND": "no account {account}",
    "INSUFFICIENT_FUNDS": "account {account} cannot pay {amount} without going below its floor",
    "LIMIT_EXCEEDED": "an account would exceed 10**36 - 1 minor units",
}


class RedisDemoWallet(MovingWallet):
    """A play-money :class:`~casino_core.wallet.WalletService` on Redis.

    **Not durable**: Redis may lose recent writes on a crash (and everything when run
    without persistence), so it is for demo play only and refuses accounts whose mode is
    ``real`` (``InvalidInput``). Every movement is one Lua script, so it is atomic and
    serialised by Redis itself. Idempotency records expire after ``key_ttl`` seconds
    (default one day); a key replayed after that is treated as new.

    New accounts receive ``starting_balance`` from the ``faucet`` system account;
    :meth:`top_up` adds more and :meth:`reset` brings an account back to the starting balance.
    ``client`` is a :class:`redis.Redis` or a :class:`redis.cluster.RedisCluster` (made with
    ``decode_responses=True``). All keys start with ``prefix`` and carry the operator in a
    hash tag (``<prefix>|{<operator>}|...``), so one operator's keys live in one Redis
    Cluster slot and every script's keys share it; a cluster spreads operators over its
    masters (docs/wallets.md, "Redis Cluster").
    """

    def __init__(
        self,
        client: RedisClient,
        *,
        prefix: str = "casino_core:wallet",
        starting_balance: int = 0,
        key_ttl: int = 86_400,
        clock: Clock = utc_now,
        listener: Listener | None = None,
    ) -> None:
        self._listen(listener)
        if not isinstance(prefix, str) or not prefix or any(c.isspace() for c in prefix):
            raise ConfigurationError("prefix must be a non-empty string without spaces")
        if starting_balance != 0:
            check_amount(starting_balance)
        if not isinstance(key_ttl, int) or key_ttl < 60:
            raise ConfigurationError("key_ttl must be an int of at least 60 seconds")
        self._r = client
        self._prefix = prefix
        self._start = starting_balance
        self._ttl = key_ttl
        self._clock = clock
        self._move = register_script(client, MOVE)
        self._open = register_script(client, OPEN)

    @classmethod
    def from_url(cls, url: str, *, cluster: bool = False, **options: Any) -> RedisDemoWallet:
        """Connect to ``redis://host:port/db``; ``options`` are the constructor's.

        With ``cluster=True`` the URL names any node of a Redis Cluster (its database must
        be 0), which is then discovered from that node.
        """
        if not isinstance(cluster, bool):
            raise ConfigurationError("cluster must be True or False")
        client: RedisClient
        try:
            if cluster:
                client = RedisCluster.from_url(url, decode_responses=True)  # type: ignore[no-untyped-call]
            else:
                client = redis.Redis.from_url(url, decode_responses=True)
        except (RedisError, RedisClusterException) as exc:  # a cluster is found on connect
            raise StorageUnavailable(f"cannot reach the Redis Cluster: {exc}") from None
        except ValueError as exc:
            raise ConfigurationError(f"not a Redis URL: {exc}") from None
        return cls(client, **options)

    def __repr__(self) -> str:
        return f"RedisDemoWallet(prefix={self._prefix!r}, starting_balance={self._start})"

    # -- keys -----------------------------------------------------------------------------

    def _k(self, op: str, *parts: str) -> str:
        return "|".join((self._prefix, "{" + op + "}", *parts))

    def _acct(self, a: AccountKey) -> str:
        return self._k(a.operator_id, "a", a.player_id, a.currency.code)

    def _hist(self, a: AccountKey) -> str:
        return self._k(a.operator_id, "h", a.player_id, a.currency.code)

    def _sys(self, op: str, name: str, currency: str) -> str:
        return self._k(op, "s", name, currency)

    def _call(self, fn: Callable[[], Any]) -> Any:
        """Run a Redis call; its errors become StorageUnavailable (redis-py's sync/async
        union return types are why this returns Any)."""
        try:
            return fn()
        except (RedisError, RedisClusterException) as exc:
            _log.error("the Redis demo wallet failed: %s", type(exc).__name__)
            raise StorageUnavailable(f"the Redis demo wallet failed: {exc}") from exc

    @staticmethod
    def _demo(account: object) -> AccountKey:
        acct = check_account(account)
        if acct.mode is not Mode.DEMO:
            raise InvalidInput(
                "the Redis wallet is a demo wallet: it holds play money only (mode='demo')"
            )
        return acct

    # -- accounts -------------------------------------------------------------------------

    def open_account(self, account: AccountKey, *, floor: int = 0) -> Balance:
        """Open ``account`` (idempotent) and grant the starting balance once."""
        self._demo(account)
        check_floor(floor)
        member = f"{account.player_id}|{account.currency.code}"
        keys = [self._acct(account), self._k(account.operator_id, "accounts")]
        args: list[str | int] = [str(floor), member, account.currency.decimals, str(self._start)]
        if self._start:
            key = f"casino-core:starting-balance:{account.player_id}:{account.currency.code}"
            grant = single_request(Kind.CREDIT, account, self._start, key, "faucet")
            move_keys, move_args = self._move_params(grant)
            keys += move_keys
            args += move_args
        bal, ver, stored_floor = self._call(lambda: self._open(keys=keys, args=args))
        if int(stored_floor) != floor:
            raise InvalidInput(f"account {account} is already open with floor {stored_floor}")
        return Balance(int(bal), 0, int(bal), floor, int(ver))

    def balance(self, account: AccountKey) -> Balance:
        """The account's balance; see :meth:`WalletService.balance`."""
        self._demo(account)
        bal, ver, floor = self._call(
            lambda: self._r.hmget(self._acct(account), ["bal", "ver", "floor"])
        )
        if bal is None:
            raise AccountNotFound(f"no account {account}")
        return Balance(int(bal), 0, int(bal), int(floor), int(ver))

    # -- movements ------------------------------------------------------------------------

    def top_up(self, account: AccountKey, amount: int, *, idempotency_key: str) -> Receipt:
        """Give a demo player more play money (a credit from the ``faucet``)."""
        return self.credit(
            account, amount, idempotency_key=idempotency_key, system_account="faucet"
        )

    def reset(self, account: AccountKey, *, idempotency_key: str) -> Receipt | None:
        """Bring a demo account back to the starting balance, in one script.

        Moves the difference to or from the ``faucet`` (a credit or a debit, whichever gets
        there) atomically; returns None when the balance already was the starting balance.
        A replay of the key returns the first outcome, whatever happened since.
        """
        acct = self._demo(account)
        key = check_idempotency_key(idempotency_key)
        target = self._start
        fp = fingerprint(Kind.CREDIT, (acct,), target, "faucet:reset")
        req = Request(Kind.CREDIT, acct, None, "faucet", max(target, 1), key, fp)
        keys, args = self._move_params(req)
        args[1], args[2] = "reset", str(target)
        return self._outcome(req, self._call(lambda: self._move(keys=keys, args=args)))

    def _move_params(self, req: Request) -> tuple[list[str], list[str | int]]:
        """KEYS and ARGV of the move script for ``req``."""
        src = req.account
        op, cur = src.operator_id, src.currency.code
        keys = [
            self._k(op, "k", req.key),
            self._acct(src),
            self._acct(req.counter) if req.counter is not None else self._k(op, "-"),
            self._hist(src),
            self._hist(req.counter)
            if req.counter is not None
            else self._sys(op, req.counterparty, cur),
            self._k(op, "seq"),
            self._k(op, "ntx"),
        ]
        args: list[str | int] = [
            req.fingerprint,
            req.kind.value,
            str(req.amount),
            new_id(),
            str(to_micros(self._clock())),
            self._ttl,
            req.counterparty,
            src.player_id,
            req.key,
            _MAX,
            "" if req.counter is not None else req.counterparty,
        ]
        return keys, args

    def _run(self, req: Request) -> Receipt:
        self._demo(req.account)
        keys, args = self._move_params(req)
        receipt = self._outcome(req, self._call(lambda: self._move(keys=keys, args=args)))
        assert receipt is not None  # only resets can be no-ops
        return receipt

    def _outcome(self, req: Request, out: list[str]) -> Receipt | None:
        """The receipt (or raised error) of a move script's reply."""
        src = req.account
        status = out[0]
        if status == "conflict":
            raise key_conflict(req.key)
        if status == "refused" or (status == "replay" and out[1] == "refused"):
            code = out[1] if status == "refused" else out[2]
            account = src if code != "ACCOUNT_NOT_FOUND" or req.counter is None else None
            if account is None:  # which of the two was missing is not recorded: say both
                message = f"no account {src} or {req.counter}"
            else:
                message = _MESSAGES[code].format(account=account, amount=req.amount)
            error = recorded_error(code, message)
            if isinstance(error, LimitExceeded):
                error.rule = "balance_cap"  # the only limit the Lua scripts know
            raise error
        if out[1] == "noop":
            return None
        _st, _st2, _code, bal, ver, cbal, cver, tx, at, kind, amount = out
        return Receipt(
            transaction_id=tx,
            idempotency_key=req.key,
            kind=Kind(kind),
            account=src,
            amount=int(amount),
            balance_after=int(bal),
            version=int(ver),
            counterparty=req.counterparty,
            counter_balance_after=int(cbal) if cbal else None,
            counter_version=int(cver) if cver else None,
            created_at=from_micros(int(at)),
        )

    # -- reading --------------------------------------------------------------------------

    def _checked(self, account: object) -> AccountKey:
        return self._demo(account)

    def _history(self, account: AccountKey, window: HistoryWindow) -> HistoryPage:
        def read() -> tuple[int, list[str]]:
            pipe = self._r.pipeline(transaction=True)
            pipe.exists(self._acct(account))
            pipe.lrange(self._hist(account), 0, -1)
            exists, raw = pipe.execute()
            return int(exists), raw

        exists, raw = self._call(read)
        if not exists:
            raise AccountNotFound(f"no account {account}")

        def facts(d: dict[str, Any]) -> tuple[int, Kind, int]:
            return int(d["s"]), Kind(d["kind"]), int(d["at"])

        def entry(d: dict[str, Any]) -> HistoryEntry:
            return HistoryEntry(
                str(int(d["s"])),
                d["t"],
                d["k"],
                Kind(d["kind"]),
                int(d["amt"]),
                int(d["bal"]),
                d["cp"],
                from_micros(int(d["at"])),
            )

        return history_page(map(json.loads, raw), facts, entry, window)

    def _journal_between(self, win: Window) -> list[JournalEntry]:
        """The player's account lists as the wallet keeps them (one list per account, read
        whole, as :meth:`history` does), filtered and ordered in Python: the demo wallet
        adds no index (a page costs the player's whole history)."""
        op, player = win.operator_id, win.player_id
        members = self._call(lambda: self._r.smembers(self._k(op, "accounts")))
        codes = sorted(m.split("|")[1] for m in members if m.split("|")[0] == player)
        entries: list[JournalEntry] = []
        for code in codes:
            raw = self._call(partial(self._r.lrange, self._k(op, "h", player, code), 0, -1))
            for d in map(json.loads, raw):
                if win.admits(int(d["at"]), d["t"]):
                    entries.append(
                        JournalEntry(
                            d["t"],
                            d["k"],
                            Kind(d["kind"]),
                            code,
                            Mode.DEMO.value,
                            int(d["amt"]),
                            int(d["bal"]),
                            d["cp"],
                            from_micros(int(d["at"])),
                        )
                    )
        return win.pick(entries, journal_key)

    def system_balance(
        self, operator_id: str, name: str, currency: Currency | str, mode: Mode | str
    ) -> int:
        """A system account's balance: the sum of its journal postings."""
        operator_id, name, currency, mode = system_key(operator_id, name, currency, mode)
        if mode is not Mode.DEMO:
            return 0
        raw = self._call(lambda: self._r.lrange(self._sys(operator_id, name, currency.code), 0, -1))
        return sum(int(json.loads(x)["amt"]) for x in raw)

    def movements(self, operator_id: str, key_prefixes: tuple[str, ...]) -> Iterator[Movement]:
        """Player postings under keys with one of ``key_prefixes``; see :class:`JournalReader`.

        Reads account by account, like :meth:`reconcile`.
        """
        members = sorted(self._call(lambda: self._r.smembers(self._k(operator_id, "accounts"))))
        for member in members:
            player, code = member.split("|")
            key = self._k(operator_id, "h", player, code)
            for raw in self._call(partial(self._r.lrange, key, 0, -1)):
                d = json.loads(raw)
                if d["k"].startswith(key_prefixes):
                    yield Movement(d["k"], player, code, Mode.DEMO.value, int(d["amt"]))

    def _reconcile(self, operator_id: str) -> LedgerReport:
        """Recompute balances from the journal; see :meth:`WalletService.reconcile`.

        Reads account by account (not one snapshot): run it while the operator is quiet.
        """
        members = sorted(self._call(lambda: self._r.smembers(self._k(operator_id, "accounts"))))
        totals: dict[tuple[str, str], int] = defaultdict(int)
        system: dict[tuple[str, str, str], int] = defaultdict(int)
        mismatches: list[str] = []
        currencies: set[str] = set()
        for member in members:
            player, code = member.split("|")
            currencies.add(code)
            account = AccountKey(operator_id, player, _currency(code), Mode.DEMO)

            def read(a: AccountKey = account) -> tuple[Any, list[str]]:
                pipe = self._r.pipeline(transaction=True)
                pipe.hmget(self._acct(a), ["bal", "ver"])
                pipe.lrange(self._hist(a), 0, -1)
                got, raw = pipe.execute()
                return got, raw

            (bal, ver), raw = self._call(read)
            amounts = [int(json.loads(x)["amt"]) for x in raw]
            totals[(code, "demo")] += sum(amounts)
            if [sum(amounts), len(amounts)] != [int(bal), int(ver)]:
                mismatches.append(str(account))
        cursor_keys = self._call(
            lambda: list(self._r.scan_iter(match=self._k(operator_id, "s", "*"), count=500))
        )
        for key in cursor_keys:
            name, code = key.split("|")[-2:]
            raw = self._call(partial(self._r.lrange, key, 0, -1))
            amount = sum(int(json.loads(x)["amt"]) for x in raw)
            system[(name, code, "demo")] += amount
            totals[(code, "demo")] += amount
        ntx = self._call(lambda: self._r.get(self._k(operator_id, "ntx")))
        return LedgerReport(
            operator_id,
            len(members),
            int(ntx or 0),
            dict(totals),
            dict(system),
            tuple(sorted(mismatches)),
        )

    def close(self) -> None:
        """Close the Redis connection pool."""
        self._r.close()


def _currency(code: str) -> Currency:
    try:
        return get_currency(code)
    except InvalidInput:
        return Currency(code, 0)
