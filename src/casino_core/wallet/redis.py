"""The Redis demo wallet (play money, not durable). Importing this imports redis-py."""

from casino_core.wallet._redis import RedisDemoWallet

__all__ = ["RedisDemoWallet"]
