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

from casino_core.casino._sql_tables import casino_metadata
from casino_core.wallet._append_only import Guard
from casino_core.wallet._sql import Amount, _Id

__all__ = ["CRASH_GUARDS", "crash_bets", "crash_chains", "crash_rounds"]

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
    Column("curve_rate", Text),  # the pinned growth curve's rate (NULL: no curve)
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
    # a player's bets by time: the back-office lookup's keyset pages (Casino.rounds)
    Index("ix_casino_crash_bets_player_time", "operator_id", "player_id", "created_us", "id"),
    # settled bets in settlement order, the operator's and a player's: the exports' and the
    # reconciliation's keyset pages of bets (settled_bets)
    Index(
        "ix_casino_crash_bets_settled", "operator_id", "settled_us", "round_id", "created_us", "id"
    ),
    Index(
        "ix_casino_crash_bets_player_settled",
        "operator_id",
        "player_id",
        "settled_us",
        "round_id",
        "created_us",
        "id",
    ),
)
"""One row per crash bet; ``status`` goes from ``placed`` to ``settled`` exactly once."""


# -- append-only guards (casino_core.wallet._append_only) ----------------------------------

CRASH_GUARDS = (
    Guard(
        "casino_crash_chains",
        fixed=(
            "id operator_id table_id chain_no length terminal_hash crash_scheme house_edge "
            "max_target curve_rate created_us"
        ),
        # Retire once; the salt is fixed once before the first game; the game counter of an
        # active chain advances by one; chain_seed may be sealed again (key rotation).
        allowed="(NEW.status {same} OLD.status OR OLD.status = 'active' AND NEW.status = "
        "'retired') AND (NEW.salt {same} OLD.salt OR OLD.salt IS NULL AND OLD.games_used = 0) "
        "AND (NEW.games_used = OLD.games_used OR OLD.status = 'active' AND NEW.games_used = "
        "OLD.games_used + 1)",
    ),
    Guard(
        "casino_crash_rounds",
        fixed="id operator_id table_id chain_id game_no created_us",
        # open -> running (the crash point and start time written once), running -> settled
        # (the game hash and settle time written once); a settled round never changes.
        allowed="OLD.status = 'open' AND OLD.crash_point IS NULL AND OLD.started_us IS NULL "
        "AND NEW.game_hash IS NULL AND NEW.settled_us IS NULL AND (NEW.status = 'open' AND "
        "NEW.crash_point IS NULL AND NEW.started_us IS NULL OR NEW.status = 'running') "
        "OR OLD.status = 'running' AND OLD.game_hash IS NULL AND OLD.settled_us IS NULL "
        "AND NEW.crash_point {same} OLD.crash_point AND NEW.started_us {same} OLD.started_us "
        "AND (NEW.status = 'running' AND NEW.game_hash IS NULL AND NEW.settled_us IS NULL "
        "OR NEW.status = 'settled' AND NEW.game_hash IS NOT NULL)",
    ),
    Guard(
        "casino_crash_bets",
        fixed=(
            "id round_id operator_id idempotency_key fingerprint player_id currency mode "
            "stake max_payout auto_cash_out created_us"
        ),
        # A placed bet may cash out once, and is settled once; a settled bet never changes.
        allowed="OLD.status = 'placed' AND NEW.status IN ('placed', 'settled') "
        "AND (NEW.cashed_out_at {same} OLD.cashed_out_at OR OLD.cashed_out_at IS NULL) "
        "AND (NEW.status = 'settled' OR NEW.multiplier {same} OLD.multiplier AND NEW.payout "
        "{same} OLD.payout AND NEW.balance_after {same} OLD.balance_after AND NEW.settled_us "
        "{same} OLD.settled_us)",
    ),
)
"""What an UPDATE of a crash table may do (docs/auditors.md, "Append-only storage")."""
