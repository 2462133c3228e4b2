"""Where failed-login counters live: Redis when configured (shared by every worker and
server), else this process's memory.

A counter is (failures, wait_until, last_failed_at) under a key; one failure is counted and
its wait set in one atomic step (a Lua script on Redis, a lock in memory), so concurrent
guesses cannot slip past a wait. Keys of one username are indexed, so that Bappeda's
administrator can clear an account's waits without knowing the addresses involved.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from functools import wraps

log = logging.getLogger("eplanning.security")


@dataclass(frozen=True)
class Rule:
    """``free`` failures within ``window`` seconds cost nothing; from then on each failure
    makes the next attempt wait ``base`` seconds, doubling, at most ``cap``."""

    free: int
    window: int
    base: int
    cap: int

    def wait(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return float(min(self.cap, self.base * 2 ** min(failures - self.free, 30)))


@dataclass(frozen=True)
class Counter:
    failures: int = 0
    wait_until: float = 0.0
    last_failed_at: float = 0.0

    def current(self, rule: Rule, now: float) -> "Counter":
        """Forgotten once ``window`` has passed quietly after the last failure and its wait (a
        guesser who waits out the longest wait is still counted)."""
        if self.failures and now - max(self.wait_until, self.last_failed_at) >= rule.window:
            return Counter()
        return self


class MemoryStore:
    """One process's counters (a single worker, tests, the demo)."""

    #: Most counters kept; beyond it the oldest half is forgotten (memory stays bounded).
    LIMIT = 100_000

    def __init__(self):
        self._data: dict[str, Counter] = {}
        self._index: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Counter:
        return self._data.get(key, Counter())

    def fail(self, key: str, rule: Rule, now: float, index: str | None) -> Counter:
        with self._lock:
            old = self._data.get(key, Counter()).current(rule, now)
            failures = old.failures + 1
            new = Counter(failures, max(old.wait_until, now + rule.wait(failures)), now)
            self._data[key] = new
            if index:
                self._index.setdefault(index, set()).add(key)
            if len(self._data) > self.LIMIT:  # an attacker's random names: drop the oldest half
                for stale in sorted(self._data, key=lambda k: self._data[k].last_failed_at)[:self.LIMIT // 2]:
                    del self._data[stale]
                self._index = {name: alive for name, keys in self._index.items()
                               if (alive := {k for k in keys if k in self._data})}
            return new

    def clear(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._data.pop(key, None)

    def clear_index(self, index: str) -> int:
        with self._lock:
            keys = self._index.pop(index, set())
            found = sum(1 for key in keys if self._data.pop(key, None) is not None)
            return found

    def indexed(self, index: str) -> dict[str, Counter]:
        return {key: self._data[key] for key in self._index.get(index, ()) if key in self._data}


# KEYS[1] counter, KEYS[2] index; ARGV: now, free, window, base, cap
_FAIL = """
local now = tonumber(ARGV[1])
local free, window, base, cap = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local f = tonumber(redis.call('HGET', KEYS[1], 'f') or '0')
local u = tonumber(redis.call('HGET', KEYS[1], 'u') or '0')
local l = tonumber(redis.call('HGET', KEYS[1], 'l') or '0')
if f > 0 and now - math.max(u, l) >= window then f = 0; u = 0 end
f = f + 1
local wait = 0
if f >= free then wait = math.min(cap, base * 2 ^ math.min(f - free, 30)) end
if now + wait > u then u = now + wait end
redis.call('HSET', KEYS[1], 'f', f, 'u', tostring(u), 'l', tostring(now))
local ttl = math.ceil(u - now + window) + 60
redis.call('EXPIRE', KEYS[1], ttl)
if KEYS[2] ~= '' then
  redis.call('SADD', KEYS[2], KEYS[1])
  redis.call('EXPIRE', KEYS[2], math.max(ttl, redis.call('TTL', KEYS[2])))
end
return {f, tostring(u), tostring(now)}
"""


def _or_memory(method):
    """Run ``method`` on Redis, or on the worker's fallback memory while Redis is down."""
    @wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except self._errors as exc:
            log.error("login throttle: Redis unreachable (%s); counting in this worker", exc)
            return getattr(self._fallback, method.__name__)(*args, **kwargs)
    return guarded


class RedisStore:
    """Counters in Redis: every worker and server sees the same waits.

    While Redis cannot be reached, this worker counts in its own memory (logged): logins
    neither fail with an error nor go unthrottled.
    """

    def __init__(self, url: str, prefix: str = "eplanning:login"):
        import redis

        self._redis = redis.Redis.from_url(url, decode_responses=True, socket_timeout=2,
                                           socket_connect_timeout=2)
        self._prefix = prefix
        self._fail = self._redis.register_script(_FAIL)
        self._fallback = MemoryStore()
        self._errors = redis.exceptions.RedisError


    def _name(self, key: str) -> str:
        return f"{self._prefix}:{key}"

    @_or_memory
    def get(self, key: str) -> Counter:
        return _counter(self._redis.hmget(self._name(key), "f", "u", "l"))

    @_or_memory
    def fail(self, key: str, rule: Rule, now: float, index: str | None) -> Counter:
        keys = [self._name(key), self._name(f"index:{index}") if index else ""]
        f, u, last = self._fail(keys=keys, args=[repr(now), rule.free, rule.window, rule.base, rule.cap])
        return Counter(int(f), float(u), float(last))

    @_or_memory
    def clear(self, keys: list[str]) -> None:
        if keys:
            self._redis.delete(*[self._name(k) for k in keys])

    @_or_memory
    def clear_index(self, index: str) -> int:
        members = self._redis.smembers(self._name(f"index:{index}"))
        found = self._redis.delete(*members) if members else 0
        self._redis.delete(self._name(f"index:{index}"))
        return found

    @_or_memory
    def indexed(self, index: str) -> dict[str, Counter]:
        members = sorted(self._redis.smembers(self._name(f"index:{index}")))
        start = len(self._prefix) + 1
        out = {}
        for name in members:
            counter = _counter(self._redis.hmget(name, "f", "u", "l"))
            if counter.failures:
                out[name[start:]] = counter
        return out


def _counter(values) -> Counter:
    f, u, last = values
    if not f:
        return Counter()
    return Counter(int(f), float(u or 0), float(last or 0))


def store_for(uri: str | None, prefix: str = "eplanning:login"):
    """Redis for redis:// and rediss:// URIs (and unix sockets), else memory."""
    if uri and uri.split(":", 1)[0] in ("redis", "rediss", "unix"):
        return RedisStore(uri, prefix)
    return MemoryStore()


def now() -> float:
    return time.time()
