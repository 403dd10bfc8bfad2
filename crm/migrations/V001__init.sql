-- V001: the initial crm schema. Feedback items with their analysis, the cases they open, input that could not
-- be turned into an item (quarantine), and each source's cursor.
--
-- Enum-like columns are text with CHECK constraints rather than PostgreSQL enum types: a later migration can
-- widen a CHECK with one ALTER TABLE inside its transaction, which ALTER TYPE ... ADD VALUE cannot promise.

-- Ranks urgencies so a case keeps the highest urgency among its items (none < low < high < critical).
-- NULL for anything else, so an unknown urgency can never outrank a known one by accident.
CREATE FUNCTION urgency_rank(urgency text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN array_position(ARRAY['none', 'low', 'high', 'critical'], urgency);

-- A case groups the flagged items of one author in one source until staff close it. It is created before
-- item because items point at their case.
CREATE TABLE feedback_case (
    id bigserial PRIMARY KEY,
    source text NOT NULL CHECK (source <> ''),
    -- '' is an anonymous author: such items never share a case, since nothing says they came from one person.
    author text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    -- The highest urgency among the case's items (see urgency_rank).
    urgency text NOT NULL CHECK (urgency IN ('none', 'low', 'high', 'critical')),
    -- The most negative sentiment among the case's items: staff sort by it.
    min_sentiment_score double precision NOT NULL,
    item_count bigint NOT NULL CHECK (item_count >= 1),
    opened_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- At most one open case per author and source: a second flagged item by the same author extends the open case
-- (INSERT ... ON CONFLICT on this index) instead of opening another, even when two ingests race. Closed cases
-- and anonymous authors are outside the index, so they never conflict.
CREATE UNIQUE INDEX feedback_case_one_open_per_author ON feedback_case (source, author)
    WHERE status = 'open' AND author <> '';

CREATE TABLE item (
    id bigserial PRIMARY KEY,
    -- Configured source name and the upstream's id: the natural key that makes re-delivery a no-op.
    source text NOT NULL CHECK (source <> ''),
    external_id text NOT NULL CHECK (external_id <> ''),
    channel text NOT NULL CHECK (channel IN ('sms', 'email', 'social', 'review', 'forum', 'survey', 'unknown')),
    author text NOT NULL DEFAULT '',
    text text NOT NULL,
    url text NOT NULL DEFAULT '',
    -- NULL when the upstream gave no time; received_at is when this database stored the item.
    posted_at timestamptz,
    received_at timestamptz NOT NULL DEFAULT now(),
    -- The analysis, as produced by analyzer_version, so history can be re-analyzed when models improve.
    language text NOT NULL DEFAULT '',
    sentiment_label text NOT NULL CHECK (sentiment_label IN ('positive', 'neutral', 'negative')),
    sentiment_score double precision NOT NULL,
    -- false when the text could not be scored (e.g. an unsupported language): the label is then a default.
    sentiment_scored boolean NOT NULL,
    is_noise boolean NOT NULL,
    noise_reasons text[] NOT NULL DEFAULT '{}',
    categories text[] NOT NULL DEFAULT '{}',
    urgency text NOT NULL CHECK (urgency IN ('none', 'low', 'high', 'critical')),
    red_flags text[] NOT NULL DEFAULT '{}',
    analyzer_version text NOT NULL,
    case_id bigint REFERENCES feedback_case (id),
    UNIQUE (source, external_id)
);

-- Listing a source's newest items, and a case's items (also what the foreign key check on case deletion uses).
CREATE INDEX item_source_id ON item (source, id);
CREATE INDEX item_case_id ON item (case_id) WHERE case_id IS NOT NULL;

-- Where each source resumes. Written in the same transaction as the items it covers, so a crash can neither
-- skip items (cursor ahead of the items) nor store them twice (the natural key absorbs re-delivery).
CREATE TABLE source_cursor (
    source text PRIMARY KEY CHECK (source <> ''),
    cursor text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Input that could not become an item, kept with its reason so one poison record never blocks a source and
-- can be replayed once the code handles it. The raw bytes are bytea, not text, because bad input is often not
-- valid UTF-8; they are capped (crm::kMaxQuarantineRawBytes, 64 KiB) so hostile input cannot fill the disk.
CREATE TABLE quarantine (
    id bigserial PRIMARY KEY,
    source text NOT NULL CHECK (source <> ''),
    -- Where in the source, e.g. "file.jsonl:1234": re-delivery of the same bad record is recorded once.
    locator text NOT NULL,
    -- What was wrong, never the content itself.
    reason text NOT NULL,
    raw bytea NOT NULL,
    raw_truncated boolean NOT NULL DEFAULT false,
    -- 1 for the first failure, + 1 for every failed replay.
    attempts integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz NOT NULL DEFAULT now(),
    -- Set by the ingest transaction that finally stored the record; the row stays as history.
    replayed_at timestamptz,
    replayed_item_id bigint REFERENCES item (id),
    UNIQUE (source, locator),
    CHECK (octet_length(raw) <= 65536)
);

-- The operator's list is the records still waiting for a replay.
CREATE INDEX quarantine_pending ON quarantine (id) WHERE replayed_at IS NULL;
