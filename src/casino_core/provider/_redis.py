"""Provider transactions beside the Redis demo wallet: one Lua script per callback.

A callback of :class:`~casino_core.provider.ProviderWallet` is one script
(``_redis_lua.PROVIDER_CALL``): the idempotency lookup, :func:`decide` ported to Lua, the
wallet's own move script(s) (inlined, under derived idempotency keys), the records, the round,
the chain links and the answer, atomically (a script runs all at once). A refused wallet move
makes the call a recorded refusal, never an OK without the money. The chain links (SHA-256)
are computed in Python before the call after the player's head as this store last saw it; a
moved head makes the script answer ``retry`` (nothing written) and the call is sent again. A
rollback first reads the bet it refunds (the refund's wallet fingerprint needs its amount).

Any other decider (a store's caller may pass its own) runs optimistically: the call WATCHes
the keys its decision reads, decides in Python and queues the moves and records in one
MULTI/EXEC, retried when a watched key changed. Play money only (the wallet refuses real
accounts) and as durable as the Redis server: records expire after ``record_ttl`` seconds
(default seven days).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from redis.exceptions import RedisClusterException, RedisError, WatchError

from casino_core._ids import new_id
from casino_core._retry import Backoff, Retry, retry
from casino_core.chain._chain import GENESIS, ChainHead
from casino_core.errors import ConfigurationError, StorageUnavailable
from casino_core.money import MAX_MINOR_UNITS, Currency
from casino_core.provider._adapter import Decider, Decision, wallet_requests
from casino_core.provider._chain import linked_provider_line, provider_chain_id, provider_line
from casino_core.provider._decide import refuse, with_reference
from casino_core.provider._redis_lua import PROVIDER_CALL
from casino_core.provider._types import (
    AccountSnapshot,
    BetState,
    Op,
    Outcome,
    Plan,
    ProviderAnswer,
    ProviderCall,
    RoundRecord,
    State,
    TxRecord,
)
from casino_core.wallet import AccountKey, Kind, WalletService
from casino_core.wallet._common import to_micros
from casino_core.wallet._redis import RedisDemoWallet, is_cluster, register_script
from casino_core.wallet._redis_lua import MOVE
from casino_core.wallet._types import derived_key, fingerprint

__all__ = ["RedisProviderStore"]

_BACKOFF = Backoff(attempts=64)
_CONFLICT = "the provider call kept conflicting (a Redis WATCH kept firing)"
_log = logging.getLogger(__name__)
_ATTEMPTS = 64  # the script's answer "retry": another call moved the chain head first
_HEADS = 100_000  # chain heads remembered per store (then forgotten, all at once)
_FLAG = {True: "1", False: "0"}


class RedisProviderStore:
    """Provider records in the :class:`RedisDemoWallet`'s Redis, under the wallet's prefix."""

    def __init__(self, wallet: RedisDemoWallet, *, record_ttl: int = 7 * 86_400) -> None:
        if not isinstance(wallet, RedisDemoWallet):
            raise ConfigurationError("RedisProviderStore needs a RedisDemoWallet")
        if not isinstance(record_ttl, int) or record_ttl < wallet._ttl:
            raise ConfigurationError("record_ttl must be an int no shorter than the wallet's")
        self._wallet = wallet
        self._ttl = record_ttl
        self._script = register_script(wallet._r, PROVIDER_CALL)
        self._heads: dict[tuple[str, str], tuple[str, str]] = {}  # (op, chain) -> seq, hash
        self._keys: dict[AccountKey, list[bytes]] = {}

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
        """Decide and apply ``call``: one script (another decider: one optimistic
        transaction), sent again when it raced another call."""
        self._wallet._demo(call.account)

        def attempt() -> ProviderAnswer:
            try:
                return self._attempt(provider, call, decider)
            except WatchError:
                raise Retry(StorageUnavailable(_CONFLICT)) from None

        try:
            if isinstance(decider, Decision) and decider.call is call:
                return self._scripted(provider, decider)
            return retry(attempt, what="provider call (Redis)", policy=_BACKOFF)
        except (RedisError, RedisClusterException) as exc:
            _log.error("the Redis provider store failed: %s", type(exc).__name__)
            raise StorageUnavailable(f"the Redis provider store failed: {exc}") from exc

    def _scripted(self, provider: str, decision: Decision) -> ProviderAnswer:
        call, acct = decision.call, decision.call.account
        wallet = self._wallet
        op, player, cur = acct.operator_id, acct.player_id, acct.currency
        round_key = self._round_key(op, provider, call.round_id)
        tx_key = self._tx_key(op, provider, call.tx_id) if call.tx_id else round_key
        ref_key = self._tx_key(op, provider, call.ref) if call.ref else round_key
        chain = provider_chain_id(player)
        fp = call.fingerprint()
        micros = to_micros(wallet._clock())
        rec = TxRecord(call.tx_id, call.op.value, call.round_id, player, fp, BetState.DONE,
                       call.amount, call.win, call.ref)  # fmt: skip
        line = provider_line(op, provider, rec, micros)  # whatever the decision: same body
        tomb = None
        if call.op is Op.ROLLBACK:
            tomb = TxRecord(call.ref or "", "tombstone", call.round_id, player, "",
                            BetState.TOMBSTONE, ref=call.tx_id)  # fmt: skip
        tomb_line = None if tomb is None else provider_line(op, provider, tomb, micros)
        status = decision.status
        fixed = [
            call.op.value, fp, player, call.round_id, call.tx_id, call.ref or "",
            str(call.amount), str(call.win), _FLAG[decision.multiple_wins],
            _FLAG[status.session_valid], _FLAG[status.blocked], str(self._ttl), cur.code,
            str(cur.decimals),
        ]  # fmt: skip
        debit = call.amount if call.op in (Op.BET, Op.BET_AND_WIN) else 0
        credit = call.amount if call.op is Op.WIN else call.win
        debit_key, debit_args = self._move(provider, call, Kind.DEBIT, debit, round_key)
        base_keys: list[str | bytes] = [tx_key, ref_key, round_key]
        base_keys += [*self._account_keys(acct, chain), debit_key]
        for _attempt in range(_ATTEMPTS):
            refund = ""
            if tomb is not None:  # the refund's fingerprint needs the bet's amount
                raw: Any = wallet._r.get(ref_key)
                refund = "" if raw is None else str(json.loads(raw)["a"])
                credit = int(refund or 0)
            credit_key, credit_args = self._move(provider, call, Kind.CREDIT, credit, round_key)
            seq, prev = self._heads.get((op, chain), ("0", GENESIS))
            first, text = linked_provider_line(line, int(seq), prev)
            tomb_text, last = "", first
            if tomb_line is not None:
                last, tomb_text = linked_provider_line(tomb_line, first.seq, first.hash)
            params = [
                *fixed, seq, "", str(first.seq), first.hash, "", str(last.seq), last.hash,
                chain, refund, str(micros), str(wallet._ttl), *debit_args, *credit_args,
                call.account_part(),
            ]  # fmt: skip
            out = self._script(
                keys=[*base_keys, credit_key], args=[json.dumps(params), text, tomb_text]
            )
            if out[0] == "retry":
                if out[1]:  # the head moved (else: the bet to refund did)
                    self._remember(op, chain, out[1], out[2] or GENESIS)
                continue
            _a, text, replayed, new_seq, new_hash = out
            if new_seq:
                self._remember(op, chain, new_seq, new_hash)
            return _answer(json.loads(text), cur, replayed == "1")
        raise StorageUnavailable(f"provider call kept conflicting after {_ATTEMPTS} attempts")

    def _account_keys(self, acct: AccountKey, chain: str) -> list[bytes]:
        """KEYS 4-11 of the script (the account's, its chain's, the operator's), cached as
        the bytes the client sends (it passes bytes through instead of encoding each)."""
        keys = self._keys.get(acct)
        if keys is None:
            if len(self._keys) >= _HEADS:
                self._keys.clear()
            w, op = self._wallet, acct.operator_id
            names = [
                w._acct(acct), self._head_key(op, chain), self._lines_key(op),
                self._chains_key(op), w._hist(acct), w._sys(op, "house", acct.currency.code),
                w._k(op, "seq"), w._k(op, "ntx"),
            ]  # fmt: skip
            keys = self._keys[acct] = [name.encode() for name in names]
        return keys

    def _remember(self, op: str, chain: str, seq: str, digest: str) -> None:
        if len(self._heads) >= _HEADS:
            self._heads.clear()
        self._heads[(op, chain)] = (seq, digest)

    def _move(
        self, provider: str, call: ProviderCall, kind: Kind, amount: int, spare: str
    ) -> tuple[str, list[str]]:
        """The idempotency record key, and the amount, fingerprint, wallet transaction id and
        idempotency key of the call's debit or credit (``spare`` and blanks when none)."""
        if not amount:
            return spare, ["0", "", "", ""]
        key = derived_key(f"provider:{provider}:{call.tx_id}:{kind.value}")
        fp = fingerprint(kind, (call.account,), amount, "house")
        return self._wallet._k(call.account.operator_id, "k", key), [str(amount), fp, new_id(), key]

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
            if snap is not None:
                plan = _affordable(call, plan, snap)
            requests = wallet_requests(provider, call, plan)
            pipe.multi()
            cluster = is_cluster(wallet._r)
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
                link, text = linked_provider_line(line, seq, prev)
                seq, prev = link.seq, link.hash
                pipe.rpush(self._lines_key(op), text)
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


def _affordable(call: ProviderCall, plan: Plan, snap: AccountSnapshot) -> Plan:
    """The plan, or the refusal the wallet would answer for its first move (as
    :func:`~casino_core.provider._adapter.make_moves` does): a move the wallet script refuses
    inside MULTI/EXEC would leave the records saying OK without the money."""
    balance = snap.available
    moves = ((Outcome.INSUFFICIENT_FUNDS, -plan.debit), (Outcome.LIMIT_EXCEEDED, plan.credit))
    for refusal, delta in moves:
        balance += delta
        if delta and (balance < snap.floor or balance > MAX_MINOR_UNITS):
            if refusal is Outcome.LIMIT_EXCEEDED and plan.debit:  # pragma: no cover
                raise StorageUnavailable("a provider plan's second move would be refused")
            return refuse(call, refusal, snap.available)
    return plan


def _answer(doc: dict[str, Any], currency: Currency, replayed: bool) -> ProviderAnswer:
    """An answer document of the script (the account's currency object when it is its)."""
    code, decimals = doc["c"]
    if code != currency.code or decimals != currency.decimals:
        currency = Currency(code, decimals)
    balance = doc["b"]
    return ProviderAnswer(
        Outcome(doc["o"]),
        None if balance is None else int(balance),
        currency,
        doc["t"],
        doc["r"],
        doc["ref"],
        replayed,
    )


def _text(value: object) -> str:
    """A Redis reply as text (whether or not the client decodes responses)."""
    return value.decode() if isinstance(value, bytes) else str(value)
