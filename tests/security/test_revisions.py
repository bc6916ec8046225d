"""#11 items 1 and 2: field staff cannot deface what the public sees.

Field staff edit their own drafts and nobody else's; a change to a published station is a
revision that the public never sees until a reviewer approves it; a temporary closure
from the street goes live at once and is flagged for review; an import touches only the
importer's own stations.
"""

from __future__ import annotations

import psycopg
import pytest

from tests.helpers.staff import station, token_for

HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.fixture
def other_staff(make_user, database_url) -> dict[str, str]:
    return token_for(database_url, make_user("zhou.field", "field_staff"))


def _published(client, reviewer, **over) -> dict:
    r = client.post("/api/v1/stations", json=station(**over), headers=reviewer)
    assert r.status_code == 201, r.text
    assert r.json()["review_state"] == "approved"
    return r.json()


def _if(row: dict) -> dict[str, str]:
    return {"If-Match": f'"{row["version"]}"'}


def _public(client, station_id: int) -> dict:
    r = client.get(f"/api/v1/stations/{station_id}")
    assert r.status_code == 200, r.text
    return r.json()


def test_field_staff_edit_of_a_published_station_is_a_revision(client, staff, reviewer) -> None:
    row = _published(client, reviewer)
    patch = {"name": HOSTILE, "address": None, "services": []}
    r = client.patch(f"/api/v1/stations/{row['id']}", json=patch, headers={**staff, **_if(row)})
    assert r.status_code == 202, r.text
    revision = r.json()
    assert r.headers["Location"] == f"/api/v1/staff/revisions/{revision['id']}"
    assert revision["state"] == "pending" and revision["created_by"] == "wang.field"
    diff = {d["field"]: (d["before"], d["proposed"]) for d in revision["diff"]}
    assert diff == {
        "name": ("福田街道爱心驿站", HOSTILE),
        "address": ("福田区福华三路 88 号", None),
        "services": (["drinking_water", "heating", "rest_seats"], []),
    }
    # The public and the staff record still show the approved station, unchanged.
    assert _public(client, row["id"])["name"] == "福田街道爱心驿站"
    staff_view = client.get(f"/api/v1/staff/stations/{row['id']}", headers=staff).json()
    assert staff_view["version"] == row["version"] and staff_view["pending_revisions"] == 1
    queue = client.get("/api/v1/review/revisions", headers=reviewer).json()
    assert [q["id"] for q in queue] == [revision["id"]]


def test_an_approved_revision_is_applied_as_the_reviewer_naming_the_proposer(
    client, staff, reviewer
) -> None:
    row = _published(client, reviewer)
    r = client.patch(
        f"/api/v1/stations/{row['id']}",
        json={"name": "福田街道爱心驿站（新址）", "lon": 114.0552, "lat": 22.5411, "crs": "wgs84"},
        headers={**staff, **_if(row)},
    )
    assert r.status_code == 202, r.text
    rid = r.json()["id"]
    ok = client.post(f"/api/v1/review/revisions/{rid}/approve", json={}, headers=reviewer)
    assert ok.status_code == 200, ok.text
    assert ok.json()["state"] == "approved" and ok.json()["decided_by"] == "li.review"
    public = _public(client, row["id"])
    assert public["name"] == "福田街道爱心驿站（新址）"
    assert public["lon"] == pytest.approx(114.0552)
    last = client.get(f"/api/v1/stations/{row['id']}/history", headers=staff).json()[-1]
    assert last["actor"] == "li.review"
    assert f"revision #{rid} by wang.field approved" in last["reason"]
    again = client.post(f"/api/v1/review/revisions/{rid}/approve", json={}, headers=reviewer)
    assert again.status_code == 409


def test_a_rejected_revision_changes_nothing_and_needs_a_comment(
    client, staff, reviewer, db
) -> None:
    row = _published(client, reviewer)
    r = client.patch(
        f"/api/v1/stations/{row['id']}", json={"name": HOSTILE}, headers={**staff, **_if(row)}
    )
    rid = r.json()["id"]
    bare = client.post(f"/api/v1/review/revisions/{rid}/reject", json={}, headers=reviewer)
    assert bare.status_code == 422
    blank = client.post(
        f"/api/v1/review/revisions/{rid}/reject", json={"comment": "  "}, headers=reviewer
    )
    assert blank.status_code == 422 and "驳回时必须填写意见" in blank.json()["message"]
    no = client.post(
        f"/api/v1/review/revisions/{rid}/reject", json={"comment": "名称不当"}, headers=reviewer
    )
    assert no.status_code == 200 and no.json()["state"] == "rejected"
    assert _public(client, row["id"])["name"] == "福田街道爱心驿站"
    mine = client.get("/api/v1/staff/revisions?state=rejected&mine=true", headers=staff).json()
    assert [(m["id"], m["comment"]) for m in mine] == [(rid, "名称不当")]
    with pytest.raises(psycopg.errors.RestrictViolation):
        db.execute("DELETE FROM station_revisions WHERE id = %s", (rid,))


