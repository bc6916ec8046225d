"""Import files for the limit and job tests (and the import benchmark): station lists,
XLSX bombs built as streams, zips that lie, and an app with other import settings."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import psycopg
import pytest
from fastapi.testclient import TestClient

SHEET = "xl/worksheets/sheet1.xml"
# A data row of the bombs: a name and a position in Futian, Shenzhen (WGS-84).
BOMB_ROW = (
    '<row><c t="inlineStr"><is><t>驿站</t></is></c><c><v>114.055</v></c><c><v>22.541</v></c></row>'
).encode()
BOMB_HEADER = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>lng</t></is></c>'
    b'<c r="C1" t="inlineStr"><is><t>lat</t></is></c></row>'
)


def csv_rows(n: int, *, start: int = 0, bad: bool = False) -> bytes:
    """A CSV of ``n`` stations in Futian (ids from ``start``); with ``bad`` every row
    lacks its latitude (a problem row: an address-only row would be kept as an unlocated
    draft) and carries a formula in its address."""
    lines = ["name,address,lng,lat,id"]
    for i in range(start, start + n):
        lon, lat = 114.03 + (i % 100) * 0.0003, 22.53 + (i // 100 % 100) * 0.0003
        if bad:
            lines.append(f'驿站{i},=HYPERLINK("http://evil.example"),{lon:.6f},,B{i}')
        else:
            lines.append(f"驿站{i},福田区{i}号,{lon:.6f},{lat:.6f},S{i}")
    return ("\n".join(lines) + "\n").encode()


def workbook(rows: list[list[object]]) -> bytes:
    """An ordinary XLSX (openpyxl) with ``rows`` on its first sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_bomb(path: Path, rows: int, *, sheet_xml: bytes | None = None, extra: int = 0) -> Path:
    """An XLSX whose first sheet has a header and ``rows`` identical station rows,
    streamed into the zip (3 million rows: 0.95 MB expanding to 279 MB of XML), or
    ``sheet_xml`` as the sheet; ``extra`` empty members are added to the zip."""
    template = zipfile.ZipFile(io.BytesIO(workbook([["x"]])))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in template.infolist():
            data = template.read(info)
            if info.filename != SHEET:
                out.writestr(info.filename, data)
                continue
            head = data[: data.index(b"<sheetData>")] + b"<sheetData>"
            with out.open(SHEET, "w") as sheet:
                sheet.write(head)
                if sheet_xml is not None:
                    sheet.write(sheet_xml)
                else:
                    sheet.write(BOMB_HEADER)
                    block = BOMB_ROW * 1000
                    for _ in range(rows // 1000):
                        sheet.write(block)
                    sheet.write(BOMB_ROW * (rows % 1000))
                sheet.write(b"</sheetData></worksheet>")
        for i in range(extra):
            out.writestr(f"extra/{i}", b"")
    return path


def declare_size(path: Path, member: str, size: int) -> None:
    """Make ``member`` of the zip at ``path`` declare ``size`` uncompressed bytes (in its
    local header and the central directory), whatever it really expands to."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    with zipfile.ZipFile(path) as z:
        local = z.getinfo(member).header_offset
    struct.pack_into("<I", data, local + 22, size)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + length]) == name:
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


@contextmanager
def app_with(database_url: str, **env: object) -> Iterator[TestClient]:
    """A client of an app built with more ``YIZHAN_*`` settings (cleared afterwards),
    without the rate limit unless ``env`` sets it (jobs are polled)."""
    from api.app import create_app
    from geo.settings import get_settings

    env = {"YIZHAN_RATE_LIMIT_PER_MINUTE": 0, **env}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, str(value))
        get_settings.cache_clear()
        try:
            with TestClient(create_app(database_url)) as client:
                yield client
        finally:
            get_settings.cache_clear()
    get_settings.cache_clear()


def upload(
    client: TestClient,
    headers: dict[str, str],
    content: bytes,
    name: str = "stations.csv",
    *,
    run_async: bool = False,
    **form: object,
):
    """POST a station file to /api/v1/imports (love stations, WGS-84 unless ``form``)."""
    data = {"kind": "love_station", "crs": "wgs84", **{k: str(v).lower() for k, v in form.items()}}
    return client.post(
        "/api/v1/imports" + ("?async=true" if run_async else ""),
        files={"file": (name, content, "application/octet-stream")},
        data=data,
        headers=headers,
    )


def wait_for_job(client: TestClient, headers: dict[str, str], url: str, *, until=None) -> dict:
    """Poll a job until ``until(job)`` holds (default: it finished); returns the job."""
    until = until or (lambda job: job["state"] in ("succeeded", "failed"))
    for _ in range(2000):
        r = client.get(url, headers=headers)
        if r.status_code == 429:  # polled too often for the app's rate limit
            time.sleep(float(r.headers["Retry-After"]))
            continue
        assert r.status_code == 200, r.text
        job = r.json()
        if until(job):
            return job
        time.sleep(0.02)
    raise AssertionError(f"the job never got there: {job}")


@contextmanager
def import_log_locked(database_url: str) -> Iterator[psycopg.Connection]:
    """Hold the import log locked: an import then waits inside its transaction, after
    writing its stations and before it can commit."""
    with psycopg.connect(database_url) as conn:
        conn.execute("LOCK TABLE import_log IN ACCESS EXCLUSIVE MODE")
        yield conn
        conn.rollback()
