"""Responsible gaming per player: limits, cooling-off, self-exclusion, time-outs, sessions.

:class:`ResponsibleGaming` records a player's rules and sessions in the wallet's own store;
the wallet enforces them in the transaction of every movement (casino rounds, crash bets,
provider bets, deposits), raising a typed
:class:`~casino_core.errors.ResponsibleGamingRefusal`. The decisions are pure functions of
(state, clock value) in :mod:`casino_core.rg._rules`, so the asyncio API can reuse them.
See docs/responsible-gaming.md.
"""

from casino_core.rg._rules import (
    MONEY_RULES,
    Period,
    PlayerLimit,
    PlayerStatus,
    RgPolicy,
    Rule,
    RuleChange,
    Session,
    WindowKind,
    check_movement,
    fold,
    window_bounds,
)
from casino_core.rg._service import RealityCheck, ResponsibleGaming, RgObserver, RgRefusal

__all__ = [
    "MONEY_RULES",
    "Period",
    "PlayerLimit",
    "PlayerStatus",
    "RealityCheck",
    "ResponsibleGaming",
    "RgObserver",
    "RgPolicy",
    "RgRefusal",
    "Rule",
    "RuleChange",
    "Session",
    "WindowKind",
    "check_movement",
    "fold",
    "window_bounds",
]
