"""The Redis casino store: play-money rounds on a :class:`RedisDemoWallet`, one script each.

A round is resolved in Python for the nonce the player's active seed pair shows, then
committed by ONE Lua script (``CASINO_PLAY`` in ``casino_core.wallet._redis_lua``) that checks
that nonce is still the next one and the idempotency key unused, checks the funds (and the
bankroll), moves the stake and the payout with the wallet's own posting code, stores the round
and increments the nonce. Redis runs a script alone, so that is one atomic unit; when another
round took the nonce meanwhile the script writes nothing and the round is resolved again for
the next nonce. Mines and hilo actions and seed rotations are one script each in the same way;
crash tables live in :mod:`casino_core.casino.crash._redis` (one script per call that writes).

**Play money only, not durable**: see :class:`RedisCasinoStore`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Final

from casino_core._ids import new_id
from casino_core.casino._crypto import SeedCipher
from casino_core.casino._plan import (
    Advance,
    PairSeeds,
    PlayPlan,
    after_step,
    chain_line,
    first_pair,
    in_chain,
    key_conflict,
    money_requests,
    pair_seeds,
    payout_request,
    round_from_doc,
    round_in_progress,
    wallet_key_used,
)
from casino_core.casino._redis_chain import (
    HeadPlan,
    chain_heads,
    head_key,
    link_list,
    read_heads,
)
from casino_core.casino._types import (
    EXPORT_BATCH,
    Round,
    SeedInfo,
    SeedReveal,
    canonical_json,
)
from casino_core.casino.crash._redis import (
    RedisCrashStore,
    field_dict,
    flat_fields,
    script_refusal,
    timeline_ids,
)
from casino_core.casino.crash._types import account_of
from casino_core.casino.rounds._multistep import Unchanged
from casino_core.chain._chain import GENESIS, ChainHead
from casino_core.errors import (
    AccountNotFound,
    CasinoError,
    ConfigurationError,
    RoundNotFound,
    StorageUnavailable,
)
from casino_core.fairness import RevealedSeed, Scheme
from casino_core.games import format_multiplier, payout_minor
from casino_core.money import MAX_MINOR_UNITS
from casino_core.wallet import AccountKey, WalletService
from casino_core.wallet._common import from_micros, to_micros
from casino_core.wallet._paging import Window
from casino_core.wallet._redis import RedisDemoWallet, as_hash, register_script
from casino_core.wallet._redis_lua import CASINO_ACT, CASINO_PAIR, CASINO_PLAY, CASINO_ROTATE

__all__ = ["RedisCasinoStore"]

_MAX: Final = str(MAX_MINOR_UNITS)
_ATTEMPTS: Final = 1_000  # nonce races lost in a row before giving up (each one a win elsewhere)
_REMEMBERED: Final = 10_000  # players whose pair state is kept between rounds
_NO_MOVE: Final[tuple[str, ...]] = ("",) * 11  # no payout: empty arguments


class RedisCasinoStore:
    """Casino state in Redis beside a :class:`RedisDemoWallet`: play money only.

    What Redis guarantees here: each round (stake debit, nonce, payout credit, journal
    postings, round record, idempotency record), each mines/hilo action and each seed
    rotation is one Lua script, which Redis runs alone, so none is ever half applied and
    concurrent rounds of one player get distinct nonces without gaps. Every check runs before
    the script's first write, so a refused round writes nothing.

    What it does not guarantee: **durability**. Redis acknowledges before it persists (and
    may not persist at all), so a crash can lose recent rounds and money movements, or
    everything; that is why the wallet refuses real money (``InvalidInput``). Idempotency
    records expire after the wallet's ``key_ttl``: a key replayed later plays a new round.
    Round records, seed pairs and journals do not expire. Server seeds are stored as the
    casino's :class:`SeedCipher` seals them (encrypted when it has a key).

    All keys live under the wallet's prefix and operator hash tag (one Redis Cluster slot per
    operator), except one set of the operators with mines/hilo rounds, read by
    :meth:`stale_rounds` (an operator is added before its first start is tried, so even a
    refused start may add it: a registry, not round state).

    Each store remembers the last pair state it saw per player, so a round is usually one
    round trip (the script); when the state is stale (another host played or rotated) the
    script writes nothing and answers with the current state, and the round is resolved
    again. Many threads playing for *one* player therefore retry often; different players
    never contend.
    """

    play_money_only: Final = True
    """Production checks need no seed key for it (docs/casino.md, "Production checks")."""

    def __init__(self, wallet: RedisDemoWallet, *, chain: bool = True) -> None:
        if not isinstance(wallet, RedisDemoWallet):
            raise ConfigurationError("RedisCasinoStore needs a RedisDemoWallet")
        self._w = wallet
        self._chain = chain  # link settled rounds into their player's hash chain
        self._r = wallet._r
        self._clock = wallet._clock
        self._ops_key = f"{wallet._prefix}|casino-operators"
        self._play = register_script(self._r, CASINO_PLAY)
        self._act = register_script(self._r, CASINO_ACT)
        self._rotate = register_script(self._r, CASINO_ROTATE)
        self._make_pair = register_script(self._r, CASINO_PAIR)
        # The last pair state seen per player, so that a round usually takes one round trip
        # (the script; a stale entry costs a 'retry' answer, which carries the fresh state).
        self._pairs: dict[tuple[str, str], dict[str, str]] = {}
        self._heads_seen: dict[tuple[str, str], tuple[int, str]] = {}  # the same for heads
        self._known_ops: set[str] = set()  # operators already in the mines/hilo registry
        self._crash = RedisCrashStore(wallet, chain=chain)

    def _remember(self, op: str, player: str, pair: dict[str, str]) -> None:
        if len(self._pairs) >= _REMEMBERED:
            self._pairs.clear()
            self._heads_seen.clear()
        self._pairs[(op, player)] = pair

    def chain_heads(self, operator_id: str) -> list[ChainHead]:
        """The last link of each of the operator's players' chains, by player id."""
        return chain_heads(self._w, operator_id)

    def __repr__(self) -> str:
        return f"RedisCasinoStore({self._w!r})"

    @property
    def wallet(self) -> WalletService:
        return self._w

    @property
    def crash(self) -> RedisCrashStore:
        """Crash tables on the same wallet (see :class:`RedisCrashStore`)."""
        return self._crash

    # -- keys -----------------------------------------------------------------------------

    def _k(self, op: str, *parts: str) -> str:
        return self._w._k(op, "c", *parts)

    def _call(self, fn: Any) -> Any:
        return self._w._call(fn)

    # -- seeds ----------------------------------------------------------------------------

    def _new_pair(self, no: int, s: PairSeeds) -> dict[str, str]:
        return {
            "no": str(no),
            "seed": s.seed,
            "hash": s.commitment,
            "next": s.next_seed,
            "next_hash": s.next_commitment,
            "client": s.client_seed,
            "scheme": s.scheme.value,
            "nonce": "0",
            "open": "0",
            "created_us": str(to_micros(self._clock())),
        }

    def _create_pair(
        self, op: str, player: str, cipher: SeedCipher, scheme: Scheme
    ) -> dict[str, str]:
        """The active pair, made now if the player has none (one script: never two)."""
        fields = self._new_pair(0, first_pair(cipher, scheme))
        key = self._k(op, "p", player)
        flat = self._call(lambda: self._make_pair(keys=[key], args=flat_fields(fields)))
        return field_dict(flat)

    def _pair(self, op: str, player: str, cipher: SeedCipher, scheme: Scheme) -> dict[str, str]:
        pair: dict[str, str] = self._call(lambda: self._r.hgetall(self._k(op, "p", player)))
        return pair or self._create_pair(op, player, cipher, scheme)

    @staticmethod
    def _info(op: str, player: str, pair: Mapping[str, str]) -> SeedInfo:
        return SeedInfo(
            op,
            player,
            pair["hash"],
            pair["next_hash"],
            pair["client"],
            int(pair["nonce"]),
            Scheme(pair["scheme"]),
        )

    def seeds(
        self, operator_id: str, player_id: str, cipher: SeedCipher, scheme: Scheme
    ) -> SeedInfo:
        return self._info(
            operator_id, player_id, self._pair(operator_id, player_id, cipher, scheme)
        )

    def rotate(
        self,
        operator_id: str,
        player_id: str,
        cipher: SeedCipher,
        scheme: Scheme,
        client_seed: str | None,
        new_scheme: Scheme | None,
    ) -> tuple[RevealedSeed, SeedInfo]:
        keys = [self._k(operator_id, "p", player_id), self._k(operator_id, "rev", player_id)]
        for _ in range(_ATTEMPTS):
            old = self._pair(operator_id, player_id, cipher, scheme)
            if int(old.get("open", "0")) > 0:
                raise round_in_progress(operator_id, player_id)
            text = cipher.reveal(old["seed"], old["hash"]).reveal_text()
            new = self._new_pair(
                int(old["no"]) + 1,
                pair_seeds(
                    cipher,
                    old["next"],
                    old["next_hash"],
                    client_seed if client_seed is not None else old["client"],
                    new_scheme if new_scheme is not None else Scheme(old["scheme"]),
                ),
            )
            args = [old["no"], old["nonce"], text, new["created_us"], *flat_fields(new)]
            out = self._call(lambda args=args: self._rotate(keys=keys, args=args))
            if out[0] == "busy":
                raise round_in_progress(operator_id, player_id)
            if out[0] == "ok":
                self._pairs.pop((operator_id, player_id), None)
                revealed = RevealedSeed(
                    text, old["hash"], old["client"], int(old["nonce"]), Scheme(old["scheme"])
                )
                return revealed, self._info(operator_id, player_id, new)
        raise StorageUnavailable(f"the seed pair of {operator_id}/{player_id} kept changing")

    # -- rounds ---------------------------------------------------------------------------

    def _load(self, op: str, round_id: str) -> dict[str, Any]:
        doc: dict[str, Any] = self._call(lambda: self._r.hgetall(self._k(op, "r", round_id)))
        return doc

    @staticmethod
    def _refusal(code: str, account: AccountKey, amount: int) -> CasinoError:
        return script_refusal(code, account, amount, "bet")

    def play(self, plan: PlayPlan, cipher: SeedCipher, scheme: Scheme) -> tuple[Round, bool]:
        acct = self._w._demo(plan.account)  # real money: InvalidInput, before anything
        op, player, code = acct.operator_id, acct.player_id, acct.currency.code
        pair_key = self._k(op, "p", player)

        def read() -> tuple[dict[str, str], int, tuple[int, str]]:
            pipe = self._r.pipeline(transaction=False)
            pipe.hgetall(pair_key)
            pipe.exists(self._w._acct(acct))
            pipe.hmget(head_key(self._w, op, player), ["seq", "hash"])
            pair, exists, head_row = pipe.execute()
            seq, digest = head_row
            return pair, int(exists), (0, GENESIS) if seq is None else (int(seq), digest)

        if plan.multi_step and op not in self._known_ops:
            # The registry stale_rounds() reads (outside the operator's slot, so not in the
            # script): written first, so that no open round can be missed by the sweep.
            self._call(lambda: self._r.sadd(self._ops_key, op))
            self._known_ops.add(op)
        keys_head = [
            self._k(op, "k", plan.key),
            pair_key,
            "",  # the round hash, per attempt
            self._k(op, "rl", player),
            self._k(op, "players"),
            self._k(op, "open"),
            self._w._sys(op, "house", code),
            self._k(op, "hsum", code),
            self._k(op, "rt", player),  # the player's rounds by time (lookups)
        ]
        opened: tuple[str, str] = ("", "")  # (stored seed, its text) of the last attempt
        known_pair = self._pairs.get((op, player))  # None: read it (and check the account)
        # The player's chain head as last seen (None: read it with the pair; unused unchained)
        head = self._heads_seen.get((op, player)) if self._chain else (0, GENESIS)
        for _ in range(_ATTEMPTS):
            if known_pair is None or head is None:
                known_pair, exists, head = self._call(read)
                if not exists and self.find_round(op, plan.key) is None:  # replays need none
                    raise AccountNotFound(f"no account {acct}")
                if not known_pair:
                    known_pair = self._create_pair(op, player, cipher, scheme)
            pair = known_pair
            if opened[0] != pair["seed"]:
                opened = (pair["seed"], cipher.open(pair["seed"], pair["hash"]).reveal_text())
            nonce = int(pair["nonce"])
            pair_scheme = Scheme(pair["scheme"])
            result, _, multiplier = plan.resolve(opened[1], pair["client"], nonce, pair_scheme)
            payout = payout_minor(plan.stake, multiplier)
            debit, credit = money_requests(plan, payout)
            micros = str(to_micros(self._clock()))
            debit_keys, debit_args = self._w._move_params(debit)
            debit_args[4] = micros
            credit_keys: list[str] = []
            credit_args: Sequence[str | int] = _NO_MOVE
            if credit is not None:
                credit_keys, moved = self._w._move_params(credit)
                moved[4] = micros
                credit_args = moved
            round_id = new_id()
            doc: dict[str, Any] = {
                "round_id": round_id,
                "operator_id": op,
                "player_id": player,
                "currency": code,
                "mode": acct.mode.value,
                "game": plan.game,
                "params": plan.params_json,
                "offering": "" if plan.offering is None else plan.offering.to_text(),
                "scheme": pair_scheme.value,
                "server_seed_hash": pair["hash"],
                "client_seed": pair["client"],
                "nonce": str(nonce),
                "result": result,
                "multiplier": format_multiplier(multiplier),
                "stake": str(plan.stake),
                "payout": str(payout),
                "idempotency_key": plan.key,
                "fingerprint": plan.fingerprint,
                "created_us": micros,
                "updated_us": micros,
                "status": "playing" if plan.multi_step else "settled",
                "actions": "[]",
                "pair": pair["no"],
                "ver": "0",
            }
            keys = list(keys_head)
            keys[2] = self._k(op, "r", round_id)
            keys += debit_keys + credit_keys
            heads = None
            if self._chain and not plan.multi_step:
                heads = HeadPlan(self._w, op, {player: head})
                link = heads.link(
                    player, round_from_doc({**doc, "balance_after": "0"}).record(None)
                )
                doc.update(chain_seq=str(link.seq), chain_prev=link.prev, chain_hash=link.hash)
                keys += heads.keys
            args = [
                plan.fingerprint,
                pair["no"],
                pair["nonce"],
                str(plan.stake),
                str(payout),
                _MAX,
                "" if plan.bankroll is None else str(plan.bankroll),
                str(plan.max_net_win),
                self._w._ttl,
                round_id,
                player,
                "1" if plan.multi_step else "0",
                micros,
                *debit_args,
                *credit_args,
                *flat_fields(doc),
                "" if heads is None else heads.arg(),
            ]
            out = self._call(lambda keys=keys, args=args: self._play(keys=keys, args=args))
            status = out[0]
            if status == "retry":  # another round took the nonce (or a rotation the pair)
                known_pair = field_dict(out[1:]) or None
                if known_pair is not None and "~seq" in known_pair:
                    head = (int(known_pair.pop("~seq")), known_pair.pop("~hash"))
                continue
            if status == "ok":
                self._remember(op, player, {**pair, "nonce": str(nonce + 1)})
                if heads is not None:
                    self._heads_seen[(op, player)] = heads.head(player)
                doc["balance_after"] = out[1]
                return round_from_doc(doc), False
            if status == "replay":
                return round_from_doc(self._load(op, out[1])), True
            if status == "conflict":
                raise key_conflict(plan.key, "round")
            if status == "wallet_key":
                raise wallet_key_used(out[1])
            raise self._refusal(out[1], acct, plan.stake)
        raise StorageUnavailable(f"the nonce of {op}/{player} kept changing")

    def act(
        self,
        operator_id: str,
        round_id: str,
        advance: Advance,
        cipher: SeedCipher,
        stale_before: datetime | None = None,
    ) -> Round:
        op = operator_id
        round_key = self._k(op, "r", round_id)
        for _ in range(_ATTEMPTS):
            doc = self._load(op, round_id)
            if not doc:
                raise RoundNotFound(f"round: no round {round_id!r} for operator {op}")
            version, pair_no, player = doc["ver"], doc["pair"], doc["player_id"]
            current = round_from_doc(doc)
            if stale_before is not None and (
                current.status != "playing" or int(doc["updated_us"]) >= to_micros(stale_before)
            ):
                raise Unchanged(current)
            pair_key = self._k(op, "p", player)
            step = advance(current, self._seed_of(op, player, pair_no, cipher))
            account = account_of(current)
            micros = str(to_micros(self._clock()))
            keys = [round_key, pair_key, self._k(op, "open"), self._w._acct(account)]
            args: list[str | int] = [
                version,
                step.status,
                canonical_json(list(step.actions)),
                step.result_json,
                format_multiplier(step.multiplier),
                str(step.payout),
                micros,
                _MAX,
                round_id,
                pair_no,
            ]
            if step.payout > 0:
                move_keys, move_args = self._w._move_params(
                    payout_request(account, current.idempotency_key, step.payout)
                )
                move_args[4] = micros
                keys += move_keys
                args += move_args
            settled = after_step(current, step, current.balance_after)
            heads = None
            if self._chain and in_chain(settled):
                heads = HeadPlan(self._w, op, read_heads(self._w, op, [player]))
                settled = replace(settled, link=heads.link(player, chain_line(settled)))
                keys += heads.keys
            args.append("" if heads is None else heads.arg(r=link_list(settled.link)))
            out = self._call(lambda keys=keys, args=args: self._act(keys=keys, args=args))
            if out[0] == "retry":
                continue
            if out[0] == "ok":
                if heads is not None:
                    self._heads_seen[(op, player)] = heads.head(player)
                return replace(settled, balance_after=int(out[1]))
            if out[0] == "wallet_key":
                raise wallet_key_used(out[1])
            raise self._refusal(out[1], account, step.payout)
        raise StorageUnavailable(f"round {round_id} kept changing")

    def _seed_of(self, op: str, player: str, pair_no: str, cipher: SeedCipher) -> str:
        """The server seed text of the player's pair ``pair_no`` (active or revealed)."""

        def read() -> tuple[dict[str, str], str | None]:
            pipe = self._r.pipeline(transaction=True)
            pipe.hgetall(self._k(op, "p", player))
            pipe.hget(self._k(op, "rev", player), f"{pair_no}:seed")
            active, revealed = pipe.execute()
            return as_hash(active), revealed

        got: tuple[dict[str, str], str | None] = self._call(read)
        active, revealed = got
        if revealed is not None:
            return revealed
        if active.get("no") != pair_no:
            raise StorageUnavailable(f"the seed pair of {op}/{player} is missing")
        return cipher.open(active["seed"], active["hash"]).reveal_text()

    def find_round(self, operator_id: str, key: str) -> tuple[str, Round] | None:
        fp, round_id = self._call(
            lambda: self._r.hmget(self._k(operator_id, "k", key), ["fp", "rid"])
        )
        if fp is None:
            return None
        doc = self._load(operator_id, round_id)
        return (fp, round_from_doc(doc)) if doc else None

    def stale_rounds(self, cutoff: datetime) -> list[tuple[str, str]]:
        limit = f"({to_micros(cutoff)}"
        out: list[tuple[str, str]] = []
        for op in sorted(self._call(lambda: self._r.smembers(self._ops_key))):
            ids = self._call(
                lambda op=op: self._r.zrangebyscore(self._k(op, "open"), "-inf", limit)
            )
            out += [(op, round_id) for round_id in ids]
        return out

    def _players(self, op: str, player_id: str | None) -> list[str]:
        """``[player_id]``, or (None) every player of the operator, sorted (one set read)."""
        if player_id is not None:
            return [player_id]
        return sorted(self._call(lambda: self._r.smembers(self._k(op, "players"))))

    def rounds(
        self, operator_id: str, player_id: str | None, *, batch: int = EXPORT_BATCH
    ) -> Iterator[tuple[Round, str | None, datetime | None]]:
        """Rounds by player (sorted ids), each player's in play order, ``batch`` at a time.

        A page is one ``LRANGE`` of the player's append-only round list, its rounds and the
        player's revealed seeds read in one pipeline; the player ids are held (one set).
        """
        op = operator_id
        for player in self._players(op, player_id):
            start = 0
            while True:

                def read(
                    player: str = player, start: int = start
                ) -> tuple[list[dict[str, Any]], dict[str, str]]:
                    ids: list[str] = self._r.lrange(  # type: ignore[assignment]
                        self._k(op, "rl", player), start, start + batch - 1
                    )
                    pipe = self._r.pipeline(transaction=False)
                    for round_id in ids:
                        pipe.hgetall(self._k(op, "r", round_id))
                    pipe.hgetall(self._k(op, "rev", player))
                    *docs, revealed = pipe.execute()
                    return docs, revealed

                docs, revealed = self._call(read)
                for doc in docs:
                    at = revealed.get(f"{doc['pair']}:at")
                    yield (
                        round_from_doc(doc),
                        revealed.get(f"{doc['pair']}:seed"),
                        None if at is None else from_micros(int(at)),
                    )
                if len(docs) < batch:
                    break
                start += batch

    def reveals(self, operator_id: str, player_id: str | None) -> Iterator[SeedReveal]:
        """Revealed pairs by player (sorted ids), each player's by pair number: one
        ``HGETALL`` of the player's revealed-seeds hash per player."""
        op = operator_id
        for player in self._players(op, player_id):
            rev: dict[str, str] = self._call(
                lambda player=player: self._r.hgetall(self._k(op, "rev", player))
            )
            numbers = sorted(int(k.partition(":")[0]) for k in rev if k.endswith(":hash"))
            for no in numbers:
                yield SeedReveal(
                    player, rev[f"{no}:hash"], rev[f"{no}:seed"], rev[f"{no}:client"],
                    Scheme(rev[f"{no}:scheme"]), int(rev[f"{no}:nonce"]),
                    from_micros(int(rev[f"{no}:at"])),
                )  # fmt: skip

    def round_by_id(self, operator_id: str, round_id: str) -> Round | None:
        doc = self._call(lambda: self._r.hgetall(self._k(operator_id, "r", round_id)))
        return round_from_doc(doc) if doc else None

    def player_rounds(self, win: Window) -> list[Round]:
        """One ``ZRANGEBYLEX`` of the player's time index, the rounds in one pipeline."""
        op = win.operator_id
        ids = timeline_ids(self._r, self._call, self._k(op, "rt", win.player_id), win)

        def read() -> list[dict[str, Any]]:
            pipe = self._r.pipeline(transaction=False)
            for round_id in ids:
                pipe.hgetall(self._k(op, "r", round_id))
            return pipe.execute()

        return [round_from_doc(doc) for doc in self._call(read) if doc]

    def close(self) -> None:
        self._w.close()
