"""Shared by the verifier page tests: tools, the node harness, and round records to check.

Without node or Chromium the tests that need them skip with the reason, except under CI
(``CI`` set), where they fail: CI installs both (.ci/run).
"""

from __future__ import annotations

import functools
import json
import os
import random
import shutil
import subprocess
from collections.abc import Callable
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, Final

import pytest

from casino_core import verifier_page
from casino_core._verifier import page_core
from casino_core.errors import CasinoError
from casino_core.games import make_crash_record, make_record

HARNESS: Final = Path(__file__).resolve().parent / "e2e" / "verifier_harness.js"


def need(tool: str, *candidates: str) -> str:
    """The path of the first candidate found, else skip (fail under CI) naming the tool."""
    for name in candidates:
        found = shutil.which(name) or (name if os.path.isfile(name) else None)
        if found:
            return found
    message = f"{tool} not found ({', '.join(candidates)}); .ci/run installs it"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@functools.cache
def paytables() -> dict[str, Any]:
    text = resources.files("casino_core.games").joinpath("data/stake_paytables.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


def run_core(tmp: Path, payload: dict[str, Any]) -> dict[str, Any]:
    """Run the page's core under node over ``payload`` (see verifier_harness.js)."""
    node = need("node", "node", "nodejs")
    page = verifier_page()
    core = page_core()
    assert core in page  # the harness runs exactly what the page inlines
    (tmp / "core.js").write_text(core, encoding="utf-8")
    (tmp / "input.json").write_text(json.dumps({"paytables": paytables(), **payload}))
    done = subprocess.run(
        [node, str(HARNESS), str(tmp / "core.js"), str(tmp / "input.json")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    out: dict[str, Any] = json.loads(done.stdout)
    return out


# ------------------------------------------------------------------ generated rounds
_ALNUM: Final = "abcdefghijklmnopqrstuvwxyz0123456789"
_KINDS: Final = ("higher_or_same", "lower_or_same", "same", "skip", "likelier", "higher", "lower")


def _rules(rnd: random.Random, params: dict[str, Any]) -> dict[str, Any]:
    if rnd.random() < 0.25:
        params["house_edge"] = rnd.choice(["0", "1/50", "0.03", "1/3", "0.5", 0.01])
    if rnd.random() < 0.25:
        params["decimals"] = rnd.randint(0, 8)
    return params


def _dice(rnd: random.Random) -> dict[str, Any]:
    if rnd.random() < 0.5:
        t, cond = rnd.randint(200, 9999), "over"
    else:
        t, cond = rnd.randint(1, 9800), "under"
    target: Any = f"{t // 100}.{t % 100:02d}" if rnd.random() < 0.7 else t / 100
    return _rules(rnd, {"target": target, "condition": cond})


def _limbo(rnd: random.Random) -> dict[str, Any]:
    params = _rules(rnd, {})
    d = params.get("decimals", 2)
    scale = 10**d
    top = 10**6 * scale
    low = scale + 1
    units = min(top, max(low, int(low * (top / low) ** rnd.random())))
    params["target"] = f"{units // scale}.{units % scale:0{d}d}" if d else str(units)
    return params


def _roulette(rnd: random.Random) -> dict[str, Any]:
    american = rnd.random() < 0.3
    options: list[Callable[[], dict[str, Any]]] = [
        lambda: {"kind": "straight", "numbers": [rnd.randint(0, 37 if american else 36)]},
        lambda: {"kind": "split", "numbers": [n := rnd.choice([1, 2, 4, 5, 31]), n + 1]},
        lambda: {"kind": "street", "numbers": [n := 3 * rnd.randint(0, 11) + 1, n + 1, n + 2]},
        lambda: {
            "kind": "corner",
            "numbers": [n := rnd.choice([1, 2, 4, 29]), n + 1, n + 3, n + 4],
        },
        lambda: {"kind": rnd.choice(["dozen", "column"]), "which": rnd.randint(1, 3)},
        lambda: {"kind": rnd.choice(["red", "black", "odd", "even", "low", "high"])},
        lambda: {
            "kind": "six_line",
            "numbers": list(range(n := 3 * rnd.randint(0, 10) + 1, n + 6)),
        },
    ]
    bets = []
    for _ in range(rnd.randint(1, 4)):
        bet = rnd.choice(options)()
        if rnd.random() < 0.4:
            bet["amount"] = rnd.choice([2, 5, 10 ** rnd.randint(1, 30)])
        bets.append(bet)
    if american and rnd.random() < 0.3:
        bets.append({"kind": "top_line"})
    params: dict[str, Any] = {"bets": bets}
    if american:
        params["variant"] = "american"
    elif rnd.random() < 0.2:
        params["bets"] = "red;straight:17*2;split:0-3;dozen:2*3"
    return params


def _hilo(rnd: random.Random) -> dict[str, Any]:
    params = _rules(rnd, {})
    moves = rnd.randint(1, 8)
    if rnd.random() < 0.2:
        params["max_actions"] = rnd.randint(moves, 100)
    weights = [5, 5, 1, 2, 5, 1, 1]
    actions = rnd.choices(_KINDS, weights=weights, k=moves)
    if all(a == "skip" for a in actions):
        actions[-1] = "likelier"
    if rnd.random() < 0.5:
        actions.append("cash_out")
    params["actions"] = actions
    return params


def _mines(rnd: random.Random) -> dict[str, Any]:
    mines = rnd.randint(1, 24)
    tiles = rnd.sample(range(25), rnd.randint(1, min(24, 25 - mines)))
    return _rules(rnd, {"mines": mines, "tiles": tiles})


def _table_game(game: str, size_key: str, sizes: list[int]) -> Callable[[random.Random], Any]:
    def make(rnd: random.Random) -> dict[str, Any]:
        risk = rnd.choice(sorted(paytables()[game]))
        size = rnd.choice(sizes)
        if game == "keno":
            return {"picks": rnd.sample(range(1, 41), size), "risk": risk}
        if rnd.random() < 0.1:  # a custom table
            width = size + (1 if game == "plinko" else 0)
            table = [rnd.choice(["0", "0.5", "1", "2", "7/3", 10]) for _ in range(width)]
            return {size_key: size, "risk": "custom", "table": table}
        return {size_key: size, "risk": risk}

    return make


GENERATORS: Final[dict[str, Callable[[random.Random], dict[str, Any]]]] = {
    "dice": _dice,
    "limbo": _limbo,
    "coinflip": lambda rnd: _rules(
        rnd, {"flips": rnd.choices(["heads", "tails"], k=rnd.randint(1, 20))}
    ),
    "plinko": _table_game("plinko", "rows", list(range(8, 17))),
    "wheel": _table_game("wheel", "segments", [10, 20, 30, 40, 50]),
    "keno": _table_game("keno", "picks", list(range(1, 11))),
    "roulette": _roulette,
    "mines": _mines,
    "hilo": _hilo,
}


def _seed_text(rnd: random.Random) -> str:
    kind = rnd.random()
    if kind < 0.6:
        return rnd.randbytes(32).hex()
    if kind < 0.9:
        return "".join(rnd.choices(_ALNUM, k=rnd.randint(1, 40)))
    return rnd.choice(["café:☃", "seed with spaces", "日本語のシード", "a:b:c"])


def _nonce(rnd: random.Random) -> int:
    kind = rnd.random()
    if kind < 0.7:
        return rnd.randint(0, 5000)
    if kind < 0.9:
        return rnd.randint(0, 2**40)
    return rnd.randint(2**53, 2**63 - 1)  # beyond a JS number: the page keeps it exact


def seeded_record(rnd: random.Random, game: str, scheme: str) -> dict[str, Any] | None:
    """One played round as a v1 record, or None when the generated bet cannot be played."""
    server, client, nonce = _seed_text(rnd), _seed_text(rnd), _nonce(rnd)
    params = GENERATORS[game](rnd)
    try:
        return make_record(game, scheme, server, client, nonce, params)
    except CasinoError:
        return None


def crash_record(rnd: random.Random) -> dict[str, Any]:
    scheme = rnd.choice(["stake_crash", "bustabit_v2"])
    edge = rnd.choice([None, Fraction(1, 100), Fraction(0), Fraction(1, 25), Fraction(1, 3)])
    target = rnd.choice(
        [None, Fraction(2), Fraction(101, 100), Fraction(rnd.randint(101, 10**5), 100)]
    )
    salt = rnd.choice(
        ["0000000000000000001b34dc6a1e86083f95500b096231436e9b25cbdd0075c4", _seed_text(rnd)]
    )
    return make_crash_record(scheme, rnd.randbytes(32).hex(), salt, house_edge=edge, target=target)


def generated_records(count: int, seed: int = 15) -> list[dict[str, Any]]:
    """``count`` records: every game under both schemes in turn, and crash rounds."""
    rnd = random.Random(seed)
    combos = [(g, s) for g in GENERATORS for s in ("stake", "unbiased")] + [("crash", "")]
    out: list[dict[str, Any]] = []
    k = 0
    while len(out) < count:
        game, scheme = combos[k % len(combos)]
        k += 1
        record = crash_record(rnd) if game == "crash" else seeded_record(rnd, game, scheme)
        if record is not None:
            out.append(record)
    return out
