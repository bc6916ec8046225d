-- The stations' version: a token that changes in the same transaction as any change to
-- stations (insert, update, delete or truncate), as walk_network_version does for the walk
-- network (0004). The public nearest lookup keeps a table of each walk node's nearest public
-- stations in memory (geo.stations.nearest_table); with this token and the network's it
-- checks in the query it makes anyway that the table is current, and never answers from a
-- stale one. A random token, not a counter: a restored backup brings its own.

CREATE TABLE station_set_version (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    token       uuid NOT NULL DEFAULT gen_random_uuid(),
    changed_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO station_set_version DEFAULT VALUES;

CREATE FUNCTION station_set_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE station_set_version SET token = gen_random_uuid(), changed_at = now();
    RETURN NULL;
END
$$;

CREATE TRIGGER stations_set_changed
    AFTER INSERT OR UPDATE OR DELETE ON stations
    FOR EACH STATEMENT EXECUTE FUNCTION station_set_changed();
CREATE TRIGGER stations_set_truncated
    AFTER TRUNCATE ON stations
    FOR EACH STATEMENT EXECUTE FUNCTION station_set_changed();
