"""The crash tables of the SQL casino store (on ``casino_metadata``): chains, rounds, bets."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from casino_core.casino._sql import casino_metadata
from casino_core.wallet._sql import Amount, _Id

__all__ = ["crash_bets", "crash_chains", "crash_rounds"]

crash_chains = Table(
    "casino_crash_chains",
    casino_metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("operator_id", String(128), nullable=False),
    Column("table_id", String(128), nullable=False),
    Column("chain_no", BigInteger, nullable=False),
    Column("status", String(8), nullable=False),  # active, retired
    Column("length", BigInteger, nullable=False),
    Column("terminal_hash", String(64), nullable=False),
    Column("chain_seed", Text, nullable=False),  # SeedCipher.seal_text form; never exported
    Column("salt", Text),
    Column("crash_scheme", String(16), nullable=False),
    Column("house_edge", Text, nullable=False),
    Column("max_target", Text, nullable=False),
    Column("games_used", BigInteger, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    UniqueConstraint("operator_id", "table_id", "chain_no", name="uq_casino_crash_chain_no"),
)
"""One row per hash chain of a table; the last one (highest ``chain_no``) is active."""

crash_rounds = Table(
    "casino_crash_rounds",
    casino_metadata,
    Column("id", String(32), primary_key=True),
    Column("operator_id", String(128), nullable=False),
    Column("table_id", String(128), nullable=False),
    Column("chain_id", _Id, ForeignKey("casino_crash_chains.id"), nullable=False),
    Column("game_no", BigInteger, nullable=False),
    Column("status", String(8), nullable=False),  # open, running, settled
    Column("crash_point", Text),  # fixed at the start
    Column("game_hash", String(64)),  # written only at settlement (the reveal)
    Column("created_us", BigInteger, nullable=False),
    Column("started_us", BigInteger),
    Column("settled_us", BigInteger),
    UniqueConstraint("chain_id", "game_no", name="uq_casino_crash_round_game"),
    # the export's keyset pages over settled rounds, in settlement order
    Index("ix_casino_crash_rounds_settled", "operator_id", "status", "settled_us", "id"),
    Index(
        "uq_casino_crash_rounds_current",
        "operator_id",
        "table_id",
        unique=True,
        postgresql_where=text("status <> 'settled'"),
        sqlite_where=text("status <> 'settled'"),
    ),
)
"""One row per game played; at most one unsettled round per table (a partial unique index)."""

crash_bets = Table(
    "casino_crash_bets",
    casino_metadata,
    Column("id", String(32), primary_key=True),
    Column("round_id", String(32), ForeignKey("casino_crash_rounds.id"), nullable=False),
    Column("operator_id", String(128), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("player_id", String(128), nullable=False),
    Column("currency", String(12), nullable=False),
    Column("mode", String(4), nullable=False),
    Column("stake", Amount, nullable=False),
    Column("max_payout", Amount, nullable=False),
    Column("auto_cash_out", Text),
    Column("cashed_out_at", Text),
    Column("status", String(8), nullable=False),  # placed, settled
    Column("multiplier", Text, nullable=False),
    Column("payout", Amount, nullable=False),
    Column("balance_after", Amount, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("settled_us", BigInteger),
    # its link in the player's hash chain, written at settlement (casino_core.chain)
    Column("chain_seq", BigInteger),
    Column("chain_prev", String(64)),
    Column("chain_hash", String(64)),
    UniqueConstraint("operator_id", "idempotency_key", name="uq_casino_crash_bet_key"),
    Index("ix_casino_crash_bets_round", "round_id"),
    Index("ix_casino_crash_bets_player", "operator_id", "player_id"),
)
"""One row per crash bet; ``status`` goes from ``placed`` to ``settled`` exactly once."""
