"""The staff console (/console/…): pages for signed-in staff, role-checked on the server.

How a page knows who is there: the sign-in form posts to ``POST /api/v1/auth/session``
(as the field staff page does), which sets the HttpOnly, SameSite=Strict session cookie;
the browser's script never holds the token. Each console page reads that cookie here:
no or an expired session gives the sign-in page (a redirect to ``/console/login``), a
role the page is not for gives the 403 page. The pages then call the JSON API with the
same cookie and the anti-forgery header (api/auth.py), under the CSP of api/headers.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import psycopg
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import SESSION_COOKIE
from api.deps import get_conn
from api.headers import page_csp, report_csp, tile_source
from api.routes.staff_page import DEFAULT_CENTRE
from geo import accounts, clock
from geo.accounts import User
from geo.db.network import map_centre
from geo.errors import Unauthenticated
from geo.settings import get_settings
from geo.stations import registry
from maps import console, coverage_report

router = APIRouter(prefix="/console", tags=["pages"], include_in_schema=False)

Conn = Annotated[psycopg.Connection[Any], Depends(get_conn)]
LOGIN = "/console/login"
#: Console pages hold names and decisions: never cached by the browser or a proxy.
NO_STORE = {"Cache-Control": "no-store"}


def session_user(request: Request, conn: Conn) -> User | None:
    """The person of the page session cookie, or None (no cookie, or a dead session)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return accounts.user_for_token(conn, token)
    except Unauthenticated:
        return None


PageUser = Annotated[User | None, Depends(session_user)]
StationId = Annotated[int, Path(ge=1, le=2**63 - 1, description="站点编号 / station id")]


def _who(user: User) -> dict[str, str]:
    return {"name": user.name, "role": user.role}


def _html(body: str, status: int = 200, csp: str | None = None) -> HTMLResponse:
    headers = dict(NO_STORE)
    if csp:
        headers["Content-Security-Policy"] = csp
    return HTMLResponse(body, status_code=status, headers=headers)


def _forbidden(user: User, key: str) -> HTMLResponse | None:
    """The 403 page when ``user``'s role may not use page ``key``."""
    page = console.PAGE_BY_KEY[key]
    if user.role not in page.roles:
        return _html(console.render_forbidden(_who(user), page), status=403)
    return None


def _to_login() -> RedirectResponse:
    return RedirectResponse(LOGIN, status_code=303, headers=NO_STORE)


def _gate(user: User | None, key: str) -> User | Response:
    """``user`` when they may use page ``key``; else the answer instead of the page: the
    sign-in redirect with no session, the 403 page for another role."""
    if user is None:
        return _to_login()
    return _forbidden(user, key) or user


def _map_base(conn: psycopg.Connection[Any]) -> tuple[str, str, tuple[float, float]]:
    """A map page's tile URL, its CSP (which lets the tiles in) and the map's centre."""
    tile_url = get_settings().serving.tile_url
    csp = page_csp([tile_source(tile_url)] if tile_url else [])
    return tile_url, csp, map_centre(conn) or DEFAULT_CENTRE


@router.get("", response_class=HTMLResponse)
def home(user: PageUser) -> Response:
    """The console's home: the pages of the person's role (each role lands on its own
    page after signing in, through ``/console/login``), or the sign-in page."""
    if user is None:
        return _to_login()
    return _html(console.render_home(_who(user)))


@router.get("/login", response_class=HTMLResponse)
def login(user: PageUser) -> Response:
    """The sign-in page; someone signed in already goes to their landing page."""
    if user is not None:
        return RedirectResponse(console.landing_path(user.role), status_code=303, headers=NO_STORE)
    return _html(console.render_login())


@router.get("/review", response_class=HTMLResponse)
def review(session: PageUser, conn: Conn) -> Response:
    """The Review page (reviewers and admins)."""
    user = _gate(session, "review")
    if isinstance(user, Response):
        return user
    settings = get_settings()
    tile_url, csp, centre = _map_base(conn)
    body = console.render_review(
        _who(user),
        centre,
        tile_url,
        duplicate_radius_m=settings.stations.duplicate_name_radius_m,
        timezone=settings.clock.timezone,
    )
    return _html(body, csp=csp)


