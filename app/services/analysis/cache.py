"""Analyses computed once per engagement revision and reused by every page, fragment, export and report.

A result is stored under (engagement, its creation time, its revision, scenario, what) — `what` being the
graph (which holds the snapshot), the findings under given rule settings, a freshness table or a criteria
report. Every write bumps the revision (`revision.py`), so a key names one state of the model and a result
under it never goes stale; a session with uncommitted writes to the engagement bypasses the cache.

Two levels:

- in this process: the last `size` scenarios (LRU; each scenario's results of its latest revision only, so an
  older revision's are dropped as soon as a newer one is stored);
- shared across workers when `ANALYSIS_CACHE_URL` (or `REDIS_URL`) names a Redis server: pickled results with
  a time to live (`ANALYSIS_CACHE_TTL`), read when this process misses. Needs the `redis` package.

`configure()` is called by `create_app` from the configuration; `ANALYSIS_CACHE_SIZE=0` turns caching off.
"""

from __future__ import annotations

import copyreg
import pickle  # nosec B403 - only our own results, written by our own workers, are unpickled
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from sqlalchemy.orm import Session

from app.services.analysis import revision

MISSING = object()



def read_only(mapping: dict) -> MappingProxyType:
    """A read-only view of a dict (how an unpickled read-only mapping is rebuilt)."""
    return MappingProxyType(mapping)


# The graph's results hold read-only mappings (a finding's metrics); pickle them as the dicts they wrap.
copyreg.pickle(MappingProxyType, lambda proxy: (read_only, (dict(proxy),)))


class SharedStore(Protocol):
    """What the shared level needs of a Redis client (redis.Redis fits)."""

    def get(self, name: str) -> bytes | None:
        """The bytes stored under a key, or None."""

    def set(self, name: str, value: bytes, ex: int | None = None) -> Any:
        """Store bytes under a key for `ex` seconds."""


@dataclass
class Stats:
    """How the cache answered since it was configured (for the bench and the tests)."""

    hits: int = 0
    shared_hits: int = 0
    misses: int = 0
    bypassed: int = 0


class LocalCache:
    """The last `size` scenarios' results of their latest revision, least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._groups: OrderedDict[tuple, tuple[int, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, group: tuple, rev: int, what: Hashable) -> Any:
        """The result stored for this revision, or MISSING."""
        with self._lock:
            found = self._groups.get(group)
            if found is None or found[0] != rev:
                return MISSING
            self._groups.move_to_end(group)
            return found[1].get(what, MISSING)

    def put(self, group: tuple, rev: int, what: Hashable, value: Any) -> None:
        """Keep a result; a newer revision of the scenario replaces every result of older ones."""
        with self._lock:
            found = self._groups.get(group)
            if found is not None and found[0] > rev:
                return  # a reader that started before a write finished late: keep the newer results
            if found is None or found[0] != rev:
                found = (rev, {})
                self._groups[group] = found
            found[1][what] = value
            self._groups.move_to_end(group)
            while len(self._groups) > self.size:
                self._groups.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._groups.clear()


@dataclass
class _Config:
    local: LocalCache = field(default_factory=lambda: LocalCache(16))
    shared: SharedStore | None = None
    ttl: int = 3600
    stats: Stats = field(default_factory=Stats)


_config = _Config()


def configure(size: int = 16, url: str = "", ttl: int = 3600, store: SharedStore | None = None) -> None:
    """Set the cache up: `size` scenarios in this process, and a Redis URL (or a store) to share results."""
    if store is None and url:
        try:
            import redis  # optional: only a team server that shares results across workers needs it
        except ImportError as exc:
            raise RuntimeError("ANALYSIS_CACHE_URL is set but the redis package is not installed "
                               "(pip install redis).") from exc
        store = redis.Redis.from_url(url)
    _config.local = LocalCache(max(size, 0))
    _config.shared = store if size > 0 else None
    _config.ttl = ttl
    _config.stats = Stats()


def stats() -> Stats:
    """The counts since the cache was last configured or cleared."""
    return _config.stats


def clear() -> None:
    """Forget this process's results and counts (the shared store expires on its own)."""
    _config.local.clear()
    _config.stats = Stats()


@dataclass
class Slot:
    """One scenario at one engagement revision, as read by one session: results are fetched or computed here."""

    session: Session
    engagement_id: int
    scenario_id: int
    rev: int
    created: str

    def get(self, what: tuple, compute: Callable[[], Any]) -> Any:
        """The cached result for `what`, computed (and stored) on a miss."""
        if revision.pending(self.session, self.engagement_id):
            _config.stats.bypassed += 1  # this session wrote since the slot was taken: its view is its own
            return compute()
        group = (self.engagement_id, self.created, self.scenario_id)
        value = _config.local.get(group, self.rev, what)
        if value is not MISSING:
            _config.stats.hits += 1
            return value
        key = _shared_key(group, self.rev, what)
        if _config.shared is not None:
            raw = _config.shared.get(key)
            if raw is not None:
                value = pickle.loads(raw)  # noqa: S301  # nosec B301 - written by our workers under our own key
                _config.local.put(group, self.rev, what, value)
                _config.stats.shared_hits += 1
                return value
        _config.stats.misses += 1
        value = compute()
        _config.local.put(group, self.rev, what, value)
        if _config.shared is not None:
            _config.shared.set(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), ex=_config.ttl)
        return value


def slot(session: Session, engagement_id: int, scenario_id: int) -> Slot | None:
    """Where a scenario's results are kept at the engagement's committed revision; None when nothing may be
    cached (caching off, or this session has uncommitted writes to the engagement)."""
    if _config.local.size <= 0:
        return None
    current = revision.current(session, engagement_id)
    if current is None:
        _config.stats.bypassed += 1
        return None
    return Slot(session, engagement_id, scenario_id, *current)


def _shared_key(group: tuple, rev: int, what: tuple) -> str:
    engagement_id, created, scenario_id = group
    return f"throughline:analysis:{engagement_id}:{created}:{rev}:{scenario_id}:{what!r}"
