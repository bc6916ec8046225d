"""Domain errors of Yizhan.

Every error carries a Chinese message (shown first) and an English one. The API maps
each class to an HTTP status in one table (``api/errors.py``); the CLI prints the
messages and exits non-zero. Code in ``geo`` raises these, never HTTP errors.
"""

from __future__ import annotations

from typing import Any

# Messages quote what a person sent; a 900 KB value must not come back four times over.
MAX_MESSAGE_CHARS = 1000
MAX_DETAIL_CHARS = 200


def clip(text: str, limit: int) -> str:
    """``text``, cut to ``limit`` characters with a note of its full length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（已截断，共 {len(text)} 字符 / truncated, {len(text)} characters）"


def _clip_details(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return clip(value, MAX_DETAIL_CHARS)
    if depth > 5:
        return "…"
    if isinstance(value, dict):
        return {k: _clip_details(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clip_details(v, depth + 1) for v in value]
    return value


class YizhanError(Exception):
    """Base class: a problem a person can understand and fix.

    Messages and details are cut to a bounded size here, once, whatever they quote.
    """

    code = "error"

    def __init__(self, zh: str, en: str, *, details: Any = None) -> None:
        zh, en = clip(zh, MAX_MESSAGE_CHARS), clip(en, MAX_MESSAGE_CHARS)
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en
        self.details = _clip_details(details)

    def message(self, lang: str = "zh") -> str:
        """The message in the asked language ("zh" or "en")."""
        return self.en if lang == "en" else self.zh

    def as_dict(self) -> dict[str, Any]:
        """The error as the API's body: ``code``, ``message``, ``message_en``, ``details``."""
        out: dict[str, Any] = {"code": self.code, "message": self.zh, "message_en": self.en}
        if self.details is not None:
            out["details"] = self.details
        return out


class InvalidInput(YizhanError):
    """A value given by a person is malformed or out of range."""

    code = "invalid_input"


class InvalidFile(YizhanError):
    """An input file cannot be read or lacks what an import needs."""

    code = "invalid_file"


class UnknownCRS(InvalidInput):
    """A coordinate system name that is not wgs84, gcj02 or bd09."""

    code = "unknown_crs"


class DatumMismatch(InvalidInput):
    """A station file fits the streets far better in another datum than the declared one
    (``details``: the medians per datum and the likely one); ``--force`` imports anyway."""

    code = "datum_mismatch"


class NotFound(YizhanError):
    """What was asked for does not exist."""

    code = "not_found"


class Conflict(YizhanError):
    """The change clashes with what is stored (a name already taken, a review already decided)."""

    code = "conflict"


class Unlocated(Conflict):
    """The station has no position yet (an address-only draft): it cannot be published."""

    code = "unlocated"


class AlreadyLocated(Conflict):
    """Placing a station that already has a position (moving it has to be asked for)."""

    code = "already_located"


class LastAdmin(Conflict):
    """The change would leave no active admin (disabling or demoting the last one)."""

    code = "last_admin"


class NotLoaded(Conflict):
    """The city data a request needs (a walk network, districts) is not loaded yet."""

    code = "not_loaded"


class DatabaseError(YizhanError):
    """The database could not be reached or configured."""

    code = "database_error"


class DatabaseUnavailable(DatabaseError):
    """The database does not exist yet or cannot be reached."""

    code = "database_unavailable"


class Unauthenticated(YizhanError):
    """No valid login: missing, unknown, tampered or expired token, or a wrong password."""

    code = "unauthenticated"


class Forbidden(YizhanError):
    """Logged in, but the role may not do this."""

    code = "forbidden"


class RateLimited(YizhanError):
    """One client sent too many requests; ``retry_after_s`` says when to try again."""

    code = "rate_limited"

    def __init__(self, zh: str, en: str, *, retry_after_s: int, details: Any = None) -> None:
        super().__init__(zh, en, details=details)
        self.retry_after_s = retry_after_s


class TooManyAttempts(RateLimited):
    """Too many failed logins: ``retry_after_s`` is when the lock that refused this login
    ends."""

    code = "too_many_attempts"


class PossibleDuplicate(Conflict):
    """A station like this one already exists nearby; ``details`` lists the candidates."""

    code = "possible_duplicate"


class StaleVersion(YizhanError):
    """The If-Match version is not the station's current one: someone else changed it."""

    code = "stale_version"


class VersionRequired(YizhanError):
    """A change needs the If-Match header with the version it was based on."""

    code = "version_required"


class BodyTooLarge(YizhanError):
    """The request body exceeds the configured limit."""

    code = "body_too_large"


class ImportTooLarge(YizhanError):
    """A file to import holds more than the import limits allow (unpacked bytes, rows or
    columns); ``details`` name the limit and the setting that raises it."""

    code = "import_too_large"


class ImportInterrupted(YizhanError):
    """A background import whose server process stopped (or lost its database) before it
    finished; its transaction rolled back, so nothing from it is stored."""

    code = "import_interrupted"


class ImportFailed(YizhanError):
    """A background import that an unexpected error stopped; nothing from it is stored."""

    code = "import_failed"


class SolverError(YizhanError):
    """An optimisation solver failed or gave no usable answer."""

    code = "solver_error"


class InvalidQuery(InvalidInput):
    """A query parameter a standard API (OGC API – Features) does not know, or cannot
    read (a CQL2 filter, a coordinate system, a sort key): 400, as the standard asks."""

    code = "invalid_query"


class PlanInterrupted(YizhanError):
    """A background plan whose server process stopped before it finished (#16)."""

    code = "plan_interrupted"


class PlanFailed(YizhanError):
    """A background plan that an unexpected error stopped (#16)."""

    code = "plan_failed"
