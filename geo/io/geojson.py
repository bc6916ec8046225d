"""Checking GeoJSON text before anything else reads it.

Hostile or broken files must give a clear error naming the feature, not a traceback:
nesting thousands of levels deep, features or properties of the wrong JSON type, and
numbers too long for Python to convert. The checks run in plain Python on the parsed
text and are cheap for the point files stations come in.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from geo.errors import InvalidFile

MAX_DEPTH = 32  # levels inside one feature; a MultiPolygon needs 6
MAX_DIGITS = 100  # longer integers are refused: no coordinate or id needs more
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]')


class _HugeNumber:
    """An integer literal too long to convert, kept so its feature can be named."""

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _parse_int(text: str) -> int | _HugeNumber:
    digits = len(text.lstrip("-"))
    return _HugeNumber(digits) if digits > MAX_DIGITS else int(text)


def _bad(path: Path, zh: str, en: str) -> InvalidFile:
    return InvalidFile(f"无法读取文件 {path.name}：{zh}", f"cannot read {path.name}: {en}")


def _deep_feature(text: str) -> int | None:
    """The feature (from 1) where ``text`` nests deeper than MAX_DEPTH; None if outside."""
    stack: list[str] = []
    key = ""
    features_level: int | None = None  # stack height inside the features array
    feature = 0
    expect_key = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            if features_level is None and len(stack) == 1 and token == "[" and key == "features":
                features_level, feature = 2, 1
            stack.append(token)
            expect_key = token == "{"
            if features_level is not None and len(stack) > features_level + MAX_DEPTH:
                return feature
            if len(stack) > MAX_DEPTH + (features_level or 2) + 1:
                return None
        elif token in "]}":
            del stack[-1:]
            if len(stack) < (features_level or 0):
                features_level = None
        elif token == ",":
            expect_key = bool(stack) and stack[-1] == "{"
            if features_level is not None and len(stack) == features_level:
                feature += 1
        elif token == ":":
            expect_key = False
        elif expect_key and len(stack) == 1:
            key = token[1:-1]
    return None


def _too_deep(path: Path, text: str) -> InvalidFile:
    feature = _deep_feature(text)
    if feature is None:
        return _bad(
            path,
            f"JSON 嵌套超过 {MAX_DEPTH} 层",
            f"the JSON is nested more than {MAX_DEPTH} levels deep",
        )
    return _bad(
        path,
        f"第 {feature} 个要素嵌套超过 {MAX_DEPTH} 层",
        f"feature {feature} is nested more than {MAX_DEPTH} levels deep",
    )


def _check_value(value: Any) -> tuple[str, int] | None:
    """The first problem inside one feature: ("deep", levels) or ("digits", count)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, _HugeNumber):
            return "digits", item.digits
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                return "deep", depth
            children = item.values() if isinstance(item, dict) else item
            stack.extend(
                (child, depth + 1)
                for child in children
                if isinstance(child, dict | list | _HugeNumber)
            )
    return None


def _check_feature(path: Path, n: int, feature: Any) -> None:
    if not isinstance(feature, dict):
        kind = type(feature).__name__ if feature is not None else "null"
        raise _bad(
            path,
            f"第 {n} 个要素不是对象（是 {kind}）",
            f"feature {n} is not an object (it is a JSON {kind})",
        )
    for key, verb in (("properties", "are"), ("geometry", "is")):
        value = feature.get(key)
        if value is not None and not isinstance(value, dict):
            raise _bad(
                path,
                f"第 {n} 个要素的 {key} 不是对象",
                f"the {key} of feature {n} {verb} not an object",
            )
    problem = _check_value(feature)
    if problem is None:
        return
    what, count = problem
    if what == "deep":
        raise _bad(
            path,
            f"第 {n} 个要素嵌套超过 {MAX_DEPTH} 层",
            f"feature {n} is nested more than {MAX_DEPTH} levels deep",
        )
    raise _bad(
        path,
        f"第 {n} 个要素含有 {count} 位的数字（最多 {MAX_DIGITS} 位）",
        f"feature {n} holds a number with {count} digits (at most {MAX_DIGITS})",
    )


def load_geojson(path: Path, text: str) -> dict[str, Any]:
    """Parse and check GeoJSON ``text`` read from ``path``; a lone Feature is wrapped.

    Parameters
    ----------
    path
        The file, for messages.
    text
        Its decoded text.

    Returns
    -------
    dict
        A FeatureCollection whose features are objects with object (or null)
        properties and geometry, none nested deeper than ``MAX_DEPTH`` levels or
        holding an integer longer than ``MAX_DIGITS`` digits.

    Raises
    ------
    InvalidFile
        Naming the feature and what is wrong with it.
    """
    try:
        data = json.loads(text, parse_int=_parse_int)
    except RecursionError:
        raise _too_deep(path, text) from None
    except json.JSONDecodeError as exc:
        raise _bad(path, f"不是有效的 JSON（{exc}）", f"not valid JSON ({exc})") from None
    except ValueError as exc:  # e.g. a float literal Python cannot convert
        raise _bad(
            path, f"不是有效的 JSON（{exc}）"[:300], f"not valid JSON ({exc})"[:300]
        ) from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise _bad(path, "不是 GeoJSON FeatureCollection", "not a GeoJSON FeatureCollection")
    for n, feature in enumerate(data["features"], start=1):
        _check_feature(path, n, feature)
    return data
