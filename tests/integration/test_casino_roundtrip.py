"""Acceptance: many rounds over every instant game and both schemes, rotations in between;
the export (round records v2 and reveal lines) verifies with ``casino-core verify`` and
``audit verify``, its hash chains reach the store's heads, the journal reconciles, money is
conserved.

Size: 10,000 rounds per backend under ``CI``; 700 otherwise. Redis plays in demo mode (play
money only), the others in real mode.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections import Counter
from pathlib import Path

import pytest

from _casino_backends import INSTANT_BETS, SEED_KEY, money_mode, sql_casino
from casino_core.casino import Casino, CasinoSettings
from casino_core.chain import verify_chain
from casino_core.games import verify_lines
from casino_core.wallet import SYSTEM_ACCOUNTS, AccountKey, Mode

ROUNDS = 10_000 if os.environ.get("CI") else 700
PLAYERS = 4
ROTATE_EVERY = max(20, ROUNDS // PLAYERS // 10)
CURRENCIES = ("USD", "BTC")
BETS = [*INSTANT_BETS, ("dice", {"target": "10", "condition": "under"})]


def _play_player(
    casino: Casino, op: str, player: str, count: int, errors: list[BaseException]
) -> None:
    mode = money_mode(casino)
    try:
        for i in range(count):
            if i and i % ROTATE_EVERY == 0:  # alternate the scheme at each rotation
                scheme = "stake" if (i // ROTATE_EVERY) % 2 else "unbiased"
                casino.rotate_seed(op, player, scheme=scheme)
            game, params = BETS[i % len(BETS)]
            currency = CURRENCIES[i % 2]
            casino.play(op, player, currency, mode, game, params, 1_000 + i % 7,
                        idempotency_key=f"{player}-{i}")  # fmt: skip
    except BaseException as exc:  # pragma: no cover - reported by the test
        errors.append(exc)


@pytest.mark.parametrize(
    "backend",
    [
        "memory",
        "sqlite",
        pytest.param("pg", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
    ],
)
def test_round_trip(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Play, export, verify every record with the CLI, reconcile, check conservation."""
    settings = CasinoSettings(seed_key=SEED_KEY)
    if backend == "memory":
        casino = Casino.in_memory(settings)
    elif backend == "sqlite":
        casino = sql_casino(f"sqlite:///{tmp_path / 'rt.db'}", None, settings)
        from casino_core.casino.sql import create_casino_schema

        create_casino_schema(casino.wallet.engine)  # type: ignore[attr-defined]
    elif backend == "redis":
        casino = request.getfixturevalue("redis_keys").casino(settings)
    else:
        casino = sql_casino(
            request.getfixturevalue("postgres_url"),
            request.getfixturevalue("casino_pg_schema"),
            settings,
        )
    op = "op-" + uuid.uuid4().hex[:12]
    mode = money_mode(casino)
    players = [f"p{n}" for n in range(PLAYERS)]
    deposit = 10**12
    for player in players:
        for code in CURRENCIES:
            account = AccountKey(op, player, code, mode)
            casino.wallet.open_account(account)
            casino.wallet.credit(account, deposit, idempotency_key=f"dep-{player}-{code}",
                                 system_account="deposits")  # fmt: skip
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_play_player, args=(casino, op, p, ROUNDS // PLAYERS, errors))
        for p in players
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]

    partial = casino.export(op)
    assert len(partial.pending) == PLAYERS * ((ROUNDS // PLAYERS - 1) % ROTATE_EVERY + 1)
    for player in players:
        casino.rotate_seed(op, player)
    export = casino.export(op)
    assert export.pending == ()
    assert len(export.records) == ROUNDS
    assert len(set(export.round_ids)) == ROUNDS
    schemes = Counter(str(r["scheme"]) for r in export.records)
    games = Counter(str(r["game"]) for r in export.records)
    assert set(schemes) == {"stake", "unbiased"}
    assert set(games) == {g for g, _ in BETS}

    chain = verify_chain(export.jsonl().splitlines(), casino.chain_heads(op))
    assert chain.ok, chain.findings[:5]
    assert (chain.links, chain.heads_checked) == (ROUNDS, PLAYERS)
    checks = list(verify_lines(export.jsonl().splitlines()))
    assert all(c.ok for c in checks), next(c.as_dict() for c in checks if not c.ok)
    assert sum(c.kind == "round" for c in checks) == ROUNDS
    # one reveal line per rotation, each counting the nonces its pair handed out
    assert sum(int(str(r["nonces_used"])) for r in export.reveals) == ROUNDS
    path = tmp_path / "rounds.jsonl"
    path.write_text(export.jsonl())
    cli = subprocess.run([sys.executable, "-m", "casino_core", "verify", str(path)],
                         capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert cli.returncode == 0, cli.stdout[-2000:] + cli.stderr[-2000:]
    audit = subprocess.run(
        [sys.executable, "-m", "casino_core", "audit", "verify", "--json", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # nonces of every pair 0..n-1 in file order, no bet after its seed's reveal
    assert audit.returncode == 0, audit.stdout[-2000:] + audit.stderr[-2000:]
    (summary,) = json.loads(audit.stdout.splitlines()[-1])["files"]
    assert summary["matched"] == summary["timed_records"] == ROUNDS
    assert (summary["nonce_gaps"], summary["nonce_repeats"], summary["used_after_reveal"]) == (
        0,
        0,
        0,
    )
    assert summary["reveals"] == len(export.reveals)
    assert summary["missing_tails"] == summary["unrevealed_pairs"] == 0

    report = casino.wallet.reconcile(op)
    assert report.ok, report.mismatches
    played = [r for r, _, _ in casino._store.rounds(op, None)]
    assert len(played) == ROUNDS
    for code in CURRENCIES:
        currency = AccountKey(op, "x", code).currency
        assert report.journal_totals[(code, mode)] == 0
        net = sum(r.payout - r.stake for r in played if r.currency == code)
        players_total = sum(
            casino.wallet.balance(AccountKey(op, p, code, mode)).posted for p in players
        )
        assert players_total == PLAYERS * deposit + net
        house = casino.wallet.system_balance(op, "house", currency, Mode(mode))
        deposits = casino.wallet.system_balance(op, "deposits", currency, Mode(mode))
        assert (house, deposits) == (-net, -PLAYERS * deposit)
        others = sum(
            casino.wallet.system_balance(op, name, currency, Mode(mode))
            for name in SYSTEM_ACCOUNTS - {"house", "deposits"}
        )
        assert players_total + house + deposits + others == 0
    casino.close()
