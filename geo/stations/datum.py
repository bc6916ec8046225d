"""Whether a station file fits the streets in the datum it declares (#12 item 9).

No CSV or GeoJSON file records whether its numbers are WGS-84, GCJ-02 or BD-09, and a
GCJ-02 file declared ``wgs84`` lands 300–600 m off, in the wrong block. Stations stand
next to streets, so the datum a file is really in is the one under which its points lie
closest to the stored walk network. :func:`check_datum` snaps the file's points, read in
each of the three datums, onto the network and compares the median distances.

The rule (settings group ``stations``):

- only rows within ``datum_check_near_m`` (2000 m) of the network under some datum are
  compared (a list that also holds stations beyond the loaded streets is judged by the
  ones on them), and at least ``datum_check_min_rows`` (8) of them, else the check is
  skipped and the report says so;
- the file is taken to be in another datum when, under the declared one, the median is
  at least ``datum_check_min_m`` (20 m) and the best other datum's median is at most
  1/``datum_check_ratio`` (1/2) of it.

Why these figures: over the real Futian network (footways included, a path every few
tens of metres), 20 stations placed 5–25 m beside named streets have a median of about
5–12 m in their own datum and 25–30 m read in the wrong one; a network of main roads
only gives hundreds of metres. The ratio 1/3 with 50 m first proposed rarely fired there.
Over 200 random files each (8 or 20 rows, 5–25 m or 5–60 m beside named streets), the
rule stops 68–81 % of the GCJ-02 files declared ``wgs84`` and none of the correctly
declared ones; 1/3 with 50 m stopped 9–22 % of the wrong ones
(``python -m bench.datum_check``, ``bench/results/datum_check.md``). In so dense a
network any point is near some path, so a wrong datum can still pass unnoticed; in a
sparser one it cannot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from geo.crs import CRS_NAMES, from_wgs84, to_wgs84
from geo.errors import DatumMismatch
from geo.network.walk import WalkNetwork
from geo.settings import StationSettings

Outcome = Literal["fits", "mismatch", "skipped"]


@dataclass
class DatumCheck:
    """What the check found: ``outcome`` (``fits``, ``mismatch`` or ``skipped``), the
    median snap distance under each datum, the rows compared and, on a mismatch, the
    datum the file is likely in. ``forced`` when the import went on regardless."""

    declared: str
    outcome: Outcome
    reason: str = ""
    medians_m: dict[str, float] = field(default_factory=dict)
    rows_compared: int = 0
    likely: str | None = None
    forced: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for the report."""
        return asdict(self)

    def _medians(self) -> str:
        return ", ".join(f"{c} {m:.0f} m" for c, m in self.medians_m.items())

    def message(self) -> tuple[str, str]:
        """The finding in Chinese and English (one line each)."""
        if self.outcome == "skipped":
            return (f"未检查坐标系：{_SKIP_ZH[self.reason]}", f"datum not checked: {self.reason}")
        if self.outcome == "fits":
            return (
                f"坐标系 {self.declared} 与路网吻合（{self.rows_compared} 个点到路网的"
                f"中位距离：{self._medians()}）",
                f"the declared datum {self.declared} fits the streets (median distance of "
                f"{self.rows_compared} points to the walk network: {self._medians()})",
            )
        zh = (
            f"文件坐标似乎不是声明的 {self.declared}，而是 {self.likely}：按 {self.likely} 读取时"
            f"点到路网的中位距离为 {self.medians_m[str(self.likely)]:.0f} 米，按 {self.declared} "
            f"为 {self.medians_m[self.declared]:.0f} 米"
            f"（{self.rows_compared} 个点；{self._medians()}）"
        )
        en = (
            f"the file's coordinates look like {self.likely}, not the declared "
            f"{self.declared}: read as {self.likely} its points lie a median "
            f"{self.medians_m[str(self.likely)]:.0f} m from the walk network, as "
            f"{self.declared} {self.medians_m[self.declared]:.0f} m ({self.rows_compared} "
            f"points; {self._medians()})"
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
    offsets = {c: net.snap(*to_wgs84(*given, c)).offset for c in CRS_NAMES}
    near = np.min(np.vstack(list(offsets.values())), axis=0) <= settings.datum_check_near_m
    n = int(near.sum())
    if n < settings.datum_check_min_rows:
        return DatumCheck(declared, "skipped", "too few rows near the streets", rows_compared=n)
    medians = {c: round(float(np.median(o[near])), 1) for c, o in offsets.items()}
    best = min(medians, key=lambda c: medians[c])
    mismatch = (
        best != declared
        and medians[declared] >= settings.datum_check_min_m
        and medians[best] * settings.datum_check_ratio <= medians[declared]
    )
    return DatumCheck(
        declared,
        "mismatch" if mismatch else "fits",
        medians_m=medians,
        rows_compared=n,
        likely=best if mismatch else None,
    )
