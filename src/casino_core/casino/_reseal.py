"""Re-encryption of the stored seeds under the active seed key (after a key rotation).

Every store that offers it (:meth:`SqlCasinoStore.reseal_seeds`,
:meth:`MemoryCasinoStore.reseal_seeds`, the ``casino-core seeds reencrypt`` command) opens
each sealed server seed (current and next of every seed pair, revealed pairs included) and
each crash chain seed that is not sealed under the active key, and seals it again under that
key; plain values (stored without a key) are sealed too. It is idempotent (a value already
under the active key is left alone) and resumable (the SQL store commits a batch at a time,
so an interrupted run continues where it stopped when started again).
"""

from __future__ import annotations

from dataclasses import dataclass

from casino_core.casino._crypto import SeedCipher
from casino_core.errors import ConfigurationError

__all__ = ["ResealCounts", "check_resealing"]


@dataclass(frozen=True, slots=True)
class ResealCounts:
    """What a re-encryption changed: seed pairs and crash chains sealed again."""

    key_id: str
    seed_pairs: int = 0
    chain_seeds: int = 0


def check_resealing(cipher: SeedCipher) -> str:
    """The active key id; ``ConfigurationError`` without keys (nothing to seal under)."""
    if cipher.key_id is None:
        raise ConfigurationError("re-encryption needs the seed keys (SeedKeys): none given")
    return cipher.key_id
