"""The casino's SQL metadata and its seed pair, round and bankroll tables.

Below every SQL store (rounds, crash, chain heads, schema version): each registers its tables
on :data:`casino_metadata`, which imports nothing of the stores.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from casino_core.wallet._sql import NAMING_CONVENTION, Amount, _Id

__all__ = ["bankroll_table", "casino_metadata", "rounds_table", "seed_pairs"]

casino_metadata = MetaData(naming_convention=NAMING_CONVENTION)
"""The casino tables (rounds, seed pairs); include it in a host's Alembic metadata."""

seed_pairs = Table(
    "casino_seed_pairs",
    casino_metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("operator_id", String(128), nullable=False),
    Column("player_id", String(128), nullable=False),
    Column("pair_no", BigInteger, nullable=False),
    Column("status", String(8), nullable=False),
    Column("server_seed", Text, nullable=False),  # SeedCipher form; never read by exports
    Column("server_seed_hash", String(64), nullable=False),
    Column("next_server_seed", Text, nullable=False),
    Column("next_server_seed_hash", String(64), nullable=False),
    Column("client_seed", String(64), nullable=False),
    Column("scheme", String(16), nullable=False),
    Column("nonce", BigInteger, nullable=False),
    Column("revealed_seed", String(64)),  # the plain seed, written only at reveal
    Column("created_us", BigInteger, nullable=False),
    Column("revealed_us", BigInteger),
    UniqueConstraint("operator_id", "player_id", "pair_no", name="uq_casino_seed_pair_no"),
    Index(
        "uq_casino_seed_pairs_active",
        "operator_id",
        "player_id",
        unique=True,
        postgresql_where=text("status = 'active'"),
        sqlite_where=text("status = 'active'"),
    ),
)
"""One row per seed pair; at most one per player is active (a partial unique index)."""

rounds_table = Table(
    "casino_rounds",
    casino_metadata,
    Column("id", String(32), primary_key=True),
    Column("operator_id", String(128), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("player_id", String(128), nullable=False),
    Column("currency", String(12), nullable=False),
    Column("mode", String(4), nullable=False),
    Column("game", String(32), nullable=False),
    Column("params", Text, nullable=False),
    Column("offering", Text, nullable=False),  # OfferingRef.to_text(); "" for none
    Column("scheme", String(16), nullable=False),
    Column("seed_pair_id", _Id, ForeignKey("casino_seed_pairs.id"), nullable=False),
    Column("nonce", BigInteger, nullable=False),
    Column("result", Text, nullable=False),
    Column("multiplier", Text, nullable=False),
    Column("stake", Amount, nullable=False),
    Column("payout", Amount, nullable=False),
    Column("balance_after", Amount, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("status", String(12), nullable=False),  # settled, playing, cashed_out, busted, ...
    Column("actions", Text, nullable=False),  # JSON list: what a multi-step round played
    Column("updated_us", BigInteger, nullable=False),
    # its link in the player's hash chain, written when the round settles (casino_core.chain)
    Column("chain_seq", BigInteger),
    Column("chain_prev", String(64)),
    Column("chain_hash", String(64)),
    UniqueConstraint("operator_id", "idempotency_key", name="uq_casino_round_key"),
    UniqueConstraint("seed_pair_id", "nonce", name="uq_casino_round_nonce"),
    # (operator, player) lookups and the export's keyset pages, in export order
    Index("ix_casino_rounds_player", "operator_id", "player_id", "seed_pair_id", "nonce"),
    Index("ix_casino_rounds_open", "status", "updated_us"),
    # a player's rounds by time: the back-office lookup's keyset pages (Casino.rounds)
    Index("ix_casino_rounds_player_time", "operator_id", "player_id", "created_us", "id"),
)
"""One row per settled instant round (the audit trail)."""

bankroll_table = Table(
    "casino_bankroll",
    casino_metadata,
    Column("operator_id", String(128), primary_key=True),
    Column("currency", String(12), primary_key=True),
    Column("mode", String(4), primary_key=True),
    Column("house_balance", Amount, nullable=False),
    Column("refreshed_us", BigInteger, nullable=False),  # the last sum over the journal
    Column("updated_us", BigInteger, nullable=False),
)
"""One row per (operator, currency, mode) with a bankroll: the house balance its check uses."""
