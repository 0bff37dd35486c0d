"""Honest play of every game for the hash-chain tests: instant games, mines, hilo, crash.

:func:`play_everything` plays a mix on a casino (``steps`` picks what to play next, so a
hypothesis test can drive it) and :func:`export_lines` returns every exported line the chain
covers: the verifiable records and the pending rounds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from fractions import Fraction

from _casino_backends import INSTANT_BETS, money_mode
from casino_core.casino import Casino
from casino_core.games import CrashRules
from casino_core.wallet import AccountKey

SALT = "00000000000000000002b8d1c0e3bd8c4c1d1e1b5f5a4bcd9f9b1c2d3e4f5a6b"
KINDS = ("instant", "mines", "hilo", "crash", "rotate")


def fund(casino: Casino, op: str, players: Sequence[str], amount: int = 10**9) -> None:
    """Open and fund each player's USD account."""
    for player in players:
        account = AccountKey(op, player, "USD", money_mode(casino))
        casino.wallet.open_account(account)
        casino.wallet.credit(
            account, amount, idempotency_key=f"dep-{player}", system_account="deposits"
        )


def play_everything(
    casino: Casino, op: str, players: Sequence[str], steps: Sequence[tuple[int, int]]
) -> int:
    """Play ``steps`` (kind index, player index) pairs; return how many rounds settled."""
    mode = money_mode(casino)
    table = casino.crash_table(op, "t")
    table.new_chain(200, CrashRules(max_target=Fraction(100)))
    table.set_salt(SALT)
    settled = 0
    for n, (kind_no, who) in enumerate(steps):
        kind = KINDS[kind_no % len(KINDS)]
        player = players[who % len(players)]
        key = f"k{n}"
        if kind == "instant":
            game, params = INSTANT_BETS[n % len(INSTANT_BETS)]
            casino.play(op, player, "USD", mode, game, params, 100 + n, idempotency_key=key)
            settled += 1
        elif kind == "mines":
            r = casino.start(
                op, player, "USD", mode, "mines", {"mines": 3}, 100, idempotency_key=key
            )
            r = casino.act(op, r.round_id, {"reveal": n % 25})
            if r.status == "playing":
                casino.act(op, r.round_id, "cash_out")
            settled += 1
        elif kind == "hilo":
            r = casino.start(op, player, "USD", mode, "hilo", {}, 100, idempotency_key=key)
            r = casino.act(op, r.round_id, "likelier")
            if r.status == "playing":
                casino.act(op, r.round_id, "cash_out")
            settled += 1
        elif kind == "crash":
            r = table.open_round()
            for i, p in enumerate(players):
                table.place_bet(
                    r.round_id, p, "USD", mode, 50 + i, auto_cash_out="1.5",
                    idempotency_key=f"{key}-{p}",
                )  # fmt: skip
            table.start_round(r.round_id)
            table.settle_round(r.round_id)
            settled += len(players)
        else:
            casino.rotate_seed(op, player)
    return settled


def export_lines(casino: Casino, op: str) -> list[str]:
    """Every line the chain covers: records, then pending rounds (not the reveal lines)."""
    export = casino.export(op)
    lines = export.jsonl().splitlines() + export.pending_jsonl().splitlines()
    return [line for line in lines if json.loads(line).get("kind") != "reveal"]
