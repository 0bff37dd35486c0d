"""The Redis demo wallet (play money, not durable). Importing this imports redis-py.

:data:`RedisClient` is what the Redis stores take: a :class:`redis.Redis` or a
:class:`redis.cluster.RedisCluster`.
"""

from casino_core.wallet._redis import RedisClient, RedisDemoWallet

__all__ = ["RedisClient", "RedisDemoWallet"]
