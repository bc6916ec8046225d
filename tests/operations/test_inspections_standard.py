"""The station standard (#15): the default checklist, a JSON file checked with errors
that name the file and the entry, and "services" expanded per declared service."""

from __future__ import annotations

import json

import pytest

from geo.errors import InvalidFile, InvalidInput
from geo.operations.inspections import (
    Answer,
    check_answers,
    check_position,
    checklist_for,
    default_standard,
    load_standard,
    problem_for,
)
from geo.settings import OperationsSettings


def _load(tmp_path, content: str):
    path = tmp_path / "standard.json"
    path.write_text(content, encoding="utf-8")
    return load_standard(OperationsSettings(standard_file=path))


def test_default_standard_is_the_vocabulary_checklist():
    standard = load_standard(OperationsSettings())
    assert standard == default_standard()
    assert [i.code for i in standard.items][:3] == ["sign_and_name", "listed_on_map", "services"]


def test_services_item_expands_per_declared_service_and_vanishes_without_any():
    standard = default_standard()
    codes = [i.code for i in checklist_for(standard, ["toilet", "wifi"])]
    assert "service:toilet" in codes and "service:wifi" in codes and "services" not in codes
    assert not [c for c in (i.code for i in checklist_for(standard, [])) if "service" in c]


def test_a_file_may_name_default_items_by_code_and_add_its_own(tmp_path):
    standard = _load(tmp_path, json.dumps({"name": "v2", "items": [
        {"code": "clean"}, {"code": "aed", "zh": "除颤仪可用", "en": "AED works"}]}))  # fmt: skip
    assert standard.name == "v2"
    assert [(i.code, i.zh) for i in standard.items] == [
        ("clean", "环境整洁"),
        ("aed", "除颤仪可用"),
    ]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "UTF-8 JSON"),
        ('{"items": []}', "name"),
        ('{"name": "x", "items": []}', "1 to"),
        ('{"name": "x", "items": [{"code": "aed"}]}', "items[0].zh"),
        ('{"name": "x", "items": [{"code": "clean"}, {"code": "clean"}]}', "twice"),
        ('{"name": "x", "items": [{"code": "clean", "colour": 1}]}', "unknown fields"),
        ('{"name": "x", "items": ["clean"]}', "items[0] must be an object"),
        ('["clean"]', "must be"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_what_to_fix(tmp_path, content, says):
    with pytest.raises(InvalidFile) as caught:
        _load(tmp_path, content)
    assert says in caught.value.en and str(tmp_path) in caught.value.zh


def test_a_missing_file_is_named():
    with pytest.raises(InvalidFile, match="does not exist"):
        load_standard(OperationsSettings(standard_file="/nonexistent/standard.json"))


def test_answers_must_cover_each_item_once():
    items = checklist_for(default_standard(), ["toilet"])
    answers = [Answer(i.code, True) for i in items]
    assert set(check_answers(items, answers)) == {i.code for i in items}
    with pytest.raises(InvalidInput, match="twice"):
        check_answers(items, [*answers, Answer("clean", False)])


def test_failed_items_map_to_problem_categories():
    items = {i.code: i for i in checklist_for(default_standard(), ["toilet"])}
    assert problem_for(items["open_at_hours"]) == ("not_open_at_hours", None)
    assert problem_for(items["service:toilet"]) == ("service_missing", "toilet")
    assert problem_for(items["clean"]) == ("dirty_or_broken", None)
    assert problem_for(items["rules_posted"]) == ("other", None)


def test_position_needs_both_coordinates():
    assert check_position(None, None, None) is None
    assert check_position(114.0, 22.5, 5.0) is not None
    for args in ((114.0, None, None), (None, None, 5.0), (200.0, 22.5, None)):
        with pytest.raises(InvalidInput):
            check_position(*args)
