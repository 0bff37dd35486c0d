"""Simulated round histories for auditors: every registered game, both schemes, real seeds.

The history is what an honest operator would export: seed pairs of ``pair_size`` bets each,
nonces 0..n-1 per pair, round records v1. For testing the auditor's tools it can also plant
defects: ``grind`` makes the operator pick, for a fraction of one game's rounds, whichever of
two fresh seed pairs pays the player less (every record still verifies and every nonce
sequence is complete, yet the outcome distribution is biased, which only statistics reveal).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Final

from casino_core._progress import Progress
from casino_core.errors import CasinoError, InvalidInput
from casino_core.fairness import Scheme
from casino_core.games import GAMES, make_crash_record, make_record

__all__ = ["SAMPLE_PARAMS", "Grind", "simulate_history", "simulated_records"]

SAMPLE_PARAMS: Final[Mapping[str, tuple[Mapping[str, object], ...]]] = {
    "dice": ({"target": "50.50", "condition": "over"}, {"target": "10.00", "condition": "under"}),
    "coinflip": ({"flips": "heads"}, {"flips": "heads,tails,heads"}),
    "limbo": ({"target": "2"}, {"target": "10"}),
    "roulette": ({"bets": "red"}, {"bets": "straight:17;dozen:2"}),
    "wheel": ({"segments": 10, "risk": "low"}, {"segments": 30, "risk": "high"}),
    "plinko": ({"rows": 8, "risk": "low"}, {"rows": 16, "risk": "high"}),
    "keno": ({"picks": "1,2,3,4,5", "risk": "classic"}, {"picks": "7,14,21", "risk": "high"}),
    "mines": ({"mines": 3, "tiles": "0,1,2"}, {"mines": 10, "tiles": "12"}),
    "hilo": ({"actions": "likelier,likelier,cash_out"},),
}
"""Example parameters per game; games without a usable entry are left out of simulations."""

_PROGRESS_EVERY: Final = 1000
_START: Final = datetime(2026, 1, 1, tzinfo=UTC)
_CRASH_SALT: Final = "0000000000000000001b34dc6a1e86083f95500b096231436e9b25cbdd0075c4"


@dataclass(frozen=True, slots=True)
class Grind:
    """Plant seed grinding: for ``fraction`` of ``game``'s rounds, keep the worse of two pairs."""

    game: str
    fraction: float = 0.5

    def __post_init__(self) -> None:
        if not isinstance(self.game, str) or self.game not in SAMPLE_PARAMS:
            raise InvalidInput(
                f"grind: game must be one of {', '.join(sorted(SAMPLE_PARAMS))}, got {self.game!r}"
            )
        fraction = self.fraction
        if (
            isinstance(fraction, bool)
            or not isinstance(fraction, int | float)
            or not 0 < fraction <= 1
        ):
            raise InvalidInput(f"grind: fraction must be a number in (0, 1], got {fraction!r}")


def _usable_configs() -> list[tuple[str, Mapping[str, object]]]:
    out = []
    for name in sorted(GAMES):
        for params in SAMPLE_PARAMS.get(name, ()):
            try:
                GAMES[name].parse(params)
            except (CasinoError, ValueError, TypeError):
                continue
            out.append((name, params))
    return out


def simulated_records(
    rounds: int,
    *,
    master_seed: str | None = None,
    pair_size: int = 1000,
    schemes: tuple[Scheme, ...] = (Scheme.STAKE, Scheme.UNBIASED),
    grind: Grind | None = None,
    include_crash: bool = True,
    start: datetime = _START,
) -> Iterator[dict[str, object]]:
    """``rounds`` records as :func:`_records` makes them, timed: round i is placed at
    ``start + i`` milliseconds and every seed is revealed one second after the last round
    (the operator reveals at export), so the used-after-reveal check runs on them too."""
    revealed = _stamp(start + timedelta(milliseconds=rounds, seconds=1))
    records = _records(
        rounds,
        master_seed=master_seed,
        pair_size=pair_size,
        schemes=schemes,
        grind=grind,
        include_crash=include_crash,
    )
    for i, record in enumerate(records):
        record["placed_at"] = _stamp(start + timedelta(milliseconds=i))
        if "server_seed" in record:
            record["seed_revealed_at"] = revealed
        yield record


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _records(
    rounds: int,
    *,
    master_seed: str | None = None,
    pair_size: int = 1000,
    schemes: tuple[Scheme, ...] = (Scheme.STAKE, Scheme.UNBIASED),
    grind: Grind | None = None,
    include_crash: bool = True,
) -> Iterator[dict[str, object]]:
    """``rounds`` round records cycling through every usable game configuration and scheme."""
    if rounds < 0 or pair_size < 1:
        raise InvalidInput("rounds must be >= 0 and pair_size >= 1")
    configs = _usable_configs()
    if not configs:
        raise InvalidInput("no registered game has sample parameters to simulate")
    master = master_seed if master_seed is not None else secrets.token_hex(32)

    def derive(label: str) -> str:
        return hashlib.sha256(f"{master}:{label}".encode()).hexdigest()

    lanes = [(name, params, scheme) for name, params in configs for scheme in schemes]
    nonces = [0] * len(lanes)
    pairs = [0] * len(lanes)
    grind_every = 0 if grind is None or grind.fraction <= 0 else max(1, round(1 / grind.fraction))
    ground = 0
    for i in range(rounds):
        if include_crash and i % (len(lanes) + 1) == len(lanes):
            game_hash = derive(f"crash:{i}")
            yield make_crash_record("stake_crash", game_hash, _CRASH_SALT, target=Fraction(2))
            continue
        lane = i % len(lanes)
        name, params, scheme = lanes[lane]
        if grind is not None and name == grind.game:
            ground += 1
            if grind_every and ground % grind_every == 0:
                # A fresh pair per round (nonce 0), chosen for the lower payout of two.
                first = make_record(name, scheme, derive(f"g{i}a"), "grind", 0, params)
                second = make_record(name, scheme, derive(f"g{i}b"), "grind", 0, params)
                yield min(first, second, key=lambda r: Fraction(str(r["multiplier"])))
                continue
        if nonces[lane] >= pair_size:
            pairs[lane] += 1
            nonces[lane] = 0
        seed = derive(f"{lane}:{pairs[lane]}")
        client = f"player-{lane}-{pairs[lane]}"
        yield make_record(name, scheme, seed, client, nonces[lane], params)
        nonces[lane] += 1


def simulate_history(
    path: str | Path,
    rounds: int,
    *,
    master_seed: str | None = None,
    pair_size: int = 1000,
    grind: Grind | None = None,
    progress: bool | None = False,
) -> Path:
    """Write :func:`simulated_records` to ``path`` as JSON Lines; return the path.

    ``progress``: draw a progress bar on stderr (None: when stderr is a terminal).
    """
    target = Path(path)
    records = simulated_records(rounds, master_seed=master_seed, pair_size=pair_size, grind=grind)
    with (
        target.open("w", encoding="utf-8") as handle,
        Progress(target.name, rounds, "records", enabled=progress) as bar,
    ):
        for done, record in enumerate(records, 1):
            handle.write(json.dumps(record, separators=(",", ":")) + "\n")
            if done % _PROGRESS_EVERY == 0:
                bar.update(done)
        bar.update(rounds)
    return target
