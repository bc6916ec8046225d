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

from geo.accounts import ADMINS, EDITORS, PLANNERS, REVIEWERS, ROLES
from geo.crs import CRS_LABELS
from geo.vocab import KINDS, LEVELS, SERVICES, STATUSES, TARGET_METRICS
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


PAGES: tuple[ConsolePage, ...] = (
    ConsolePage("review", "/console/review", "审核", "Review", REVIEWERS),
    # The field staff form predates the console; it is linked, not re-built.
    ConsolePage("field", "/staff", "外勤登记", "Field form", EDITORS),
    ConsolePage("unlocated", "/console/unlocated", "未定位", "Unlocated", EDITORS),
    ConsolePage("mine", "/console/mine", "我的提交", "My submissions", frozenset({"field_staff"})),
    ConsolePage("users", "/console/users", "用户", "Users", ADMINS),
    ConsolePage("targets", "/console/targets", "目标", "Targets", PLANNERS),
    ConsolePage("import", "/console/import", "导入", "Import", EDITORS),
)
PAGE_BY_KEY = {p.key: p for p in PAGES}


def landing_path(role: str) -> str:
    """Where a person of ``role`` goes after signing in: reviewers and admins to Review,
    field staff to the field form, anyone else to the console's home."""
    if role in REVIEWERS:
        return PAGE_BY_KEY["review"].path
    if role == "field_staff":
        return PAGE_BY_KEY["field"].path
    return "/console"


def pages_for(role: str) -> list[ConsolePage]:
    """The console pages ``role`` may use, in navigation order."""
    return [p for p in PAGES if role in p.roles]


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
    return _template("console.html").substitute(
        title=escape(title),
        page=escape(page),
        nav=nav,
        who=who,
        main=main,
        config=_json_for_script(config or {}),
        leaflet_css='<link rel="stylesheet" href="/static/leaflet/leaflet.css">' if leaflet else "",
        page_js=page_js,
        leaflet_js='<script src="/static/leaflet/leaflet.js"></script>' if leaflet else "",
    )


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


def render_home(user: dict[str, str]) -> str:
    """The console's home for roles with no landing page of their own yet."""
    return _shell(
        title="控制台 · Console",
        main=_template("console_home.html").template,
        page="home",
        user=user,
    )


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
        "statuses": terms(STATUSES),
        "timezone": timezone,
        "user": user["name"],
    }
    return _page("mine", user, config)


def render_users(user: dict[str, str], timezone: str) -> str:
    """The Users page (admins): accounts, add, disable / enable, reset, change role."""
    config = {
        "roles": [{"code": code, "zh": zh} for code, zh in ROLES.items()],
        "timezone": timezone,
        "me": user["name"],
    }
    return _page("users", user, config)


def render_targets(user: dict[str, str]) -> str:
    """The Targets page (planners, admins): the targets of ``yizhan targets`` as a form."""
    config = {"kinds": terms(KINDS), "metrics": terms(TARGET_METRICS)}
    return _page("targets", user, config)


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
