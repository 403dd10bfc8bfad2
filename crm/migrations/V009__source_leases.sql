-- V009: several carelistend replicas on one database. Each polled source is leased to one replica at a time; the
-- lease is a row here, renewed by its holder (heartbeat) and taken over by another replica once it has expired.
-- fencing_token grows by one at every change of holder: a batch commits (and moves the source's cursor) only
-- while its replica still holds the lease with the token it was granted (crm Store::Ingest checks it inside the
-- batch's transaction, under the row's lock), so a replica that paused past its lease can never move a cursor
-- that another replica now owns.
CREATE TABLE source_lease (
    source text PRIMARY KEY CHECK (source <> ''),
    holder text NOT NULL CHECK (holder <> ''),
    fencing_token bigint NOT NULL CHECK (fencing_token >= 1),
    acquired_at timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
