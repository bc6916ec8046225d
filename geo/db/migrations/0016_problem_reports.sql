-- Problem reports (issue 15, public reports): one row per report received, whether it
-- opened a problem or was collapsed into an open one.
--
-- Why a table of its own: a report of the same station and category while a problem is
-- new or confirmed only adds one to station_problems.reports, so the problems alone cannot
-- say how many reports one client (or one station) sent in the last hour or day. The
-- abuse limits count these rows. They hold no personal data: the client is a keyed hash
-- (geo.privacy), kept out of the audit like everywhere in migration 0014.
CREATE TABLE problem_reports (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    problem_id   bigint NOT NULL REFERENCES station_problems (id),
    station_id   bigint NOT NULL REFERENCES stations (id),
    client_hash  text,
    at           timestamptz NOT NULL,
    merged       boolean NOT NULL
);
CREATE INDEX problem_reports_client ON problem_reports (client_hash, at)
    WHERE client_hash IS NOT NULL;
CREATE INDEX problem_reports_station ON problem_reports (station_id, at);

-- The phone purge looks for old reports that still hold a phone.
CREATE INDEX station_problems_phone ON station_problems (created_at)
    WHERE phone IS NOT NULL;

CREATE TRIGGER problem_reports_audit AFTER INSERT OR UPDATE ON problem_reports
    FOR EACH ROW EXECUTE FUNCTION operations_audit();
CREATE TRIGGER problem_reports_no_delete BEFORE DELETE ON problem_reports
    FOR EACH ROW EXECUTE FUNCTION operations_no_delete();
