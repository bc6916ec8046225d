"""CSV files in the wrong encoding are refused instead of imported as garbage.

Big5 (Taiwan/Hong Kong) and Shift-JIS (Japan) files decode "successfully" as GB18030 into
nonsense names; the importer must say the encoding looks wrong and how to pass
``--encoding``. With ``--encoding`` given, the file is decoded strictly with it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import yizhan

HEADER = "name,address,lon,lat,id"
BIG5_ROWS = [
    "臺北信義愛心驛站,信義路五段7號,114.0550,22.5410,T1",
    "香蜜湖驛站,福田區香蜜湖路,114.0800,22.5600,T2",
]
SJIS_ROWS = [
    "東京駅前休憩所,千代田区丸の内一丁目,114.0550,22.5410,J1",
    "新宿ステーション休憩室,新宿区西新宿二丁目,114.0800,22.5600,J2",
]
SAMPLES = {"big5": BIG5_ROWS, "shift_jis": SJIS_ROWS}


def _csv(encoding: str) -> bytes:
    return ("\n".join([HEADER, *SAMPLES[encoding]]) + "\n").encode(encoding)


def _names(db) -> set[str]:
    return {r["name"] for r in db.execute("SELECT name FROM stations").fetchall()}


def _cli(path: Path, url: str, *more: str):
    return yizhan(
        "import", "stations", str(path), "--kind", "love_station", "--crs", "wgs84", *more,
        url=url,
    )  # fmt: skip


@pytest.mark.parametrize("encoding", list(SAMPLES))
def test_cli_refuses_a_csv_in_an_unexpected_encoding(
    encoding: str, tmp_path: Path, db, database_url
) -> None:
    path = tmp_path / "stations.csv"
    path.write_bytes(_csv(encoding))
    out = _cli(path, database_url)
    assert out.returncode == 2, (out.stdout[-2000:], out.stderr[-2000:])
    assert "Traceback" not in out.stderr
    assert "stations.csv" in out.stderr and "--encoding" in out.stderr
    assert _names(db) == set()


@pytest.mark.parametrize("encoding", list(SAMPLES))
def test_cli_imports_the_csv_with_the_encoding_given(
    encoding: str, tmp_path: Path, db, database_url
) -> None:
    path = tmp_path / "stations.csv"
    path.write_bytes(_csv(encoding))
    out = _cli(path, database_url, "--encoding", encoding)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-2000:])
    assert _names(db) == {row.split(",")[0] for row in SAMPLES[encoding]}


def test_cli_names_the_row_and_byte_of_a_bad_byte_with_the_encoding_given(
    tmp_path: Path, db, database_url
) -> None:
    data = _csv("big5")
    path = tmp_path / "stations.csv"
    path.write_bytes(data)
    out = _cli(path, database_url, "--encoding", "utf-8")
    assert out.returncode == 2, (out.stdout[-2000:], out.stderr[-2000:])
    assert "Traceback" not in out.stderr
    offset = len(HEADER) + 1  # the first byte of row 2 is not UTF-8
    assert "row 2" in out.stderr and f"byte {offset}" in out.stderr, out.stderr
    assert _names(db) == set()


def _upload(client, headers, content: bytes, **form):
    return client.post(
        "/api/v1/imports",
        files={"file": ("stations.csv", content, "text/csv")},
        data={"kind": "love_station", "crs": "wgs84", **form},
        headers=headers,
    )


@pytest.mark.parametrize("encoding", list(SAMPLES))
def test_api_refuses_a_csv_in_an_unexpected_encoding(encoding: str, client, staff, db) -> None:
    r = _upload(client, staff, _csv(encoding))
    assert r.status_code == 422, r.text
    assert "encoding" in r.json()["message_en"]
    assert _names(db) == set()


@pytest.mark.parametrize("encoding", list(SAMPLES))
def test_api_imports_the_csv_with_the_encoding_field(encoding: str, client, staff, db) -> None:
    r = _upload(client, staff, _csv(encoding), encoding=encoding)
    assert r.status_code == 200, r.text
    assert r.json()["counts"]["created"] == 2
    assert _names(db) == {row.split(",")[0] for row in SAMPLES[encoding]}


def test_api_refuses_an_unknown_encoding_name(client, staff, db) -> None:
    r = _upload(client, staff, _csv("big5"), encoding="klingon")
    assert r.status_code == 422, r.text
    assert _names(db) == set()
