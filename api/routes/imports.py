"""Bulk station imports over HTTP: the same importer, report and dry run as the CLI."""

from __future__ import annotations

import re
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from api.auth import editor_user
from api.schemas.common import CRS, CRS_CHOICES, KIND_CHOICES, KIND_SCHEMA
from api.schemas.imports import ImportOut, Problem
from geo.accounts import User
from geo.errors import InvalidFile
from geo.stations.imports import import_stations

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])

Editor = Annotated[User, Depends(editor_user)]
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".geojson", ".json")
_UNSAFE = re.compile(r"[^\w.\-]+")


def _safe_name(filename: str | None) -> str:
    name = Path(filename or "upload").name
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidFile(
            f"不支持的文件类型「{suffix or name}」，请上传 CSV、XLSX 或 GeoJSON",
            f"unsupported file type '{suffix or name}': upload CSV, XLSX or GeoJSON",
        )
    return (_UNSAFE.sub("_", stem)[:80] or "upload") + suffix


@router.post("", response_model=ImportOut)
def import_file(
    request: Request,
    user: Editor,
    file: Annotated[UploadFile, File(description="CSV (UTF-8/GBK), XLSX or GeoJSON")],
    kind: Annotated[str, Form(description=KIND_CHOICES, json_schema_extra=KIND_SCHEMA)],
    crs: Annotated[CRS, Form(description=f"坐标系 {CRS_CHOICES}")],
    dry_run: Annotated[bool, Form(description="只检查不写入 / report only")] = False,
    source: Annotated[str | None, Form(max_length=200)] = None,
    encoding: Annotated[
        str | None,
        Form(max_length=40, description="文件编码 / encoding: utf-8 | gbk | big5 | shift_jis"),
    ] = None,
) -> ImportOut:
    """Import a station list in one transaction; rows with problems are reported, not stored.

    Field staff's stations wait for review; reviewers' and admins' are published.
    """
    name = _safe_name(file.filename)
    with tempfile.TemporaryDirectory(prefix="yizhan-upload-") as tmp:
        path = Path(tmp) / name
        with path.open("wb") as out:
            while chunk := file.file.read(1 << 20):
                out.write(chunk)
        report = import_stations(
            path,
            kind=kind,
            crs=crs,
            dry_run=dry_run,
            source=source or None,
            encoding=encoding or None,
            actor=user.name,
            url=request.app.state.pool.conninfo,
            user=user,
        )
    return ImportOut(
        file=name,
        dry_run=report.dry_run,
        counts=report.counts,
        problems=[
            Problem(**{k: v for k, v in asdict(p).items() if k != "values"})
            for p in report.problems
        ],
        duplicates=report.duplicates,
        notes=report.notes,
    )
