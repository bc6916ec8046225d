"""QR posters (issue 15): ``yizhan stations posters`` and the console's download. The QR
code holds the station page's address (no decoder is installed: the symbol is read back
from the image module by module and compared with segno's for that address), the PDF has
one A4 page per public station, and no poster is made without a public address."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import segno
from fastapi.testclient import TestClient
from PIL import Image

from tests.helpers.browser import ARTIFACTS
from tests.helpers.cli import yizhan
from tests.operations.test_checkins import add_station

BASE = "https://yizhan.example.org"


def read_qr(image: Image.Image) -> list[list[bool]]:
    """The QR symbol drawn in ``image``, module by module: only its modules are pure
    black (text is drawn in other colours), the top-left finder pattern is 7 modules wide."""
    rgb = image.convert("RGB")
    black = Image.eval(rgb.convert("L"), lambda v: 255 if v == 0 else 0)
    left, top, right, bottom = black.getbbox()
    x = left
    while rgb.getpixel((x, top)) == (0, 0, 0):
        x += 1
    module = (x - left) / 7
    side = round((right - left) / module)
    assert side == round((bottom - top) / module)
    return [
        [
            rgb.getpixel((int(left + (c + 0.5) * module), int(top + (r + 0.5) * module)))
            == (0, 0, 0)
            for c in range(side)
        ]
        for r in range(side)
    ]


def pdf_pages(data: bytes) -> list[bytes]:
    """The MediaBox of each page of a PDF Pillow wrote (uncompressed objects), checked
    against the page tree's count."""
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    xref = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    assert data[xref:].startswith(b"xref")
    entries = re.findall(rb"(\d{10}) 00000 n ", data[xref:])
    for number, offset in enumerate(entries, start=1):  # each offset is its object's
        assert data[int(offset) :].startswith(f"{number} 0 obj".encode())
    boxes = re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)
    counts = re.findall(rb"/Type\s*/Pages\s*/Count\s+(\d+)", data)
    assert [int(c) for c in counts] == [len(boxes)]
    return boxes


def test_posters_of_a_kind_one_pdf_page_and_png_each_qr_to_the_station_page(
    db, database_url, tmp_path
):
    one = add_station(db, "一号爱心驿站")
    two = add_station(db, "二号爱心驿站")
    add_station(db, "草稿驿站", review_state="pending_review")
    db.execute(
        "INSERT INTO stations (kind, name, geom) VALUES ('mother_baby_room', '母婴室',"
        " ST_SetSRID(ST_MakePoint(114.06, 22.54), 4326))"
    )
    run = yizhan(
        "stations",
        "posters",
        "--kind",
        "love_station",
        "--out",
        str(tmp_path),
        "--base-url",
        BASE + "/",
        url=database_url,
    )
    assert run.returncode == 0, run.stderr
    assert "2" in run.stdout
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [f"poster-{one}.png", f"poster-{two}.png", "posters-love_station.pdf"]
    pages = pdf_pages((tmp_path / "posters-love_station.pdf").read_bytes())
    assert len(pages) == 2
    w, h = (float(v) for v in pages[0].split()[2:4])
    assert abs(w - 595.3) < 2 and abs(h - 841.9) < 2  # A4 in points
    for sid in (one, two):
        image = Image.open(tmp_path / f"poster-{sid}.png")
        assert image.size == (1240, 1754)  # A4 at 150 dpi
        url = f"{BASE}/s/{sid}"
        expected = segno.make(url, error="m", boost_error=False).matrix
        assert read_qr(image) == [[bool(b) for b in row] for row in expected]
        other = segno.make(f"{BASE}/s/{sid + 100}", error="m", boost_error=False).matrix
        assert read_qr(image) != [[bool(b) for b in row] for row in other]
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(tmp_path / f"poster-{one}.png", ARTIFACTS / "poster-sample.png")


