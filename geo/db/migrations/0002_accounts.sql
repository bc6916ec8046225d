-- Accounts, login sessions and throttling; review comments; duplicate checks by name.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- ---------------------------------------------------------------------------------------
-- Accounts. The public needs no account; every other role logs in. Accounts are
-- disabled, never deleted, so the names in the station audit always resolve.
-- ---------------------------------------------------------------------------------------
CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9_.@-]{2,64}$'),
    role            text NOT NULL CHECK (role IN ('field_staff', 'reviewer', 'planner', 'admin')),
    password_hash   text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    disabled_at     timestamptz
);

-- Bearer tokens (API) and cookie sessions (pages). Only a SHA-256 of the token is kept,
-- so a copy of the database does not hand out working tokens; a restart loses nothing.
CREATE TABLE auth_tokens (
    token_hash  text PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    kind        text NOT NULL CHECK (kind IN ('bearer', 'session')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);

-- Failed logins, per subject ('user:NAME' or 'client:ADDRESS'), to throttle guessing.
CREATE TABLE login_failures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject     text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_subject_at ON login_failures (subject, at);

-- ---------------------------------------------------------------------------------------
-- Stations: the reviewer's last comment and the reason of the last status change.
-- ---------------------------------------------------------------------------------------
ALTER TABLE stations ADD COLUMN review_comment text
    CHECK (review_comment IS NULL OR char_length(review_comment) <= 500);
ALTER TABLE stations ADD COLUMN status_reason text
    CHECK (status_reason IS NULL OR char_length(status_reason) <= 500);
CREATE INDEX stations_review_state ON stations (review_state) WHERE review_state <> 'approved';
CREATE INDEX stations_created_by ON stations (created_by);

-- The key a name is compared by in duplicate checks: NFKC, lower case, without spaces,
-- punctuation and the generic words every station of a kind carries ("爱心驿站" ...).
CREATE FUNCTION yizhan_name_key(name text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT regexp_replace(
        regexp_replace(lower(normalize(coalesce(name, ''), NFKC)),
                       '[[:space:][:punct:]·、，。；：（）【】「」《》“”‘’！？]+', '', 'g'),
        '(爱心驿站|户外劳动者服务站|职工驿站|驿站|母婴室|母婴关爱室|职工书屋|书屋|示例|demo)', '', 'g')
$$;
CREATE INDEX stations_name_key_trgm ON stations USING gin (yizhan_name_key(name) gin_trgm_ops);
