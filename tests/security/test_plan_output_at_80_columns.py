"""#12 item 14: ``yizhan plan`` reads on an 80-column terminal: whole coordinates, never
cut to ``121.…``, and a shortened list says how many it leaves out, in Chinese and English."""

from __future__ import annotations

import re

from rich.cells import cell_len

from tests.helpers.cities import MAIN_STREET, load_streets, lonlat
from tests.helpers.cli import yizhan

AS_OF = "2026-11-24"
COORD = re.compile(r"(?<![\d.])-?\d{1,3}\.\d{6}(?![\d.])")


def _plan_80(database_url: str, *args: str) -> str:
    r = yizhan("plan", "--as-of", AS_OF, *args, url=database_url, env={"COLUMNS": "80"})
    assert r.returncode == 0, r.stderr
    assert max(cell_len(line) for line in r.stdout.splitlines()) <= 80
    assert "…" not in r.stdout.replace("… 另有", "")
    return r.stdout


def test_plan_on_the_demo_city_at_80_columns_shows_every_coordinate_whole(db, database_url) -> None:
    assert yizhan("demo", "load", url=database_url).returncode == 0
    out = _plan_80(database_url, "--full", "--solver", "greedy")
    sites = int(re.search(r"需新建 (\d+) 座", out).group(1))
    assert sites > 5
    assert len(COORD.findall(out)) == 2 * sites  # a longitude and a latitude per site


def test_long_lists_at_80_columns_say_how_many_they_leave_out(db, database_url, tmp_path) -> None:
    load_streets(db, MAIN_STREET)
    rows = ["name,lng,lat"]
    for x in range(0, 3001, 500):
        lon, lat = lonlat(x, 0.0)
        rows.append(f"爱心驿站候选点（第{x}米处的环卫工人休息室）,{lon!r},{lat!r}")
    rows += [f"地址不详{i}号,," for i in range(12)]
    path = tmp_path / "cand.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = _plan_80(database_url, "--full", "--distance", "500", "--candidates", str(path))
    whole = COORD.findall(out)
    assert len(whole) == 2 * 3 and any(c.startswith("114.") for c in whole), out
    assert "candidate rows not used: 12" in out
    assert "… 另有 2 行未列出（共 12）/ and 2 more rows (of 12) not listed" in out
    # a long candidate name is folded onto more lines, whole, not cut
    assert out.count("爱心驿站候选点（") == 3 and out.count("工人休息室）") == 3
