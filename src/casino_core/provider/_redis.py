"""Provider transactions beside the Redis demo wallet: optimistic, one MULTI/EXEC per call.

A call WATCHes the keys its decision reads (its record, the referenced bet, the round, the
player's account hash), reads them, decides, and then queues in one MULTI/EXEC the wallet's
own move script(s) (the wallet's Lua, unchanged, under derived idempotency keys) and the
record writes. Redis runs a transaction all at once or not at all, and EXEC fails if any
watched key changed since it was read: then the call reads again and decides again. So the
records and the movements never disagree and concurrent duplicates apply once, with no lock
at all. Play money only (the wallet refuses real accounts) and as durable as the Redis
server: records expire after ``record_ttl`` seconds (default seven days).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from redis.cluster import RedisCluster
from redis.exceptions import RedisClusterException, RedisError, WatchError

from casino_core._retry import Backoff, Retry, retry
from casino_core.chain._chain import GENESIS, ChainHead, link_after
from casino_core.errors import ConfigurationError, StorageUnavailable
from casino_core.provider._adapter import Decider, wallet_requests
from casino_core.provider._chain import provider_chain_id, provider_line
from casino_core.provider._decide import with_reference
from casino_core.provider._types import (
    AccountSnapshot,
    ProviderAnswer,
    ProviderCall,
    RoundRecord,
    State,
    TxRecord,
)
from casino_core.wallet import WalletService
from casino_core.wallet._chain import dump_line
from casino_core.wallet._common import to_micros
from casino_core.wallet._redis import RedisDemoWallet
from casino_core.wallet._redis_lua import MOVE

__all__ = ["RedisProviderStore"]

_BACKOFF = Backoff(attempts=64)
_CONFLICT = "the provider call kept conflicting (a Redis WATCH kept firing)"
_log = logging.getLogger(__name__)


class RedisProviderStore:
    """Provider records in the :class:`RedisDemoWallet`'s Redis, under the wallet's prefix."""

    def __init__(self, wallet: RedisDemoWallet, *, record_ttl: int = 7 * 86_400) -> None:
        if not isinstance(wallet, RedisDemoWallet):
            raise ConfigurationError("RedisProviderStore needs a RedisDemoWallet")
        if not isinstance(record_ttl, int) or record_ttl < wallet._ttl:
            raise ConfigurationError("record_ttl must be an int no shorter than the wallet's")
        self._wallet = wallet
        self._ttl = record_ttl

    def __repr__(self) -> str:
        return f"RedisProviderStore({self._wallet!r})"

    @property
    def wallet(self) -> WalletService:
        return self._wallet

    def _tx_key(self, op: str, provider: str, tx: str) -> str:
        return self._wallet._k(op, "pv", provider, "t", tx)

    def _round_key(self, op: str, provider: str, round_id: str) -> str:
        return self._wallet._k(op, "pv", provider, "r", round_id)

    def _head_key(self, op: str, chain: str) -> str:
        """The hash (``seq``, ``hash``) of a provider chain's head."""
        return self._wallet._k(op, "pv", "ch", chain)

    def _lines_key(self, op: str) -> str:
        """The list of the operator's provider lines, oldest first."""
        return self._wallet._k(op, "pv", "lines")

    def _chains_key(self, op: str) -> str:
        """The set of the operator's provider chain ids."""
        return self._wallet._k(op, "pv", "chains")

    def transaction_lines(self, operator_id: str) -> list[str]:
        """The operator's provider lines, oldest first (see :meth:`SqlProviderStore.
        transaction_lines <casino_core.provider.sql.SqlProviderStore.transaction_lines>`)."""
        raw = self._wallet._call(
            lambda: self._wallet._r.lrange(self._lines_key(operator_id), 0, -1)
        )
        return [_text(item) for item in raw]

    def chain_heads(self, operator_id: str) -> list[ChainHead]:
        """The head of every provider chain of ``operator_id``, by chain id."""
        r = self._wallet._r
        chains = sorted(
            _text(c) for c in self._wallet._call(lambda: r.smembers(self._chains_key(operator_id)))
        )
        pipe = r.pipeline(transaction=False)
        for chain in chains:
            pipe.hmget(self._head_key(operator_id, chain), ["seq", "hash"])
        rows = self._wallet._call(pipe.execute)
        return [
            ChainHead(chain, int(seq), _text(digest))
            for chain, (seq, digest) in zip(chains, rows, strict=True)
        ]

    def execute(self, provider: str, call: ProviderCall, decider: Decider) -> ProviderAnswer:
        """Decide and apply ``call`` in one optimistic Redis transaction (retried on a race)."""
        self._wallet._demo(call.account)

        def attempt() -> ProviderAnswer:
            try:
                return self._attempt(provider, call, decider)
            except WatchError:
                raise Retry(StorageUnavailable(_CONFLICT)) from None

        try:
            return retry(attempt, what="provider call (Redis)", policy=_BACKOFF)
        except (RedisError, RedisClusterException) as exc:
            _log.error("the Redis provider store failed: %s", type(exc).__name__)
            raise StorageUnavailable(f"the Redis provider store failed: {exc}") from exc

    def _attempt(self, provider: str, call: ProviderCall, decider: Decider) -> ProviderAnswer:
        wallet = self._wallet
        op = call.account.operator_id
        tx_key = self._tx_key(op, provider, call.tx_id) if call.tx_id else None
        ref_key = self._tx_key(op, provider, call.ref) if call.ref else None
        round_key = self._round_key(op, provider, call.round_id)
        acct_key = wallet._acct(call.account)
        chain = provider_chain_id(call.account.player_id)
        head_key = self._head_key(op, chain)
        watched = [k for k in (tx_key, ref_key, round_key, acct_key, head_key) if k is not None]
        with wallet._r.pipeline(transaction=True) as transaction:
            pipe: Any = transaction  # redis-py's sync/async union return types
            pipe.watch(*watched)
            # one round trip for the three records (one hash tag: one cluster slot; MGET as
            # a raw command, which redis-py's cluster pipeline otherwise refuses)
            raw_round, raw_tx, raw_ref = pipe.execute_command("MGET", round_key,
                tx_key or round_key, ref_key or round_key)  # fmt: skip
            raw_tx = raw_tx if tx_key else None
            raw_ref = raw_ref if ref_key else None
            bal, floor = pipe.hmget(acct_key, ["bal", "floor"])
            head_seq, head_hash = pipe.hmget(head_key, ["seq", "hash"])
            snap = None if bal is None else AccountSnapshot(int(bal), int(bal), int(floor))
            rnd = None
            if raw_round is not None:
                player, closed = json.loads(raw_round)
                rnd = RoundRecord(call.round_id, player, bool(closed))
            state = State(
                None if raw_tx is None else TxRecord.decode(raw_tx),
                None if raw_ref is None else TxRecord.decode(raw_ref),
                rnd,
                snap,
            )
            plan = decider(state)
            if isinstance(plan, ProviderAnswer):
                pipe.unwatch()
                return plan
            requests = wallet_requests(provider, call, plan)
            pipe.multi()
            cluster = isinstance(wallet._r, RedisCluster)
            reference = None
            for req in requests:
                keys, args = wallet._move_params(req)
                reference = str(args[3])  # the wallet transaction id the script will use
                if cluster:  # its pipeline refuses EVALSHA (and cannot preload): EVAL the text
                    pipe.execute_command("EVAL", MOVE, len(keys), *keys, *args)
                else:
                    wallet._move(keys=keys, args=args, client=pipe)
            plan = with_reference(plan, reference)
            seq, prev = (0, GENESIS) if head_seq is None else (int(head_seq), _text(head_hash))
            micros = to_micros(wallet._clock())
            for rec in plan.inserts:  # the call's player's records: links in its chain
                line = provider_line(op, provider, rec, micros)
                link = link_after(seq, prev, line)
                seq, prev = link.seq, link.hash
                pipe.rpush(self._lines_key(op), dump_line({**line, **link.as_dict()}))
            if plan.inserts:
                pipe.hset(head_key, mapping={"seq": seq, "hash": prev})
                pipe.sadd(self._chains_key(op), chain)
            for rec in plan.inserts + plan.updates:
                pipe.set(self._tx_key(op, provider, rec.tx_id), rec.encode(), ex=self._ttl)
            if plan.round is not None:
                doc = json.dumps([plan.round.player_id, int(plan.round.closed)])
                pipe.set(round_key, doc, ex=self._ttl)
            results: list[Any] = pipe.execute()
        for req, out in zip(requests, results, strict=False):
            wallet._outcome(req, out)  # raises if the script refused (it cannot: keys watched)
        return plan.answer

    def close(self) -> None:
        """Close the wallet's client."""
        self._wallet.close()


def _text(value: object) -> str:
    """A Redis reply as text (whether or not the client decodes responses)."""
    return value.decode() if isinstance(value, bytes) else str(value)
