"""The stations registry: the staff's searchable, filtered, sorted and paged station list.

Every member of the staff sees every station here, in any review state (a field worker's
own submissions are ``mine``). The request is checked once, with messages that name the
choices, before :func:`geo.stations.sql.list_for_staff` reads the page and the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from geo import vocab
from geo.errors import InvalidInput
from geo.stations import sql as db

#: What the list may be sorted by: name, kind, status, district, review state, last change.
SORTS: tuple[str, ...] = tuple(db.STAFF_SORT_COLUMNS)
#: Ascending or descending.
ORDERS: tuple[str, ...] = ("asc", "desc")
#: The longest search text: names are at most 100 characters, addresses 200.
MAX_SEARCH_CHARS = 200
#: The longest district name a filter may name.
MAX_DISTRICT_CHARS = 100


@dataclass(frozen=True)
class RegistryQuery:
    """One request of the registry. ``order`` None: newest change first for ``updated``,
    A to Z for every other sort."""

    text: str | None = None
    kind: str | None = None
    status: str | None = None
    review_state: str | None = None
    district: str | None = None
    unlocated: bool | None = None
    created_by: str | None = None
    sort: str = "updated"
    order: str | None = None
    limit: int = 100
    offset: int = 0

    @property
    def descending(self) -> bool:
        """Whether the page runs from the largest value down."""
        if self.order is None:
            return self.sort == "updated"
        return self.order == "desc"


def _choice(value: str | None, choices: Any, zh: str, en: str) -> None:
    if value is not None and value not in choices:
        names = ", ".join(choices)
        raise InvalidInput(
            f"{zh}无效：{value}；可选：{names}",
            f"unknown {en} {value!r}; choose one of: {names}",
            details=[{"field": en.replace(" ", "_"), "choices": list(choices)}],
        )


def check(query: RegistryQuery) -> None:
    """Raise :class:`InvalidInput` for a sort, order, kind, status, review state or text
    that the registry does not know, or a text too long to be a name or an address."""
    _choice(query.sort, SORTS, "排序字段", "sort")
    _choice(query.order, ORDERS, "排序方向", "order")
    _choice(query.kind, vocab.KINDS, "类型", "kind")
    _choice(query.status, vocab.STATUSES, "状态", "status")
    _choice(query.review_state, vocab.REVIEW_STATES, "审核状态", "review state")
    for value, limit, zh, en in (
        (query.text, MAX_SEARCH_CHARS, "搜索内容", "search text"),
        (query.district, MAX_DISTRICT_CHARS, "区县", "district"),
    ):
        if value is not None and len(value) > limit:
            raise InvalidInput(
                f"{zh}过长（{len(value)} 字符，最多 {limit}）",
                f"the {en} is too long ({len(value)} characters, at most {limit})",
            )


def search(conn: psycopg.Connection[Any], query: RegistryQuery) -> tuple[list[dict[str, Any]], int]:
    """A page of stations for staff and how many match in all; the text is searched in
    names and addresses, case-insensitive and literally (``%`` and ``_`` are characters,
    not wildcards); empty text and district filter nothing."""
    check(query)
    return db.list_for_staff(
        conn,
        created_by=query.created_by,
        review_state=query.review_state,
        kind=query.kind,
        status=query.status,
        district=query.district or None,
        unlocated=query.unlocated,
        text=(query.text or "").strip() or None,
        sort=query.sort,
        descending=query.descending,
        limit=query.limit,
        offset=query.offset,
    )


def districts(conn: psycopg.Connection[Any]) -> list[str]:
    """The district names the registry may be filtered by."""
    return db.district_names(conn)
