"""Operator-pinned game offerings and their published catalog (the trust boundary).

See :mod:`casino_core.catalog._offering` and docs/trust-boundary.md.
"""

from casino_core.catalog._offering import (
    BET_FIELDS,
    CATALOG_FORMAT,
    RULE_KEYS,
    Catalog,
    Offering,
    OfferingRef,
    PlacedBet,
    default_catalog,
)

__all__ = [
    "BET_FIELDS",
    "CATALOG_FORMAT",
    "RULE_KEYS",
    "Catalog",
    "Offering",
    "OfferingRef",
    "PlacedBet",
    "default_catalog",
]
