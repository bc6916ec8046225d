"""The walk network's arrays on disk, once per network version, shared by every worker.

Each uvicorn worker is a separate process (uvicorn spawns them: nothing loaded before
the start is inherited), and each used to build its own copy of the network. Now the
first worker to need a version writes its arrays (:func:`write`) into a folder named by
the database and the version under the cache folder (``YIZHAN_CACHE_DIR``, by default
``cache/`` under the Yizhan home); every worker then opens them read-only with
``np.load(mmap_mode="r")`` (:func:`read`), so their pages sit once in the page cache.

A folder is written under a temporary name and renamed into place, so a reader never
sees half of one; :func:`read` still checks every array against the sizes and CRC-32
sums in ``meta.json`` and answers None for anything missing, short or altered (the
caller builds the arrays again and :func:`write` replaces the folder). Writing a version
removes the folders of the same database's older versions (a worker still reading one
keeps its open mappings).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import uuid
import zlib
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

# Bumped whenever the arrays written change meaning: old folders are then not read.
FORMAT = 1

Arrays = dict[str, NDArray[Any]]


def folder(root: Path, key: str, version: str) -> Path:
    """The cache folder of one database (``key``) at one network version."""
    return root / f"{_prefix(key)}{re.sub(r'[^0-9A-Za-z_.-]', '_', version)}-f{FORMAT}"


def _prefix(key: str) -> str:
    return f"walk-{hashlib.sha1(key.encode()).hexdigest()[:16]}-"


def write(path: Path, arrays: Arrays, meta: dict[str, Any]) -> None:
    """Write ``arrays`` and ``meta`` as the folder ``path``, atomically; a valid folder
    already there (a concurrent writer's) is kept, an invalid one replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    tmp.mkdir()
    try:
        info = {}
        for name, array in arrays.items():
            a = np.ascontiguousarray(array)
            np.save(tmp / f"{name}.npy", a, allow_pickle=False)
            info[name] = {"dtype": a.dtype.str, "shape": list(a.shape), "crc32": _crc(a)}
        body = json.dumps({"format": FORMAT, "meta": meta, "arrays": info})
        (tmp / "meta.json").write_text(body)
        _publish(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for old in path.parent.glob(f"walk-{path.name.split('-')[1]}-*"):
        if old.name != path.name:
            shutil.rmtree(old, ignore_errors=True)


def _publish(tmp: Path, path: Path) -> None:
    """Rename ``tmp`` to ``path``; if ``path`` exists and does not read back, move it
    aside first (one rename each: a reader sees the old folder, none, or the new)."""
    try:
        os.rename(tmp, path)
        return
    except OSError:
        if read(path) is not None:
            return  # a concurrent writer won: keep its folder
    aside = path.parent / f".{path.name}.{uuid.uuid4().hex}.old"
    with contextlib.suppress(OSError):
        os.rename(path, aside)
    with contextlib.suppress(OSError):  # another writer replaced it: readers check it
        os.rename(tmp, path)
    shutil.rmtree(aside, ignore_errors=True)


def read(path: Path) -> tuple[Arrays, dict[str, Any]] | None:
    """The arrays (memory-mapped, read-only) and meta of a cache folder, or None when it
    is missing, of another format, or any array is short or differs from its sum."""
    try:
        doc = json.loads((path / "meta.json").read_text())
        if doc.get("format") != FORMAT:
            return None
        arrays: Arrays = {}
        for name, info in doc["arrays"].items():
            mode: Literal["r"] | None = "r" if int(np.prod(info["shape"])) else None  # none for 0 B
            a = np.load(path / f"{name}.npy", mmap_mode=mode, allow_pickle=False)
            if a.dtype.str != info["dtype"] or list(a.shape) != info["shape"]:
                return None
            if _crc(a) != info["crc32"]:
                return None
            arrays[name] = a
        return arrays, dict(doc["meta"])
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None


def _crc(a: NDArray[Any]) -> int:
    if a.size == 0:
        return 0
    return zlib.crc32(np.ascontiguousarray(a).data)
