-- V002: what the network connectors know about an item besides its text: the conversation it belongs to, the
-- message it answers, the upstream's version of an edited item, a star rating, and the patient community of a
-- forum post.
--
-- An upstream that lets authors edit (Google reviews, Discourse) delivers an edit as a new version of the same
-- item: (source, external_id, item_version) is the natural key, '' for the first version. The old key is kept
-- as a plain index for lookups by upstream id.

ALTER TABLE item
    ADD COLUMN thread_id text NOT NULL DEFAULT '',
    ADD COLUMN reply_to text NOT NULL DEFAULT '',
    ADD COLUMN item_version text NOT NULL DEFAULT '',
    ADD COLUMN rating smallint CHECK (rating BETWEEN 1 AND 5),
    ADD COLUMN community text NOT NULL DEFAULT '';

ALTER TABLE item DROP CONSTRAINT item_source_external_id_key;
ALTER TABLE item ADD CONSTRAINT item_source_external_id_version_key UNIQUE (source, external_id, item_version);

-- A case shows its conversation: the items of one thread in one source.
CREATE INDEX item_thread ON item (source, thread_id) WHERE thread_id <> '';