@router.get("/unlocated", response_class=HTMLResponse)
def unlocated(session: PageUser, conn: Conn) -> Response:
    """The Unlocated page (field staff, reviewers, admins): place address-only drafts."""
    user = _gate(session, "unlocated")
    if isinstance(user, Response):
        return user
    tile_url, csp, centre = _map_base(conn)
    body = console.render_unlocated(_who(user), centre, tile_url, get_settings().clock.timezone)
    return _html(body, csp=csp)


@router.get("/mine", response_class=HTMLResponse)
def mine(session: PageUser) -> Response:
    """My submissions (field staff): own drafts and revisions with the reviewers' word."""
    user = _gate(session, "mine")
    if isinstance(user, Response):
        return user
    return _html(console.render_mine(_who(user), get_settings().clock.timezone), csp=page_csp([]))


@router.get("/users", response_class=HTMLResponse)
def users(session: PageUser) -> Response:
    """The Users page (admins)."""
    user = _gate(session, "users")
    if isinstance(user, Response):
        return user
    body = console.render_users(_who(user), timezone=get_settings().clock.timezone)
    return _html(body, csp=page_csp())


@router.get("/targets", response_class=HTMLResponse)
def targets(session: PageUser) -> Response:
    """The Targets page (planners, admins)."""
    user = _gate(session, "targets")
    if isinstance(user, Response):
        return user
    return _html(console.render_targets(_who(user)), csp=page_csp())


@router.get("/coverage", response_class=HTMLResponse)
def coverage(session: PageUser) -> Response:
    """The Coverage page (planners, admins): figures, targets, data health, the report."""
    user = _gate(session, "coverage")
    if isinstance(user, Response):
        return user
    body = console.render_coverage(_who(user), today=clock.today().isoformat())
    return _html(body, csp=page_csp())


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/coverage/report", response_model=None)
def coverage_report_page(
    session: PageUser,
    conn: Conn,
    as_of: Annotated[dt.date | None, Query(description="as-of date (default today)")] = None,
    kind: str = "love_station",
    format: Literal["html", "xlsx"] = "html",  # noqa: A002 - the query parameter's name
) -> Response:
    """The coverage report of ``yizhan report coverage`` for ``as_of`` (planners, admins):
    the same offline HTML page, under a policy that lets only its own inline scripts run,
    or with ``format=xlsx`` the same workbook as ``--xlsx``. It computes what is missing
    (snapshots, trend, recommended sites) as the command does."""
    user = _gate(session, "coverage")
    if isinstance(user, Response):
        return user
    from geo.report import report_data  # lazy: geopandas and scipy

    day = as_of or clock.today()
    report = report_data(conn, day, kind, lookup=get_settings().lookup)
    if format == "xlsx":
        name = f"coverage-{kind}-{day.isoformat()}.xlsx"
        headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
        return Response(coverage_report.xlsx_bytes(report), media_type=XLSX, headers=headers)
    page = coverage_report.render_html(report)
    return _html(page, csp=report_csp(coverage_report.inline_script_hashes(page)))


@router.get("/stations", response_class=HTMLResponse)
def stations(session: PageUser, conn: Conn) -> Response:
    """The Stations registry (all staff): the searchable, sortable, paged station list."""
    user = _gate(session, "stations")
    if isinstance(user, Response):
        return user
    body = console.render_stations(
        _who(user), get_settings().clock.timezone, registry.districts(conn)
    )
    return _html(body, csp=page_csp())


