-- Unlocated drafts (#12 item 10): a row of a station list that gives a name and an address
-- but no coordinates (64 of the 82 rows of a real city's list) is kept as a station without
-- a position, so staff can place it later, instead of being only reported.
--
-- Such a station is never published: only a station with a position may be approved. Every
-- public and coverage predicate already asks for review_state = 'approved', so none of them
-- can meet a station without a position; spatial queries (ST_DWithin, KNN, ST_Extent,
-- ST_Intersects) pass over a NULL geometry, and the GiST indexes simply do not hold it.
-- The audit trigger writes lon/lat as null for it.

ALTER TABLE stations ALTER COLUMN geom DROP NOT NULL;

ALTER TABLE stations ADD CONSTRAINT stations_published_located
    CHECK (geom IS NOT NULL OR review_state <> 'approved');

-- The staff listing of unlocated stations, oldest import first.
CREATE INDEX stations_unlocated ON stations (created_at, id) WHERE geom IS NULL;
