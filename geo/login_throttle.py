"""Login throttling: every attempt is counted before its password is checked, in one
transaction, so attempts sent at once cannot slip past the limit (issue #11 item 10).

Each attempt is counted against three subjects (see :class:`~geo.settings.AccountSettings`
for the limits):

- **the account from this address** (``pair``): after 5 failures this address is locked
  out of this account for ``login_lock_s``. This is the lock a guesser meets, and it
  locks out nobody else.
- **the address** (``client``): after 20 failures over all accounts the address is
  locked out for ``login_lock_s`` (someone trying many names).
- **the account** (``account``): from 50 failures over all addresses on, each failure
  closes the account for 1, 2, 4 … s, at most ``login_backoff_max_s``. Reaching it needs
  at least ten addresses; it slows a distributed guesser without a long lock.

An address from which the account logged in successfully within ``login_trust_s`` is
*trusted* for it and meets only its own ``pair`` lock: whoever guesses elsewhere, or
tries many names from a shared address, cannot lock the account's owner out.

:func:`reserve` counts the attempt as a failure (or refuses it with the time left on the
lock that applies); the caller then checks the password without holding a database
connection, and :func:`forgive` gives the count back when the password was right. A
failed attempt needs no second write. Each step takes advisory locks on its subjects
(in subject order) and reads, decides and writes in one transaction.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import psycopg

from geo import clock
from geo.db import accounts as db
from geo.errors import TooManyAttempts
from geo.settings import AccountSettings

log = logging.getLogger("yizhan.accounts")

# Failures past the account limit double the backoff; past this many it is at its cap.
_MAX_DOUBLINGS = 30


@dataclass(frozen=True)
class Attempt:
    """The three subjects one login attempt is counted against."""

    pair: str
    client: str
    account: str

    @property
    def subjects(self) -> list[str]:
        """All three, in a stable order."""
        return [self.pair, self.client, self.account]


def attempt_for(name: str, client: str | None) -> Attempt:
    """The subjects of a login as ``name`` from address ``client`` (``unknown`` if none)."""
    account = name.lower()
    address = client or "unknown"
    return Attempt(f"pair:{account}|{address}", f"client:{address}", f"account:{account}")


@dataclass(frozen=True)
class Counter:
    """One subject's failures in its current window, its lock and (pairs) its trust."""

    subject: str
    failures: int
    window_started_at: datetime
    locked_until: datetime | None = None
    trusted_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        """Whether a lock is in force at ``now``."""
        return self.locked_until is not None and self.locked_until > now

    def trusted(self, now: datetime) -> bool:
        """Whether the account logged in from this address recently (pairs only)."""
        return self.trusted_until is not None and self.trusted_until > now


def current(
    row: dict[str, Any] | None, subject: str, now: datetime, settings: AccountSettings
) -> Counter:
    """The counter of ``subject`` at ``now``: a window that has passed and a lock that has
    run out count no more. An account's backoff ending keeps its count (so the next
    failure waits longer); a pair's or address's lock ending starts afresh."""
    if row is None:
        return Counter(subject, 0, now)
    counter = Counter(**row)
    fresh = replace(counter, failures=0, window_started_at=now, locked_until=None)
    if counter.locked_until is not None and counter.locked_until <= now:
        if not subject.startswith("account:"):
            return fresh
        counter = replace(counter, locked_until=None)
    window = timedelta(seconds=settings.login_window_s)
    if not counter.locked(now) and counter.window_started_at + window <= now:
        return fresh
    return counter


def _lock(counter: Counter, until: datetime) -> Counter:
    if counter.locked_until is not None and counter.locked_until >= until:
        return counter
    log.warning(
        "login throttle: %s has %d failures, locked until %s",
        counter.subject,
        counter.failures,
        until.isoformat(),
    )
    return replace(counter, locked_until=until)


