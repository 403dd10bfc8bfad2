-- V006: forum usernames the hospital has linked to patients, and the care unit an item belongs to.
--
-- A patient community member (Discourse) is known by a username per forum: the contact value is
-- '<source>/<username in lower case>', so the same name on two forums never links the wrong person. The ingest
-- links a forum post to its patient exactly as it links an SMS or an e-mail (one match: linked; several:
-- ambiguous, left to staff).
ALTER TABLE patient_contact DROP CONSTRAINT patient_contact_kind_check;
ALTER TABLE patient_contact ADD CONSTRAINT patient_contact_kind_check CHECK (kind IN ('phone', 'email', 'forum'));
ALTER TABLE patient_contact ADD CONSTRAINT patient_contact_forum_value_check
    CHECK (kind <> 'forum' OR (value = lower(value) AND position('/' IN value) > 1));

-- The care unit (cardiology, oncology ...) an item concerns, from its condition community through the
-- configured [routing] community_units; '' when unknown. Staff filter and route by it.
ALTER TABLE item ADD COLUMN care_unit text NOT NULL DEFAULT '';
CREATE INDEX item_care_unit ON item (care_unit, id) WHERE care_unit <> '';
