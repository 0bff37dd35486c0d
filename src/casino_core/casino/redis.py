"""The Redis casino store (imports redis-py): :class:`RedisCasinoStore`, play money only."""

from casino_core.casino.rounds._redis import RedisCasinoStore

__all__ = ["RedisCasinoStore"]
