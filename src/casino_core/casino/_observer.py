"""The observer protocol of the casino facade: what a host implements to hear events.

Above both the round and the crash value types (it names :class:`Round` and
:class:`CrashWager`), so neither type module imports the other.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from casino_core.casino._types import Round, SeedRotation
from casino_core.casino.crash._types import CrashWager

__all__ = ["CasinoObserver"]


@runtime_checkable
class CasinoObserver(Protocol):
    """What a host implements to hear about settled rounds, rotations and refused bets.

    Called after the unit of work commits, on the calling thread; an observer's exception
    is logged and swallowed (the round is already settled). ``round_settled`` also hears
    each bet of a settled crash round, as a :class:`~casino_core.casino.CrashWager`
    (``game == "crash"``; stake, payout, multiplier, ids, currency and mode as on a round).
    """

    def round_settled(self, round_: Round | CrashWager) -> None: ...

    def seed_rotated(self, operator_id: str, player_id: str, rotation: SeedRotation) -> None: ...

    def limit_hit(self, operator_id: str, player_id: str, limit: str, message: str) -> None: ...
