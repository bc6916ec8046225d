"""Imports: read a file, validate it, and store it in one transaction, audited.

Streets and districts here; stations in :mod:`geo.stations.imports`.

Each import either stores everything it accepted or nothing (a failure rolls the whole
transaction back), and returns an :class:`ImportReport` for the CLI and API to show.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.db import network as network_db
from geo.db.connection import connect, set_actor
from geo.errors import InvalidInput
from geo.io.districts import read_districts
from geo.io.streets import NodedStreets, build_walk_network, read_streets
from geo.network.walk import WalkNetwork
from geo.settings import get_settings
from geo.spreadsheet import cell_text
from geo.stations import sql as stations_sql
from geo.stations.reach import network_health

Progress = Callable[[int, int], None]
#: Told how a station import goes: the phase (``reading``, ``checking`` possible
#: duplicates, ``writing``), the rows done in it, and its total when known.
ImportProgress = Callable[[str, int, int | None], None]
#: The columns of a downloadable problem list.
PROBLEM_COLUMNS = ("row", "field", "code", "reason_zh", "reason_en", "values")
#: What a street import reports of the segments written twice in its file.
DOUBLED_COUNTS = ("doubled_segments_merged", "doubled_m_merged")
#: What a street import reports of the crossings of GIS lines it noded (present only when
#: it noded them) and of the roads nobody walks on.
STREET_COUNTS = (
    "crossings_noded",
    "crossings_kept_apart",
    "crossings_at_shared_vertices",
    "not_walkable_roads",
    "not_walkable_km",
    "not_walkable_by_reason",
    "not_walkable_main_streets",
    "not_walkable_main_km",
)


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    what: str
    file: str
    counts: dict[str, Any] = field(default_factory=dict)
    problems: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Station imports: rows with possible duplicates already stored nearby (reported,
    #: still imported): ``{"row", "name", "candidates": [...]}``.
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    #: Station imports: rows whose ``district`` column names another district than the
    #: one their position lies in (reported, still imported with the position's):
    #: ``{"row", "name", "file_district", "district"}``.
    district_mismatches: list[dict[str, Any]] = field(default_factory=list)
    #: Station imports: the declared datum judged against the walk network
    #: (:class:`geo.stations.datum.DatumCheck` as a dict), None for other imports.
    datum: dict[str, Any] | None = None
    #: Station dry runs: the first rows that would be imported, in file order, with
    #: their WGS-84 position (None for an address-only row): ``{"row", "name", "kind",
    #: "lon", "lat"}``; bounded by the caller (``preview_rows``), empty otherwise.
    preview: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False

    def problem_codes(self) -> dict[str, int]:
        """How many problems of each code (``no_coordinates``: 3 …), most frequent first."""
        codes = Counter(getattr(p, "code", "invalid_field") for p in self.problems)
        return dict(codes.most_common())


def problem_record(problem: Any) -> tuple[Any, ...]:
    """A row problem as the values of :data:`PROBLEM_COLUMNS` (``values`` as JSON text)."""
    values = json.dumps(problem.values, ensure_ascii=False) if problem.values else ""
    return (
        problem.row,
        problem.field or "",
        problem.code,
        problem.reason_zh,
        problem.reason_en,
        values,
    )


def problems_csv(records: Iterable[Sequence[Any]]) -> str:
    """Problem records (:data:`PROBLEM_COLUMNS`) as CSV text with a BOM, so Excel and WPS
    read it as UTF-8; every field goes through the spreadsheet sanitiser, since reasons and
    values quote the file."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PROBLEM_COLUMNS)
    for record in records:
        writer.writerow([cell_text(v) for v in record])
    return out.getvalue()


