"""The fixed vocabularies of Yizhan: station kinds, services, statuses and levels.

Each term has a stable English code (stored in the database and used in the API) and
Chinese and English labels for people. The database enforces the same codes with CHECK
constraints (see ``geo/db/migrations``); a new term needs a migration as well as an entry
here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One vocabulary entry: a code plus its labels."""

    code: str
    zh: str
    en: str


def _index(*terms: Term) -> dict[str, Term]:
    return {t.code: t for t in terms}


KINDS: dict[str, Term] = _index(
    Term("love_station", "爱心驿站", "love station"),
    Term("mother_baby_room", "母婴室", "mother-and-baby room"),
    Term("worker_bookshop", "职工书屋", "worker bookshop"),
)

SERVICES: dict[str, Term] = _index(
    Term("drinking_water", "饮用水", "drinking water"),
    Term("hot_water", "热水", "hot water"),
    Term("heating", "取暖", "heating"),
    Term("cooling", "纳凉/空调", "cooling"),
    Term("rest_seats", "休息座椅", "rest seats"),
    Term("toilet", "卫生间", "toilet"),
    Term("microwave", "微波炉", "microwave"),
    Term("phone_charging", "手机充电", "phone charging"),
    Term("first_aid", "急救药箱", "first aid"),
    Term("wifi", "无线网络", "Wi-Fi"),
    Term("umbrella", "爱心雨伞", "umbrella"),
    Term("repair_tools", "维修工具", "repair tools"),
    Term("books", "图书阅读", "books"),
    Term("nursing_chair", "哺乳椅", "nursing chair"),
    Term("changing_table", "婴儿护理台", "changing table"),
    Term("ebike_charging", "电动车充电", "e-bike charging"),
    Term("lockers", "储物柜", "lockers"),
)

# Short aliases people type (API query strings, spreadsheet columns) for service codes.
SERVICE_ALIASES: dict[str, str] = {
    "water": "drinking_water",
    "饮水": "drinking_water",
    "喝水": "drinking_water",
    "charging": "phone_charging",
    "充电": "phone_charging",
    "厕所": "toilet",
    "wc": "toilet",
    "aid": "first_aid",
    "药箱": "first_aid",
    "空调": "cooling",
    "纳凉": "cooling",
    "暖气": "heating",
    "座椅": "rest_seats",
    "休息": "rest_seats",
    "rest": "rest_seats",
    "wi-fi": "wifi",
    "雨伞": "umbrella",
    "图书": "books",
    "哺乳": "nursing_chair",
}

STATUSES: dict[str, Term] = _index(
    Term("planned", "规划中", "planned"),
    Term("under_construction", "建设中", "under construction"),
    Term("open", "开放", "open"),
    Term("temporarily_closed", "暂停开放", "temporarily closed"),
    Term("closed", "已关闭", "closed"),
)

LEVELS: dict[str, Term] = _index(
    Term("city", "市级", "city level"),
    Term("district", "区级", "district level"),
    Term("street", "街道级", "street level"),
)

REVIEW_STATES: dict[str, Term] = _index(
    Term("approved", "已审核", "approved"),
    Term("pending_review", "待审核", "pending review"),
    Term("rejected", "已驳回", "rejected"),
)

# Operations (issue 15): what the public may report about a station, what becomes of a
# report, who checks in, and the default items of the station standard an inspection
# checks (the standard itself is configurable: OperationsSettings.standard_file).
PROBLEM_CATEGORIES: dict[str, Term] = _index(
    Term("closed", "驿站关闭", "closed"),
    Term("not_open_at_hours", "开放时间未开门", "not open at the published hours"),
    Term("service_missing", "服务缺失", "a service is missing"),
    Term("dirty_or_broken", "脏乱或设施损坏", "dirty or broken"),
    Term("other", "其他", "other"),
)

