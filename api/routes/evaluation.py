"""The yearly station evaluation (issue 15) for planners, reviewers and admins: the same
answer as ``yizhan evaluate``, as JSON or as an XLSX download. Read only."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.auth import require
from api.deps import get_conn
from api.schemas.common import DATE_SCHEMA, KIND_SCHEMA
from api.schemas.evaluation import EvaluationOut
from geo import accounts
from geo.accounts import User
from geo.operations.evaluation import evaluate
from maps import evaluation_report

router = APIRouter(prefix="/api/v1/evaluation", tags=["evaluation"])

#: Who sees the evaluation: planners, reviewers and admins.
EVALUATORS = accounts.PLANNERS | accounts.REVIEWERS

Conn = Annotated[psycopg.Connection[Any], Depends(get_conn)]
Evaluator = Annotated[User, Depends(require(EVALUATORS))]
Year = Annotated[int, Query(ge=1990, le=2100, description="评估年度 / the year evaluated")]
AsOf = Annotated[
    dt.date | None,
    Query(
        description="截至日期 / as-of date (default: the year's last day, or today while it runs)",
        json_schema_extra=DATE_SCHEMA,
    ),
]
KindParam = Annotated[str | None, Query(json_schema_extra=KIND_SCHEMA)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("", response_model=EvaluationOut)
def get_evaluation(
    user: Evaluator, conn: Conn, year: Year, as_of: AsOf = None, kind: KindParam = None
) -> dict[str, Any]:
    """A score (0-100) and stars (1-5) per station that operated in ``year`` up to
    ``as_of``, each part with its reason, and the downgrade, stale and no-data flags."""
    return evaluate(conn, year, as_of, kind or None)


@router.get("/xlsx", response_class=Response)
def get_evaluation_xlsx(
    user: Evaluator, conn: Conn, year: Year, as_of: AsOf = None, kind: KindParam = None
) -> Response:
    """The same evaluation as an XLSX workbook (a sheet of stations, a sheet saying the
    year, the as-of date used and the rules)."""
    result = evaluate(conn, year, as_of, kind or None)
    name = f"evaluation-{year}-{result['as_of'].isoformat()}.xlsx"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(evaluation_report.xlsx_bytes(result), media_type=XLSX, headers=headers)
