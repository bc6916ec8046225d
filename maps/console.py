"""The staff console's pages (/console/…): one shell (top navigation, sign-out) around
each page's content, rendered from string templates with escaping.

``PAGES`` is the one list of console pages and the roles that may use each; the server
checks the role of every request against it (api/routes/console.py) and the navigation
shows a signed-in person only the pages of their role. Pages of later work are added
here.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from geo.accounts import ADMINS, EDITORS, PLANNERS, REVIEWERS, ROLES, STAFF
from geo.crs import CRS_LABELS
from geo.vocab import (
    KINDS,
    LEVELS,
    OCCUPATIONS,
    PROBLEM_CATEGORIES,
    PROBLEM_SOURCES,
    PROBLEM_STATES,
    REVIEW_STATES,
    SERVICES,
    STATUSES,
    TARGET_METRICS,
)
from maps.assets import hash_urls
from maps.pages import _json_for_script, _template, map_config, terms

#: The pages' scripts and styles (served at /static/yizhan/).
STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class ConsolePage:
    """A page of the console: its key, its path, its title and who may use it."""

    key: str
    path: str
    zh: str
    en: str
    roles: frozenset[str]
    #: False for a page reached from another page (one station), not from the navigation.
    nav: bool = True


PAGES: tuple[ConsolePage, ...] = (
    ConsolePage("review", "/console/review", "审核", "Review", REVIEWERS),
    ConsolePage("stations", "/console/stations", "站点", "Stations", STAFF),
    # The field staff form predates the console; it is linked, not re-built.
    ConsolePage("field", "/staff", "外勤登记", "Field form", EDITORS),
    ConsolePage("unlocated", "/console/unlocated", "未定位", "Unlocated", EDITORS),
    ConsolePage("import", "/console/import", "导入", "Import", EDITORS),
    ConsolePage("mine", "/console/mine", "我的提交", "My submissions", frozenset({"field_staff"})),
    ConsolePage("users", "/console/users", "用户", "Users", ADMINS),
    ConsolePage("targets", "/console/targets", "目标", "Targets", PLANNERS),
    ConsolePage("coverage", "/console/coverage", "覆盖率", "Coverage", PLANNERS),
    ConsolePage("station", "/console/stations/{id}", "站点详情", "Station", STAFF, nav=False),
    ConsolePage("problems", "/console/problems", "问题", "Problems", REVIEWERS),
    ConsolePage(
        "evaluation", "/console/evaluation", "年度评估", "Evaluation", PLANNERS | REVIEWERS
    ),
    ConsolePage("inspect", "/console/inspect", "巡查", "Inspect", EDITORS),
    ConsolePage("usage", "/console/usage", "服务人次", "Usage", EDITORS),
    ConsolePage("plan", "/console/plan", "选址方案", "Plan", PLANNERS),
    ConsolePage("workspace", "/console/workspace", "规划工作台", "Workspace", PLANNERS),
)
PAGE_BY_KEY = {p.key: p for p in PAGES}
#: The console's home: the pages of the signed-in person's role.
HOME = "/console"

#: One line on what each page is for (Chinese, English), listed on the console's home.
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "review": ("审核新站点和修改申请，批准或驳回。", "Approve or reject new stations and changes."),
    "stations": (
        "全部站点：搜索、筛选、排序，查看历史、修改、变更状态。",
        "Every station: search, filter, sort; history, edits, status changes.",
    ),
    "import": (
        "导入站点表（CSV、XLSX、GeoJSON）：先在地图和表格中预览，再确认。",
        "Import a station list: preview it on a map and a table, then confirm.",
    ),
    "field": ("在现场登记新站点（手机）。", "Register a new station on the spot (phone)."),
    "unlocated": (
        "给只有地址的草稿定位：拖动图钉或粘贴坐标。",
        "Place address-only drafts: drag the pin or paste a coordinate.",
    ),
    "mine": (
        "我登记的站点和提出的修改：审核状态和审核意见。",
        "Your stations and changes: review state and the reviewers' comments.",
    ),
    "users": (
        "账号：添加、停用、重置密码、更改角色。",
        "Accounts: add, disable, reset a password, change a role.",
    ),
    "targets": ("覆盖率和新建站点数的目标。", "The coverage and new-station targets."),
    "coverage": (
        "步行覆盖率、目标进度、数据健康和覆盖率报告。",
        "Walking coverage, progress to the targets, data health and the report.",
    ),
    "problems": (
        "群众反映和巡查发现的问题：确认、不属实、已整改，可暂停和重新开放站点。",
        "Reported problems: confirm, dismiss, mark fixed; close and reopen the station.",
    ),
    "evaluation": (
        "年度评估：每个站点的得分、星级、原因和降级标记，可下载 XLSX。",
        "The yearly evaluation: each station's score, stars, reasons and flags; XLSX.",
    ),
    "inspect": (
        "现场巡查（手机）：按站点标准逐项检查、拍照、定位；不合格项自动登记为问题。",
        "Inspect a station on the spot (phone): the standard's checklist, photos, GPS; "
        "failed items become problems.",
    ),
    "usage": (
        "登记纸质表上的服务人次，并与扫码签到对照。",
        "Enter the visitors counted on paper, beside the QR check-ins.",
    ),
    "plan": (
        "计算选址方案（最少站点全覆盖或最优 k 个）：地图和表格中的新址，"
        "可拖动后重新核验，导出 CSV/XLSX。",
        "Run a siting plan (fewest sites or best k): the sites on a map and a table, "
        "move them and re-verify, export CSV/XLSX.",
    ),
    "workspace": (
        "规划工作台：任一日期的覆盖地图、趋势和缺口；在地图上假设增减站点，保存并比较方案。",
        "The planner workspace: the coverage map, trend and gaps of any date; what-if "
        "stations on the map, saved and compared as scenarios.",
    ),
}


def landing_path(role: str) -> str:
    """Where a person of ``role`` goes after signing in: reviewers and admins to Review,
    field staff to the field form, planners to Coverage, anyone else to the console's
    home."""
    if role in REVIEWERS:
        return PAGE_BY_KEY["review"].path
    if role == "field_staff":
        return PAGE_BY_KEY["field"].path
    if role in PLANNERS:
        return PAGE_BY_KEY["coverage"].path
    return HOME


def pages_for(role: str) -> list[ConsolePage]:
    """The console pages ``role`` may use, in navigation order (pages reached from
    another page, such as one station's, are not in the navigation)."""
    return [p for p in PAGES if role in p.roles and p.nav]


def _nav(role: str, active: str) -> str:
    links = []
    for p in pages_for(role):
        current = ' aria-current="page"' if p.key == active else ""
        links.append(
            f'<li><a href="{escape(p.path)}"{current}>{escape(p.zh)} '
            f'<small lang="en">{escape(p.en)}</small></a></li>'
        )
    return "\n".join(links)


def _shell(  # noqa: PLR0913 - the shell's parts
    *,
    title: str,
    main: str,
    page: str,
    user: dict[str, str] | None,
    active: str = "",
    config: dict[str, Any] | None = None,
    leaflet: bool = False,
) -> str:
    """The console page around ``main``; a page with a script of its own
    (maps/static/console-<page>.js) gets it after the shell's."""
    page_js = ""
    if (STATIC / f"console-{page}.js").is_file():
        page_js = f'<script src="/static/yizhan/console-{escape(page)}.js"></script>'
    who = ""
    nav = ""
    if user is not None:
        nav = _nav(user["role"], active)
        who = (
            f'<span id="who-name">{escape(user["name"])}（{escape(ROLES[user["role"]])}）</span> '
            '<button type="button" id="logout">退出 <small lang="en">sign out</small></button>'
        )
    page_html = _template("console.html").substitute(
        title=escape(title),
        page=escape(page),
        nav=nav,
        who=who,
        main=main,
        config=_json_for_script(config or {}),
        leaflet_css='<link rel="stylesheet" href="/static/leaflet/leaflet.css">' if leaflet else "",
        page_js=page_js,
        leaflet_js=(
            '<script src="/static/leaflet/leaflet.js"></script>'
            '<script src="/static/yizhan/vendor/protomaps-leaflet/protomaps-leaflet.js"></script>'
            '<script src="/static/yizhan/basemap.js"></script>'
        )
        if leaflet
        else "",
    )
    return hash_urls(page_html)


def render_login() -> str:
    """The sign-in page (the existing session login; the browser keeps an HttpOnly
    cookie, never the token)."""
    return _shell(
        title="登录 · Sign in",
        main=_template("console_login.html").template,
        page="login",
        user=None,
    )


def render_forbidden(user: dict[str, str], page: ConsolePage) -> str:
    """The 403 page: who is signed in, which page they may not use, and what they may."""
    allowed = ", ".join(p.zh for p in pages_for(user["role"])) or "（无 none）"
    main = _template("console_forbidden.html").substitute(
        page_zh=escape(page.zh),
        page_en=escape(page.en),
        roles_zh=escape("、".join(ROLES[r] for r in sorted(page.roles))),
        roles_en=escape(", ".join(sorted(page.roles))),
        role_zh=escape(ROLES[user["role"]]),
        role_en=escape(user["role"]),
        allowed=escape(allowed),
        home=escape(landing_path(user["role"])),
    )
    return _shell(title="无权访问 · Forbidden", main=main, page="forbidden", user=user)


def _home_item(page: ConsolePage) -> str:
    zh, en = DESCRIPTIONS.get(page.key, ("", ""))
    return (
        f'<li><a href="{escape(page.path)}">{escape(page.zh)} '
        f'<small lang="en">{escape(page.en)}</small></a>'
        f'<p>{escape(zh)} <span lang="en">{escape(en)}</span></p></li>'
    )


def render_home(user: dict[str, str]) -> str:
    """The console's home: the pages of the person's role, each with what it is for."""
    items = "\n".join(_home_item(p) for p in pages_for(user["role"]))
    main = _template("console_home.html").substitute(
        role_zh=escape(ROLES[user["role"]]),
        role_en=escape(user["role"]),
        pages=items or '<li class="hint">（无 none）</li>',
    )
    return _shell(title="控制台 · Console", main=main, page="home", user=user)


def console_links() -> dict[str, list[dict[str, str]]]:
    """For each role, the console pages it may use (path, Chinese, English), its landing
    page first and the console's home last: the field form links to them once someone
    has signed in (the form learns the role only then)."""
    links: dict[str, list[dict[str, str]]] = {}
    for role in ROLES:
        landing = landing_path(role)
        pages = sorted(pages_for(role), key=lambda p: p.path != landing)
        links[role] = [{"path": p.path, "zh": p.zh, "en": p.en} for p in pages] + [
            {"path": HOME, "zh": "控制台", "en": "Console"}
        ]
    return links


def _page(key: str, user: dict[str, str], config: dict[str, Any], leaflet: bool = False) -> str:
    """Console page ``key`` in the shell: its title from :data:`PAGES`, its body from
    ``console_<key>.html``, its script's ``config``."""
    page = PAGE_BY_KEY[key]
    return _shell(
        title=f"{page.zh} · {page.en}",
        main=_template(f"console_{key}.html").template,
        page=key,
        user=user,
        active=key,
        config=config,
        leaflet=leaflet,
    )


def render_review(
    user: dict[str, str],
    centre: tuple[float, float],
    tile_url: str,
    duplicate_radius_m: float,
    timezone: str,
) -> str:
    """The Review page: the queue of new stations and revisions, decided in the page."""
    config = {
        **map_config(centre, tile_url),
        "kinds": terms(KINDS),
        "levels": terms(LEVELS),
        "services": terms(SERVICES),
        "statuses": terms(STATUSES),
        "duplicate_radius_m": duplicate_radius_m,
        "timezone": timezone,
    }
    return _page("review", user, config, leaflet=True)


#: The datums a pasted coordinate may be in, named as the map sites that copy them.
DATUM_CHOICES: tuple[dict[str, str], ...] = (
    {"code": "gcj02", "zh": f"{CRS_LABELS['gcj02']} 高德 / 腾讯", "en": "Amap, Tencent"},
    {"code": "bd09", "zh": f"{CRS_LABELS['bd09']} 百度", "en": "Baidu"},
    {"code": "wgs84", "zh": f"{CRS_LABELS['wgs84']} GPS", "en": "GPS, OpenStreetMap"},
)


def render_unlocated(
    user: dict[str, str], centre: tuple[float, float], tile_url: str, timezone: str
) -> str:
    """The Unlocated page: the address-only drafts, placed by a pin or a pasted coordinate."""
    config = {
        **map_config(centre, tile_url),
        "kinds": terms(KINDS),
        "datums": list(DATUM_CHOICES),
        "timezone": timezone,
    }
    return _page("unlocated", user, config, leaflet=True)


def render_mine(user: dict[str, str], timezone: str) -> str:
    """My submissions: a field worker's drafts and revisions, their review state and the
    reviewer's comments."""
    config = {
        "kinds": terms(KINDS),
        "levels": terms(LEVELS),
        "services": terms(SERVICES),
        "statuses": terms(STATUSES),
        "timezone": timezone,
        "user": user["name"],
    }
    return _page("mine", user, config)


#: The roles in English words, beside their Chinese names on the Users page (the select
#: showed the codes: 外勤人员 field_staff).
ROLE_EN: dict[str, str] = {
    "field_staff": "field staff",
    "reviewer": "reviewer",
    "planner": "planner",
    "admin": "admin",
}


def render_users(user: dict[str, str], timezone: str) -> str:
    """The Users page (admins): accounts, add, disable / enable, reset, change role."""
    config = {
        "roles": [{"code": code, "zh": zh, "en": ROLE_EN[code]} for code, zh in ROLES.items()],
        "timezone": timezone,
        "me": user["name"],
    }
    return _page("users", user, config)


def render_targets(user: dict[str, str]) -> str:
    """The Targets page (planners, admins): the targets of ``yizhan targets`` as a form."""
    config = {"kinds": terms(KINDS), "metrics": terms(TARGET_METRICS)}
    return _page("targets", user, config)


def render_coverage(user: dict[str, str], today: str) -> str:
    """The Coverage page (planners, admins): the headline figures as of a date, the
    targets, the data health and the report; ``today`` (the city's) is the default date."""
    config = {
        "kinds": terms(KINDS),
        "metrics": terms(TARGET_METRICS),
        "today": today,
        "report": "/console/coverage/report",
    }
    return _page("coverage", user, config)


#: Rows on a page of the stations registry.
REGISTRY_PAGE_SIZE = 50


def render_stations(user: dict[str, str], timezone: str, districts: list[str]) -> str:
    """The Stations registry (all staff): search, filters, sortable columns and pages of
    ``GET /api/v1/staff/stations``; each row links to its station page."""
    config = {
        "kinds": terms(KINDS),
        "statuses": terms(STATUSES),
        "review_states": terms(REVIEW_STATES),
        "districts": districts,
        "timezone": timezone,
        "page_size": REGISTRY_PAGE_SIZE,
    }
    return _page("stations", user, config)


def render_station(
    user: dict[str, str],
    station_id: int,
    centre: tuple[float, float],
    tile_url: str,
    timezone: str,
) -> str:
    """One station's page (all staff): its fields, map, history as field diffs, edit
    with If-Match and a conflict screen, status changes, correcting a rejected
    submission."""
    config = {
        **map_config(centre, tile_url),
        "station_id": station_id,
        "datums": list(DATUM_CHOICES),
        "kinds": terms(KINDS),
        "levels": terms(LEVELS),
        "services": terms(SERVICES),
        "statuses": terms(STATUSES),
        "timezone": timezone,
        "user": user["name"],
        "role": user["role"],
        "editor": user["role"] in EDITORS,
    }
    return _page("station", user, config, leaflet=True)


#: The text encodings an import may name; "" lets the server detect UTF-8 or GBK.
IMPORT_ENCODINGS: tuple[dict[str, str], ...] = (
    {"code": "", "zh": "自动（UTF-8 或 GBK）", "en": "auto"},
    {"code": "utf-8", "zh": "UTF-8", "en": "UTF-8"},
    {"code": "gbk", "zh": "GBK 简体", "en": "GBK"},
    {"code": "big5", "zh": "Big5 繁体", "en": "Big5"},
    {"code": "shift_jis", "zh": "Shift_JIS 日文", "en": "Shift_JIS"},
)


def render_import(
    user: dict[str, str], centre: tuple[float, float], tile_url: str, preview_rows: int
) -> str:
    """The Import page (editors): a station file previewed (dry run) on a map and a
    table, then imported, in the background for big files."""
    config = {
        **map_config(centre, tile_url),
        "kinds": terms(KINDS),
        "datums": list(DATUM_CHOICES),
        "encodings": list(IMPORT_ENCODINGS),
        "preview_rows": preview_rows,
    }
    return _page("import", user, config, leaflet=True)


def render_problems(user: dict[str, str], timezone: str) -> str:
    """The Problems page (reviewers, admins): the problem queue with its filters, each
    problem's photo and masked phone, and the decisions with a comment (#15)."""
    config = {
        "categories": terms(PROBLEM_CATEGORIES),
        "states": terms(PROBLEM_STATES),
        "sources": terms(PROBLEM_SOURCES),
        "services": terms(SERVICES),
        "statuses": terms(STATUSES),
        "timezone": timezone,
    }
    return _page("problems", user, config)


def render_evaluation(user: dict[str, str], year: int) -> str:
    """The yearly evaluation page (planners, reviewers, admins): ``GET /api/v1/evaluation``
    for a year and an as-of date, as a filterable table whose rows open to their reasons;
    ``year`` (the city's current one) is the default."""
    from geo.operations.evaluation import FLAGS

    config = {
        "kinds": terms(KINDS),
        "flags": [{"code": c, "zh": zh, "en": en} for c, (zh, en) in FLAGS.items()],
        "year": year,
    }
    return _page("evaluation", user, config)


def render_inspect(
    user: dict[str, str],
    station_id: int | None,
    warn_m: float,
    timezone: str,
    photo_max_side: int,
) -> str:
    """The Inspect page (field staff, reviewers, admins), phone first: choose a station
    (by name, or the nearest to the phone), answer the standard's checklist, add photos
    (scaled down to ``photo_max_side`` in the browser before sending, as the server
    would store them) and the GPS position, submit; ``station_id`` preselects a station."""
    config = {
        "station_id": station_id,
        "warn_m": warn_m,
        "photo_max_side": photo_max_side,
        "timezone": timezone,
        "categories": terms(PROBLEM_CATEGORIES),
        "states": terms(PROBLEM_STATES),
    }
    return _page("inspect", user, config)


def render_usage(user: dict[str, str], today: str, timezone: str) -> str:
    """The Usage page (field staff, reviewers, admins): a station's paper visitor count
    per day, entered or corrected, beside its QR check-ins (issue 15)."""
    config = {
        "kinds": terms(KINDS),
        "occupations": terms(OCCUPATIONS),
        "today": today,
        "timezone": timezone,
    }
    return _page("usage", user, config)


def render_plan(  # noqa: PLR0913 - the page's settings
    user: dict[str, str],
    centre: tuple[float, float],
    tile_url: str,
    *,
    today: str,
    max_time_limit_s: float,
    default_time_limit_s: float,
    timezone: str,
) -> str:
    """The Plan page (planners, admins): a siting plan run as a job with its progress,
    the sites on a map and in a table, moved and re-verified, exported (#16)."""
    config = {
        **map_config(centre, tile_url),
        "kinds": terms(KINDS),
        "today": today,
        "max_time_limit_s": max_time_limit_s,
        "default_time_limit_s": default_time_limit_s,
        "timezone": timezone,
    }
    return _page("plan", user, config, leaflet=True)


def render_workspace(
    user: dict[str, str], today: str, centre: tuple[float, float], tile_url: str
) -> str:
    """The planner workspace (planners, admins, issue 16): the coverage map of an as-of
    date and kind (covered and uncovered main streets, key districts by coverage, the
    operating stations), the headline figures, the trend chart with the target line, the
    gaps by street, the report links, and what-if scenarios on the map; ``today`` (the
    city's) is the default date."""
    base = map_config(centre, tile_url)
    # The page draws the operating stations of the date itself (the basemap's are today's).
    base["basemap"] = {**base["basemap"], "stations": False}
    config = {
        **base,
        "kinds": terms(KINDS),
        "metrics": terms(TARGET_METRICS),
        "today": today,
        "report": "/console/coverage/report",
        "plan": "/console/plan",
    }
    return _page("workspace", user, config, leaflet=True)
