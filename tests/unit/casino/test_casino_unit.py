"""Pure parts of the casino package: the seed cipher, the public names, observer isolation."""

from __future__ import annotations

import pytest

import casino_core.casino as casino_pkg
from casino_core.casino import Casino, CasinoSettings, Round, SeedCipher
from casino_core.errors import ConfigurationError, StorageUnavailable
from casino_core.fairness import ServerSeed
from casino_core.wallet import AccountKey

KEY = bytes(range(32))


class TestSeedCipher:
    """Server seeds at rest."""

    def test_round_trip_and_no_plain_text(self) -> None:
        """A sealed seed opens to itself and does not contain the seed text."""
        seed = ServerSeed.generate()
        sealed = SeedCipher(KEY).seal(seed)
        assert sealed.startswith("v2:default:")
        assert seed.reveal_text() not in sealed
        assert SeedCipher(KEY).open(sealed, seed.commitment) == seed

    def test_bound_to_its_commitment_and_key(self) -> None:
        """Another commitment or another key cannot open it."""
        seed, other = ServerSeed.generate(), ServerSeed.generate()
        sealed = SeedCipher(KEY).seal(seed)
        with pytest.raises(StorageUnavailable):
            SeedCipher(KEY).open(sealed, other.commitment)
        with pytest.raises(StorageUnavailable):
            SeedCipher(b"\x01" * 40).open(sealed, seed.commitment)
        with pytest.raises(ConfigurationError):
            SeedCipher().open(sealed, seed.commitment)

    def test_plain_without_key_and_checked(self) -> None:
        """Without a key the stored form is plain, and still checked against the commitment."""
        seed, other = ServerSeed.generate(), ServerSeed.generate()
        sealed = SeedCipher().seal(seed)
        assert SeedCipher().open(sealed, seed.commitment) == seed
        with pytest.raises(StorageUnavailable):
            SeedCipher().open(sealed, other.commitment)

    @pytest.mark.parametrize("key", [b"", b"x" * 31, "y" * 40])
    def test_short_or_wrong_type_key_refused(self, key: object) -> None:
        """Keys under 32 bytes (or not bytes) refuse to start."""
        with pytest.raises(ConfigurationError):
            SeedCipher(key)  # type: ignore[arg-type]

    def test_repr_hides_the_key(self) -> None:
        """The repr says whether seeds are encrypted, nothing more."""
        assert repr(SeedCipher(KEY)) == "SeedCipher(encrypts=True)"
        assert "KEY" not in repr(CasinoSettings(seed_key=KEY)).upper()


def test_public_names_are_pinned() -> None:
    """casino_core.casino exports exactly these names."""
    assert casino_pkg.__all__ == [
        "DIFFERENCE_KINDS",
        "ENV_SEED_KEYS",
        "INSTANT_GAMES",
        "MAX_TABLE_CHAIN",
        "MIN_KEY_BYTES",
        "Casino",
        "CasinoObserver",
        "CasinoReconciliation",
        "CasinoSettings",
        "CasinoStore",
        "CrashChainInfo",
        "CrashCurve",
        "CrashRound",
        "CrashTable",
        "CrashWager",
        "ExportCounts",
        "ExportLines",
        "KeyProvider",
        "MemoryCasinoStore",
        "ResealCounts",
        "Round",
        "RoundDifference",
        "RoundExport",
        "SeedCipher",
        "SeedInfo",
        "SeedKeys",
        "SeedReveal",
        "SeedRotation",
        "open_casino",
    ]


class Broken:
    """An observer that fails on every event."""

    def round_settled(self, round_: Round) -> None:
        raise RuntimeError("metrics backend down")

    def seed_rotated(self, *args: object) -> None:
        raise RuntimeError("metrics backend down")

    def limit_hit(self, *args: object) -> None:
        raise RuntimeError("metrics backend down")


def test_failing_observer_does_not_undo_the_round(caplog: pytest.LogCaptureFixture) -> None:
    """A raising observer is logged; the settled round and rotation stand."""
    casino = Casino.in_memory(observers=[Broken()])
    account = AccountKey("op", "p", "USD")
    casino.wallet.open_account(account)
    casino.wallet.credit(account, 1_000, idempotency_key="d", system_account="deposits")
    r = casino.play("op", "p", "USD", "real", "coinflip", {"flips": ["heads"]}, 100,
                    idempotency_key="k")  # fmt: skip
    casino.rotate_seed("op", "p")
    assert casino.wallet.balance(account).posted == 900 + r.payout
    assert len(casino.export("op").records) == 1
    assert (
        sum("metrics backend down" in rec.exc_text for rec in caplog.records if rec.exc_text) == 2
    )


def test_memory_casino_needs_no_optional_dependency() -> None:
    """`casino_core.casino` imports and plays on memory without SQLAlchemy, redis, hypothesis."""
    import subprocess
    import sys

    code = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"sqlalchemy", "psycopg", "redis", "hypothesis", "scipy"}:
            raise ImportError(f"blocked optional dependency {name}")
        return None
sys.meta_path.insert(0, Block())
from casino_core.casino import Casino
from casino_core.wallet import AccountKey
casino = Casino.in_memory()
account = AccountKey("op", "p", "USD")
casino.wallet.open_account(account)
casino.wallet.credit(account, 500, idempotency_key="d", system_account="deposits")
casino.play("op", "p", "USD", "real", "dice", {"target": "50.5", "condition": "over"}, 100,
            idempotency_key="k")
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.stdout.strip() == "ok", out.stderr
