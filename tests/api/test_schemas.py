"""The API's vocabulary types follow their single sources in geo (no database needed)."""

from __future__ import annotations

from typing import get_args

from api.schemas import common
from geo import accounts, crs, vocab
from geo.coverage.evaluate import MODES
from geo.siting.models import LSCP, MCLP


def test_vocabulary_types_are_the_codes_of_geo() -> None:
    assert get_args(common.Kind) == tuple(vocab.KINDS)
    assert get_args(common.Status) == tuple(vocab.STATUSES)
    assert get_args(common.ReviewState) == tuple(vocab.REVIEW_STATES)
    assert get_args(common.Mode) == MODES
    assert get_args(common.Role) == tuple(accounts.ROLES)
    assert get_args(common.CRS) == crs.CRS_NAMES


def test_plan_models_are_the_siting_models() -> None:
    assert get_args(common.PlanModel) == (LSCP.name, MCLP.name)