def counted(
    pair: Counter, client: Counter, account: Counter, now: datetime, settings: AccountSettings
) -> tuple[Counter, Counter, Counter]:
    """The three counters with one more failure each, and the locks that it sets.

    Raises
    ------
    TooManyAttempts
        When a lock that applies to this attempt is in force; its ``retry_after_s`` is
        the time until the last of those locks ends.
    """
    applies = [pair] if pair.trusted(now) else [pair, client, account]
    ends = [c.locked_until for c in applies if c.locked_until is not None and c.locked(now)]
    if ends:
        raise refusal(max(ends) - now)
    pair, client, account = (replace(c, failures=c.failures + 1) for c in (pair, client, account))
    lock = timedelta(seconds=settings.login_lock_s)
    if pair.failures >= settings.login_max_failures_user:
        pair = _lock(pair, now + lock)
    if client.failures >= settings.login_max_failures_client and not client.locked(now):
        client = _lock(client, now + lock)
    over = account.failures - settings.login_max_failures_account
    if over >= 0:
        backoff = min(settings.login_backoff_max_s, 2 ** min(over, _MAX_DOUBLINGS))
        account = _lock(account, now + timedelta(seconds=backoff))
    return pair, client, account


def forgiven(
    pair: Counter, client: Counter, account: Counter, now: datetime, settings: AccountSettings
) -> tuple[Counter, Counter, Counter]:
    """The counters once a counted attempt proved right: the address's failures on the
    account are forgotten and the address becomes trusted for it; the address and the
    account get back the one failure that was counted. The address's lock is lifted when
    its count is below the limit again (a lock this attempt set); the account's backoff
    is lifted (its owner is here), but its count stays, so the next failure closes it
    for longer."""
    trust = timedelta(seconds=settings.login_trust_s)
    pair = Counter(pair.subject, 0, now, None, now + trust if trust else None)
    failures = max(0, client.failures - 1)
    keep = failures >= settings.login_max_failures_client
    client = replace(client, failures=failures, locked_until=client.locked_until if keep else None)
    account = replace(account, failures=max(0, account.failures - 1), locked_until=None)
    return pair, client, account


def refusal(wait: timedelta) -> TooManyAttempts:
    """The error for a login refused while a lock has ``wait`` left to run."""
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds >= 60:
        minutes = math.ceil(seconds / 60)
        zh, en = f"{minutes} 分钟", f"{minutes} min"
    else:
        zh, en = f"{seconds} 秒", f"{seconds} s"
    return TooManyAttempts(
        f"登录失败次数过多，请 {zh}后再试",
        f"too many failed logins: try again in {en}",
        retry_after_s=seconds,
        details={"retry_after_s": seconds},
    )


def _load(
    conn: psycopg.Connection[Any], attempt: Attempt, now: datetime, settings: AccountSettings
) -> tuple[Counter, Counter, Counter]:
    db.lock_throttle_subjects(conn, attempt.subjects)
    rows = {r["subject"]: r for r in db.throttle_rows(conn, attempt.subjects)}
    pair, client, account = (current(rows.get(s), s, now, settings) for s in attempt.subjects)
    return pair, client, account


def _save(conn: psycopg.Connection[Any], counters: tuple[Counter, Counter, Counter]) -> None:
    db.save_throttle_rows(conn, [vars(c) for c in counters])


def reserve(conn: psycopg.Connection[Any], attempt: Attempt, settings: AccountSettings) -> None:
    """Count ``attempt`` as a failure before its password is checked (one transaction).

    Raises
    ------
    TooManyAttempts
        While a lock applies to it (nothing is counted then).
    """
    now = clock.now()
    with conn.transaction():
        counters = _load(conn, attempt, now, settings)
        _save(conn, counted(*counters, now, settings))


def forgive(conn: psycopg.Connection[Any], attempt: Attempt, settings: AccountSettings) -> None:
    """Give back the failure :func:`reserve` counted, the password having been right, and
    drop rows that count, lock and trust nothing any more (one transaction)."""
    now = clock.now()
    with conn.transaction():
        counters = _load(conn, attempt, now, settings)
        _save(conn, forgiven(*counters, now, settings))
    db.purge_throttle(conn, now, settings.login_window_s)
