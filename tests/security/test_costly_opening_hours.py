"""Opening hours that cost seconds of CPU to evaluate (issue #11 item 4).

The library searched for the next change of state up to the year 9999: ``Mo-Su`` cost
0.6 s per distinct text and request, 40 × ``Mo-Su`` 20 s, and ``GET /api/v1/stations?
limit=1000`` took 16.5 s. Now hours longer than OpenStreetMap's 255 characters are refused
on write, the next change is looked for a week ahead only, and each text is evaluated once
a minute per process, whatever the stations, the requests or their times.
"""

from __future__ import annotations

import pytest

from geo import clock, hours
from geo.errors import InvalidInput
from tests.helpers.staff import dump_stations, station

COSTLY = "; ".join(["Mo-Su"] * 45)  # 313 characters; 23 s of CPU per evaluation before
NOW = "2026-11-24T10:30:00+08:00"  # a Tuesday


def _insert(db, texts: list[str], copies: int = 1) -> None:
    """Public stations with these hours as stored before the limits (straight into SQL)."""
    db.execute(
        "INSERT INTO stations (kind, name, services, opening_hours, review_state, geom) "
        "SELECT 'love_station', 'hours ' || i, '{}', (%s::text[])[1 + i %% %s], 'approved', "
        "       ST_SetSRID(ST_MakePoint(114.0 + i * 1e-5, 22.5), 4326) "
        "FROM generate_series(0, %s - 1) AS i",
        (texts, len(texts), len(texts) * copies),
    )


def _listing(client, at: str) -> list[dict]:
    with clock.frozen(at):
        r = client.get("/api/v1/stations", params={"limit": 1000})
    assert r.status_code == 200, r.text
    return [f["properties"] for f in r.json()["features"]]


def test_hours_longer_than_openstreetmap_allows_are_refused_naming_the_field(
    client, staff, db
) -> None:
    before = dump_stations(db)
    r = client.post("/api/v1/stations", json=station(opening_hours=COSTLY), headers=staff)
    assert r.status_code == 422, r.text
    body = r.json()
    assert [d["field"] for d in body["details"]] == ["opening_hours"]
    assert "开放时间" in body["message"] and "255" in body["message"]
    assert "opening hours" in body["message_en"] and "255" in body["message_en"]
    assert dump_stations(db) == before  # nothing stored, nothing audited


def test_the_limit_is_255_characters_as_typed_and_as_stored() -> None:
    longest = 'Mo-Su 08:00-18:00 "' + "x" * 235 + '"'
    assert len(longest) == 255 and hours.validate_opening_hours(longest) == longest
    with pytest.raises(InvalidInput):
        hours.validate_opening_hours(longest[:-1] + 'x"')
    typed = "; ".join(["Mo 8:00-9:00"] * 18)  # 250 characters, 286 as 08:00-09:00
    with pytest.raises(InvalidInput) as info:
        hours.validate_opening_hours(typed)
    assert "286 characters in standard form" in info.value.en and "标准格式" in info.value.zh


def test_an_import_reports_the_row_with_costly_hours_and_imports_the_others(
    client, reviewer, db
) -> None:
    csv = (
        "名称,经度,纬度,开放时间,编号\n"
        "好驿站,114.0550,22.5410,Mo-Fr 08:00-18:00,A1\n"
        f"贵驿站,114.0800,22.5600,{COSTLY},A2\n"
    ).encode()
    r = client.post(
        "/api/v1/imports",
        files={"file": ("list.csv", csv, "text/csv")},
        data={"kind": "love_station", "crs": "wgs84"},
        headers=reviewer,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["counts"]["created"] == 1
    [problem] = body["problems"]
    assert problem["row"] == 3 and problem["field"] == "opening_hours"
    assert "255" in problem["reason_zh"] and "255" in problem["reason_en"]
    names = [x["name"] for x in db.execute("SELECT name FROM stations")]
    assert names == ["好驿站"]


def test_the_listing_asks_the_library_once_per_hours_and_minute(client, db) -> None:
    # The hours: the state never changes, so the search never found a change.
    never_change = ["Mo-Su"] + [f"Mo-Su 00:00-{h:02d}:00,{h:02d}:00-24:00" for h in range(1, 24)]
    _insert(db, never_change, copies=40)  # 960 stations, 24 distinct hours
    hours.cache_clear()
    first = _listing(client, NOW)
    assert len(first) == 960
    assert all(p["open_now"] is True and p["closes_at"] is None for p in first)
    assert hours.evaluations() == 2 * 24  # open or not, and the next change: once per text
    assert _listing(client, "2026-11-24T10:30:59+08:00") == first  # the same minute
    assert hours.evaluations() == 2 * 24
    _listing(client, "2026-11-24T10:31:00+08:00")  # a new minute: once per text again
    assert hours.evaluations() == 4 * 24


def test_the_next_change_is_looked_for_a_week_ahead_only(client, db) -> None:
    _insert(db, ["Mo-Su; 2026 Nov 30 off", "Mo-Su; 2026 Dec 25 off"])
    by_hours = {p["opening_hours"]: p for p in _listing(client, NOW)}
    assert by_hours["Mo-Su; 2026 Nov 30 off"]["closes_at"] == "2026-11-30T00:00:00+08:00"
    assert by_hours["Mo-Su; 2026 Dec 25 off"]["open_now"] is True
    assert by_hours["Mo-Su; 2026 Dec 25 off"]["closes_at"] is None  # 31 days ahead


def test_stored_hours_over_the_limit_are_kept_but_not_evaluated(client, db) -> None:
    legacy = 'Mo-Su 08:00-18:00 "' + "请提前电话预约" * 40 + '"'  # 300 characters
    _insert(db, [legacy, "Mo-Su 08:00-18:00"])
    by_hours = {p["opening_hours"]: p for p in _listing(client, NOW)}
    assert by_hours[legacy]["open_now"] is None  # unknown: shown as text only
    assert by_hours[legacy]["closes_at"] is None
    assert by_hours["Mo-Su 08:00-18:00"]["open_now"] is True


@pytest.mark.parametrize("at", ["0001-01-01T00:00+14:00", "9999-12-31T23:59-12:00", "1000-01-01"])
def test_a_moment_out_of_range_is_422(client, db, at) -> None:
    _insert(db, ["Mo-Fr 08:00-18:00"])
    r = client.get(
        "/api/v1/stations/nearest",
        params={"lon": 114.0, "lat": 22.5, "open_now": "true", "at": at},
    )
    assert r.status_code == 422, r.text
    assert "at" in r.json()["message_en"] and r.json()["message"]
