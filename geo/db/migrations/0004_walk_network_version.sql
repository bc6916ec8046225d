-- The walk network's version: a token that changes in the same transaction as any change
-- to walk_edges (a street import, or any other insert, update, delete or truncate), so a
-- process that keeps the network in memory can check with one primary-key read that its
-- copy is current, instead of counting the edges on every request.
-- A random token, not a counter: a restored backup brings back its own token, which can
-- never equal one generated for a different network.

CREATE TABLE walk_network_version (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    token       uuid NOT NULL DEFAULT gen_random_uuid(),
    changed_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO walk_network_version DEFAULT VALUES;

CREATE FUNCTION walk_network_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE walk_network_version SET token = gen_random_uuid(), changed_at = now();
    RETURN NULL;
END
$$;

CREATE TRIGGER walk_edges_changed
    AFTER INSERT OR UPDATE OR DELETE ON walk_edges
    FOR EACH STATEMENT EXECUTE FUNCTION walk_network_changed();
CREATE TRIGGER walk_edges_truncated
    AFTER TRUNCATE ON walk_edges
    FOR EACH STATEMENT EXECUTE FUNCTION walk_network_changed();
