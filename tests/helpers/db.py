"""The test database: emptying it, and loading the real Futian city into it."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

DATA_TABLES = (
    "station_audit",
    "station_revisions",
    "stations",
    "walk_edges",
    "walk_nodes",
    "streets",
    "district_edges",
    "district_parts",
    "districts",
    "targets",
    "target_audit",
    "import_log",
    "import_job_problems",
    "import_jobs",
    "coverage_geoms",
    "coverage_snapshots",
    "login_throttle",
    "auth_tokens",
    "user_audit",
    "users",
    "problem_reports",
    "station_problems",
    "inspection_photos",
    "station_inspections",
    "station_checkins",
    "station_usage",
    "photos",
    "operations_audit",
    "plan_jobs",
    "scenarios",
)


def with_db(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


def truncate_all(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                sql.SQL(", ").join(sql.Identifier(t) for t in DATA_TABLES)
            )
        )


def load_futian(shared_data: Path, database_url: str) -> tuple[Path, Any, Any]:
    """Empty the database, then import the real Futian streets and the Shenzhen districts
    (福田 as the key district). Returns the folder and the two import reports."""
    from geo.importers import import_districts, import_streets

    truncate_all(database_url)
    folder = shared_data / "shenzhen-futian"
    streets = import_streets(folder / "streets.geojson")
    districts = import_districts(folder / "districts.geojson", name_field="qh", key=["福田"])
    return folder, streets, districts


def add_futian_stations(  # noqa: PLR0913 - each test names what it varies
    conn: Any,
    *,
    seed: int = 5,
    n: int = 12,
    name: str = "福田测试驿站",
    source: str = "test-futian",
    opened_every_days: int = 40,
) -> None:
    """``n`` open, approved love stations at seeded random places over the Futian streets
    (station ``i`` opened 2025-01-01 plus ``i * opened_every_days`` days), the stations of
    the real-city tests, written in the connection's own transaction."""
    import datetime as dt

    import numpy as np

    from geo.stations import sql as stations_db

    rng = np.random.default_rng(seed)
    lon = rng.uniform(114.000, 114.037, n)
    lat = rng.uniform(22.520, 22.548, n)
    rows = [
        {
            "kind": "love_station",
            "name": f"{name}{i}",
            "status": "open",
            "review_state": "approved",
            "opened_on": dt.date(2025, 1, 1) + dt.timedelta(days=opened_every_days * i),
            "services": [],
            "is_demo": False,
            "source": source,
            "external_id": str(i),
            "lon": float(x),
            "lat": float(y),
        }
        for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]
    with conn.transaction():
        stations_db.upsert_many(conn, rows)
