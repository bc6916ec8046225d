"""Hashed asset URLs: a page links ``/static/yizhan/map.js`` as
``/static/yizhan/map.<hash>.js``, the hash taken from the file's contents, so a browser
may keep it for a year (``immutable``) and a new version is a new URL.

The folders served under ``/static`` are listed here once (``MOUNTS``); ``api/static.py``
serves them, resolving a hashed name back to its file. Pages keep plain URLs in their
templates; :func:`hash_urls` rewrites them as a page is rendered, so a page added later
gets hashed URLs too. ``YIZHAN_HASHED_ASSETS=false`` keeps the plain URLs (the
benchmark's "before").
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path

import xstatic.pkg.leaflet

from geo.settings import get_settings

#: Hex digits of a content hash in an asset's name.
HASH_LEN = 10


def mounts() -> dict[str, Path]:
    """The URL prefix and folder of each set of static files: Leaflet (xstatic-leaflet),
    the API docs' Swagger UI and ReDoc (fastapi-offline) and our own (maps/static)."""
    docs = resources.files("fastapi_offline").joinpath("static")
    return {
        "/static/leaflet": Path(xstatic.pkg.leaflet.BASE_DIR),
        "/static/docs": Path(str(docs)),
        "/static/yizhan": Path(__file__).parent / "static",
    }


_MOUNTS = mounts()
_HASHED_NAME = re.compile(
    rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LEN}}})(?P<ext>\.[A-Za-z0-9]+)$"
)
_URL_IN_ATTR = re.compile(
    r'(?P<lead>\b(?:src|href)=")(?P<root>[^"]*?)'
    r'(?P<prefix>/static/(?:leaflet|docs|yizhan))/(?P<name>[^"?#]+)"'
)
#: path -> ((mtime_ns, size), hash): a file is read again only when it changed.
_hashes: dict[Path, tuple[tuple[int, int], str]] = {}


def file_hash(path: Path) -> str:
    """The first ``HASH_LEN`` hex digits of the SHA-256 of the file's contents."""
    stat = path.stat()
    key = (stat.st_mtime_ns, stat.st_size)
    known = _hashes.get(path)
    if known is not None and known[0] == key:
        return known[1]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LEN]
    _hashes[path] = (key, digest)
    return digest


def _file(folder: Path, name: str) -> Path | None:
    """The file ``name`` inside ``folder``, or None (also for names leaving it)."""
    path = (folder / name).resolve()
    if not path.is_file() or not path.is_relative_to(folder.resolve()):
        return None
    return path


def hashed_name(folder: Path, name: str) -> str | None:
    """``map.js`` as ``map.<hash>.js`` for the file of that name in ``folder``; None for
    a name without an extension or a file that does not exist."""
    path = _file(folder, name)
    stem, dot, ext = name.rpartition(".")
    if path is None or not dot or "/" in ext or not stem or stem.endswith("/"):
        return None
    return f"{stem}.{file_hash(path)}.{ext}"


def resolve_hashed(folder: Path, name: str) -> tuple[str, bool] | None:
    """For a requested ``map.<hash>.js``: the file's own name and whether the hash is
    its current one; None when the name has no hash (or no such file exists)."""
    match = _HASHED_NAME.match(name)
    if match is None:
        return None
    plain = match["stem"] + match["ext"]
    path = _file(folder, plain)
    if path is None:
        return None
    return plain, file_hash(path) == match["hash"]


def enabled() -> bool:
    """Whether pages link hashed URLs (``YIZHAN_HASHED_ASSETS``)."""
    return get_settings().serving.hashed_assets


def asset_url(url: str) -> str:
    """The hashed form of a ``/static/…`` URL of a file we serve (unchanged otherwise,
    and when hashing is off)."""
    for prefix, folder in _MOUNTS.items():
        if url.startswith(prefix + "/") and enabled():
            name = hashed_name(folder, url[len(prefix) + 1 :])
            return f"{prefix}/{name}" if name else url
    return url


def hash_urls(html: str) -> str:
    """A rendered page with each ``src``/``href`` of our static files hashed."""
    if not enabled():
        return html

    def one(m: re.Match[str]) -> str:
        name = hashed_name(_MOUNTS[m["prefix"]], m["name"])
        return f'{m["lead"]}{m["root"]}{m["prefix"]}/{name or m["name"]}"'

    return _URL_IN_ATTR.sub(one, html)


def page_assets(html: str) -> list[str]:
    """The static URLs a rendered page links (as written, hashed or not), in order."""
    urls = [f"{m['root']}{m['prefix']}/{m['name']}" for m in _URL_IN_ATTR.finditer(html)]
    return list(dict.fromkeys(urls))
