"""The coverage report's map, made with folium and fit to open offline.

folium's own page loads Leaflet, jQuery, Bootstrap and awesome-markers from CDNs and a
tile layer from the internet. This map uses none of them: its :class:`OfflineMap` asks
for no external asset (the report inlines the Leaflet of ``xstatic-leaflet``), draws the
main streets, the key districts, the gaps and the stations themselves on a plain
background (a tile URL is an option, for a copy that may go online), and every tooltip
and legend line is set as text (``textContent``), never as markup: names come from
imports, OSM and staff edits. Geometries are simplified to a tolerance finer than a
screen pixel at street zoom, so the file stays small on a whole district.

:func:`render_map` returns the map's parts (the element to place in the page and the
script to run after Leaflet); :mod:`maps.coverage_report` places them in the report.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import folium
import shapely
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from geo.vocab import KINDS

#: Simplification tolerance in degrees (about 2 m in Shenzhen): under a pixel up to
#: zoom 16, where one pixel is about 2.2 m at 22.5° N.
SIMPLIFY_DEG = 2e-5
#: Coordinates are kept to this grid (about 1 m).
GRID_DEG = 1e-5

COVERED = "#2b6cb0"
UNCOVERED = "#e53e3e"
AREA_GAP = "#c53030"
SITE = "#2b6cb0"
KIND_COLOUR = {
    "love_station": "#d53f8c",
    "mother_baby_room": "#805ad5",
    "worker_bookshop": "#dd6b20",
}


def shade(share: float | None) -> str:
    """A key district's fill: red (nothing covered) to green (all covered), grey for
    no figure."""
    if share is None:
        return "#a0aec0"
    return f"rgb({round(220 * (1 - share))},{round(160 * share + 40)},80)"


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


@dataclass(frozen=True)
class MapParts:
    """What the page needs of the map: its element (HTML) and its script (JavaScript to
    run after Leaflet, inside one ``<script>`` element)."""

    html: str
    script: str


class OfflineMap(folium.Map):
    """A folium map that asks for no external asset (the page inlines Leaflet) and
    leaves the page's own layout alone: folium's page-wide styles (``html, body`` and
    ``#map`` at full size) and its jQuery call are not used."""

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []
    _template = Template(
        """
        {% macro html(this, kwargs) %}
            <div class="folium-map" id={{ this.get_name()|tojson }}></div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
        {% endmacro %}
        """
    )


class TextTooltip(MacroElement):
    """A tooltip on its parent layer whose content is text only: a feature's property
    (``field``, for GeoJSON layers) or a fixed string, set as ``textContent``. folium's
    own ``Tooltip`` and ``GeoJsonTooltip`` insert their text as HTML."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindTooltip(function (layer) {
                var span = document.createElement('span');
                {%- if this.field %}
                var props = (layer.feature && layer.feature.properties) || {};
                span.textContent = String(props[{{ this.field|tojson }}]);
                {%- else %}
                span.textContent = {{ this.text|tojson }};
                {%- endif %}
                return span;
            }, {{ this.options|tojavascript }});
        {% endmacro %}
        """
    )

    def __init__(self, *, field: str | None = None, text: str | None = None, sticky: bool = True):
        super().__init__()
        self._name = "TextTooltip"
        self.field, self.text = field, text
        self.options = {"sticky": sticky}


class Legend(MacroElement):
    """The map's legend, Chinese first with English: one line per swatch (a CSS
    background, or a dot's colour), built node by node as text."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function () {
                var legend = L.control({ position: 'bottomright' });
                legend.onAdd = function () {
                    var box = L.DomUtil.create('div', 'legend');
                    var title = document.createElement('b');
                    title.textContent = {{ this.title|tojson }};
                    box.appendChild(title);
                    {{ this.lines|tojson }}.forEach(function (line) {
                        var row = L.DomUtil.create('div', 'legend-line', box);
                        var swatch = L.DomUtil.create('i', line[0], row);
                        swatch.style.cssText = line[1];
                        row.appendChild(document.createTextNode(line[2] + ' '));
                        var en = document.createElement('small');
                        en.lang = 'en';
                        en.textContent = line[3];
                        row.appendChild(en);
                    });
                    return box;
                };
                legend.addTo({{ this._parent.get_name() }});
            })();
        {% endmacro %}
        """
    )

    def __init__(self, title: str, lines: list[tuple[str, str, str, str]]):
        super().__init__()
        self._name = "Legend"
        self.title, self.lines = title, [list(line) for line in lines]


