"""Fixtures of the coverage tests."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers.cities import MAIN_STREET, add_station, load_district, load_streets


@pytest.fixture
def city(db):
    """主街 (3 km) in the key district 示范区: 甲 opens 2026-08-10 (39 % covered),
    乙 2026-10-05 (79 %)."""
    load_streets(db, MAIN_STREET)
    load_district(db, "示范区", (0, 0, 1000, 1000))
    add_station(db, 200, 30, name="甲", opened_on=dt.date(2026, 8, 10))
    add_station(db, 2800, 0, name="乙", opened_on=dt.date(2026, 10, 5))
    return db
