"""Bulk imports: what an import did (or, with ``dry_run``, would do), and import jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """A row that was not imported, and why."""

    row: int
    field: str | None
    reason_zh: str
    reason_en: str
    code: str


class PreviewRow(BaseModel):
    """A row a dry run would import, where it would be (WGS-84)."""

    row: int = Field(description="the row in the file / 文件中的行号")
    name: str
    kind: str
    lon: float | None = Field(description="WGS-84; null for an address-only row / 仅地址为空")
    lat: float | None


class ImportOut(BaseModel):
    """What the import did (or, with dry_run, would do): every count, the first problems
    and possible duplicates (``YIZHAN_IMPORT_REPORT_PROBLEMS``), and where to download
    the full problem list."""

    file: str
    dry_run: bool
    counts: dict[str, Any]
    problems: list[Problem] = Field(description="the first problem rows / 前若干个问题行")
    problems_total: int = Field(description="problem rows in all / 问题行总数")
    problem_codes: dict[str, int] = Field(description="problems per code / 各类问题的数量")
    duplicates: list[dict[str, Any]] = Field(description="the first possible duplicates")
    duplicates_total: int
    notes: list[str]
    datum: dict[str, Any] | None = Field(
        default=None,
        description=(
            "坐标系检查 / the declared datum judged against the walk network: outcome "
            "(fits, mismatch, skipped), reason, medians_m per datum, rows_compared, likely, forced"
        ),
    )
    preview: list[PreviewRow] = Field(
        default=[],
        description=(
            "试导入时：将导入的前 YIZHAN_IMPORT_PREVIEW_ROWS 行及其 WGS-84 坐标 / a dry "
            "run's first rows to import with their WGS-84 positions (null: address only)"
        ),
    )
    job_id: str
    problems_url: str = Field(description="every problem row as CSV / 全部问题行（CSV）")


class JobError(BaseModel):
    """Why a job failed, in the shape of every error body."""

    code: str
    message: str
    message_en: str
    details: Any = None


class JobOut(BaseModel):
    """An import job: its state, how far it got, and its report or error."""

    id: str
    state: Literal["queued", "running", "succeeded", "failed"]
    phase: Literal["reading", "checking", "writing"] | None = Field(
        description="reading the file, checking possible duplicates, writing the stations"
    )
    done: int = Field(description="rows done in this phase / 本阶段已处理行数")
    total: int | None = Field(description="rows of this phase / 本阶段总行数")
    rows_total: int | None = Field(description="rows in the file / 文件行数")
    file: str
    options: dict[str, Any]
    owner: str
    background: bool
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    result: ImportOut | None
    error: JobError | None
    url: str
