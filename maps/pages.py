"""Server-rendered pages (Jinja-free: small string templates with escaping)."""

from __future__ import annotations

from html import escape
from importlib import resources
from string import Template
from typing import Any

from geo.vocab import KINDS


def _template(name: str) -> Template:
    return Template(resources.files("maps").joinpath("templates", name).read_text("utf-8"))


def render_home(summary: dict[str, Any]) -> str:
    """The home page with the loaded city's figures."""
    rows = [
        ("区域 districts", summary.get("districts", 0)),
        ("重点区域 key districts", summary.get("key_districts", 0)),
        ("街道段 street segments", summary.get("streets", 0)),
        ("主要街道 main streets (km)", f"{summary.get('main_street_m', 0) / 1000:.1f}"),
        ("步行网络 walk network edges", summary.get("walk_edges", 0)),
    ]
    by_kind = summary.get("stations", {})
    rows += [(f"{t.zh} {t.en}", by_kind.get(code, 0)) for code, t in KINDS.items()]
    table = "\n".join(
        f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in rows
    )
    return _template("home.html").substitute(table=table)
