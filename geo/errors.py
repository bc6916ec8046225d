"""Domain errors of Yizhan.

Every error carries a Chinese message (shown first) and an English one. The API maps
each class to an HTTP status in one table (``api/errors.py``); the CLI prints the
messages and exits non-zero. Code in ``geo`` raises these, never HTTP errors.
"""

from __future__ import annotations

from typing import Any


class YizhanError(Exception):
    """Base class: a problem a person can understand and fix."""

    code = "error"

    def __init__(self, zh: str, en: str, *, details: Any = None) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en
        self.details = details

    def message(self, lang: str = "zh") -> str:
        """The message in the asked language ("zh" or "en")."""
        return self.en if lang == "en" else self.zh

    def as_dict(self) -> dict[str, Any]:
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
    code = "unknown_crs"


class NotFound(YizhanError):
    code = "not_found"


class Conflict(YizhanError):
    code = "conflict"


class DatabaseError(YizhanError):
    """The database could not be reached or configured."""

    code = "database_error"


class DatabaseUnavailable(DatabaseError):
    code = "database_unavailable"


class SolverError(YizhanError):
    """An optimisation solver failed or gave no usable answer."""

    code = "solver_error"
