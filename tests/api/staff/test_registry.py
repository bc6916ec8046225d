"""The stations registry (GET /api/v1/staff/stations): search in names and addresses,
filters, sorts with the id as tie breaker, pages with the total in X-Total-Count, and bad
input refused with a Chinese and English message; the list answer stays what it was."""

from __future__ import annotations

import pytest

from geo import vocab
from tests.helpers.registry import import_registry

URL = "/api/v1/staff/stations"


@pytest.fixture
def registry(client, reviewer, staff):
    """The registry's stations, imported by a reviewer (published; the address-only row
    is a draft); the field worker ``staff`` has registered none."""
    import_registry(client.post, reviewer)
    return client


def _get(client, headers, **params):
    r = client.get(URL, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json(), int(r.headers["X-Total-Count"])


def _names(rows):
    return [s["name"] for s in rows]


def test_the_list_answer_is_unchanged_newest_change_first_with_the_total(registry, staff):
    rows, total = _get(registry, staff)
    assert isinstance(rows, list)
    assert total == 65
    assert len(rows) == 65
    assert {"id", "name", "kind", "status", "review_state", "version", "updated_at"} <= set(rows[0])
    # Same change time for the whole import: the id breaks the tie, newest first.
    assert [s["id"] for s in rows] == sorted((s["id"] for s in rows), reverse=True)


def test_field_staff_see_every_station_and_mine_still_filters(registry, staff):
    _, total = _get(registry, staff)
    mine, mine_total = _get(registry, staff, mine="true")
    assert total == 65
    assert (mine, mine_total) == ([], 0)


def test_search_finds_names_and_addresses_in_any_case(registry, staff):
    rows, total = _get(registry, staff, q="lotus")
    assert (_names(rows), total) == (["Lotus Hall 爱心驿站"], 1)
    rows, _ = _get(registry, staff, q="LOTUS HALL")
    assert _names(rows) == ["Lotus Hall 爱心驿站"]
    rows, total = _get(registry, staff, q="下划线路")
    assert (_names(rows), total) == (["A_B 职工驿站"], 1)
    rows, total = _get(registry, staff, q="  翠竹  ")
    assert (_names(rows), total) == (["翠竹街待定位驿站"], 1)


def test_search_takes_like_wildcards_literally(registry, staff):
    rows, _ = _get(registry, staff, q="A_B")
    assert _names(rows) == ["A_B 职工驿站"]  # not AxB: _ is a character, not a wildcard
    rows, _ = _get(registry, staff, q="100%")
    assert _names(rows) == ["满意度100%驿站"]
    rows, total = _get(registry, staff, q="%")
    assert (_names(rows), total) == (["满意度100%驿站"], 1)
    rows, total = _get(registry, staff, q="\\")
    assert (rows, total) == ([], 0)


def test_filters_by_status_district_kind_review_state_and_position(registry, staff):
    rows, total = _get(registry, staff, status="planned", limit=500)
    assert total == 20 and {s["status"] for s in rows} == {"planned"}
    rows, total = _get(registry, staff, district="南山区", limit=500)
    assert total == 20 and {s["district"] for s in rows} == {"南山区"}
    rows, total = _get(registry, staff, unlocated="true")
    assert (_names(rows), total) == (["翠竹街待定位驿站"], 1)
    assert rows[0]["lon"] is None
    _, total = _get(registry, staff, unlocated="false")
    assert total == 64
    _, total = _get(registry, staff, kind="mother_baby_room")
    assert total == 0
    rows, total = _get(registry, staff, review_state="pending_review")
    assert (_names(rows), total) == (["翠竹街待定位驿站"], 1)
    rows, total = _get(
        registry, staff, district="福田区", status="open", q="职工", sort="name", order="asc"
    )
    assert (_names(rows), total) == (["A_B 职工驿站", "AxB 职工驿站"], 2)


def test_sorts_with_the_id_breaking_ties_both_ways(registry, staff):
    asc, _ = _get(registry, staff, sort="district", order="asc", limit=500)
    keys = [(s["district"], s["id"]) for s in asc]
    assert keys == sorted(keys)
    desc, _ = _get(registry, staff, sort="district", order="desc", limit=500)
    assert [s["id"] for s in desc] == [s["id"] for s in reversed(asc)]
    for field, terms in (
        ("kind", vocab.KINDS),
        ("status", vocab.STATUSES),
        ("review_state", vocab.REVIEW_STATES),
    ):
        rows, _ = _get(registry, staff, sort=field, order="asc", limit=500)
        keys = [(list(terms).index(s[field]), s["id"]) for s in rows]
        assert keys == sorted(keys), field


def test_a_vocabulary_sorts_in_its_own_order_not_by_spelling(registry, staff):
    """Statuses run from planned through under construction to open (their life), which
    their English codes' spelling would not give."""
    rows, _ = _get(registry, staff, sort="status", limit=500)
    seen = list(dict.fromkeys(s["status"] for s in rows))
    assert seen == ["planned", "under_construction", "open"]
    rows, _ = _get(registry, staff, sort="status", order="desc", limit=500)
    assert list(dict.fromkeys(s["status"] for s in rows)) == [
        "open",
        "under_construction",
        "planned",
    ]


def test_sort_by_name_is_the_databases_order_and_reverses(registry, staff, db):
    asc, _ = _get(registry, staff, sort="name", order="asc", limit=500)
    stored = [r["name"] for r in db.execute("SELECT name FROM stations ORDER BY name, id")]
    assert _names(asc) == stored
    desc, _ = _get(registry, staff, sort="name", order="desc", limit=500)
    assert _names(desc) == list(reversed(stored))


def test_the_last_change_sorts_first_by_default_and_last_ascending(registry, reviewer, staff):
    rows, _ = _get(registry, staff, q="站点42")
    sid = rows[0]["id"]
    r = registry.get(f"{URL}/{sid}", headers=reviewer)
    patched = registry.patch(
        f"/api/v1/stations/{sid}",
        json={"phone": "0755-7654321"},
        headers={**reviewer, "If-Match": r.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.text
    newest, _ = _get(registry, staff, limit=1)
    assert newest[0]["id"] == sid
    oldest, total = _get(registry, staff, sort="updated", order="asc", offset=64)
    assert [s["id"] for s in oldest] == [sid] and total == 65


def test_pages_walk_the_whole_list_once_with_the_total(registry, staff):
    seen = []
    for offset in (0, 50):
        rows, total = _get(registry, staff, sort="name", limit=50, offset=offset)
        assert total == 65
        seen += [s["id"] for s in rows]
    assert len(seen) == 65 == len(set(seen))
    rows, total = _get(registry, staff, limit=50, offset=100)
    assert (rows, total) == ([], 65)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "password"}, "排序字段"),
        ({"sort": "name; DROP TABLE stations"}, "排序字段"),
        ({"order": "sideways"}, "排序方向"),
        ({"status": "gone"}, "status"),
        ({"unlocated": "maybe"}, "unlocated"),
        ({"q": "x" * 201}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"district": "d" * 101}, "district"),
        ({"limit": 0}, "limit"),
    ],
)
def test_bad_input_is_a_422_in_chinese_and_english(registry, staff, db, params, field):
    before = db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"]
    r = registry.get(URL, params=params, headers=staff)
    assert r.status_code == 422, r.text
    body = r.json()
    assert field in body["message"]
    assert body["message_en"] and body["message_en"] != body["message"]
    assert db.execute("SELECT count(*) AS n FROM stations").fetchone()["n"] == before


def test_a_bad_sort_names_the_choices(registry, staff):
    body = registry.get(URL, params={"sort": "password"}, headers=staff).json()
    assert body["code"] == "invalid_input"
    assert "name, kind, status, district, review_state, updated" in body["message"]
    assert "unknown sort 'password'" in body["message_en"]


def test_the_total_header_is_in_the_api_document(client):
    doc = client.get("/openapi.json").json()
    get = doc["paths"][URL]["get"]
    assert "X-Total-Count" in get["responses"]["200"]["headers"]
    params = {p["name"]: p for p in get["parameters"]}
    assert {"q", "status", "district", "unlocated", "sort", "order"} <= set(params)
    assert params["sort"]["schema"]["enum"] == [
        "name",
        "kind",
        "status",
        "district",
        "review_state",
        "updated",
    ]


def test_the_registry_needs_a_login(client):
    assert client.get(URL).status_code == 401
