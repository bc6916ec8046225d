"""The evaluation's outputs: ``yizhan evaluate`` in every format and the API with its roles
and XLSX, all naming the as-of date used, on the worked example."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from geo import clock
from tests.helpers.cli import yizhan
from tests.operations.evaluation_data import load_year

NOW = {"YIZHAN_NOW": "2026-01-10T12:00:00+08:00"}


@pytest.fixture
def year(db):
    with clock.frozen("2026-01-10 12:00"):
        yield load_year(db)


def test_cli_json_csv_table_and_xlsx(year, database_url, tmp_path):
    r = yizhan("evaluate", "--year", "2025", "--format", "json", url=database_url, env=NOW)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["as_of"] == "2025-12-31"
    scores = {s["name"]: (s["score"], s["stars"]) for s in data["stations"]}
    assert scores == {
        "甲驿站": (100, 5),
        "乙驿站": (64, 2),
        "丙母婴室": (52.5, 2),
        "丁书屋": (68, 3),
    }

    r = yizhan(
        "evaluate", "--year", "2025", "--as-of", "2025-06-30", "--kind", "love_station",
        "--format", "csv", url=database_url, env=NOW,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(row["站点 station"], row["截至日期 as_of"]) for row in rows] == [
        ("甲驿站", "2025-06-30")
    ]

    r = yizhan("evaluate", "--year", "2025", url=database_url, env=NOW)
    assert r.returncode == 0, r.stderr
    assert "截至 2025-12-31" in r.stdout and "★★★★★ 5" in r.stdout and "降级 downgrade" in r.stdout

    out = tmp_path / "eval.xlsx"
    r = yizhan(
        "evaluate", "--year", "2025", "--format", "xlsx", "--out", str(out),
        url=database_url, env=NOW,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    wb = load_workbook(out)
    sheet = wb["评估结果"]
    names = [sheet.cell(row=i, column=2).value for i in range(2, sheet.max_row + 1)]
    assert names == ["甲驿站", "乙驿站", "丙母婴室", "丁书屋"]
    about = {row[0].value: row[1].value for row in wb["说明"].iter_rows(min_row=2)}
    assert about["截至日期 as of"] == "2025-12-31"


def test_cli_refuses_bad_input_in_both_languages(year, database_url):
    r = yizhan("evaluate", "--year", "2025", "--as-of", "2026-01-02", url=database_url, env=NOW)
    assert r.returncode == 2
    assert "不在 2025 年内" in r.stderr and "is not in 2025" in r.stderr
    r = yizhan("evaluate", "--year", "2025", "--format", "xlsx", url=database_url, env=NOW)
    assert r.returncode == 2 and "--out" in r.stderr


def test_api_roles(client, year, planner, reviewer, admin, staff):
    with clock.frozen("2026-01-10 12:00"):
        for headers in (planner, reviewer, admin):
            r = client.get("/api/v1/evaluation?year=2025", headers=headers)
            assert r.status_code == 200, r.text
            assert r.json()["as_of"] == "2025-12-31"
        assert client.get("/api/v1/evaluation?year=2025", headers=staff).status_code == 403
        assert client.get("/api/v1/evaluation?year=2025").status_code == 401
        assert client.get("/api/v1/evaluation/xlsx?year=2025", headers=staff).status_code == 403


def test_api_answer_xlsx_and_bad_input(client, year, planner):
    with clock.frozen("2026-01-10 12:00"):
        r = client.get(
            "/api/v1/evaluation?year=2025&as_of=2025-12-31&kind=love_station", headers=planner
        )
        body = r.json()
        assert [s["name"] for s in body["stations"]] == ["甲驿站", "乙驿站"]
        b = body["stations"][1]
        assert (b["score"], b["stars"], b["stars_before_downgrade"]) == (64, 2, 3)
        assert b["parts"][1]["reason_zh"] == "3 次巡查中 1 次按公布时间开放"

        r = client.get("/api/v1/evaluation/xlsx?year=2025", headers=planner)
        assert r.status_code == 200
        assert 'filename="evaluation-2025-2025-12-31.xlsx"' in r.headers["content-disposition"]
        assert load_workbook(io.BytesIO(r.content))["评估结果"].max_row == 5

        r = client.get("/api/v1/evaluation?year=2025&as_of=2024-05-01", headers=planner)
        assert r.status_code == 422
        assert "不在 2025 年内" in r.json()["message"]
        assert "is not in 2025" in r.json()["message_en"]
        assert client.get("/api/v1/evaluation?year=abc", headers=planner).status_code == 422
        assert client.get("/api/v1/evaluation", headers=planner).status_code == 422


def test_cli_reads_the_rules_file_and_names_a_bad_key(year, database_url, tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text('{"downgrade": {"max_stars": 1}}', encoding="utf-8")
    env = {**NOW, "YIZHAN_EVALUATION_RULES_FILE": str(rules)}
    r = yizhan("evaluate", "--year", "2025", "--format", "json", url=database_url, env=env)
    assert r.returncode == 0, r.stderr
    stars = {s["name"]: s["stars"] for s in json.loads(r.stdout)["stations"]}
    assert stars["乙驿站"] == 1
    rules.write_text('{"weights": {"usage": "lots"}}', encoding="utf-8")
    r = yizhan("evaluate", "--year", "2025", url=database_url, env=env)
    assert r.returncode == 2
    assert "「weights.usage」无效" in r.stderr and "invalid 'weights.usage'" in r.stderr