def import_streets(
    path: str | Path,
    *,
    main_classes: Sequence[str] | None = None,
    main_names: Sequence[str] = (),
    layer: str | None = None,
    node: bool | None = None,
    actor: str = "cli",
    url: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Replace the city's streets and walk network with those in ``path``."""
    started = time.perf_counter()
    coverage = get_settings().coverage
    classes = tuple(main_classes or coverage.main_street_classes)
    read = read_streets(
        path,
        main_classes=classes,
        main_names=tuple(main_names),
        layer=layer,
        node=node,
        unwalkable_names=coverage.unwalkable_name_pattern,
        progress=progress,
    )
    net = build_walk_network(read.streets)
    report = ImportReport("streets", str(path), notes=list(read.notes))
    with connect(url) as conn, conn.transaction():
        set_actor(conn, actor)
        stored = network_db.replace_streets(
            conn, read.streets, net.nodes, net.edges, source=Path(path).name
        )
        report.counts = {
            **stored,
            **_street_figures(read.streets),
            **{k: read.counts[k] for k in DOUBLED_COUNTS},
            **{k: read.counts[k] for k in STREET_COUNTS if k in read.counts},
        }
        small = _judge_network(conn, net, report)
        network_db.log_import(
            conn,
            "streets",
            str(path),
            actor,
            {**report.counts, "small_piece_stations": small},
            {
                "main_classes": list(classes),
                "main_names": list(main_names),
                "node": node,
                "unwalkable_name_pattern": coverage.unwalkable_name_pattern,
            },
        )
    report.seconds = time.perf_counter() - started
    return report


def _judge_network(conn: Any, net: NodedStreets, report: ImportReport) -> list[dict[str, Any]]:
    """The new network's pieces and the public stations on small ones, into the report
    (counts, and a note per station); returns those stations."""
    if len(net.edges) == 0:
        return []
    edges = net.edges
    walk_net = WalkNetwork.from_edges(
        {
            "source": edges["source"].to_numpy(),
            "target": edges["target"].to_numpy(),
            "length_m": edges["length_m"].to_numpy(dtype=float),
            "street_id": edges["street_index"].to_numpy() + 1,
            "geom": edges.geometry.to_numpy(),
        },
        version="import",
    )
    health = network_health(conn, get_settings().lookup, walk_net)
    assert health is not None
    small: list[dict[str, Any]] = health["stations_on_small_pieces"]
    report.counts.update(
        network_pieces=health["pieces"],
        largest_piece_share=health["largest_piece_share"],
        stations_on_small_pieces=len(small),
    )
    if health["pieces"] > 1:
        report.notes.append(
            f"walk network in {health['pieces']} pieces; the largest holds "
            f"{health['largest_piece_share']:.1%} of its length"
        )
    for s in small:
        report.notes.append(
            f"站点 #{s['id']} {s['name']} 位于仅 {s['piece_m']:.0f} 米的路网孤块上 / station "
            f"#{s['id']} stands on a walk network piece of only {s['piece_m']:.0f} m "
            f"(< {health['small_piece_m']:.0f} m)"
        )
    return small


def _street_figures(streets: Any) -> dict[str, Any]:
    main = streets["is_main"].astype(bool)
    return {
        "main_streets": int(main.sum()),
        "main_street_km": round(float(streets.loc[main, "length_m"].sum()) / 1000.0, 3),
        "walkable_streets": int(streets["walkable"].astype(bool).sum()),
    }


def import_districts(
    path: str | Path,
    *,
    name_field: str,
    code_field: str | None = None,
    key: Sequence[str] | None = None,
    all_key: bool = False,
    layer: str | None = None,
    actor: str = "cli",
    url: str | None = None,
) -> ImportReport:
    """Insert or update districts by name, marking the key districts (重点区域), and give
    every station inside them the district its position lies in (the count
    ``stations_reassigned``)."""
    if key and all_key:
        raise InvalidInput(
            "--key 与 --all-key 只能选一个", "give either --key or --all-key, not both"
        )
    started = time.perf_counter()
    read = read_districts(path, name_field=name_field, code_field=code_field, layer=layer)
    report = ImportReport("districts", str(path), notes=list(read.notes))
    with connect(url) as conn, conn.transaction():
        set_actor(conn, actor)
        report.counts = network_db.upsert_districts(
            conn,
            read.districts,
            key_names=list(key or []),
            all_key=all_key,
            source=Path(path).name,
        )
        # Stations take their district from their position, so new borders move them.
        report.counts["stations_reassigned"] = stations_sql.assign_districts(conn)
        network_db.log_import(
            conn,
            "districts",
            str(path),
            actor,
            report.counts,
            {"name_field": name_field, "key": list(key or []), "all_key": all_key},
        )
    report.seconds = time.perf_counter() - started
    return report
