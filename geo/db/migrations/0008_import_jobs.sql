-- Station imports as jobs (issue #11 item 5). Big files run in the background of the
-- server process that took them, and people poll the job; every import's full list of
-- problem rows can be downloaded afterwards. A job belongs to the staff account that
-- started it.
--
-- A job is queued or running only while the process that took it is alive: each
-- process holds a session-level advisory lock (JOB_LOCK_CLASS, runner) for as long as it
-- runs, and a queued or running job whose runner's lock nobody holds is marked failed
-- (at start-up, and when the job is read). The import itself is one transaction, and a
-- job is marked succeeded inside it, so a failed job has stored nothing.

CREATE TABLE import_jobs (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id     bigint NOT NULL REFERENCES users (id),
    file         text NOT NULL,
    options      jsonb NOT NULL DEFAULT '{}'::jsonb,
    background   boolean NOT NULL,
    state        text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    runner       integer CHECK (runner > 0),
    phase        text CHECK (phase IN ('reading', 'checking', 'writing')),
    done         integer NOT NULL DEFAULT 0 CHECK (done >= 0),
    total        integer CHECK (total >= 0),
    rows_total   integer CHECK (rows_total >= 0),
    result       jsonb,
    error        jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz,
    CHECK ((state = 'succeeded') = (result IS NOT NULL)),
    CHECK ((state = 'failed') = (error IS NOT NULL)),
    CHECK ((state IN ('succeeded', 'failed')) = (finished_at IS NOT NULL)),
    CHECK (state NOT IN ('queued', 'running') OR runner IS NOT NULL)
);
CREATE INDEX import_jobs_owner ON import_jobs (owner_id, created_at DESC);
CREATE INDEX import_jobs_created ON import_jobs (created_at DESC);
CREATE INDEX import_jobs_active ON import_jobs (runner) WHERE state IN ('queued', 'running');
CREATE INDEX import_jobs_finished ON import_jobs (finished_at) WHERE finished_at IS NOT NULL;

-- Every problem row of a job's report, in report order (the report itself lists the
-- first few).
CREATE TABLE import_job_problems (
    job_id     uuid NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    n          integer NOT NULL,
    file_row   integer NOT NULL,
    field      text,
    code       text NOT NULL,
    reason_zh  text NOT NULL,
    reason_en  text NOT NULL,
    cells      jsonb,
    PRIMARY KEY (job_id, n)
);
