"""GDAL's own OGC API client (the OAPIF driver of ``ogrinfo``/``ogr2ogr``) against a live
server (#16): ``-where`` pushed to the server as a CQL2 filter, ``-spat`` as ``bbox``,
paging with a small page, and a collection read in EPSG:4490 (CGCS2000).

GDAL 3.6 (Debian 12) finds the filter language and the queryables in the API definition
the landing page links (``/ogc/api``, paths relative to ``/ogc``); it has no Part 2
support of its own, so the CRS is asked for with the query of the dataset's URL, which
GDAL sends with every request."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.api.test_ogc_coverage import load
from tests.helpers.live import start_server, stop_server

pytestmark = pytest.mark.skipif(
    shutil.which("ogrinfo") is None, reason="GDAL command-line tools not installed"
)
EPSG4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"


@pytest.fixture
def server(db, database_url) -> Iterator[str]:
    load(db)
    base, proc = start_server(database_url, YIZHAN_NOW="2025-06-01T12:00:00+08:00")
    try:
        yield base
    finally:
        stop_server(proc)


def _ogrinfo(*args: str) -> tuple[str, list[str]]:
    """ogrinfo's output and the URLs it fetched (from GDAL's debug log)."""
    run = subprocess.run(
        ["ogrinfo", "-ro", "--debug", "on", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"CPL_DEBUG": "ON", "PATH": "/usr/bin:/bin", "GDAL_HTTP_TIMEOUT": "60"},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    urls = re.findall(r"HTTP: Fetch\((\S+)\)\s*$", run.stderr, re.MULTILINE)
    assert urls, run.stderr[-3000:]
    return run.stdout, urls


def _names(out: str, field: str = "name") -> list[str]:
    return re.findall(rf"^\s+{field} \(String\) = (.*)$", out, re.MULTILINE)


def _item_queries(urls: list[str]) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(u).query) for u in urls if "/items" in u]


def test_gdal_pushes_where_to_the_server_as_cql2(server) -> None:
    out, urls = _ogrinfo(
        "-al",
        f"OAPIF:{server}/ogc",
        "stations",
        "-where",
        "district = '福田' AND kind <> 'love_station'",
    )
    assert _names(out) == ["华强母婴室"]
    filtered = [q for q in _item_queries(urls) if "filter" in q]
    assert filtered, urls
    cql = unquote(filtered[-1]["filter"][0])
    assert "district = '福田'" in cql and "kind <> 'love_station'" in cql
    assert filtered[-1]["filter-lang"] == ["cql-text"]


def test_gdal_spatial_filter_and_small_pages(server) -> None:
    out, urls = _ogrinfo(
        "-al",
        "-oo",
        "PAGE_SIZE=1",
        f"OAPIF:{server}/ogc",
        "stations",
        "-spat",
        "114.0",
        "22.5",
        "114.1",
        "22.6",
    )
    assert sorted(_names(out)) == ["华强母婴室", "莲花驿站"]
    pages = [q for q in _item_queries(urls) if "bbox" in q]
    assert len(pages) >= 2 and all(q["limit"] == ["1"] for q in pages)  # followed next links
    assert any(q.get("offset") == ["1"] for q in pages)


@pytest.mark.parametrize(
    ("layer", "where", "names"),
    [
        ("stations", "name LIKE '%驿站'", ["莲花驿站"]),
        ("districts", "is_key = 1", ["福田"]),
        ("main_streets", "length_m > 2000", ["深南大道"]),
        ("coverage_gaps", "kind = 'worker_bookshop'", ["红荔路"]),
        ("street_coverage", "role = 'street_covered'", ["深南大道"]),
    ],
)
def test_gdal_reads_every_collection_with_a_cql2_filter_in_epsg_4490(
    server, layer, where, names
) -> None:
    dataset = f"OAPIF:{server}/ogc/collections/{layer}?crs={EPSG4490}"
    out, urls = _ogrinfo("-al", dataset, "-where", where)
    assert _names(out, "street" if layer.startswith(("coverage", "street")) else "name") == names
    items = [q for q in _item_queries(urls) if "filter" in q]
    assert items and all(q["crs"] == [EPSG4490] for q in items)
    if layer == "stations":  # CGCS2000 is latitude first: GDAL 3.6 prints what it got
        assert "POINT (22.54 114.05)" in out
