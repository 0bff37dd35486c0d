"""``audit stream``: raw stream bytes for external test batteries (dieharder, NIST STS, TestU01)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from casino_core.fairness import ByteStream, Scheme, ServerSeed, validate_client_seed

__all__ = ["register"]

_CHUNK = 1 << 16


def _stream(args: argparse.Namespace) -> int:
    Scheme.parse(args.scheme)
    ServerSeed(args.server_seed)  # validates without echoing
    validate_client_seed(args.client_seed)
    out = sys.stdout.buffer
    remaining = args.bytes
    nonce = args.nonce
    try:
        if args.per_nonce == 0:
            stream = ByteStream(args.server_seed, args.client_seed, nonce)
            while remaining > 0:
                take = min(_CHUNK, remaining)
                out.write(stream.read(take))
                remaining -= take
        else:
            while remaining > 0:
                take = min(args.per_nonce, remaining)
                out.write(ByteStream(args.server_seed, args.client_seed, nonce).read(take))
                remaining -= take
                nonce += 1
        out.flush()
    except BrokenPipeError:  # the battery read what it wanted and closed the pipe
        return 0
    return 0


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def register(sub: Any) -> None:
    audit = sub.add_parser("audit", help="auditor tools")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    stream = audit_sub.add_parser(
        "stream",
        help="write raw stream bytes to stdout for external test batteries",
        description=(
            "Writes the HMAC-SHA256 byte stream of (server seed, client seed, nonce) to stdout. "
            "Both schemes read this same stream; --scheme is checked and recorded for the "
            "report. With --per-nonce K, the first K bytes of nonce N, N+1, ... are "
            "concatenated, which is how single-value games consume the stream."
        ),
    )
    stream.add_argument(
        "--scheme", default=Scheme.UNBIASED.value, choices=[s.value for s in Scheme]
    )
    stream.add_argument("--server-seed", required=True)
    stream.add_argument("--client-seed", required=True)
    stream.add_argument("--nonce", type=_count, default=0)
    stream.add_argument("--bytes", type=_count, required=True, help="how many bytes to write")
    stream.add_argument("--per-nonce", type=_count, default=0, metavar="K")
    stream.set_defaults(func=_stream)
