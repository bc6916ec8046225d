"""The HTML encoding of the OGC API (``f=html``): the landing page, conformance,
collections, one collection, its queryables, a page of features and one feature, drawn
from the same documents as the JSON. Server-rendered, Chinese first with English, no
script; every value is escaped.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from maps.assets import hash_urls

_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · 驿站 OGC API</title>
<link rel="stylesheet" href="/static/yizhan/ogc.css">
</head>
<body>
<header class="ogc-bar"><a href="{home}">驿站 OGC API</a>
<small lang="en">Yizhan OGC API</small></header>
<main class="ogc">
<h1>{heading}</h1>
{body}
</main>
</body>
</html>
"""


def _e(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return escape(str(value), quote=True)


def _heading(zh: str, en: str) -> str:
    return f'{_e(zh)} <small lang="en">{_e(en)}</small>'


def _links(links: list[dict[str, Any]]) -> str:
    items = "".join(
        f'<li><a href="{_e(link["href"])}">{_e(link.get("title") or link["rel"])}</a>'
        f" <small>{_e(link['rel'])} · {_e(link.get('type', ''))}</small></li>"
        for link in links
    )
    return (
        f'<section><h2>链接 <small lang="en">Links</small></h2><ul class="ogc-links">{items}'
        "</ul></section>"
    )


def _table(head: list[tuple[str, str]], rows: list[list[str]]) -> str:
    """A table: ``head`` as (Chinese, English) pairs; ``rows`` already escaped HTML."""
    ths = "".join(
        f'<th scope="col">{_e(zh)} <small lang="en">{_e(en)}</small></th>' for zh, en in head
    )
    trs = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    table = f"<table><thead><tr>{ths}</tr></thead><tbody>{trs}</tbody></table>"
    return f'<div class="ogc-scroll">{table}</div>'


def page(title: str, zh: str, en: str, body: str, home: str) -> str:
    """A whole page around ``body`` (already escaped HTML)."""
    html = _PAGE.format(title=_e(title), heading=_heading(zh, en), body=body, home=_e(home))
    return hash_urls(html)


def landing(doc: dict[str, Any], home: str) -> str:
    """The landing page."""
    body = f"<p>{_e(doc['description'])}</p>{_links(doc['links'])}"
    return page(doc["title"], "驿站 OGC API", "Yizhan OGC API", body, home)


def conformance(doc: dict[str, Any], home: str) -> str:
    """The conformance classes."""
    items = "".join(f"<li><code>{_e(c)}</code></li>" for c in doc["conformsTo"])
    return page("Conformance", "符合的标准类", "Conformance classes", f"<ul>{items}</ul>", home)


def _href(links: list[dict[str, Any]], rel: str) -> str:
    return next((link["href"] for link in links if link["rel"] == rel), "")


def collections(doc: dict[str, Any], home: str) -> str:
    """The collections."""
    rows = [
        [
            f'<a href="{_e(_href(c["links"], "self"))}">{_e(c["title"])}</a>',
            _e(c["description"]),
            f'<a href="{_e(_href(c["links"], "items"))}">要素 <small lang="en">items</small></a>',
        ]
        for c in doc["collections"]
    ]
    body = _table([("数据集", "Collection"), ("说明", "Description"), ("要素", "Items")], rows)
    return page("Collections", "数据集", "Collections", body + _links(doc["links"]), home)


def collection(doc: dict[str, Any], home: str) -> str:
    """One collection's description."""
    bbox = doc["extent"]["spatial"]["bbox"][0]
    facts = [
        ("编号", "id", _e(doc["id"])),
        ("说明", "description", _e(doc["description"])),
        ("范围", "extent (CRS84)", _e(", ".join(f"{v:.6f}" for v in bbox))),
        ("存储坐标系", "storage CRS", f"<code>{_e(doc['storageCrs'])}</code>"),
        ("可用坐标系", "CRS", "<br>".join(f"<code>{_e(c)}</code>" for c in doc["crs"])),
    ]
    rows = "".join(
        f'<tr><th scope="row">{_e(zh)} <small lang="en">{_e(en)}</small></th><td>{v}</td></tr>'
        for zh, en, v in facts
    )
    body = f"<table>{rows}</table>{_links(doc['links'])}"
    return page(doc["title"], doc["title"], doc["id"], body, home)


def queryables(doc: dict[str, Any], home: str) -> str:
    """A collection's queryables."""
    rows = [
        [f"<code>{_e(name)}</code>", _e(p.get("title", "")), _e(p.get("type") or p.get("format"))]
        for name, p in doc["properties"].items()
    ]
    body = _table([("属性", "Property"), ("名称", "Title"), ("类型", "Type")], rows)
    return page("Queryables", "可查询的属性", "Queryables", body, home)


def _feature_row(feature: dict[str, Any], names: list[str], href: str) -> list[str]:
    props = feature["properties"]
    first = f'<a href="{_e(href)}/{_e(feature["id"])}">{_e(feature["id"])}</a>'
    return [first, *(_e(props.get(n)) for n in names)]


Labels = dict[str, tuple[str, str]]


def items(
    doc: dict[str, Any], title: str, items_href: str, home: str, labels: Labels | None = None
) -> str:
    """A page of features; ``labels`` name the properties (Chinese, English)."""
    labels = labels or {}
    names: list[str] = list(dict.fromkeys(n for f in doc["features"] for n in f["properties"]))
    rows = [_feature_row(f, names, items_href) for f in doc["features"]]
    head = [("编号", "id"), *(labels.get(n, (n, n)) for n in names)]
    summary = (
        f"<p>共 {_e(doc['numberMatched'])} 个，本页 {_e(doc['numberReturned'])} 个 "
        f'<small lang="en">{_e(doc["numberMatched"])} matched, '
        f"{_e(doc['numberReturned'])} on this page</small></p>"
    )
    body = summary + _table(head, rows) + _links(doc["links"])
    return page(title, title, "items", body, home)


def item(doc: dict[str, Any], title: str, home: str, labels: Labels | None = None) -> str:
    """One feature; ``labels`` name the properties (Chinese, English)."""
    labels = labels or {}
    rows = "".join(
        f'<tr><th scope="row">{_e(labels.get(k, (k, k))[0])}'
        f' <small lang="en">{_e(labels.get(k, (k, k))[1])}</small></th><td>{_e(v)}</td></tr>'
        for k, v in doc["properties"].items()
    )
    geometry = f"<p><code>{_e(doc['geometry'])}</code></p>"
    body = f"<table>{rows}</table>{geometry}{_links(doc['links'])}"
    return page(title, title, f"#{doc['id']}", body, home)
