"""Whether a station file fits the streets in the datum it declares (#12 item 9).

No CSV or GeoJSON file records whether its numbers are WGS-84, GCJ-02 or BD-09, and a
GCJ-02 file declared ``wgs84`` lands 300–600 m off, in the wrong block. Stations stand
next to streets, so the datum a file is really in is the one under which its points lie
closest to the stored walk network. :func:`check_datum` snaps the file's points, read in
each of the three datums, onto the network and compares the median and mean distances.

The rule (settings group ``stations``):

- only rows inside the network's convex hull in the declared datum, and within
  ``datum_check_near_m`` (2000 m) of it in every datum, are compared, and at least
  ``datum_check_min_rows`` (6) of them, else the check is skipped and the report says
  so. A list that also holds stations beyond the loaded streets is judged by the ones
  among them: the others come closer to the streets in any datum that moves them
  towards the network (with half of a correct list 0.3–1.5 km east of the Futian
  streets, every such list looked like GCJ-02 before this rule);
- the file is taken to be in another datum when, under the declared one, the median
  distance is at least ``datum_check_min_m`` (20 m) and the best other datum's median is
  at most 1/``datum_check_ratio`` (1/2) of it, or the same holds for the mean distance,
  and both the median and the mean are smaller in that datum.

Why these figures: over the real Futian network (footways included, a path every few
tens of metres) stations placed 5–25 m beside named streets lie a median 5–12 m from
it in their own datum and only 20–30 m read in the wrong one (a network of main roads
gives hundreds of metres); the mean separates them better, as a wrong datum leaves a
tail of points far from any path. Over 200 random files each, 5–60 m beside named
streets (``python -m bench.datum_check``, ``bench/results/datum_check.md``), the rule
stops 48–66 % of 8-row and 69–92 % of 20-row GCJ-02 files declared ``wgs84`` (most
6-row ones are skipped: too few rows stay inside this small network), against 9–22 % for
the median with 1/3 and 50 m first proposed, and stopped none of the correct files, nor
of correct lists with half their stations beyond the streets. In so dense a network a
wrong datum can still pass unnoticed; in a sparser or larger one it rarely can.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import shapely

from geo.crs import CRS_NAMES, from_wgs84, to_wgs84
from geo.errors import DatumMismatch
from geo.network.walk import WalkNetwork
from geo.settings import StationSettings

Outcome = Literal["fits", "mismatch", "skipped"]


@dataclass
class DatumCheck:
    """What the check found: ``outcome`` (``fits``, ``mismatch`` or ``skipped``, with its
    ``reason``), the median and mean snap distance under each datum, the rows compared
    and, on a mismatch, the datum the file is likely in. ``forced`` when the import went
    on regardless."""

    declared: str
    outcome: Outcome
    reason: str = ""
    medians_m: dict[str, float] = field(default_factory=dict)
    means_m: dict[str, float] = field(default_factory=dict)
    rows_compared: int = 0
    likely: str | None = None
    forced: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for the report."""
        return asdict(self)

    def _medians(self) -> str:
        return "median/mean " + ", ".join(
            f"{c} {m:.0f}/{self.means_m.get(c, m):.0f} m" for c, m in self.medians_m.items()
        )

    def message(self) -> tuple[str, str]:
        """The finding in Chinese and English (one line each)."""
        if self.outcome == "skipped":
            return (f"未检查坐标系：{_SKIP_ZH[self.reason]}", f"datum not checked: {self.reason}")
        if self.outcome == "fits":
            return (
                f"坐标系 {self.declared} 与路网吻合（{self.rows_compared} 个点到路网的距离 "
                f"{self._medians()}）",
                f"the declared datum {self.declared} fits the streets (distance of "
                f"{self.rows_compared} points to the walk network, {self._medians()})",
            )
        likely, declared = str(self.likely), self.declared
        zh = (
            f"文件坐标似乎不是声明的 {declared}，而是 {likely}：按 {likely} 读取时点到路网的"
            f"距离中位数 {self.medians_m[likely]:.0f} 米、平均 {self.means_m[likely]:.0f} 米，"
            f"按 {declared} 为 {self.medians_m[declared]:.0f} 米、{self.means_m[declared]:.0f} 米"
            f"（{self.rows_compared} 个点；{self._medians()}）"
        )
        en = (
            f"the file's coordinates look like {likely}, not the declared {declared}: read "
            f"as {likely} its points lie a median {self.medians_m[likely]:.0f} m (mean "
            f"{self.means_m[likely]:.0f} m) from the walk network, as {declared} "
            f"{self.medians_m[declared]:.0f} m (mean {self.means_m[declared]:.0f} m) "
            f"({self.rows_compared} points; {self._medians()})"
        )
        return zh, en

    def note(self, *, dry_run: bool = False) -> str:
        """One line for the report's notes."""
        zh, en = self.message()
        if self.outcome == "mismatch" and self.forced:
            zh += "；已按 --force 以声明的坐标系导入"
            en += "; imported in the declared datum because of --force"
        elif self.outcome == "mismatch" and dry_run:
            zh += f"；正式导入将停止，除非改用 --crs {self.likely} 或加 --force"
            en += f"; the import itself would stop unless --crs {self.likely} or --force"
        return f"{zh} / {en}"

    def error(self) -> DatumMismatch:
        """The error that stops an import on a mismatch (nothing is stored)."""
        zh, en = self.message()
        return DatumMismatch(
            f"{zh}。请用 --crs {self.likely} 重新导入；确认坐标无误时加 --force"
            "（接口：force=true）。未写入任何数据",
            f"{en}. Import again with --crs {self.likely}, or add --force (API: force=true) "
            "if the declared datum is right. Nothing was stored.",
            details=self.as_dict(),
        )


