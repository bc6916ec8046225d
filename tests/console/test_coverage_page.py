"""The Coverage page and its report on the server: planners land on it, other roles get
the 403 page, its default date is the city's today, and the report link serves the
offline report of ``yizhan report coverage`` (HTML under a policy that lets only its own
scripts run, or the XLSX workbook); the console's home lists the role's pages."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import re
from html import escape

import pytest
from openpyxl import load_workbook

from geo import clock
from geo.db import targets as targets_db
from maps.assets import asset_url
from maps.console import DESCRIPTIONS, pages_for
from tests.helpers.cities import MAIN_STREET, add_station, load_district, load_streets
from tests.helpers.paths import ROOT

AS_OF = "2026-11-24"


@pytest.fixture
def city(db):
    """主街 (3 km) in the key district 示范区: 甲 opens 2026-08-10, 乙 2026-10-05; a
    main-street target for love stations."""
    load_streets(db, MAIN_STREET)
    load_district(db, "示范区", (0, 0, 1000, 1000))
    add_station(db, 200, 30, name="甲", opened_on=dt.date(2026, 8, 10))
    add_station(db, 2800, 0, name="乙", opened_on=dt.date(2026, 10, 5))
    with db.transaction():
        targets_db.upsert(
            db,
            [
                {
                    "kind": "love_station",
                    "metric": "main_street_coverage",
                    "value": 0.95,
                    "deadline": dt.date(2026, 12, 31),
                }
            ],
        )
    return db


def test_planners_land_on_the_coverage_page_after_signing_in(signed_in) -> None:
    client = signed_in("zhao.plan", "planner")
    r = client.get("/console/login", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/console/coverage")
    page = client.get("/console/coverage")
    assert page.status_code == 200
    assert 'href="/console/coverage" aria-current="page"' in page.text
    assert asset_url("/static/yizhan/console-coverage.js") in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    assert "<script>" not in page.text
    for text in ("覆盖率", "尚未计算", "not computed", "最新报告", 'href="/console/targets"'):
        assert text in page.text


def test_the_coverage_page_and_report_refuse_field_staff_and_reviewers(signed_in) -> None:
    for name, role in (("wang.field", "field_staff"), ("li.review", "reviewer")):
        client = signed_in(name, role)
        for path in ("/console/coverage", f"/console/coverage/report?as_of={AS_OF}"):
            r = client.get(path, follow_redirects=False)
            assert r.status_code == 403, path
            assert "无权访问" in r.text and "The Coverage page is for these roles" in r.text
    client.cookies.clear()
    r = client.get("/console/coverage/report", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/console/login")


def test_the_coverage_page_defaults_to_today_in_the_city(signed_in) -> None:
    client = signed_in("chen.admin", "admin")
    # 23:30 UTC on the 23rd is already the 24th in Beijing.
    with clock.frozen("2026-11-23T23:30:00+00:00"):
        page = client.get("/console/coverage").text
    assert '"today": "2026-11-24"' in page


def test_the_report_link_serves_the_offline_report_with_its_own_policy(city, signed_in) -> None:
    client = signed_in("zhao.plan", "planner")
    r = client.get(f"/console/coverage/report?as_of={AS_OF}&kind=love_station")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["Cache-Control"] == "no-store"
    assert f"截至 {AS_OF}" in r.text and "主街" in r.text
    csp = r.headers["Content-Security-Policy"]
    assert "connect-src 'none'" in csp and "default-src 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    scripts = re.findall(r"<script>(.*?)</script>", r.text, re.DOTALL)
    assert len(scripts) == 2  # Leaflet and the map's script; the map data does not run
    for js in scripts:
        digest = base64.b64encode(hashlib.sha256(js.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "http" not in csp  # nothing from any other site


def test_the_report_link_downloads_the_workbook(city, signed_in) -> None:
    client = signed_in("zhao.plan", "planner")
    r = client.get(f"/console/coverage/report?as_of={AS_OF}&format=xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert f'filename="coverage-love_station-{AS_OF}.xlsx"' in r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content))
    assert "目标进度" in book.sheetnames and "街道" in book.sheetnames


def test_the_report_link_refuses_bad_input_in_chinese_and_english(signed_in) -> None:
    client = signed_in("zhao.plan", "planner")
    for query in ("as_of=2026-13-01", "as_of=0226-11-24", "kind=tea_house", "format=pdf"):
        r = client.get(f"/console/coverage/report?{query}")
        assert r.status_code == 422, query
        body = r.json()
        assert body["message"] and body["message_en"], query


def test_the_console_home_lists_the_pages_of_each_role(signed_in) -> None:
    for role in ("field_staff", "reviewer", "planner", "admin"):
        client = signed_in(f"user.{role}", role)
        r = client.get("/console", follow_redirects=False)
        assert r.status_code == 200, role
        home = r.text.split('id="home-pages"')[1]
        pages = pages_for(role)
        for p in pages:
            assert f'href="{p.path}"' in home
            assert all(escape(text) in home for text in DESCRIPTIONS[p.key])
        assert home.count("<li>") == len(pages)
    planner_home = signed_in("zhao.plan", "planner").get("/console").text
    assert "/console/review" not in planner_home and "/console/users" not in planner_home


def test_the_staff_page_knows_the_console_pages_of_each_role(client) -> None:
    page = client.get("/staff").text
    config = page.split('id="staff-config" type="application/json">')[1].split("</script>")[0]
    assert '"console"' in config
    assert '"/console/mine"' in config and '"/console/coverage"' in config


def test_the_coverage_script_never_assigns_html() -> None:
    js = (ROOT / "maps" / "static" / "console-coverage.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in js
