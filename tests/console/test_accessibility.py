"""Every page, in a real headless Chromium against a real uvicorn: axe-core (npm, pinned in
package-lock.json) finds no serious or critical WCAG 2 A/AA violation; at a phone's
width every tap target is at least 44 × 44 CSS px; no page logs an error or asks
anything of a server other than Yizhan (#13 "Quality").

The pages are the public map ``/``, ``/summary``, ``/staff`` signed out and signed in,
``/console/login``, the console's start page, the 403 page, and every page of
:data:`maps.console.PAGES` for a role allowed to use it, so pages added to ``PAGES``
later are walked without a change here (a path with ``{id}`` gets a real station's id).
Each page is given data to show first: a published station with a pending revision, a
draft, a rejected draft, address-only drafts and a target.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.auth import SESSION_COOKIE
from maps.console import PAGES
from tests.helpers.browser import ARTIFACTS
from tests.helpers.console import session_cookie, watched_page
from tests.helpers.live import running_server
from tests.helpers.nearest_city import Q, add_station, ll, load_network
from tests.helpers.paths import ROOT
from tests.helpers.staff import station

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: The WCAG 2.0, 2.1 and 2.2 level A and AA rules of axe-core.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
IMPACTS = ("critical", "serious", "moderate", "minor")
BLOCKING = {"critical", "serious"}
#: The test accounts by role (made by the conftest fixtures of the same names).
ACCOUNTS = {
    "field_staff": "wang.field",
    "reviewer": "li.review",
    "planner": "zhao.plan",
    "admin": "chen.admin",
}
#: Which allowed role walks a console page: the least privileged one.
ROLE_ORDER = ("field_staff", "planner", "reviewer", "admin")
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
CSV = "name,address,district,lng,lat\n翠竹街爱心驿站,郑州市中原区翠竹街1号,中原区,,\n"


def _open_a_station(page: Any) -> None:
    """On the map page: locate me (the browser's position is Q), open the first result."""
    page.click("#locate")
    page.wait_for_selector("#results li")
    page.locator("#results li").first.click()
    page.wait_for_selector("#sheet:not([hidden])")


@dataclass(frozen=True)
class Visit:
    """A page to walk: a label for reports, its path, who is signed in, the status, and
    what to do there before it is checked."""

    label: str
    path: str
    role: str | None
    status: int = 200
    then: Callable[[Any], None] | None = None


def visits(station_id: int) -> list[Visit]:
    """Every page: the fixed ones, then each of ``PAGES`` as its least privileged role."""
    fixed = [
        Visit("map", "/", None),
        Visit("map-station", "/", None, then=_open_a_station),
        Visit("summary", "/summary", None),
        Visit("staff-signed-out", "/staff", None),
        Visit("staff", "/staff", "field_staff"),
        Visit("console-login", "/console/login", None),
        Visit("console-home", "/console", "planner"),
        Visit("console-403", "/console/users", "field_staff", status=403),
    ]
    seen = {(v.path, v.role) for v in fixed}
    for page in PAGES:
        role = next(r for r in ROLE_ORDER if r in page.roles)
        path = page.path.replace("{id}", str(station_id))
        if (path, role) not in seen:
            fixed.append(Visit(f"console-{page.key}", path, role))
            seen.add((path, role))
    return fixed


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    """A server without a basemap: the map page's tiles would come from the internet."""
    with running_server(database_url, YIZHAN_BASEMAP="none") as base:
        yield base


def _ok(r: httpx.Response, *codes: int) -> dict[str, Any]:
    assert r.status_code in codes, r.text
    return r.json()  # type: ignore[no-any-return]


@pytest.fixture
def city(server, db, staff, reviewer, planner, admin) -> int:
    """Something for every page to show; returns a published station's id."""
    base = server
    load_network(db)  # the map page's nearest stations, on foot
    add_station(db, "甲站 A", 0, 180, services=["drinking_water", "toilet"])
    first = station(name="福华路爱心驿站")
    published = _ok(httpx.post(f"{base}/api/v1/stations", json=first, headers=reviewer), 201)
    _ok(
        httpx.patch(
            f"{base}/api/v1/stations/{published['id']}",
            json={"phone": "0755-7654321"},
            headers={**staff, "If-Match": f'W/"{published["version"]}"'},
        ),
        202,
    )
    _ok(
        httpx.post(
            f"{base}/api/v1/stations",
            json=station(name="深南大道爱心驿站", lon=114.0650, lat=22.5400),
            headers=staff,
        ),
        201,
    )
    rejected = _ok(
        httpx.post(
            f"{base}/api/v1/stations",
            json=station(name="莲花山爱心驿站", lon=114.0450, lat=22.5550),
            headers=staff,
        ),
        201,
    )
    _ok(
        httpx.post(
            f"{base}/api/v1/review/{rejected['id']}/reject",
            json={"comment": "地址门牌号有误，请核对"},
            headers=reviewer,
        ),
        200,
    )
    _ok(
        httpx.post(
            f"{base}/api/v1/imports",
            files={"file": ("list.csv", CSV.encode("utf-8"), "text/csv")},
            data={"kind": "love_station", "crs": "wgs84"},
            headers={**staff, "X-Requested-With": "yizhan"},
            timeout=60,
        ),
        200,
        201,
    )
    _ok(
        httpx.put(
            f"{base}/api/v1/targets",
            json={
                "kind": "love_station",
                "metric": "main_street_coverage",
                "value": "95%",
                "deadline": "2026-12-31",
            },
            headers=planner,
        ),
        200,
        201,
    )
    return int(published["id"])


def _open(browser: Any, base: str, database_url: str, visit: Visit, **context: Any) -> Any:
    """A watched page on ``visit`` (signed in as its role), its data loaded."""
    lon, lat = ll(*Q)
    w = watched_page(
        browser,
        base,
        geolocation={"longitude": lon, "latitude": lat},
        permissions=["geolocation"],
        **context,
    )
    if visit.role is not None:
        token = session_cookie(database_url, ACCOUNTS[visit.role])[SESSION_COOKIE]
        w.page.context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
    # "networkidle": the page's script has asked for its data and every answer is in.
    response = w.page.goto(base + visit.path, wait_until="networkidle")
    assert response is not None and response.status == visit.status, visit
    assert w.page.url == base + visit.path, f"{visit}: went to {w.page.url}"
    if visit.then is not None:
        visit.then(w.page)
        w.page.wait_for_load_state("networkidle")
    return w


def _errors(w: Any, base: str, visit: Visit) -> list[str]:
    """What ``visit`` logged or asked of another server, but for the browser's own line
    about the page's status when that status is the point (the 403 page)."""
    own = (
        f"Failed to load resource: the server responded with a status of {visit.status} "
        f"(Forbidden) @ {base}{visit.path}"
    )
    return [f"{visit.label}: {e}" for e in w.errors + w.outside if e != own]


def _axe_source() -> str:
    if not AXE.is_file():
        reason = f"{AXE.relative_to(ROOT)} is absent: run `make node` (npm ci)"
        if os.environ.get("YIZHAN_REQUIRE_AXE"):
            pytest.fail(reason)  # `make test` installs it: missing there is an error
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


def _axe(page: Any, source: str) -> list[dict[str, Any]]:
    page.add_script_tag(content=source)
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                      resultTypes: ["violations"]})
            .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                               targets: v.nodes.map(n => n.target.join(" "))})))""",
        AXE_TAGS,
    )
    return list(result)


def _counts(violations: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    rules = {i: 0 for i in IMPACTS}
    nodes = {i: 0 for i in IMPACTS}
    for v in violations:
        rules[v["impact"]] += 1
        nodes[v["impact"]] += len(v["targets"])
    return {"rules": rules, "nodes": nodes}


@pytest.mark.browser
def test_axe_finds_no_serious_or_critical_violation_on_any_page(
    browser, server, city, database_url
) -> None:
    source = _axe_source()
    counts: dict[str, Any] = {}
    blocking: list[str] = []
    errors: list[str] = []
    for visit in visits(city):
        # The CSP (rightly) refuses an injected script: this context alone bypasses it.
        w = _open(browser, server, database_url, visit, bypass_csp=True, **DESKTOP)
        violations = _axe(w.page, source)
        counts[visit.label] = {"path": visit.path, "role": visit.role, **_counts(violations)}
        blocking += [
            f"{visit.label} {visit.path}: {v['id']} ({v['impact']}) {v['help']}: "
            + ", ".join(v["targets"][:5])
            for v in violations
            if v["impact"] in BLOCKING
        ]
        errors += _errors(w, server, visit)
        w.page.context.close()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / "axe-counts.json"
    out.write_text(json.dumps(counts, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    total = {i: sum(c["rules"][i] for c in counts.values()) for i in IMPACTS}
    print(  # noqa: T201 - the summary the closing note quotes
        f"axe-core {AXE_TAGS}: {len(counts)} pages, violated rules by impact {total}; "
        f"per page in {out.relative_to(ROOT)}"
    )
    assert blocking == [], "\n".join(blocking)
    assert errors == [], "\n".join(errors)


def _staff_config(html: str) -> dict[str, Any]:
    start = html.index('<script id="staff-config" type="application/json">')
    text = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(text)  # type: ignore[no-any-return]


def test_staff_page_asks_who_is_signed_in_only_with_a_session_cookie(client, signed_in) -> None:
    """Signed out, /staff shows the sign-in form at once: asking /api/v1/auth/me would
    only get a 401, which the browser logs as an error."""
    assert _staff_config(client.get("/staff").text)["has_session"] is False
    signed = signed_in("wang.field", "field_staff")
    assert _staff_config(signed.get("/staff").text)["has_session"] is True


#: What a finger taps (links, buttons, fields, lists, disclosure, Leaflet's controls) and
#: is smaller than 44 px, as a function of the page.
TAP_TARGETS_JS = (Path(__file__).parent / "tap_targets.js").read_text(encoding="utf-8")


@pytest.mark.browser
def test_every_tap_target_is_44_px_on_a_phone_and_no_page_logs_an_error(
    browser, server, city, database_url
) -> None:
    """At 390 × 844 (a phone, touch), every visible link, button, field, select, text area,
    summary, ``role=button`` and Leaflet control of every page is at least 44 × 44 CSS px,
    under the page's own CSP, with no error logged and no request leaving the server; and
    no page is wider than the phone (a wide table scrolls inside its card).

    Exempt, as WCAG 2.5.8 allows:

    - a link inside running text (``display: inline`` with other text around it) and the
      links of the map's credit line ("Leaflet | © OpenStreetMap contributors"): their
      size is their line of text ("inline"); making a credit line 44 px tall would cover
      the map;
    - a check box or radio button whose label (what a finger taps; it toggles the box)
      is 44 px;
    - a map pin (``.leaflet-marker-icon``, 25 × 41): wherever a pin can be moved, a tap
      anywhere on the map puts it there, and the map is far larger than 44 px
      ("equivalent"); the Unlocated page also takes a pasted coordinate;
    - what is moved off the page (the skip link until it has the keyboard focus): no
      finger can reach it.
    """
    small: list[str] = []
    errors: list[str] = []
    for visit in visits(city):
        w = _open(browser, server, database_url, visit, **PHONE)
        small += [f"{visit.label} {visit.path}: {s}" for s in w.page.evaluate(TAP_TARGETS_JS)]
        width = w.page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["viewport"]["width"]:  # type: ignore[index]
            small.append(f"{visit.label} {visit.path}: the page is {width} px wide")
        errors += _errors(w, server, visit)
        shot = {
            "staff": "phone-staff.png",
            "console-mine": "phone-console-mine.png",
            "map-station": "phone-map-station.png",
        }
        if visit.label in shot:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            w.page.screenshot(path=str(Path(ARTIFACTS) / shot[visit.label]), full_page=True)
        w.page.context.close()
    assert small == [], "\n".join(small)
    assert errors == [], "\n".join(errors)
