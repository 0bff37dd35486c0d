"""The Redis provider store (imports redis-py): :class:`RedisProviderStore`, play money only."""

from casino_core.provider._redis import RedisProviderStore

__all__ = ["RedisProviderStore"]