def test_one_station_a5_pdf_only(db, database_url, tmp_path):
    sid = add_station(db)
    run = yizhan(
        "stations",
        "posters",
        "--station",
        str(sid),
        "--format",
        "pdf",
        "--size",
        "a5",
        "--out",
        str(tmp_path),
        url=database_url,
        env={"YIZHAN_PUBLIC_URL": BASE},
    )
    assert run.returncode == 0, run.stderr
    assert [p.name for p in tmp_path.iterdir()] == [f"poster-{sid}.pdf"]
    pages = pdf_pages((tmp_path / f"poster-{sid}.pdf").read_bytes())
    w, h = (float(v) for v in pages[0].split()[2:4])
    assert len(pages) == 1 and abs(w - 419.5) < 2 and abs(h - 595.3) < 2  # A5


@pytest.mark.parametrize(
    ("base", "said"),
    [(None, "YIZHAN_PUBLIC_URL"), ("http://localhost:8000", "本机"), ("ftp://x.org", "无效")],
)
def test_no_poster_without_a_public_address(db, database_url, tmp_path, base, said):
    add_station(db)
    args = ["stations", "posters", "--kind", "love_station", "--out", str(tmp_path / "out")]
    if base:
        args += ["--base-url", base]
    run = yizhan(*args, url=database_url, env={"YIZHAN_PUBLIC_URL": ""})
    assert run.returncode == 2
    assert said in run.stderr
    assert not (tmp_path / "out").exists()


def test_the_console_downloads_a_stations_poster(db, database_url, staff, monkeypatch):
    from api.app import create_app
    from geo.settings import get_settings

    sid = add_station(db)
    draft = add_station(db, "草稿", review_state="pending_review")
    monkeypatch.setenv("YIZHAN_PUBLIC_URL", BASE)
    get_settings.cache_clear()
    try:
        with TestClient(create_app(database_url)) as c:
            pdf = c.get(f"/api/v1/staff/stations/{sid}/poster.pdf", headers=staff)
            png = c.get(f"/api/v1/staff/stations/{sid}/poster.png?size=a5", headers=staff)
            missing = c.get(f"/api/v1/staff/stations/{draft}/poster.pdf", headers=staff)
            anonymous = c.get(f"/api/v1/staff/stations/{sid}/poster.pdf")
    finally:
        get_settings.cache_clear()
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert len(pdf_pages(pdf.content)) == 1
    assert f'filename="poster-{sid}.pdf"' in pdf.headers["content-disposition"]
    assert png.headers["content-type"] == "image/png"
    import io

    image = Image.open(io.BytesIO(png.content))
    expected = segno.make(f"{BASE}/s/{sid}", error="m", boost_error=False).matrix
    assert read_qr(image) == [[bool(b) for b in row] for row in expected]
    assert missing.status_code == 404 and anonymous.status_code == 401


def test_the_console_says_to_set_the_public_address(client, db, staff, monkeypatch):
    sid = add_station(db)
    r = client.get(f"/api/v1/staff/stations/{sid}/poster.pdf", headers=staff)
    assert r.status_code == 422
    assert "YIZHAN_PUBLIC_URL" in r.json()["message"]


@pytest.mark.browser
def test_the_station_page_offers_the_poster_and_it_downloads(browser, database_url, db, staff):
    from tests.helpers.console import sign_in, watched_page
    from tests.helpers.live import running_server

    sid = add_station(db)
    draft = add_station(db, "草稿驿站", review_state="pending_review")
    with running_server(database_url, YIZHAN_PUBLIC_URL=BASE) as base:
        w = watched_page(
            browser, base, viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        page = w.page
        sign_in(page, base, "wang.field")
        page.goto(f"{base}/console/stations/{sid}")
        page.wait_for_selector("#poster-links:not([hidden])")
        assert (
            page.get_attribute("#poster-pdf", "href") == f"/api/v1/staff/stations/{sid}/poster.pdf"
        )
        page.focus("#poster-pdf")
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        assert download.value.suggested_filename == f"poster-{sid}.pdf"
        assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"
        page.goto(f"{base}/console/stations/{draft}")
        page.wait_for_selector("#station-id:not(:empty)")
        assert page.locator("#poster-links").is_hidden()
        assert w.errors == [] and w.outside == []
