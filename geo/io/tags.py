"""Parsing street tags as real exports write them.

OSMnx exports write list-valued tags as text (``"['红荔西路', '红荔路']"``), GeoJSON may
carry real lists, and OSM uses ``;`` between values. These helpers turn any of them into
clean Python values.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np
import pandas as pd


def tag_values(value: Any) -> list[Any]:
    """A tag value as a list: real lists, list-like text (``"['a', 'b']"``) or scalars."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, list | tuple | np.ndarray):
        return [v for item in value for v in tag_values(item)]
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("[", "(")) and text.endswith(("]", ")")) and len(text) < 10_000:
            try:
                parsed = ast.literal_eval(text)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                return [text]
            if isinstance(parsed, list | tuple):
                return tag_values(parsed)
        return [text] if text else []
    if pd.isna(value):
        return []
    return [value]


def scalar_text(value: Any) -> str:
    """Text of a scalar; whole floats lose their ``.0`` (ids read as floats)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def split_values(value: Any) -> list[str]:
    """Distinct non-empty texts of a tag, ``;``-separated values split (OSM lists)."""
    texts = (part.strip() for v in tag_values(value) for part in scalar_text(v).split(";"))
    return list(dict.fromkeys(t for t in texts if t))


def join_ids(value: Any) -> str | None:
    """All ids of a tag joined with ``;`` (OSMnx merges ways into one edge), or None."""
    ids = [scalar_text(v) for v in tag_values(value)]
    return ";".join(dict.fromkeys(ids)) or None


def single_id(value: Any) -> str | None:
    """The id when the tag holds exactly one, else None."""
    ids = tag_values(value)
    return scalar_text(ids[0]) if len(ids) == 1 else None


def tag_text(value: Any) -> str | None:
    """The first text value of a tag, or None."""
    texts = [scalar_text(v) for v in tag_values(value)]
    return texts[0] if texts else None


def tag_text_lower(value: Any) -> str | None:
    """A text tag in lower case; None for anything else."""
    return value.lower() if isinstance(value, str) else None


def parse_bool(text: str) -> bool | None:
    """An OSM yes/no value (``-1`` and ``reverse`` count as yes); None when unknown."""
    text = text.strip().lower()
    if text in ("yes", "true", "1", "-1", "reverse"):
        return True
    if text in ("no", "false", "0"):
        return False
    return None


def parse_oneway(value: Any) -> bool | None:
    """One boolean for the (possibly list-valued) oneway; None when unknown or mixed."""
    found = {parse_bool(scalar_text(v)) for v in tag_values(value)}
    return found.pop() if len(found) == 1 else None


def is_backwards(value: Any) -> bool:
    """Whether a oneway tag says the way runs against its drawing direction."""
    return any(scalar_text(v).lower() in ("-1", "reverse") for v in tag_values(value))


#: Values of ``bridge``/``tunnel``/yes-no tags that mean "not one".
_NO = frozenset({"no", "false", "0", "none", ""})


def is_yes(value: Any) -> bool:
    """Whether a (possibly list-valued) tag holds a value other than ``no``: ``bridge=yes``,
    ``bridge=viaduct``, ``motorroad=yes`` all count."""
    return any(scalar_text(v).lower() not in _NO for v in tag_values(value))


def parse_layer(value: Any) -> int | None:
    """The first whole-number value of an OSM ``layer`` tag (``"-1"``, ``1.0``), or None."""
    for v in tag_values(value):
        try:
            return int(float(scalar_text(v)))
        except ValueError:
            continue
    return None


def street_level(bridge: Any, tunnel: Any, layer: Any) -> int:
    """A street's vertical level as OSM means it: ``layer`` when given, else 1 on a
    bridge, -1 in a tunnel (``tunnel=building_passage`` runs at ground level), else 0."""
    given = parse_layer(layer)
    if given is not None:
        return given
    if is_yes(bridge):
        return 1
    tunnels = {scalar_text(v).lower() for v in tag_values(tunnel)} - _NO
    if tunnels - {"building_passage"}:
        return -1
    return 0
