"""Where a gap stretch lies, as the report's gap table says it (``geo.report._where``)."""

from __future__ import annotations

from geo.report import _where


def test_a_gap_too_short_to_keep_at_the_stored_precision_has_no_position() -> None:
    # a few centimetres of gap, rounded to 1e-6 degree, become an empty line: the report
    # of the megacity (#18) stopped with a GEOS error on it
    assert _where({"type": "LineString", "coordinates": []}) == "—"


def test_a_gap_is_placed_at_the_middle_of_its_longest_part() -> None:
    line = {"type": "LineString", "coordinates": [[114.0, 22.5], [114.002, 22.5]]}
    assert _where(line) == "22.50000N, 114.00100E (WGS-84)"
    multi = {
        "type": "MultiLineString",
        "coordinates": [[[114.0, 22.5], [114.0001, 22.5]], [[114.01, 22.6], [114.014, 22.6]]],
    }
    assert _where(multi) == "22.60000N, 114.01200E (WGS-84)"
