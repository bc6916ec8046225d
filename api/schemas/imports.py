"""Bulk imports: what an import did, or with ``dry_run`` would do."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Problem(BaseModel):
    """A row that was not imported, and why."""

    row: int
    field: str | None
    reason_zh: str
    reason_en: str
    code: str


class ImportOut(BaseModel):
    """What the import did (or, with dry_run, would do)."""

    file: str
    dry_run: bool
    counts: dict[str, Any]
    problems: list[Problem]
    duplicates: list[dict[str, Any]]
    notes: list[str]
