-- Login throttling that cannot be raced (#11 item 10). One row per subject:
--   'pair:NAME|ADDRESS'  one account from one client address (its own lock; a successful
--                        login there makes the address trusted for the account),
--   'client:ADDRESS'     one client address over all accounts,
--   'account:NAME'       one account over all addresses (a backoff, not a long lock).
-- A login attempt takes transaction advisory locks on its subjects (in subject order),
-- then reads, decides and writes these rows in the same transaction: every attempt is
-- counted before its password is checked, so 30 attempts at once are counted as 30.
CREATE TABLE login_throttle (
    subject             text PRIMARY KEY CHECK (subject ~ '^(pair|client|account):'),
    failures            integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    window_started_at   timestamptz NOT NULL,
    locked_until        timestamptz,
    trusted_until       timestamptz
);
CREATE INDEX login_throttle_window ON login_throttle (window_started_at);

-- The old per-attempt rows counted in a separate read and write (the race); they only
-- ever held the last window's failures, so nothing of value is dropped.
DROP TABLE login_failures;
