"""GeoJSON shaping shared by the public station list and the OGC API."""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder


def point_feature(properties: dict[str, Any]) -> dict[str, Any]:
    """A Point feature from a public station record (its ``lon``/``lat`` are the point)."""
    props = {k: v for k, v in properties.items() if k not in ("lon", "lat")}
    return {
        "type": "Feature",
        "id": properties["id"],
        "geometry": {"type": "Point", "coordinates": [properties["lon"], properties["lat"]]},
        "properties": jsonable_encoder(props),
    }


def page_links(
    base_url: str, query: dict[str, Any], *, offset: int, limit: int, matched: int, media: str
) -> list[dict[str, str]]:
    """self/next/prev links of a page, keeping the other query parameters."""
    from urllib.parse import urlencode

    def url(off: int) -> str:
        params = {k: v for k, v in query.items() if k not in ("offset", "limit")}
        return f"{base_url}?{urlencode({**params, 'limit': limit, 'offset': off})}"

    links = [{"rel": "self", "type": media, "href": url(offset)}]
    if offset + limit < matched:
        links.append({"rel": "next", "type": media, "href": url(offset + limit)})
    if offset > 0:
        links.append({"rel": "prev", "type": media, "href": url(max(offset - limit, 0))})
    return links