def test_a_revision_whose_fields_changed_since_is_a_conflict(client, staff, reviewer) -> None:
    row = _published(client, reviewer)
    r = client.patch(
        f"/api/v1/stations/{row['id']}",
        json={"phone": "0755-7654321"},
        headers={**staff, **_if(row)},
    )
    rid = r.json()["id"]
    direct = client.patch(
        f"/api/v1/stations/{row['id']}",
        json={"phone": "0755-1111111"},
        headers={**reviewer, **_if(row)},
    )
    assert direct.status_code == 200
    stale = client.post(f"/api/v1/review/revisions/{rid}/approve", json={}, headers=reviewer)
    assert stale.status_code == 409 and "phone" in stale.json()["message_en"]
    assert _public(client, row["id"])["phone"] == "0755-1111111"


def test_a_temporary_closure_from_the_street_is_live_and_flagged(client, staff, reviewer) -> None:
    row = _published(client, reviewer)
    r = client.post(
        f"/api/v1/stations/{row['id']}/status",
        json={"status": "temporarily_closed", "reason": "停水检修"},
        headers={**staff, **_if(row)},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "temporarily_closed"
    rid = int(r.headers["Location"].rsplit("/", 1)[1])
    flagged = client.get(f"/api/v1/staff/revisions/{rid}", headers=reviewer).json()
    assert flagged["applied"] is True and flagged["state"] == "pending"
    assert client.get(f"/api/v1/stations/{row['id']}").status_code == 404  # not operating
    undo = client.post(
        f"/api/v1/review/revisions/{rid}/reject",
        json={"comment": "现场核实正常开放"},
        headers=reviewer,
    )
    assert undo.status_code == 200, undo.text
    assert _public(client, row["id"])["name"] == "福田街道爱心驿站"  # open again


def test_closing_or_reopening_from_field_staff_waits_for_review(client, staff, reviewer) -> None:
    row = _published(client, reviewer)
    r = client.post(
        f"/api/v1/stations/{row['id']}/status",
        json={"status": "closed", "reason": "拆除", "closed_on": "2026-11-30"},
        headers={**staff, **_if(row)},
    )
    assert r.status_code == 202, r.text
    assert _public(client, row["id"])["name"] == "福田街道爱心驿站"
    rid = r.json()["id"]
    ok = client.post(f"/api/v1/review/revisions/{rid}/approve", json={}, headers=reviewer)
    assert ok.status_code == 200, ok.text
    now = client.get(f"/api/v1/staff/stations/{row['id']}", headers=staff).json()
    assert (now["status"], now["closed_on"], now["status_reason"]) == (
        "closed",
        "2026-11-30",
        "拆除",
    )


def test_field_staff_cannot_touch_each_others_drafts(client, staff, other_staff) -> None:
    mine = client.post("/api/v1/stations", json=station(), headers=staff).json()
    assert mine["review_state"] == "pending_review"
    url = f"/api/v1/stations/{mine['id']}"
    theirs = client.patch(url, json={"name": "改掉"}, headers={**other_staff, **_if(mine)})
    assert theirs.status_code == 403 and "wang.field" in theirs.json()["message"]
    closing = client.post(
        url + "/status",
        json={"status": "closed", "reason": "x"},
        headers={**other_staff, **_if(mine)},
    )
    assert closing.status_code == 403
    own = client.patch(url, json={"name": "福田驿站"}, headers={**staff, **_if(mine)})
    assert own.status_code == 200 and own.json()["name"] == "福田驿站"


def test_field_staff_see_and_withdraw_only_their_own_revisions(
    client, staff, other_staff, reviewer
) -> None:
    row = _published(client, reviewer)
    rid = client.patch(
        f"/api/v1/stations/{row['id']}", json={"phone": "12345"}, headers={**staff, **_if(row)}
    ).json()["id"]
    assert client.get(f"/api/v1/staff/revisions/{rid}", headers=other_staff).status_code == 404
    assert client.get("/api/v1/staff/revisions", headers=other_staff).json() == []
    w = client.post(f"/api/v1/staff/revisions/{rid}/withdraw", headers=other_staff)
    assert w.status_code == 403
    assert client.get("/api/v1/review/revisions", headers=staff).status_code == 403
    ok = client.post(f"/api/v1/staff/revisions/{rid}/withdraw", headers=staff)
    assert ok.status_code == 200 and ok.json()["state"] == "withdrawn"
    assert client.get("/api/v1/review/revisions", headers=reviewer).json() == []
