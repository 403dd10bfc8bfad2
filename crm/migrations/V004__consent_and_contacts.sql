-- V004: patients and their contacts, the consent registry, patient links of items, and the outbox of messages
-- the hospital sends (SMS now; e-mail uses the same table).
--
-- Contacts are stored normalized so every system's format matches: phones in E.164 (libphonenumber, a default
-- region from config), e-mail addresses in lower case.

CREATE TABLE patient (
    id bigserial PRIMARY KEY,
    -- The hospital's medical record number; NULL for a patient known only by a contact.
    mrn text UNIQUE CHECK (mrn <> ''),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE patient_contact (
    patient_id bigint NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('phone', 'email')),
    value text NOT NULL CHECK (value <> ''
        AND (kind <> 'phone' OR value ~ '^\+[1-9][0-9]{6,14}$')
        AND (kind <> 'email' OR value = lower(value))),
    PRIMARY KEY (patient_id, kind, value)
);
-- A message's sender is looked up by address; two patients may share one (a family phone): then the match is
-- ambiguous and left to staff.
CREATE INDEX patient_contact_lookup ON patient_contact (kind, value);

-- An item's link to the patient who sent it. patient_match: '' not looked up (channels without addresses),
-- 'none' no patient has the address, 'matched' exactly one (patient_id set), 'ambiguous' several (staff decide).
ALTER TABLE item
    ADD COLUMN patient_id bigint REFERENCES patient (id),
    ADD COLUMN patient_match text NOT NULL DEFAULT '' CHECK (patient_match IN ('', 'none', 'matched', 'ambiguous'));
CREATE INDEX item_patient ON item (patient_id) WHERE patient_id IS NOT NULL;
CREATE INDEX item_patient_ambiguous ON item (id) WHERE patient_match = 'ambiguous';

-- The consent registry: one row per (contact, channel, purpose), its current state; every change is an event
-- below. Consent follows the address the person controls (a STOP comes from a number, not from a record); the
-- patient link says whose it is. Purpose 'all' covers every purpose (an SMS STOP stops everything, as Twilio
-- does). No row means no objection recorded: transactional messages and surveys may be sent.
CREATE TABLE consent (
    contact text NOT NULL CHECK (contact <> ''),
    channel text NOT NULL CHECK (channel IN ('sms', 'email')),
    purpose text NOT NULL CHECK (purpose ~ '^[a-z_]+$'),
    state text NOT NULL CHECK (state IN ('opted_in', 'opted_out')),
    patient_id bigint REFERENCES patient (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contact, channel, purpose)
);

CREATE TABLE consent_event (
    id bigserial PRIMARY KEY,
    contact text NOT NULL,
    channel text NOT NULL,
    purpose text NOT NULL,
    state text NOT NULL CHECK (state IN ('opted_in', 'opted_out')),
    -- keyword:STOP, keyword:START, operator, unsubscribe_link, ...
    reason text NOT NULL,
    -- The message that carried the keyword (stored as noise 'opt_out'/'opt_in', never a case).
    item_id bigint REFERENCES item (id),
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_event_contact ON consent_event (contact, channel, id);

-- Messages the hospital sends. A row is written ('queued') before anything is sent; the sender marks it
-- 'sending' in its own committed transaction right before the API call, with `marker` in the StatusCallback
-- URL; the API answer makes it 'sent' (upstream_id = the sid), the status callback 'delivered'/'failed'. A
-- crash leaves 'sending': on restart such rows are reconciled by listing the upstream's messages, never resent
-- blindly. 'refused': consent forbade it when it was due.
CREATE TABLE outbound_message (
    id bigserial PRIMARY KEY,
    marker text NOT NULL UNIQUE CHECK (marker <> ''),
    source text NOT NULL CHECK (source <> ''),
    channel text NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient text NOT NULL CHECK (recipient <> ''),
    purpose text NOT NULL CHECK (purpose ~ '^[a-z_]+$'),
    body text NOT NULL,
    -- A caller's idempotency key (e.g. "survey:<visit>"): the same message is never queued twice.
    dedupe_key text UNIQUE,
    state text NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'refused')),
    upstream_id text,
    upstream_status text NOT NULL DEFAULT '',
    error text NOT NULL DEFAULT '',
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbound_message_due ON outbound_message (source, next_attempt_at) WHERE state = 'queued';
CREATE INDEX outbound_message_sending ON outbound_message (source) WHERE state = 'sending';
CREATE UNIQUE INDEX outbound_message_upstream_id ON outbound_message (source, upstream_id)
    WHERE upstream_id IS NOT NULL;
