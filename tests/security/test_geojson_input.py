"""Hostile GeoJSON: deep nesting, wrong feature shapes and huge numbers give clear errors.

Each file must be refused with a 422 (API) or exit status 2 (CLI) naming the feature and
the problem, never a 500 or a traceback, and nothing may be stored.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import yizhan

DEEP = 100_000


def _deep() -> str:
    return "[" * DEEP + "]" * DEEP


def _point(name: str = "驿站", lon: str = "114.05", lat: str = "22.54") -> str:
    return (
        '{"type":"Feature","properties":{"name":' + json.dumps(name, ensure_ascii=False) + "},"
        '"geometry":{"type":"Point","coordinates":[' + lon + "," + lat + "]}}"
    )


def _collection(*features: str) -> str:
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


# name → (file text, words the error must contain); the bad feature is always the 2nd
STATION_FILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "deep_coordinates": (
        _collection(
            _point(),
            '{"type":"Feature","properties":{"name":"x"},'
            '"geometry":{"type":"Point","coordinates":' + _deep() + "}}",
        ),
        ("feature 2", "nested"),
    ),
    "deep_property": (
        _collection(_point(), '{"type":"Feature","properties":{"name":' + _deep() + "}}"),
        ("feature 2", "nested"),
    ),
    "number_feature": (_collection(_point(), "5"), ("feature 2", "not an object")),
    "string_feature": (_collection(_point(), '"驿站"'), ("feature 2", "not an object")),
    "list_feature": (_collection(_point(), "[1, 2]"), ("feature 2", "not an object")),
    "list_properties": (
        _collection(_point(), '{"type":"Feature","properties":[1,2],"geometry":null}'),
        ("feature 2", "properties"),
    ),
    "string_properties": (
        _collection(_point(), '{"type":"Feature","properties":"name","geometry":null}'),
        ("feature 2", "properties"),
    ),
    "huge_number_coordinate": (
        _collection(_point(), _point(lon="1" * 5000)),
        ("feature 2", "digits"),
    ),
    "huge_number_property": (
        _collection(
            _point(), '{"type":"Feature","properties":{"name":"x","id":' + "9" * 5000 + "}}"
        ),
        ("feature 2", "digits"),
    ),
}

VECTOR_FILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "number_feature": (_collection(_point(), "5"), ("feature 2", "not an object")),
    "list_properties": (
        _collection(_point(), '{"type":"Feature","properties":[1,2],"geometry":null}'),
        ("feature 2", "properties"),
    ),
    "huge_number_property": (
        _collection(
            _point(), '{"type":"Feature","properties":{"name":"x","id":' + "9" * 5000 + "}}"
        ),
        ("feature 2", "digits"),
    ),
    "deep_coordinates": (
        _collection(
            _point(),
            '{"type":"Feature","properties":{"name":"x"},'
            '"geometry":{"type":"Point","coordinates":' + _deep() + "}}",
        ),
        ("feature 2", "nested"),
    ),
}


def _count(db, table: str) -> int:
    return db.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]


def _check_cli(out, words: tuple[str, ...]) -> None:
    assert out.returncode == 2, (out.returncode, out.stdout[-2000:], out.stderr[-2000:])
    assert "Traceback" not in out.stderr
    assert "错误" in out.stderr
    for word in words:
        assert word in out.stderr, out.stderr[-2000:]
    assert len(out.stderr) < 5000  # a 5000-digit number is not echoed back


@pytest.mark.parametrize("case", list(STATION_FILES))
def test_hostile_geojson_station_file_is_refused_by_the_cli(
    case: str, tmp_path: Path, db, database_url
) -> None:
    text, words = STATION_FILES[case]
    path = tmp_path / "stations.geojson"
    path.write_text(text, encoding="utf-8")
    out = yizhan(
        "import", "stations", str(path), "--kind", "love_station", "--crs", "wgs84",
        url=database_url,
    )  # fmt: skip
    _check_cli(out, words)
    assert _count(db, "stations") == 0


@pytest.mark.parametrize("case", list(STATION_FILES))
def test_hostile_geojson_station_upload_gives_422(case: str, client, staff, db) -> None:
    text, words = STATION_FILES[case]
    r = client.post(
        "/api/v1/imports",
        files={"file": ("stations.geojson", text.encode(), "application/geo+json")},
        data={"kind": "love_station", "crs": "wgs84"},
        headers=staff,
    )
    assert r.status_code == 422, r.text[:2000]
    body = r.json()
    for word in words:
        assert word in body["message_en"], body
    assert len(r.text) < 5000
    assert _count(db, "stations") == 0


@pytest.mark.parametrize("case", list(VECTOR_FILES))
@pytest.mark.parametrize("what", ["streets", "districts"])
def test_hostile_geojson_streets_and_districts_are_refused_by_the_cli(
    what: str, case: str, tmp_path: Path, db, database_url
) -> None:
    text, words = VECTOR_FILES[case]
    path = tmp_path / f"{what}.geojson"
    path.write_text(text, encoding="utf-8")
    extra = ("--name-field", "name") if what == "districts" else ()
    out = yizhan("import", what, str(path), *extra, url=database_url)
    _check_cli(out, words)
    assert _count(db, what) == 0
