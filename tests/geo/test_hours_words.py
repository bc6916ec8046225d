"""Opening hours in words (#14): worked examples, Chinese and English, today's first."""

from __future__ import annotations

from datetime import date

import pytest

from geo.hours_words import in_words

THURSDAY = date(2026, 12, 3)
SUNDAY = date(2026, 12, 6)
NATIONAL_DAY = date(2026, 10, 1)  # a Thursday and a public holiday in China


@pytest.mark.parametrize(
    ("text", "zh", "en"),
    [
        (
            "Mo-Fr 09:00-17:00; Sa 09:00-12:00",
            "周一至周五 09:00–17:00；周六 09:00–12:00",
            "Mon–Fri 09:00–17:00; Sat 09:00–12:00",
        ),
        ("24/7", "每天 24 小时开放", "Open 24/7"),
        ("全天", "每天 24 小时开放", "Open 24/7"),
        ("Mo-Su 00:00-24:00", "每天 24 小时开放", "Open 24/7"),
        (
            "Mo-Su 00:00-24:00; PH off",
            "每天 全天；节假日 休息",
            "Daily all day; public holidays closed",
        ),
        (
            "Mo-Fr 08:00-12:00,13:30-18:00; PH off",
            "周一至周五 08:00–12:00、13:30–18:00；节假日 休息",
            "Mon–Fri 08:00–12:00, 13:30–18:00; public holidays closed",
        ),
        (
            "Mo-Su 08:00-20:00; We off",
            "周一、周二、周四至周日 08:00–20:00",
            "Mon, Tue, Thu–Sun 08:00–20:00",
        ),
        ("Mo-Su 07:00-22:00", "每天 07:00–22:00", "Daily 07:00–22:00"),
        (
            "Mo,We,Fr 09:00-12:00; Sa 10:00-11:00",
            "周一、周三、周五 09:00–12:00；周六 10:00–11:00",
            "Mon, Wed, Fri 09:00–12:00; Sat 10:00–11:00",
        ),
        (
            "Mo-Su 09:00-17:00; PH 10:00-12:00",
            "每天 09:00–17:00；节假日 10:00–12:00",
            "Daily 09:00–17:00; public holidays 10:00–12:00",
        ),
        ("周一至周五 9:00-17:00", "周一至周五 09:00–17:00", "Mon–Fri 09:00–17:00"),
    ],
)
def test_hours_in_words_for_the_week(text: str, zh: str, en: str) -> None:
    words = in_words(text, THURSDAY)
    assert words is not None
    assert (words.week_zh, words.week_en) == (zh, en)


def test_todays_hours_come_from_the_days_rule() -> None:
    words = in_words("Mo-Fr 09:00-17:00; Sa 09:00-12:00", THURSDAY)
    assert words is not None
    assert (words.today_zh, words.today_en) == ("今天 09:00–17:00", "Today 09:00–17:00")
    sunday = in_words("Mo-Fr 09:00-17:00; Sa 09:00-12:00", SUNDAY)
    assert sunday is not None
    assert (sunday.today_zh, sunday.today_en) == ("今天休息", "Closed today")


def test_todays_hours_of_several_ranges_and_of_24_7() -> None:
    split = in_words("Mo-Fr 08:00-12:00,13:30-18:00", THURSDAY)
    assert split is not None and split.today_zh == "今天 08:00–12:00、13:30–18:00"
    assert split.today_en == "Today 08:00–12:00, 13:30–18:00"
    always = in_words("24/7", SUNDAY)
    assert always is not None
    assert (always.today_zh, always.today_en) == ("今天全天开放", "Open all day today")


def test_a_public_holiday_off_closes_today() -> None:
    words = in_words("Mo-Fr 09:00-17:00; PH off", NATIONAL_DAY)
    assert words is not None
    assert (words.today_zh, words.today_en) == ("今天休息", "Closed today")
    assert in_words("Mo-Fr 09:00-17:00; PH off", THURSDAY).today_zh == "今天 09:00–17:00"  # type: ignore[union-attr]


def test_hours_beyond_a_week_keep_today_but_no_week_in_words() -> None:
    words = in_words("Dec Mo-Fr 09:00-17:00", THURSDAY)
    assert words is not None
    assert words.today_zh == "今天 09:00–17:00"
    assert words.week_zh is None and words.week_en is None


@pytest.mark.parametrize("text", [None, "", "  ", "whenever", "Mo-Fr 25:00-26:00"])
def test_no_or_invalid_hours_have_no_words(text: str | None) -> None:
    assert in_words(text, THURSDAY) is None
