"""The basemap's vector tiles: which tiles exist, and a small in-process cache of them.

A tile is keyed by the database, the basemap's data version (:func:`geo.db.tiles.version`:
it changes in the same transaction as any change to streets, districts or stations) and
the city's today (a station's public days come and go with the date). A changed version
or day is a new key, so a stale tile is never served; old keys age out of the bounded
LRU.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import psycopg

from geo import clock
from geo.db import tiles as tiles_db
from geo.errors import InvalidInput, NotFound

#: The zooms served: a city from above (10) to a single street corner (18).
MIN_ZOOM, MAX_ZOOM = 10, 18
#: Tiles kept per process (a city at zooms 12-16 is a few thousand tiles; most are small).
CACHE_TILES = 4096


@dataclass(frozen=True)
class Tile:
    """One vector tile: its bytes (``b""`` when empty) and an ETag naming its data."""

    data: bytes
    etag: str


def check(z: int, x: int, y: int) -> None:
    """Raise :class:`InvalidInput` for a zoom outside ``MIN_ZOOM..MAX_ZOOM`` and
    :class:`NotFound` for a column or row outside the zoom's grid (no such tile)."""
    if not MIN_ZOOM <= z <= MAX_ZOOM:
        raise InvalidInput(
            f"缩放级别 {z} 不在 {MIN_ZOOM}–{MAX_ZOOM} 之间",
            f"zoom {z} is outside {MIN_ZOOM}–{MAX_ZOOM}",
            details={"z": z, "min_zoom": MIN_ZOOM, "max_zoom": MAX_ZOOM},
        )
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        raise NotFound(
            f"瓦片 {z}/{x}/{y} 不存在：x、y 须在 0–{n - 1} 之间",
            f"there is no tile {z}/{x}/{y}: x and y must be within 0–{n - 1}",
            details={"z": z, "x": x, "y": y},
        )


class TileCache:
    """A bounded, thread-safe LRU of tiles by (database, version, day, z, x, y)."""

    def __init__(self, size: int = CACHE_TILES) -> None:
        self.size = size
        self._tiles: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[Any, ...]) -> bytes | None:
        """The tile under ``key`` (now the most recently used), or None."""
        with self._lock:
            data = self._tiles.get(key)
            if data is None:
                self.misses += 1
                return None
            self._tiles.move_to_end(key)
            self.hits += 1
            return data

    def put(self, key: tuple[Any, ...], data: bytes) -> None:
        """Keep ``data`` under ``key``, dropping the least recently used past ``size``."""
        with self._lock:
            self._tiles[key] = data
            self._tiles.move_to_end(key)
            while len(self._tiles) > self.size:
                self._tiles.popitem(last=False)

    def clear(self) -> None:
        """Forget every tile and the counts."""
        with self._lock:
            self._tiles.clear()
            self.hits = self.misses = 0


#: The process's tile cache.
cache = TileCache()


def _database(conn: psycopg.Connection[Any]) -> str:
    info = conn.info
    return f"{info.host}:{info.port}/{info.dbname}"


def etag_for(version: str, today: Any, z: int, x: int, y: int) -> str:
    """The ETag of a tile: a digest of the data version, the day and the tile."""
    digest = hashlib.sha256(f"{version}|{today}|{z}/{x}/{y}".encode()).hexdigest()[:20]
    return f'"{digest}"'


def current_etag(conn: psycopg.Connection[Any], z: int, x: int, y: int) -> str:
    """The ETag the tile (z, x, y) has now (one primary-key read; no tile is built), so a
    client's copy can be confirmed with a 304."""
    check(z, x, y)
    return etag_for(tiles_db.version(conn), clock.today(), z, x, y)


def get(
    conn: psycopg.Connection[Any], z: int, x: int, y: int, use_cache: TileCache | None = None
) -> Tile:
    """The vector tile (z, x, y) of the connected database, from the cache when its data
    version and day are current, else built by PostGIS and kept."""
    check(z, x, y)
    store = cache if use_cache is None else use_cache
    version, today = tiles_db.version(conn), clock.today()
    key = (_database(conn), version, today, z, x, y)
    data = store.get(key)
    if data is None:
        data = tiles_db.tile(conn, z, x, y, today)
        store.put(key, data)
    return Tile(data, etag_for(version, today, z, x, y))