class Ready(MacroElement):
    """Sets ``window.reportMapReady`` once everything above it ran (tests wait on it)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            window.reportMapReady = true;
        {% endmacro %}
        """
    )


def _features(features: list[dict[str, Any]], tolerance: float) -> list[dict[str, Any]]:
    """The features with simplified geometries on the coordinate grid, each with an
    ``id`` (folium's styles key on it); features simplified away are dropped."""
    if not features:
        return []
    geoms = shapely.simplify(
        [shapely.geometry.shape(f["geometry"]) for f in features],
        tolerance,
        preserve_topology=True,
    )
    geoms = shapely.set_precision(geoms, GRID_DEG)
    return [
        {
            "type": "Feature",
            "id": i,
            "geometry": shapely.geometry.mapping(g),
            "properties": f["properties"],
        }
        for i, (f, g) in enumerate(zip(features, geoms, strict=True))
        if not g.is_empty
    ]


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _points(rows: list[dict[str, Any]], tip: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "Feature",
            "id": i,
            "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            "properties": {"tip": tip.format(**r)},
        }
        for i, r in enumerate(rows)
    ]


def _layer(
    m: folium.Map,
    name: str,
    features: list[dict[str, Any]],
    style: Any,
    *,
    marker: Any = None,
    tooltip: bool = True,
) -> folium.GeoJson:
    """A GeoJSON overlay named ``name`` in the layer control; its tooltip is the
    features' ``tip`` property."""
    layer = folium.GeoJson(_collection(features), name=name, style_function=style, marker=marker)
    if tooltip and features:
        layer.add_child(TextTooltip(field="tip"))
    layer.add_to(m)
    return layer


def _bounds(layers: list[list[dict[str, Any]]]) -> list[list[float]] | None:
    geoms = [shapely.geometry.shape(f["geometry"]) for fs in layers for f in fs]
    if not geoms:
        return None
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    return [[float(y0), float(x0)], [float(y1), float(x1)]]


