"""Bulk station imports over HTTP: the same importer, report and dry run as the CLI.

An upload is counted within the import limits first (413 for a file that holds too
much, before any row is validated). Up to ``YIZHAN_IMPORT_ASYNC_ROWS`` rows it is
imported in the request (200 with the report); bigger files, or any with ``?async=true``,
become a background job (202 with ``Location`` of the job to poll).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from api.auth import editor_user, staff_user
from api.deps import get_conn, pooled
from api.schemas.common import CRS, CRS_CHOICES, KIND_CHOICES, KIND_SCHEMA
from api.schemas.imports import ImportOut, JobOut
from geo import import_jobs
from geo.accounts import User
from geo.errors import InvalidFile
from geo.io.limits import ReadLimits

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])

Editor = Annotated[User, Depends(editor_user)]
Staff = Annotated[User, Depends(staff_user)]
Conn = Annotated[Any, Depends(get_conn)]
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".geojson", ".json")
_UNSAFE = re.compile(r"[^\w.\-]+")
JOBS = "/api/v1/imports/jobs"


def _safe_name(filename: str | None) -> str:
    name = Path(filename or "upload").name
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidFile(
            f"不支持的文件类型「{suffix or name}」，请上传 CSV、XLSX 或 GeoJSON",
            f"unsupported file type '{suffix or name}': upload CSV, XLSX or GeoJSON",
        )
    return (_UNSAFE.sub("_", stem)[:80] or "upload") + suffix


def _report(job_id: str, summary: dict[str, Any]) -> ImportOut:
    return ImportOut(**summary, job_id=job_id, problems_url=f"{JOBS}/{job_id}/problems.csv")


def _job(row: dict[str, Any]) -> JobOut:
    job_id = str(row["id"])
    result = _report(job_id, row["result"]) if row["result"] is not None else None
    return JobOut(
        **{k: row[k] for k in JobOut.model_fields if k not in ("id", "result", "url")},
        id=job_id,
        result=result,
        url=f"{JOBS}/{job_id}",
    )


@router.post(
    "",
    response_model=ImportOut,
    responses={
        202: {"model": JobOut, "description": "queued as a background job / 已转为后台任务"},
        413: {"description": "the file holds too much / 文件超出导入上限"},
    },
)
def import_file(  # noqa: PLR0913 - one parameter per form field
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
    force: Annotated[
        bool,
        Form(
            description=(
                "坐标与路网在另一坐标系下明显更吻合时仍按声明的坐标系导入 / import even "
                "when the rows fit the streets far better in another datum"
            )
        ),
    ] = False,
    run_async: Annotated[
        bool,
        Query(
            alias="async",
            description="作为后台任务运行 / run as a background job (big files always are)",
        ),
    ] = False,
) -> Any:
    """Import a station list in one transaction; rows with problems are reported, not stored.

    Field staff's stations wait for review; reviewers' and admins' are published. A file
    over the import limits is refused with 413 before any row is checked.
    """
    name = _safe_name(file.filename)
    options = import_jobs.ImportOptions(
        kind=kind,
        crs=crs,
        dry_run=dry_run,
        source=source or None,
        encoding=encoding or None,
        review_state="approved" if user.can_publish else "pending_review",
        field_staff=None if user.can_publish else user.name,
        force=force,
    )
    options.check()
    settings = request.app.state.settings.imports
    url = request.app.state.pool.conninfo
    workdir = Path(tempfile.mkdtemp(prefix="yizhan-upload-"))
    owned = True  # by this request, until a job takes the folder
    try:
        path = workdir / name
        with path.open("wb") as out:
            while chunk := file.file.read(1 << 20):
                out.write(chunk)
        rows = import_jobs.plan(path, options.encoding, ReadLimits.from_settings(settings))
        if run_async or rows > settings.import_async_rows:
            jobs: import_jobs.ImportJobs = request.app.state.import_jobs
            job_id = jobs.submit(
                user=user, path=path, workdir=workdir, options=options, rows_total=rows
            )
            owned = False
            with pooled(request.app.state.pool) as conn:
                job = _job(import_jobs.visible_job(conn, str(job_id), user))
            return JSONResponse(
                jsonable_encoder(job), status_code=202, headers={"Location": job.url}
            )
        job_id, summary = import_jobs.run_now(
            url, settings, user=user, path=path, options=options, rows_total=rows
        )
        return _report(str(job_id), summary)
    finally:
        if owned:
            shutil.rmtree(workdir, ignore_errors=True)


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(user: Staff, conn: Conn) -> list[JobOut]:
    """The latest import jobs: your own; reviewers and admins see everyone's."""
    return [_job(row) for row in import_jobs.recent_jobs(conn, user)]


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(job_id: str, user: Staff, conn: Conn) -> JobOut:
    """An import job: state, progress (rows done of the phase's total) and its report
    or error. Only its owner, reviewers and admins see it (404 for others)."""
    return _job(import_jobs.visible_job(conn, job_id, user))


@router.get(
    "/jobs/{job_id}/problems.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "every problem row"}},
)
def job_problems(job_id: str, user: Staff, conn: Conn) -> Response:
    """Every problem row of the job's report as CSV (UTF-8 with BOM; text that a
    spreadsheet would run as a formula gets a leading ')."""
    jid, text = import_jobs.job_problems_csv(conn, job_id, user)
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{jid}-problems.csv"'},
    )
