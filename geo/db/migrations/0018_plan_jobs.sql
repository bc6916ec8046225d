-- Siting plans run from the console as jobs (issue #16, "run a plan from the page").
-- A planner asks for a plan (fewest sites, or the best k) with a time limit; the job runs
-- in the background of the server process that took it and says how far it got (stage
-- and progress 0..1), and people poll it. A finished plan (its sites, objective, bound,
-- gap, the coverage reached and the demand left unreached) is kept here for the page,
-- the re-verification of moved sites and the exports.
--
-- A job is queued or running only while the process that took it is alive: each process
-- holds a session-level advisory lock (PLAN_LOCK_CLASS, runner) for as long as it runs,
-- and a queued or running job whose runner's lock nobody holds is marked failed (at
-- start-up, and when the job is read), as import jobs are (0008).
--
-- Plans are a record of what was asked and answered, by whom (created_by) and who
-- cancelled one (cancelled_by), with the time of each step: rows are never deleted.

CREATE TABLE plan_jobs (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_by   bigint NOT NULL REFERENCES users (id),
    params       jsonb NOT NULL,
    state        text NOT NULL
                 CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    runner       integer CHECK (runner > 0),
    stage        text CHECK (stage IN ('network', 'demand', 'candidates', 'solving',
                                       'verifying')),
    progress     double precision NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
    result       jsonb,
    error        jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz,
    cancelled_by bigint REFERENCES users (id),
    CHECK ((state = 'cancelled') = (cancelled_by IS NOT NULL)),
    CHECK ((state = 'succeeded') = (result IS NOT NULL)),
    CHECK ((state = 'failed') = (error IS NOT NULL)),
    CHECK ((state IN ('succeeded', 'failed', 'cancelled')) = (finished_at IS NOT NULL)),
    CHECK (state NOT IN ('queued', 'running') OR runner IS NOT NULL)
);
CREATE INDEX plan_jobs_created ON plan_jobs (created_at DESC);
CREATE INDEX plan_jobs_active ON plan_jobs (runner) WHERE state IN ('queued', 'running');

CREATE FUNCTION plan_jobs_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'plan jobs are never deleted (job %)', OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER plan_jobs_no_delete BEFORE DELETE ON plan_jobs
    FOR EACH ROW EXECUTE FUNCTION plan_jobs_no_delete();
