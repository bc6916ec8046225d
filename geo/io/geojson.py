"""Checking GeoJSON text before anything else reads it.

Hostile or broken files must give a clear error naming the feature, not a traceback:
nesting thousands of levels deep, features or properties of the wrong JSON type, and
numbers too long for Python to convert. The checks run in plain Python on the parsed
text and are cheap for the point files stations come in. Station files are walked one
feature at a time (:func:`iter_features`), never parsed whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterator
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


_SPACE = re.compile(r"[ \t\n\r]*")


def _skip(text: str, i: int) -> int:
    match = _SPACE.match(text, i)
    return match.end() if match else i


def _invalid_json(path: Path, exc: ValueError) -> InvalidFile:
    if isinstance(exc, json.JSONDecodeError):
        return _bad(path, f"不是有效的 JSON（{exc}）", f"not valid JSON ({exc})")
    # e.g. a float literal Python cannot convert
    return _bad(path, f"不是有效的 JSON（{exc}）"[:300], f"not valid JSON ({exc})"[:300])


def _expect(text: str, i: int, chars: str, what: str) -> str:
    if i >= len(text) or text[i] not in chars:
        raise json.JSONDecodeError(f"Expecting {what}", text, i)
    return text[i]


class _Reader:
    """Walks the top level of a GeoJSON text and decodes one feature at a time."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text
        self.decoder = json.JSONDecoder(parse_int=_parse_int)
        self.top_type: Any = None
        self.has_features = False
        self.end = 0  # just past the top-level object, once walked

    def value(self, i: int, feature: int | None = None) -> tuple[Any, int]:
        try:
            return self.decoder.raw_decode(self.text, i)
        except RecursionError:
            if feature is None:
                raise _too_deep(self.path, self.text) from None
            raise _bad(
                self.path,
                f"第 {feature} 个要素嵌套超过 {MAX_DEPTH} 层",
                f"feature {feature} is nested more than {MAX_DEPTH} levels deep",
            ) from None

    def features(self, i: int) -> Iterator[tuple[int, Any]]:
        """The members of the object starting at ``i``; yields each feature of its
        ``features`` array as it is decoded."""
        text = self.text
        i = _skip(text, i + 1)
        if _expect(text, i, '"}', "property name enclosed in double quotes") == "}":
            self.end = i + 1
            return
        while True:
            key, i = self.value(i)
            i = _skip(text, i)
            _expect(text, i, ":", "':' delimiter")
            i = _skip(text, i + 1)
            if key == "features" and text.startswith("[", i):
                self.has_features = True
                i = yield from self._array(i)
            else:
                value, i = self.value(i)
                if key == "type":
                    self.top_type = value
            i = _skip(text, i)
            if _expect(text, i, ",}", "',' delimiter") == "}":
                self.end = i + 1
                return
            i = _skip(text, i + 1)
            _expect(text, i, '"', "property name enclosed in double quotes")

    def _array(self, i: int) -> Generator[tuple[int, Any], None, int]:
        text = self.text
        i = _skip(text, i + 1)
        if text.startswith("]", i):
            return i + 1
        n = 0
        while True:
            n += 1
            feature, i = self.value(i, n)
            _check_feature(self.path, n, feature)
            yield n, feature
            i = _skip(text, i)
            if _expect(text, i, ",]", "',' delimiter") == "]":
                return i + 1
            i = _skip(text, i + 1)


def iter_features(path: Path, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The features of GeoJSON ``text`` read from ``path``, one at a time, numbered from 1.

    The text is walked, never parsed whole: each feature is decoded and checked as it is
    reached, so a file of 100,000 features never holds more than one as Python objects.
    A lone Feature is the only feature.

    Raises
    ------
    InvalidFile
        Naming the feature and what is wrong with it (see :func:`load_geojson`), or when
        the text is not JSON or not a FeatureCollection. Features before the fault have
        already been yielded.
    """
    reader = _Reader(path, text)
    try:
        i = _skip(text, 0)
        if text.startswith("{", i):
            yield from reader.features(i)
            end = _skip(text, reader.end)
            if end != len(text):
                raise json.JSONDecodeError("Extra data", text, end)
        else:
            reader.value(i)  # not an object: only its JSON errors are worth reporting
    except ValueError as exc:
        raise _invalid_json(path, exc) from None
    if reader.has_features:
        return
    if reader.top_type == "Feature":
        feature = load_geojson(path, text)["features"][0]
        yield 1, feature
        return
    raise _bad(path, "不是 GeoJSON FeatureCollection", "not a GeoJSON FeatureCollection")


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
    except ValueError as exc:
        raise _invalid_json(path, exc) from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise _bad(path, "不是 GeoJSON FeatureCollection", "not a GeoJSON FeatureCollection")
    for n, feature in enumerate(data["features"], start=1):
        _check_feature(path, n, feature)
    return data
