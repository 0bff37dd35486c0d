"""A ``redis.asyncio`` client seen by the sync Redis stores as the sync client they call.

Each method the stores use (and only those) awaits the async client's method through
:func:`~casino_core.aio._bridge.wait`; the stores' Lua scripts, pipelines and WATCH run
unchanged. Only called inside :func:`~casino_core.aio._bridge.run`.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from typing import Any

import redis.asyncio

from casino_core.aio._bridge import wait
from casino_core.wallet._redis import SCRIPT_TEXTS

__all__ = ["BridgedPipeline", "BridgedRedis", "BridgedRedisCluster"]


async def _collect(
    client: redis.asyncio.Redis | redis.asyncio.RedisCluster, match: str, count: int
) -> list[Any]:
    return [key async for key in client.scan_iter(match=match, count=count)]


class BridgedRedis:
    """The sync face of a :class:`redis.asyncio.Redis` (``decode_responses=True``)."""

    cluster = False
    """Whether the client is a Redis Cluster's (read by :func:`casino_core.wallet._redis.
    is_cluster`, as the stores read ``isinstance(client, RedisCluster)``)."""

    def __init__(self, client: redis.asyncio.Redis | redis.asyncio.RedisCluster) -> None:
        self.client = client
        self._c: Any = client  # (redis-py types its replies as a sync/async union)
        self.loaded: set[str] = set()

    def __repr__(self) -> str:
        # Not the client's own repr: redis-py's shows the password of the URL it was made from.
        return f"{type(self).__name__}({type(self.client).__name__})"

    def get_encoder(self) -> Any:
        return self._c.get_encoder()

    def evalsha(self, sha: str, numkeys: int, *args: Any) -> Any:
        return wait(self._c.evalsha(sha, numkeys, *args))

    def script_load(self, script: str) -> str:
        sha: str = wait(self._c.script_load(script))
        self.loaded.add(sha)
        return sha

    def get(self, key: str) -> Any:
        return wait(self._c.get(key))

    def hget(self, key: str, field: str) -> Any:
        return wait(self._c.hget(key, field))

    def hgetall(self, key: str) -> Any:
        return wait(self._c.hgetall(key))

    def hmget(self, key: str, fields: Sequence[str]) -> Any:
        return wait(self._c.hmget(key, fields))

    def lrange(self, key: str, start: int, end: int) -> Any:
        return wait(self._c.lrange(key, start, end))

    def smembers(self, key: str) -> Any:
        return wait(self._c.smembers(key))

    def sadd(self, key: str, *values: Any) -> Any:
        return wait(self._c.sadd(key, *values))

    def zrangebyscore(self, key: str, low: Any, high: Any) -> Any:
        return wait(self._c.zrangebyscore(key, low, high))

    def zrangebylex(
        self, key: str, low: Any, high: Any, start: int | None = None, num: int | None = None
    ) -> Any:
        return wait(self._c.zrangebylex(key, low, high, start=start, num=num))

    def scan_iter(self, match: str, count: int) -> Iterator[Any]:
        return iter(wait(_collect(self.client, match, count)))

    def pipeline(self, transaction: bool = True) -> BridgedPipeline:
        return BridgedPipeline(self, self.client.pipeline(transaction=transaction))

    def close(self) -> None:
        wait(self.client.aclose())


class BridgedRedisCluster(BridgedRedis):
    """The sync face of a :class:`redis.asyncio.RedisCluster` (``decode_responses=True``):
    the stores take their cluster paths on it (one slot per operator, ``EVAL`` of the text
    in a transaction)."""

    cluster = True


class BridgedPipeline:
    """The sync face of a ``redis.asyncio`` pipeline: queued commands return the
    pipeline, commands run at once (while WATCHing) return their reply."""

    def __init__(self, owner: BridgedRedis, pipe: Any) -> None:
        self._owner = owner
        self._pipe = pipe

    def _do(self, result: Any) -> Any:
        if result is self._pipe:  # queued (a cluster pipeline is itself awaitable)
            return self
        return wait(result) if inspect.isawaitable(result) else self

    def __enter__(self) -> BridgedPipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        wait(self._pipe.reset())

    def watch(self, *keys: str) -> Any:
        return wait(self._pipe.watch(*keys))

    def unwatch(self) -> Any:
        return wait(self._pipe.unwatch())

    def multi(self) -> None:
        self._pipe.multi()

    def execute(self) -> Any:
        return wait(self._pipe.execute())

    def execute_command(self, *args: Any) -> Any:
        return self._do(self._pipe.execute_command(*args))

    def evalsha(self, sha: str, numkeys: int, *args: Any) -> Any:
        if sha not in self._owner.loaded:  # queued in MULTI, a missing script would fail late
            self._owner.script_load(SCRIPT_TEXTS[sha])
        return self._do(self._pipe.evalsha(sha, numkeys, *args))

    def exists(self, *keys: str) -> Any:
        return self._do(self._pipe.exists(*keys))

    def get(self, key: str) -> Any:
        return self._do(self._pipe.get(key))

    def set(self, key: str, value: Any, **options: Any) -> Any:
        return self._do(self._pipe.set(key, value, **options))

    def hget(self, key: str, field: str) -> Any:
        return self._do(self._pipe.hget(key, field))

    def hgetall(self, key: str) -> Any:
        # raw: redis-py's async cluster transaction calls HGETALL's reply callback with the
        # command's ``keys=`` option, which the callback does not take
        return self._do(self._pipe.execute_command("HGETALL", key))

    def hmget(self, key: str, fields: Sequence[str]) -> Any:
        return self._do(self._pipe.hmget(key, fields))

    def hset(self, key: str, *args: Any, **kwargs: Any) -> Any:
        return self._do(self._pipe.hset(key, *args, **kwargs))

    def lrange(self, key: str, start: int, end: int) -> Any:
        return self._do(self._pipe.lrange(key, start, end))

    def rpush(self, key: str, *values: Any) -> Any:
        return self._do(self._pipe.rpush(key, *values))

    def sadd(self, key: str, *values: Any) -> Any:
        return self._do(self._pipe.sadd(key, *values))