PROBLEM_STATES: dict[str, Term] = _index(
    Term("new", "待处理", "new"),
    Term("confirmed", "已确认", "confirmed"),
    Term("dismissed", "不属实", "dismissed"),
    Term("fixed", "已整改", "fixed"),
)

PROBLEM_SOURCES: dict[str, Term] = _index(
    Term("public", "群众反映", "public report"),
    Term("inspection", "巡查发现", "found on inspection"),
    Term("staff", "工作人员登记", "entered by staff"),
)

OCCUPATIONS: dict[str, Term] = _index(
    Term("delivery_rider", "外卖骑手", "delivery rider"),
    Term("courier", "快递员", "courier"),
    Term("sanitation", "环卫工人", "sanitation worker"),
    Term("driver", "司机", "driver"),
    Term("other", "其他", "other"),
)

# The default station standard's checklist. "services" stands for one item per declared
# service of the station ("service:<code>"), expanded when the form is built.
INSPECTION_ITEMS: dict[str, Term] = _index(
    Term("sign_and_name", "标识标牌及名称规范", "sign and name displayed"),
    Term("listed_on_map", "地图上可查到", "listed on the map"),
    Term("services", "所列服务齐全且可用", "each declared service present and working"),
    Term("open_at_hours", "按公布时间开放", "open at the published hours"),
    Term("clean", "环境整洁", "clean"),
    Term("supplies_in_date", "物资药品在有效期内", "supplies and medicines in date"),
    Term("rules_posted", "管理制度上墙", "rules posted"),
)

# Statuses in which a station serves people (counts for coverage, shows to the public).
OPERATING_STATUSES: frozenset[str] = frozenset({"open"})
# Statuses of a station that has closed, for now or for good: with a closing date, it
# served people until that date.
CLOSED_STATUSES: frozenset[str] = frozenset({"temporarily_closed", "closed"})
# Statuses of a station that has not opened yet (it has never served anyone).
NOT_YET_OPEN_STATUSES: frozenset[str] = frozenset({"planned", "under_construction"})


def normalise_service(value: str) -> str | None:
    """Return the service code for a code, alias or label, or None when unknown."""
    key = value.strip().lower()
    if key in SERVICES:
        return key
    if key in SERVICE_ALIASES:
        return SERVICE_ALIASES[key]
    for term in SERVICES.values():
        if key in (term.zh.lower(), term.en.lower()):
            return term.code
    return None


def normalise_kind(value: str) -> str | None:
    """Return the kind code for a code or a Chinese/English label, or None when unknown."""
    key = value.strip().lower()
    for term in KINDS.values():
        if key in (term.code, term.zh, term.en.lower()):
            return term.code
    return None


# What a target measures: a coverage share (0-1) or a number of new stations.
TARGET_METRICS: dict[str, Term] = _index(
    Term("main_street_coverage", "主要街道覆盖率", "main-street coverage"),
    Term("key_district_coverage", "重点区域覆盖率", "key-district coverage"),
    Term("new_stations", "新建（提升）站点数", "new (or upgraded) stations"),
)

# OSM ``highway`` classes that count as main streets unless configured otherwise
# (``YIZHAN_MAIN_STREET_CLASSES``); not stored in the database.
MAIN_CLASSES: tuple[str, ...] = ("trunk", "primary", "secondary")

#: Why a road is not walkable for people on foot or e-bike (``streets.not_walkable``,
#: see :mod:`geo.io.streets`), Chinese and English, in the
#: order they are checked; the first that applies is stored.
NOT_WALKABLE_REASONS: dict[str, tuple[str, str]] = {
    "motorway": ("高速公路", "motorway"),
    "motorroad": ("机动车专用道", "motorroad=yes"),
    "expressway": ("快速路", "expressway=yes"),
    "foot_no": ("禁止行人", "foot=no"),
    "elevated_trunk": ("高架干道（无人行道）", "elevated trunk without sidewalk"),
    "name": ("名称为高架/快速路", "name matches the unwalkable-name pattern"),
}
