-- Roads where nobody walks or rides an e-bike (#12 item 4): motorways, motorroad=yes,
-- expressway=yes, foot=no, elevated trunk roads without sidewalks, and names matching
-- YIZHAN_UNWALKABLE_NAME_PATTERN (高架, 快速路). They are out of the walk network
-- (walkable = false) and out of the main-street denominator: a main street by class or
-- name that is such a road is stored with is_main = false and excluded_main = true, so
-- every reader of is_main (coverage, gaps, trend, siting, OGC) leaves it out, and the
-- report lists it as "not walkable" (不可步行), never as a gap.
ALTER TABLE streets
    ADD COLUMN not_walkable text CHECK (
        not_walkable IN (
            'motorway', 'motorroad', 'expressway', 'foot_no', 'elevated_trunk', 'name'
        )
    ),
    ADD COLUMN excluded_main boolean NOT NULL DEFAULT false;
ALTER TABLE streets
    ADD CONSTRAINT streets_excluded_main_not_walkable
        CHECK (NOT excluded_main OR (not_walkable IS NOT NULL AND NOT is_main)),
    ADD CONSTRAINT streets_not_walkable_walkable
        CHECK (not_walkable IS NULL OR NOT walkable);
CREATE INDEX streets_excluded_main ON streets (excluded_main) WHERE excluded_main;
