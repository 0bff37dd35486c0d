"""The Redis casino store (imports redis-py): :class:`RedisCasinoStore`, play money only."""

from casino_core.casino._redis import RedisCasinoStore

__all__ = ["RedisCasinoStore"]
