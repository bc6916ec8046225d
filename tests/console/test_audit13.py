"""What a user's audit of the console (#13) on real data found, each fixed and kept
fixed: the browser's icon request logged a 404 on every page, raw codes and raw numbers
shown to users, a preview that said "kept" of rows it had not stored, a confirm button
that "imported" a file with nothing to import, a default target the Targets page does
not list, text run together, unplaceable drafts unmarked in the review queue."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from geo.crs import from_wgs84
from tests.console.test_import_page import SPOTS, _import_page, city  # noqa: F401
from tests.console.test_station_page import _patch, _published
from tests.console.test_unlocated_page import _unlocated_drafts
from tests.helpers.cities import lonlat
from tests.helpers.console import session_cookie, sign_in, watched_page
from tests.helpers.staff import PASSWORD, offset, station

#: A page's icon: Yizhan's (a hashed static URL) or, for the API docs, an empty one.
ICON = re.compile(
    r'<link rel="icon" href="(data:,|/static/yizhan/icons/icon-192\.[0-9a-f]{10}\.png)">'
)


def test_every_page_names_its_icon_so_the_browser_logs_no_404_for_favicon(
    client, make_user, database_url
) -> None:
    # Chromium asks for /favicon.ico on every page without an icon: a 404 logged as a
    # console error on each console page, /staff and /summary (the map page had one).
    assert client.get("/favicon.ico").status_code == 404
    pages = ["/console/login", "/staff", "/summary", "/"]
    for path in pages:
        r = client.get(path)
        assert r.status_code == 200, path
        assert ICON.search(r.text), path
    make_user("chen.admin", "admin")
    client.cookies.update(session_cookie(database_url, "chen.admin"))
    for path in ("/console", "/console/review", "/console/import", "/console/users"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert ICON.search(r.text), path


# ------------------------------------------------------------------ the Import page


def _mixed_csv(path: Path, *, located: bool = True) -> Path:
    """A list as real ones come: stations beside the grid's streets (GCJ-02), a row
    without its latitude, a row 1,300 km away (Zhengzhou), an address-only row."""
    lines = ["id,name,address,lng,lat"]
    if located:
        wgs = [lonlat(x, y) for x, y in SPOTS[:4]]
        lon, lat = from_wgs84([p[0] for p in wgs], [p[1] for p in wgs], "gcj02")
        lines += [
            f"s{i},{i}号驿站,测试路{i}号,{x:.6f},{y:.6f}"
            for i, (x, y) in enumerate(zip(lon, lat, strict=True))
        ]
    lines.append("n1,缺纬度驿站,测试路9号,114.05,")
    lines.append("z1,郑州驿站,郑州市中原区工人路23号,113.6253,34.7466")
    if located:
        lines.append("a1,只有地址驿站,测试路10号,,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.browser
def test_the_import_preview_names_fields_for_people_and_says_rows_would_be_kept(
    browser,
    live_server,
    city,  # noqa: F811 - the fixture
    reviewer,
    tmp_path,
) -> None:
    w = _import_page(browser, live_server)
    page = w.page
    page.set_input_files("#import-file", str(_mixed_csv(tmp_path / "list.csv")))
    page.select_option("#import-crs", "gcj02")
    page.click("#import-preview")
    page.wait_for_selector("#preview:not([hidden])")
    fields = page.locator("#preview-rows tbody tr td:nth-child(2)").all_text_contents()
    # Was the field's code: "lat" for the missing latitude, "lon" for the far row.
    assert "纬度 latitude" in fields and "位置 position" in fields, fields
    assert not {"lat", "lon", ""} & set(fields), fields
    notes = page.text_content("#preview-notes") or ""
    # A dry run stores nothing: it said "已保存为 … kept as".
    assert "导入后将保存为待定位草稿" in notes and "would be kept as unlocated drafts" in notes
    assert "已保存为" not in notes
    # Every marker's icon (41 px above its point) lies inside the map: the top one was
    # cut by the map's edge.
    page.wait_for_selector("#preview-map .leaflet-marker-icon")
    box = page.locator("#preview-map").bounding_box()
    icons = page.locator("#preview-map .leaflet-marker-icon")
    assert icons.count() == 4
    for i in range(icons.count()):
        b = icons.nth(i).bounding_box()
        assert b["y"] >= box["y"] and b["y"] + b["height"] <= box["y"] + box["height"], (b, box)
        assert b["x"] >= box["x"] and b["x"] + b["width"] <= box["x"] + box["width"], (b, box)
    assert page.is_enabled("#import-confirm")
    page.click("#import-confirm")
    page.wait_for_selector("#done:not([hidden])")
    done = page.text_content("#done-notes") or ""
    assert "已保存为待定位草稿" in done and "kept as unlocated drafts" in done
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_a_file_with_nothing_to_import_cannot_be_confirmed_and_says_why(
    browser,
    live_server,
    city,  # noqa: F811 - the fixture
    reviewer,
    db,
    tmp_path,
) -> None:
    # The real 都昌 and 肇庆 lists in a Futian service area: every row a problem, and
    # "confirm import" answered "导入完成 imported" with 0 created.
    w = _import_page(browser, live_server)
    page = w.page
    page.set_input_files("#import-file", str(_mixed_csv(tmp_path / "far.csv", located=False)))
    page.click("#import-preview")
    page.wait_for_selector("#preview:not([hidden])")
    assert page.text_content("#preview-counts-valid") == "0"
    assert page.is_disabled("#import-confirm")
    hint = page.text_content("#confirm-hint") or ""
    assert "没有可导入的行" in hint and "nothing to import" in hint
    # A changed option still asks for a new preview first.
    page.fill("#import-source", "另一来源")
    assert "重新预览" in (page.text_content("#confirm-hint") or "")
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == 0
    assert w.errors == [] and w.outside == []


# ------------------------------------------------------------------ My submissions


@pytest.mark.browser
def test_my_submissions_show_changes_in_words_not_codes_or_raw_numbers(
    browser, live_server, staff, reviewer
) -> None:
    base = live_server
    row = _published(base, reviewer, name="莲花山爱心驿站")
    lon, lat = offset(row["lon"], row["lat"], east_m=12.3, north_m=-7.7)
    moved = _patch(
        base, staff, row, {"lon": lon, "lat": lat, "services": ["drinking_water", "toilet"]}
    )
    assert moved.status_code == 202, moved.text
    closure = httpx.post(
        f"{base}/api/v1/stations/{row['id']}/status",
        json={"status": "temporarily_closed", "reason": "门口道路施工"},
        headers={**staff, "If-Match": f'W/"{row["version"]}"'},
    )
    assert closure.status_code in (200, 202), closure.text
    w = watched_page(browser, base, viewport={"width": 1280, "height": 900})
    sign_in(w.page, base, "wang.field")
    w.page.goto(f"{base}/console/mine")
    w.page.wait_for_selector("#revisions tbody tr td:nth-child(2)")
    text = w.page.text_content("#revisions") or ""
    # Was "纬度：22.541 → 22.54093036101484；服务项目：drinking_water、heating、… → …".
    assert f"经度：{row['lon']:.6f} → {lon:.6f}" in text, text
    assert f"纬度：{row['lat']:.6f} → {lat:.6f}" in text, text
    assert "服务项目：饮用水、取暖、休息座椅 → 饮用水、卫生间" in text, text
    assert "drinking_water" not in text and "toilet" not in text
    # The status change names what it changes, not the fields it leaves as they were.
    assert "状态：开放 → 暂停开放" in text, text
    assert "— → —" not in text, text
    assert w.errors == [] and w.outside == []


# ------------------------------------------------------------------ words, not codes


@pytest.mark.browser
def test_the_users_page_names_roles_in_english_words_not_codes(
    browser, live_server, admin, staff
) -> None:
    w = watched_page(browser, live_server, viewport={"width": 1280, "height": 900})
    sign_in(w.page, live_server, "chen.admin")
    w.page.goto(f"{live_server}/console/users")
    w.page.wait_for_selector("#users tbody tr[data-name='wang.field']")
    options = w.page.locator("#new-role option").all_text_contents()
    # Was "外勤人员 field_staff": the code beside the Chinese name.
    assert options == [
        "外勤人员 field staff",
        "审核人员 reviewer",
        "规划人员 planner",
        "管理员 admin",
    ]
    row = w.page.locator("#users tbody tr[data-name='wang.field'] select.role")
    assert row.locator("option:checked").text_content() == "外勤人员 field staff"
    assert "field_staff" not in (w.page.text_content("main") or "")
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_coverage_says_a_target_is_the_default_when_none_is_stored(
    browser, live_server, planner
) -> None:
    # Targets listed none while Coverage showed two targets without a word of where
    # they came from.
    w = watched_page(browser, live_server, viewport={"width": 1280, "height": 900})
    sign_in(w.page, live_server, "zhao.plan")
    w.page.wait_for_selector("#cov-targets tbody tr")
    rows = w.page.locator("#cov-targets tbody tr")
    assert rows.count() == 2
    for i in range(2):
        note = rows.nth(i).locator("td").first.locator(".note").text_content() or ""
        assert "默认目标" in note and "default" in note
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_the_field_forms_console_links_keep_a_space_between_chinese_and_english(
    browser, live_server, make_user
) -> None:
    # "站点Stations": the link's flex box dropped the space between its two parts.
    name = make_user("user.field", "field_staff")
    w = watched_page(browser, live_server, viewport={"width": 390, "height": 844})
    page = w.page
    page.goto(f"{live_server}/staff")
    page.fill("#login-username", name)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#console-links:not([hidden])")
    gaps = page.eval_on_selector_all(
        "#console-links a",
        """as => as.map(a => {
            const r = document.createRange();
            r.selectNodeContents(a.firstChild);
            return a.querySelector('small').getBoundingClientRect().left
                - r.getBoundingClientRect().right;
        })""",
    )
    assert gaps and min(gaps) >= 3, gaps
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_the_review_queue_marks_drafts_without_a_position(
    browser, live_server, staff, reviewer
) -> None:
    base = live_server
    _unlocated_drafts(base, staff)
    r = httpx.post(f"{base}/api/v1/stations", json=station(name="有位置的草稿"), headers=staff)
    assert r.status_code == 201, r.text
    w = watched_page(browser, base, viewport={"width": 1280, "height": 900})
    sign_in(w.page, base, "li.review")
    w.page.wait_for_selector("#queue li")
    items = w.page.locator("#queue li")
    marked = {}
    for i in range(items.count()):
        li = items.nth(i)
        marked[li.locator("strong").text_content()] = li.locator(".tag-unlocated").count() == 1
    assert marked == {"翠竹街爱心驿站": True, "花园路爱心驿站": True, "有位置的草稿": False}
    assert "未定位 unlocated" in (items.first.text_content() or "")
    assert w.errors == [] and w.outside == []
