"""Login throttling (issue #11 item 10): counted atomically, Retry-After tells the truth,
and a guesser cannot lock an account's owner out.

Before: 30 wrong passwords at once gave 10-14 × 401 (limit 5) and 503s (every pooled
connection was held through Argon2); Retry-After said 60 s while the lock lasted 900 s;
five wrong passwords from anywhere locked the account for everyone.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import timedelta

import pytest

from geo import accounts, clock
from geo.db.connection import connect
from geo.errors import TooManyAttempts, Unauthenticated
from tests.helpers.live import running_server
from tests.helpers.staff import PASSWORD

NOW = "2026-06-01T10:00:00+08:00"
OWNER, GUESSER = "198.51.100.2", "203.0.113.7"


def _attempt(url: str, name: str, password: str, client: str) -> str:
    """One login through its own connection: "ok", "401" or "429:<retry_after_s>"."""
    with connect(url, autocommit=True) as conn:
        try:
            accounts.authenticate(conn, name, password, client)
        except Unauthenticated:
            return "401"
        except TooManyAttempts as exc:
            return f"429:{exc.retry_after_s}"
    return "ok"


@pytest.fixture
def settings_env(monkeypatch):
    """Set YIZHAN_* settings for one test (the settings cache is cleared around it)."""
    from geo.settings import get_settings

    def set_env(**values: int) -> None:
        for key, value in values.items():
            monkeypatch.setenv(f"YIZHAN_{key.upper()}", str(value))
        get_settings.cache_clear()

    yield set_env
    monkeypatch.undo()
    get_settings.cache_clear()


def test_30_concurrent_wrong_logins_give_exactly_5_401s_then_429s_and_no_5xx(
    make_user, database_url, db
) -> None:
    make_user("wang.field", "field_staff")
    with running_server(database_url, YIZHAN_NOW=NOW) as base:
        start = threading.Barrier(30)
        answers: list[tuple[int, str | None]] = []

        def login() -> None:
            form = urllib.parse.urlencode({"username": "wang.field", "password": "wrong"})
            start.wait()
            try:
                urllib.request.urlopen(f"{base}/api/v1/auth/token", form.encode(), timeout=60)
                answers.append((200, None))
            except urllib.error.HTTPError as exc:
                answers.append((exc.code, exc.headers.get("Retry-After")))

        threads = [threading.Thread(target=login) for _ in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    # Every refusal names the lock's real end: 900 s from the fifth failure.
    assert Counter(answers) == {(401, None): 5, (429, "900"): 25}
    row = db.execute(
        "SELECT failures, locked_until FROM login_throttle WHERE subject = %s",
        ("pair:wang.field|127.0.0.1",),
    ).fetchone()
    assert row["failures"] == 5
    assert row["locked_until"] == clock.parse_instant(NOW) + timedelta(seconds=900)


def test_concurrent_attempts_on_their_own_connections_are_counted_exactly(
    make_user, database_url
) -> None:
    make_user("wang.field", "field_staff")
    start = threading.Barrier(30)
    results: list[str] = []

    def login() -> None:
        start.wait()
        results.append(_attempt(database_url, "wang.field", "wrong", GUESSER))

    with clock.frozen(NOW):
        threads = [threading.Thread(target=login) for _ in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert Counter(results) == {"401": 5, "429:900": 25}


def test_retry_after_is_the_time_left_on_the_lock(client, make_user) -> None:
    make_user("wang.field", "field_staff")
    wrong = {"username": "wang.field", "password": "wrong"}
    right = {"username": "wang.field", "password": PASSWORD}
    start = clock.parse_instant(NOW)
    with clock.frozen(start):
        assert [client.post("/api/v1/auth/token", data=wrong).status_code for _ in range(5)] == [
            401
        ] * 5
    with clock.frozen(start + timedelta(minutes=10)):
        r = client.post("/api/v1/auth/token", data=right)
        assert r.status_code == 429
        assert r.headers["Retry-After"] == "300"
        assert r.json()["details"] == {"retry_after_s": 300}
        assert "5 分钟" in r.json()["message"] and "5 min" in r.json()["message_en"]
    with clock.frozen(start + timedelta(seconds=899)):
        r = client.post("/api/v1/auth/session", json=right)
        assert r.status_code == 429 and r.headers["Retry-After"] == "1"
        assert "1 秒" in r.json()["message"]
    with clock.frozen(start + timedelta(seconds=900)):
        assert client.post("/api/v1/auth/token", data=right).status_code == 200


def test_a_guesser_elsewhere_cannot_lock_the_owner_out(make_user, database_url) -> None:
    make_user("wang.field", "field_staff")
    with clock.frozen(NOW):
        tries = [_attempt(database_url, "wang.field", "guess", GUESSER) for _ in range(7)]
        assert tries == ["401"] * 5 + ["429:900"] * 2
        # The owner, at another address and never seen before, logs in all the same.
        assert _attempt(database_url, "wang.field", PASSWORD, OWNER) == "ok"
        # The guesser's lock stays, even with the right password.
        assert _attempt(database_url, "wang.field", PASSWORD, GUESSER) == "429:900"


def test_many_addresses_put_the_account_in_a_capped_backoff_that_spares_its_owner(
    make_user, database_url, settings_env
) -> None:
    settings_env(login_max_failures_account=6, login_backoff_max_s=4)
    make_user("wang.field", "field_staff")
    start = clock.parse_instant(NOW)
    with clock.frozen(start):
        assert _attempt(database_url, "wang.field", PASSWORD, OWNER) == "ok"  # trusted now
        for i in range(6):  # six addresses, one failure each: the account's limit
            assert _attempt(database_url, "wang.field", "guess", f"10.0.0.{i}") == "401"
        # Every other address waits 1 s, even with the right password; the owner does not.
        assert _attempt(database_url, "wang.field", PASSWORD, "10.0.1.1") == "429:1"
        assert _attempt(database_url, "wang.field", PASSWORD, OWNER) == "ok"
    waits = []
    at = start
    for i in range(4):
        at += timedelta(seconds=10)  # each backoff has run out: one more failure …
        with clock.frozen(at):
            assert _attempt(database_url, "wang.field", "guess", f"10.0.2.{i}") == "401"
            waits.append(_attempt(database_url, "wang.field", "guess", f"10.0.3.{i}"))
    assert waits == ["429:2", "429:4", "429:4", "429:4"]  # … doubles it, up to the cap


def test_trying_many_names_locks_the_address_but_not_an_owner_who_logged_in_there(
    make_user, database_url, settings_env
) -> None:
    settings_env(login_max_failures_client=4)
    make_user("wang.field", "field_staff")
    shared = "192.0.2.10"  # one office behind one address
    with clock.frozen(NOW):
        assert _attempt(database_url, "wang.field", PASSWORD, shared) == "ok"
        names = [f"guess{i}" for i in range(5)]
        assert [_attempt(database_url, n, "x", shared) for n in names] == ["401"] * 4 + ["429:900"]
        assert _attempt(database_url, "wang.field", PASSWORD, shared) == "ok"
