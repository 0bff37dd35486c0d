"""``seeds new``, ``rng``, ``crash`` and ``chain verify``: the provably-fair commands."""

from __future__ import annotations

import argparse
import json
from typing import Any

from casino_core._bounds import MAX_SEED_TEXT, bounded_text
from casino_core._progress import Progress
from casino_core.cli import _seeds
from casino_core.cli._args import add_progress_argument, int_at_least
from casino_core.errors import ChainMismatch, InvalidSeed
from casino_core.fairness import (
    CrashScheme,
    Scheme,
    ServerSeed,
    crash_point,
    stream_floats,
    stream_ints,
    validate_client_seed,
    verify_chain_link,
)

__all__ = ["register"]

SubParsers = Any  # argparse's _SubParsersAction is private; its type is not worth importing


def _emit(args: argparse.Namespace, data: dict[str, object], text: str) -> None:
    print(json.dumps(data, sort_keys=True) if args.json else text)


def _seeds_new(args: argparse.Namespace) -> int:
    seed = ServerSeed.generate()
    text = seed.reveal_text()  # printed on purpose: the operator asked for a fresh seed
    _emit(
        args,
        {"server_seed": text, "commitment": seed.commitment},
        f"server_seed: {text}\ncommitment:  {seed.commitment}",
    )
    return 0


def _rng(args: argparse.Namespace) -> int:
    scheme = Scheme.parse(args.scheme)
    validate_client_seed(args.client_seed)
    if scheme is Scheme.STAKE:
        # Whatever seed text the operator revealed (Stake's own are 32 characters), bounded.
        if not bounded_text(args.server_seed, "--server-seed", MAX_SEED_TEXT):
            raise InvalidSeed("--server-seed: the revealed seed text is empty")
    else:
        ServerSeed(args.server_seed)  # 64 lowercase hex, validated without echoing it
    values: list[float] | list[int]
    if args.ints_below is not None:
        values = stream_ints(
            scheme, args.server_seed, args.client_seed, args.nonce, args.ints_below, args.count
        )
        kind = "ints"
    else:
        values = stream_floats(scheme, args.server_seed, args.client_seed, args.nonce, args.count)
        kind = "floats"
    data: dict[str, object] = {
        "scheme": scheme.value,
        "client_seed": args.client_seed,
        "nonce": args.nonce,
        kind: values,
    }
    if args.ints_below is not None:
        data["n"] = args.ints_below
    _emit(args, data, "\n".join(repr(v) for v in values))
    return 0


def _crash(args: argparse.Namespace) -> int:
    point = crash_point(args.scheme, args.game_hash, args.salt, args.house_edge)
    _emit(
        args,
        {"scheme": CrashScheme.parse(args.scheme).value, "crash_point": str(point)},
        str(point),
    )
    return 0


def _chain_verify(args: argparse.Namespace) -> int:
    bar = Progress("hashing the chain", args.max_distance, "links", enabled=args.progress)
    try:
        with bar:
            distance = verify_chain_link(
                args.game_hash, args.terminal, args.max_distance, on_progress=bar.update
            )
            bar.update(distance)
    except ChainMismatch as exc:
        _emit(args, {"linked": False, "error": exc.message}, f"NOT LINKED: {exc.message}")
        return 1
    _emit(
        args,
        {"linked": True, "game": distance},
        f"linked: game {distance} of the chain ending at {args.terminal}",
    )
    return 0


_nonnegative = int_at_least(0, "non-negative integer")
_positive = int_at_least(1, "positive integer")


def register(sub: SubParsers) -> None:
    seeds = sub.add_parser("seeds", help="server seeds and commitments; re-encryption")
    seeds_sub = seeds.add_subparsers(dest="seeds_command", required=True, metavar="COMMAND")
    new = seeds_sub.add_parser("new", help="a fresh server seed and its SHA-256 commitment")
    new.add_argument("--json", action="store_true", help="print JSON")
    new.set_defaults(func=_seeds_new)
    _seeds.register(seeds_sub)  # seeds reencrypt

    rng = sub.add_parser("rng", help="recompute the values of one bet from revealed seeds")
    rng.add_argument(
        "--scheme",
        default=Scheme.STAKE.value,
        choices=[s.value for s in Scheme],
        help="the RNG scheme the bet was played with (default: stake)",
    )
    rng.add_argument(
        "--server-seed",
        required=True,
        help="the revealed server seed text (64 hex under unbiased; any text up to "
        f"{MAX_SEED_TEXT} characters under stake)",
    )
    rng.add_argument("--client-seed", required=True, help="the player's client seed")
    rng.add_argument(
        "--nonce", type=_nonnegative, required=True, help="the bet's nonce (0 for the first)"
    )
    rng.add_argument("--count", type=_nonnegative, default=1, help="how many values")
    rng.add_argument("--ints-below", type=_positive, metavar="N", help="integers in [0, N)")
    rng.add_argument("--json", action="store_true", help="print JSON")
    rng.set_defaults(func=_rng)

    crash = sub.add_parser("crash", help="the crash point of a game hash")
    crash.add_argument(
        "--scheme",
        required=True,
        choices=[s.value for s in CrashScheme],
        help="the crash formula the game uses",
    )
    crash.add_argument("--game-hash", required=True, help="the game's hash (64 hex)")
    crash.add_argument("--salt", required=True, help="the published salt of the chain")
    crash.add_argument("--house-edge", default="1/100", help="a fraction, e.g. 1/100 (default)")
    crash.add_argument("--json", action="store_true", help="print JSON")
    crash.set_defaults(func=_crash)

    chain = sub.add_parser("chain", help="hash chains of crash games")
    chain_sub = chain.add_subparsers(dest="chain_command", required=True, metavar="COMMAND")
    verify = chain_sub.add_parser("verify", help="check that a game hash links to a terminal")
    verify.add_argument("--terminal", required=True, help="the published terminal hash")
    verify.add_argument("--game-hash", required=True, help="the game hash to check (64 hex)")
    verify.add_argument(
        "--max-distance",
        type=_positive,
        default=10_000_000,
        help="links to hash forward at most (default 10,000,000)",
    )
    verify.add_argument("--json", action="store_true", help="print JSON")
    add_progress_argument(verify)
    verify.set_defaults(func=_chain_verify)
