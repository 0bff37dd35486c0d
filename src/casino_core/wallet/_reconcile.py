"""Helpers of ``reconcile()`` shared by the backends."""

from __future__ import annotations

from casino_core.wallet._types import Discrepancy

__all__ = ["FIELDS", "differences"]

FIELDS = ("posted", "version", "held")


def differences(
    account: str, stored: tuple[int, int, int], journal: tuple[int, int, int]
) -> list[Discrepancy]:
    """The :class:`Discrepancy` s between stored (posted, version, held) and the journal's."""
    return [
        Discrepancy(account, name, s, j)
        for name, s, j in zip(FIELDS, stored, journal, strict=True)
        if s != j
    ]