_SKIP_ZH = {
    "no streets loaded": "尚未导入街道",
    "too few rows near the streets": "靠近已导入街道的点太少",
}


def check_datum(
    net: WalkNetwork | None,
    lon: Sequence[float],
    lat: Sequence[float],
    declared: str,
    settings: StationSettings,
) -> DatumCheck:
    """Judge whether stored WGS-84 positions, converted from ``declared``, fit the walk
    network better read in another datum.

    Parameters
    ----------
    net : WalkNetwork or None
        The stored walk network; None (no streets) skips the check.
    lon, lat : sequence of float
        The rows' positions in WGS-84 as converted from ``declared``.
    declared : str
        The datum the file was declared in (``wgs84``, ``gcj02``, ``bd09``).
    settings : StationSettings
        ``datum_check_near_m``, ``datum_check_min_rows``, ``datum_check_min_m`` and
        ``datum_check_ratio`` (see the module).

    Returns
    -------
    DatumCheck
    """
    if net is None:
        return DatumCheck(declared, "skipped", "no streets loaded")
    given = from_wgs84(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), declared)
    hull = shapely.convex_hull(shapely.GeometryCollection(list(net.edge_geom)))
    offsets, near = {}, np.ones(len(given[0]), dtype=bool)
    for c in CRS_NAMES:
        x, y = net.to_metric.transform(*to_wgs84(*given, c))
        points = shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        offsets[c] = net.snap_points(points).offset
        near &= offsets[c] <= settings.datum_check_near_m
        if c == declared:
            near &= shapely.contains_xy(hull, x, y)
    n = int(near.sum())
    if n < settings.datum_check_min_rows:
        return DatumCheck(declared, "skipped", "too few rows near the streets", rows_compared=n)
    medians = {c: round(float(np.median(o[near])), 1) for c, o in offsets.items()}
    means = {c: round(float(np.mean(o[near])), 1) for c, o in offsets.items()}
    likely = _better(medians, declared, settings) or _better(means, declared, settings)
    if likely and (medians[likely] >= medians[declared] or means[likely] >= means[declared]):
        likely = None  # the median and the mean must both prefer it
    return DatumCheck(
        declared,
        "mismatch" if likely else "fits",
        medians_m=medians,
        means_m=means,
        rows_compared=n,
        likely=likely,
    )


def _better(distances: dict[str, float], declared: str, settings: StationSettings) -> str | None:
    """The datum whose distance (median or mean) is at most 1/ratio of the declared one's,
    when that reaches ``datum_check_min_m``; else None."""
    best = min(distances, key=lambda c: distances[c])
    if (
        best != declared
        and distances[declared] >= settings.datum_check_min_m
        and distances[best] * settings.datum_check_ratio <= distances[declared]
    ):
        return best
    return None