def build_map(
    layers: dict[str, Any],
    *,
    tiles: str | None = None,
    attribution: str | None = None,
    tolerance: float = SIMPLIFY_DEG,
) -> OfflineMap:
    """The folium map of a report's ``map`` layers (WGS-84 GeoJSON features and
    station and site rows): key districts shaded by area coverage, the area gaps, main
    streets covered and uncovered, stations one layer per kind and the recommended
    sites, with a layer control and a legend. ``tiles`` (a URL template) adds a
    background tile layer; without it nothing is fetched."""
    m = OfflineMap(location=[0, 0], zoom_start=2, tiles=None, attribution_control=False)
    if tiles:
        folium.TileLayer(tiles=tiles, attr=attribution or tiles, name="底图 Base map").add_to(m)
    districts = _features(
        [
            {
                "geometry": f["geometry"],
                "properties": {
                    "share": f["properties"]["area_share"],
                    "tip": f"{f['properties']['district']} 面积覆盖率 "
                    f"{_pct(f['properties']['area_share'])}",
                },
            }
            for f in layers["key_districts"]
        ],
        tolerance,
    )
    _layer(
        m,
        "重点区域（面积覆盖率）Key districts",
        districts,
        lambda f: {
            "color": "#2d3748",
            "weight": 2,
            "fillColor": shade(f["properties"]["share"]),
            "fillOpacity": 0.25,
        },
    )
    # Area gaps have no tooltip: their properties are left out of the page.
    area_gaps = _features(
        [{"geometry": f["geometry"], "properties": {}} for f in layers["area_gap"]], tolerance
    )
    _layer(
        m,
        "重点区域未覆盖 Key-district gaps",
        area_gaps,
        lambda f: {"color": AREA_GAP, "weight": 0, "fillColor": AREA_GAP, "fillOpacity": 0.18},
        tooltip=False,
    )
    covered = _features(
        [
            {
                "geometry": f["geometry"],
                "properties": {"tip": f"{f['properties']['street']} 已覆盖"},
            }
            for f in layers["street_covered"]
        ],
        tolerance,
    )
    _layer(
        m,
        "已覆盖主要街道 Covered main streets",
        covered,
        lambda f: {"color": COVERED, "weight": 4},
    )
    gaps = _features(
        [
            {
                "geometry": f["geometry"],
                "properties": {
                    "tip": f"{f['properties']['street']} 未覆盖 "
                    f"{round(f['properties']['measure'])} 米"
                },
            }
            for f in layers["street_gap"]
        ],
        tolerance,
    )
    _layer(
        m,
        "未覆盖主要街道（缺口）Uncovered main streets (gaps)",
        gaps,
        lambda f: {"color": UNCOVERED, "weight": 4},
    )
    for code, term in KINDS.items():
        rows = [{**s, "kind_zh": term.zh} for s in layers["stations"] if s["kind"] == code]
        colour = KIND_COLOUR.get(code, "#718096")
        _layer(
            m,
            f"{term.zh} {term.en}",
            _points(rows, "{kind_zh}：{name}"),
            lambda f, c=colour: {
                "color": "#fff",
                "weight": 1.5,
                "fillColor": c,
                "fillOpacity": 1,
            },
            marker=folium.CircleMarker(radius=6, fill=True),
        )
    sites = folium.FeatureGroup(name="建议新址 Recommended sites")
    for s in layers.get("sites") or []:
        marker = folium.Marker(
            [s["lat"], s["lon"]],
            icon=folium.DivIcon(html=str(int(s["rank"])), class_name="site", icon_size=(20, 20)),
        )
        marker.add_child(TextTooltip(text=f"建议新址 {s['rank']}：{s['street']}，{s['district']}"))
        marker.add_to(sites)
    sites.add_to(m)

    stations = _points(layers["stations"], "")
    site_points = _points(layers.get("sites") or [], "")
    bounds = _bounds([covered, gaps, stations, site_points]) or _bounds([districts])
    if bounds:
        m.fit_bounds(bounds, padding=(20, 20))
    Legend("图例 Legend", _legend_lines()).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    Ready().add_to(m)
    return m


def _legend_lines() -> list[tuple[str, str, str, str]]:
    line, area, dot = "swatch", "swatch area", "dot"
    return [
        (line, f"background:{COVERED}", "已覆盖主要街道", "covered main street"),
        (line, f"background:{UNCOVERED}", "未覆盖主要街道（缺口）", "uncovered main street (gap)"),
        (area, f"background:{AREA_GAP};opacity:.35", "重点区域未覆盖", "key-district gap"),
        (
            area,
            f"background:linear-gradient(90deg,{shade(0)},{shade(1)});opacity:.6",
            "重点区域：面积覆盖率 0→100%",
            "key district by area coverage",
        ),
        *(
            (dot, f"background:{KIND_COLOUR[code]}", term.zh, term.en)
            for code, term in KINDS.items()
        ),
        (
            dot,
            f"background:{SITE}",
            "建议新址（序号 = 建设顺序）",
            "recommended site (build order)",
        ),
    ]


def _number(root: Element) -> None:
    """Name the map's elements in order (folium names them at random), so the same
    report renders the same page."""
    counter = itertools.count()

    def walk(el: Element) -> None:
        el._id = f"{next(counter):04d}"  # noqa: SLF001 - folium's naming has no hook
        for child in el._children.values():  # noqa: SLF001
            walk(child)

    walk(root)


def render_map(m: folium.Map) -> MapParts:
    """The map's element and script, rendered by folium without its page (no CDN link,
    no page-wide style, no content-type ``<meta>``)."""
    _number(m)
    figure = m.get_root()
    assert isinstance(figure, Figure)
    for child in figure._children.values():  # noqa: SLF001 - Figure.render without the page
        child.render()
    html = figure.html.render()
    script = figure.script.render()
    if "</script" in script.lower() or "<!--" in script:
        raise ValueError("the map's script cannot be inlined in a <script> element")
    return MapParts(html=html.strip(), script=script.strip())
