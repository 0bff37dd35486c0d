"""Acceptance: many rounds over every game (the instant games, mines, hilo and crash) and
both schemes, rotations in between; the export (round records v2 and reveal lines) verifies
with ``casino-core verify`` and ``audit verify``, its hash chains reach the heads the operator
signed (``casino-core heads sign`` on SQL, :func:`~casino_core.chain.sign_heads` on memory and
Redis, which the command cannot open) and ``verify --heads`` checks them, the journal
reconciles, money is conserved.

Size: 10,000 records per backend under ``CI``; 700 otherwise (one round in ten is a mines
or hilo round, and each player bets in ``CRASH_ROUNDS`` crash rounds). Redis plays in demo
mode (play money only), the others in real mode.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest

from _casino_backends import INSTANT_BETS, SEED_KEY, money_mode, redis_keys_for, sql_casino
from _chain_play import SALT
from casino_core.casino import Casino, CasinoSettings
from casino_core.chain import HeadSigner, sign_heads, verify_chain
from casino_core.games import CrashRules, verify_lines
from casino_core.wallet import SYSTEM_ACCOUNTS, AccountKey, Mode

ROUNDS = 10_000 if os.environ.get("CI") else 700
PLAYERS = 4
CRASH_ROUNDS = 10
PER_PLAYER = ROUNDS // PLAYERS - CRASH_ROUNDS
"""Seeded rounds per player; with the crash bets, ``ROUNDS`` records in all."""
ROTATE_EVERY = max(20, PER_PLAYER // 10)
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
            currency = CURRENCIES[i % 2]
            if i % 20 in (9, 19):  # a mines or hilo round: one move, then cash out if alive
                game, params, move = ("mines", {"mines": 3}, {"reveal": i % 25}) if i % 20 == 9 \
                    else ("hilo", {}, "likelier")  # fmt: skip
                r = casino.start(op, player, currency, mode, game, params, 1_000 + i % 7,
                                 idempotency_key=f"{player}-{i}")  # fmt: skip
                r = casino.act(op, r.round_id, move)
                if r.status == "playing":
                    casino.act(op, r.round_id, "cash_out")
                continue
            game, params = BETS[i % len(BETS)]
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
        pytest.param("redis_cluster", marks=pytest.mark.redis_cluster),
    ],
)
def test_round_trip(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Play, export, sign heads, verify every record and the chains with the CLI, reconcile,
    check conservation."""
    settings = CasinoSettings(seed_key=SEED_KEY)
    url, schema = "", None
    if backend == "memory":
        casino = Casino.in_memory(settings)
    elif backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'rt.db'}"
        casino = sql_casino(url, None, settings)
        from casino_core.casino.sql import create_casino_schema

        create_casino_schema(casino.wallet.engine)  # type: ignore[attr-defined]
    elif backend.startswith("redis"):
        keys = redis_keys_for(request, backend)
        request.addfinalizer(keys.clean)
        casino = keys.casino(settings)
    else:
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("casino_pg_schema")
        casino = sql_casino(url, schema, settings)
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
        threading.Thread(target=_play_player, args=(casino, op, p, PER_PLAYER, errors))
        for p in players
    ]
    for t in threads:
        t.start()
    _play_crash(casino, op, players)  # beside the players' own rounds
    for t in threads:
        t.join()
    assert not errors, errors[0]

    partial = casino.export(op)
    assert len(partial.pending) == PLAYERS * ((PER_PLAYER - 1) % ROTATE_EVERY + 1)
    for player in players:
        casino.rotate_seed(op, player)
    export = casino.export(op)
    assert export.pending == ()
    assert len(export.records) == ROUNDS
    assert len(set(export.round_ids)) == ROUNDS
    schemes = Counter(str(r["scheme"]) for r in export.records if r["game"] != "crash")
    games = Counter(str(r["game"]) for r in export.records)
    assert set(schemes) == {"stake", "unbiased"}
    assert set(games) == {g for g, _ in BETS} | {"mines", "hilo", "crash"}
    assert games["crash"] == PLAYERS * CRASH_ROUNDS

    chain = verify_chain(export.jsonl().splitlines(), casino.chain_heads(op))
    assert chain.ok, chain.findings[:5]
    assert (chain.links, chain.heads_checked) == (ROUNDS, PLAYERS)
    checks = list(verify_lines(export.jsonl().splitlines()))
    assert all(c.ok for c in checks), next(c.as_dict() for c in checks if not c.ok)
    assert sum(c.kind == "round" for c in checks) == ROUNDS
    # one reveal line per rotation, each counting the nonces its pair handed out
    assert sum(int(str(r["nonces_used"])) for r in export.reveals) == ROUNDS - games["crash"]
    path = tmp_path / "rounds.jsonl"
    path.write_text(export.jsonl())
    heads = ["--heads", *_signed_heads(casino, op, url, schema, tmp_path)]
    cli = subprocess.run([sys.executable, "-m", "casino_core", "verify", str(path), *heads],
                         capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert cli.returncode == 0, cli.stdout[-2000:] + cli.stderr[-2000:]
    assert f"chain intact: {ROUNDS} links in {PLAYERS} chains, {PLAYERS} signed heads" in cli.stdout
    audit = subprocess.run(
        [sys.executable, "-m", "casino_core", "audit", "verify", "--json", str(path), *heads],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # nonces of every pair 0..n-1 in file order, no bet after its seed's reveal
    assert audit.returncode == 0, audit.stdout[-2000:] + audit.stderr[-2000:]
    *_, report_line, chain_line = audit.stdout.splitlines()
    (summary,) = json.loads(report_line)["files"]
    chained = json.loads(chain_line)["chain"]
    assert (chained["links"], chained["heads_checked"], chained["findings"]) == (
        ROUNDS,
        PLAYERS,
        [],
    )
    assert summary["matched"] == ROUNDS
    assert summary["timed_records"] == ROUNDS - games["crash"]
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
    assert len(played) == ROUNDS - games["crash"]
    for code in CURRENCIES:
        currency = AccountKey(op, "x", code).currency
        assert report.journal_totals[(code, mode)] == 0
        net = sum(  # every round and crash bet, as its record states it
            int(str(r["payout"])) - int(str(r["stake"]))
            for r in export.records
            if r["currency"] == code
        )
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


def _play_crash(casino: Casino, op: str, players: list[str]) -> None:
    """``CRASH_ROUNDS`` crash rounds, each player betting once in each (USD)."""
    mode = money_mode(casino)
    table = casino.crash_table(op, "t")
    table.new_chain(CRASH_ROUNDS + 1, CrashRules(max_target=Fraction(100)))
    table.set_salt(SALT)
    for n in range(CRASH_ROUNDS):
        r = table.open_round()
        for i, p in enumerate(players):
            table.place_bet(r.round_id, p, "USD", mode, 500 + i, auto_cash_out="1.5",
                            idempotency_key=f"crash-{n}-{p}")  # fmt: skip
        table.start_round(r.round_id)
        table.settle_round(r.round_id)


def _signed_heads(
    casino: Casino, op: str, url: str, schema: str | None, tmp_path: Path
) -> list[str]:
    """The operator signs its heads (the CLI on SQL); the --heads/--public-key arguments."""
    out = tmp_path / "heads.json"
    if not url:  # memory and Redis: the command reads a SQL database only
        signer = HeadSigner.generate("rt")
        out.write_text(json.dumps(sign_heads(op, casino.chain_heads(op), signer)))
        return [str(out), "--public-key", signer.public_key()]
    key = tmp_path / "heads-key.json"
    run = [sys.executable, "-m", "casino_core", "heads"]
    made = subprocess.run([*run, "keygen", "--out", str(key)],
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    sign = [*run, "sign", url, "--operator", op, "--key", str(key), "--out", str(out)]
    subprocess.run([*sign, *(["--schema", schema] if schema else [])],
                   capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    assert len(json.loads(out.read_text())["heads"]) == PLAYERS
    return [str(out), "--public-key", made.stdout.strip()]
