-- The basemap's data version: a token that changes in the same transaction as any change
-- to what the vector tiles draw (streets, districts, stations), so a process that keeps
-- tiles in memory can check with one primary-key read that its copy is current. A random
-- token, as walk_network_version (migration 0004): a restored backup brings its own.

CREATE TABLE basemap_version (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    token       uuid NOT NULL DEFAULT gen_random_uuid(),
    changed_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO basemap_version DEFAULT VALUES;

CREATE FUNCTION basemap_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE basemap_version SET token = gen_random_uuid(), changed_at = now();
    RETURN NULL;
END
$$;

CREATE TRIGGER streets_basemap_changed
    AFTER INSERT OR UPDATE OR DELETE ON streets
    FOR EACH STATEMENT EXECUTE FUNCTION basemap_changed();
CREATE TRIGGER streets_basemap_truncated
    AFTER TRUNCATE ON streets
    FOR EACH STATEMENT EXECUTE FUNCTION basemap_changed();
CREATE TRIGGER districts_basemap_changed
    AFTER INSERT OR UPDATE OR DELETE ON districts
    FOR EACH STATEMENT EXECUTE FUNCTION basemap_changed();
CREATE TRIGGER districts_basemap_truncated
    AFTER TRUNCATE ON districts
    FOR EACH STATEMENT EXECUTE FUNCTION basemap_changed();
CREATE TRIGGER stations_basemap_changed
    AFTER INSERT OR UPDATE OR DELETE ON stations
    FOR EACH STATEMENT EXECUTE FUNCTION basemap_changed();
CREATE TRIGGER stations_basemap_truncated
    AFTER TRUNCATE ON stations
    FOR EACH STATEMENT EXECUTE FUNCTION basemap_changed();
