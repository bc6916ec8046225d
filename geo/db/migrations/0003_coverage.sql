-- Coverage snapshots: the figures of one coverage run (as-of date, kind, distance, mode)
-- and its geometries (covered and uncovered main-street stretches, uncovered areas).
-- A snapshot is reused while the fingerprint of its inputs (operating stations, walk
-- network, main streets, districts) is unchanged.

CREATE TABLE coverage_snapshots (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    as_of        date NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('love_station', 'mother_baby_room', 'worker_bookshop')),
    distance_m   double precision NOT NULL CHECK (distance_m > 0),
    mode         text NOT NULL CHECK (mode IN ('walking', 'straight_line')),
    cell_m       double precision NOT NULL CHECK (cell_m > 0),
    fingerprint  text NOT NULL,
    figures      jsonb NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    seconds      double precision,
    UNIQUE (as_of, kind, distance_m, mode, cell_m, fingerprint)
);
CREATE INDEX coverage_snapshots_lookup ON coverage_snapshots (kind, mode, distance_m, as_of);

CREATE TABLE coverage_geoms (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    snapshot_id  bigint NOT NULL REFERENCES coverage_snapshots (id) ON DELETE CASCADE,
    role         text NOT NULL CHECK (role IN ('street_covered', 'street_gap', 'area_gap')),
    street       text,
    district     text,
    measure      double precision NOT NULL,  -- metres (stretches) or square metres (areas)
    geom         geometry(Geometry, 4326) NOT NULL
);
CREATE INDEX coverage_geoms_snapshot ON coverage_geoms (snapshot_id, role);
CREATE INDEX coverage_geoms_geom_gist ON coverage_geoms USING gist (geom);