@router.get("/stations/{station_id:int}", response_class=HTMLResponse)
def station(station_id: StationId, session: PageUser, conn: Conn) -> Response:
    """One station's page (all staff): fields, map, history, edit, status changes; a
    station that does not exist is said so by the page (the API's 404)."""
    user = _gate(session, "station")
    if isinstance(user, Response):
        return user
    tile_url, csp, centre = _map_base(conn)
    body = console.render_station(
        _who(user), station_id, centre, tile_url, get_settings().clock.timezone
    )
    return _html(body, csp=csp)


@router.get("/import", response_class=HTMLResponse)
def import_page(session: PageUser, conn: Conn) -> Response:
    """The Import page (field staff, reviewers, admins: the import API's role)."""
    user = _gate(session, "import")
    if isinstance(user, Response):
        return user
    tile_url, csp, centre = _map_base(conn)
    body = console.render_import(
        _who(user), centre, tile_url, get_settings().imports.import_preview_rows
    )
    return _html(body, csp=csp)


@router.get("/problems", response_class=HTMLResponse)
def problems_page(session: PageUser) -> Response:
    """The Problems page (reviewers, admins): the queue of reported problems (#15)."""
    user = _gate(session, "problems")
    if isinstance(user, Response):
        return user
    body = console.render_problems(_who(user), timezone=get_settings().clock.timezone)
    return _html(body, csp=page_csp())


@router.get("/evaluation", response_class=HTMLResponse)
def evaluation(session: PageUser) -> Response:
    """The yearly evaluation page (planners, reviewers, admins)."""
    user = _gate(session, "evaluation")
    if isinstance(user, Response):
        return user
    return _html(console.render_evaluation(_who(user), clock.today().year), csp=page_csp())


@router.get("/inspect", response_class=HTMLResponse)
def inspect_page(
    session: PageUser,
    station: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> Response:
    """The Inspect page (field staff, reviewers, admins: the inspections API's roles);
    ``?station=ID`` preselects the station. Photo previews are ``blob:`` images."""
    user = _gate(session, "inspect")
    if isinstance(user, Response):
        return user
    settings = get_settings()
    ops = settings.operations
    body = console.render_inspect(
        _who(user), station, ops.inspection_warn_m, settings.clock.timezone, ops.photo_max_side
    )
    return _html(body, csp=page_csp(["blob:"]))


@router.get("/usage", response_class=HTMLResponse)
def usage(session: PageUser) -> Response:
    """The Usage page (field staff, reviewers, admins): paper visitor counts beside the
    QR check-ins (issue 15)."""
    user = _gate(session, "usage")
    if isinstance(user, Response):
        return user
    body = console.render_usage(
        _who(user), today=clock.today().isoformat(), timezone=get_settings().clock.timezone
    )
    return _html(body, csp=page_csp())


@router.get("/plan", response_class=HTMLResponse)
def plan_page(session: PageUser, conn: Conn) -> Response:
    """The Plan page (planners, admins): run a siting plan, move its sites, re-verify,
    export (#16)."""
    from geo.siting.jobs import MAX_JOB_TIME_LIMIT_S

    user = _gate(session, "plan")
    if isinstance(user, Response):
        return user
    settings = get_settings()
    tile_url, csp, centre = _map_base(conn)
    body = console.render_plan(
        _who(user),
        centre,
        tile_url,
        today=clock.today().isoformat(),
        max_time_limit_s=MAX_JOB_TIME_LIMIT_S,
        default_time_limit_s=min(settings.siting.siting_time_limit_s, MAX_JOB_TIME_LIMIT_S),
        timezone=settings.clock.timezone,
    )
    return _html(body, csp=csp)


@router.get("/workspace", response_class=HTMLResponse)
def workspace(session: PageUser, conn: Conn) -> Response:
    """The planner workspace (planners, admins; issue 16): coverage map, trend, gaps and
    what-if scenarios for any as-of date."""
    user = _gate(session, "workspace")
    if isinstance(user, Response):
        return user
    tile_url, csp, centre = _map_base(conn)
    body = console.render_workspace(_who(user), clock.today().isoformat(), centre, tile_url)
    return _html(body, csp=csp)
