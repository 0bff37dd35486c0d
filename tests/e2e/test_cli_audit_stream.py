"""``casino-core audit stream`` writes exactly the stream bytes."""

from __future__ import annotations

import subprocess
import sys

from casino_core.fairness import stream_bytes

SEED = "a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1"


def audit_stream(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "casino_core", "audit", "stream", "--server-seed", SEED,
         "--client-seed", "lab", *args],
        capture_output=True,
        check=False,
    )  # fmt: skip


class TestAuditStream:
    """Raw bytes for dieharder / NIST STS / TestU01."""

    def test_single_nonce_stream(self) -> None:
        """--bytes N from one nonce equals stream_bytes, across many 32-byte rounds."""
        out = audit_stream("--nonce", "3", "--bytes", "100000")
        assert out.returncode == 0
        assert out.stdout == stream_bytes(SEED, "lab", 3, 100_000)

    def test_per_nonce_concatenation(self) -> None:
        """--per-nonce K takes the first K bytes of consecutive nonces."""
        out = audit_stream("--bytes", "20", "--per-nonce", "8")
        expected = b"".join(stream_bytes(SEED, "lab", n, 8) for n in range(3))[:20]
        assert out.stdout == expected

    def test_bad_seed_exits_2(self) -> None:
        """A malformed server seed is refused with exit 2 and no bytes written."""
        out = subprocess.run(
            [sys.executable, "-m", "casino_core", "audit", "stream", "--server-seed", "xx",
             "--client-seed", "lab", "--bytes", "10"],
            capture_output=True,
            check=False,
        )  # fmt: skip
        assert out.returncode == 2
        assert out.stdout == b""
