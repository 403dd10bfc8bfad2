-- V003: near-duplicate linking across channels, and what re-analysis needs.
--
-- similarity_hash is the analyzer's 64-bit SimHash (stored as bigint, the same 64 bits), NULL when the text is
-- too short to compare ("Thank you" is written by thousands of different people). An item whose hash is within
-- a few bits of an earlier item's from the last days (any source) points at that first copy with duplicate_of
-- and opens no case. IF NOT EXISTS: another migration may add the same column first.
ALTER TABLE item
    ADD COLUMN IF NOT EXISTS similarity_hash bigint,
    ADD COLUMN IF NOT EXISTS duplicate_of bigint REFERENCES item (id),
    -- The survey question the text answers: the analyzer reads an answer in its light ("Nothing." answering
    -- "What could we do better?" is praise), so re-analysis needs it.
    ADD COLUMN IF NOT EXISTS question text NOT NULL DEFAULT '';

-- Two 64-bit hashes at most 3 bits apart agree exactly on at least one of their four 16-bit bands
-- (pigeonhole), so four equality indexes find every candidate; candidates are then checked with bit_count.
-- id is in each index so the search walks one band value backwards from the new item and stops at the
-- most recent match (a copy points at its first copy, so the most recent match names it too): a text
-- reposted thousands of times costs one index probe per band, not thousands of rows.
CREATE INDEX item_similarity_band0 ON item (((similarity_hash >> 48) & 65535), id) WHERE similarity_hash IS NOT NULL;
CREATE INDEX item_similarity_band1 ON item (((similarity_hash >> 32) & 65535), id) WHERE similarity_hash IS NOT NULL;
CREATE INDEX item_similarity_band2 ON item (((similarity_hash >> 16) & 65535), id) WHERE similarity_hash IS NOT NULL;
CREATE INDEX item_similarity_band3 ON item ((similarity_hash & 65535), id) WHERE similarity_hash IS NOT NULL;

-- The copies of an item (console: "also posted on ...").
CREATE INDEX item_duplicate_of ON item (duplicate_of) WHERE duplicate_of IS NOT NULL;

-- carelisten reanalyze --since DATE walks the items received since a date.
CREATE INDEX item_received_at ON item (received_at, id);
