-- V008: the staff console. Users with roles, their sessions and API tokens, the append-only audit log, and the
-- case work of patient-relations staff: assignment, notes, responses, corrections, merges, outcomes, deadlines.

-- A console user. Passwords are Argon2id hashes (libsodium's crypto_pwhash_str format); the plain password is
-- never stored or logged. A physician user reads as their physician row (row-level security, V007).
CREATE TABLE console_user (
    id bigserial PRIMARY KEY,
    username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    display_name text NOT NULL DEFAULT '',
    role text NOT NULL CHECK (role IN ('patient_relations', 'physician', 'unit_lead', 'admin')),
    physician_id text REFERENCES physician (id),
    care_unit text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    disabled boolean NOT NULL DEFAULT false,
    -- Lock-out: consecutive failed logins, and until when further attempts are refused.
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (role <> 'physician' OR physician_id IS NOT NULL),
    CHECK (role <> 'unit_lead' OR care_unit <> '')
);

-- A browser session. Only the SHA-256 digest of the cookie's token is stored, so a copy of this table cannot be
-- replayed as a cookie. csrf_secret keys the HMAC of every form's CSRF token.
CREATE TABLE console_session (
    id bigserial PRIMARY KEY,
    token_digest text NOT NULL UNIQUE,
    csrf_secret text NOT NULL,
    user_id bigint NOT NULL REFERENCES console_user (id),
    remote_address text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    -- The absolute end; the idle timeout is checked against last_seen_at.
    expires_at timestamptz NOT NULL,
    ended_at timestamptz
);
CREATE INDEX console_session_user ON console_session (user_id) WHERE ended_at IS NULL;

-- Tokens for /api/v1 (Authorization: Bearer), acting as their user with that user's role. Digest only.
CREATE TABLE api_token (
    id bigserial PRIMARY KEY,
    token_digest text NOT NULL UNIQUE,
    user_id bigint NOT NULL REFERENCES console_user (id),
    name text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);

-- Every view of patient data and every change: who, what, when, from where. Append-only: the trigger below
-- refuses UPDATE, DELETE and TRUNCATE, for the owner too (only dropping the trigger, a DBA act, lifts it).
CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- The console username, 'cli:<login name>' for the command line, or 'system'.
    actor text NOT NULL,
    actor_role text NOT NULL DEFAULT '',
    action text NOT NULL CHECK (action <> ''),
    object_type text NOT NULL DEFAULT '',
    object_id text NOT NULL DEFAULT '',
    remote_address text NOT NULL DEFAULT '',
    -- What changed (ids, old and new values); never message text.
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- Case work. A resolved case is 'closed' with an outcome; a merged one is 'closed' with merged_into (its items
-- moved to the surviving case). due_at is when the first response is due: the urgency's target counted in the
-- hospital's business hours (or around the clock), computed by the daemon, which records in due_basis what it
-- was computed from (urgency and settings) so that a changed urgency or calendar recomputes it.
ALTER TABLE feedback_case
    ADD COLUMN assigned_user_id bigint REFERENCES console_user (id),
    ADD COLUMN assigned_unit text NOT NULL DEFAULT '',
    ADD COLUMN due_at timestamptz,
    ADD COLUMN due_basis text,
    ADD COLUMN first_response_at timestamptz,
    ADD COLUMN closed_at timestamptz,
    ADD COLUMN outcome text NOT NULL DEFAULT '',
    ADD COLUMN merged_into bigint REFERENCES feedback_case (id),
    -- Staff corrections of the analyzer (NULL: the analyzer's own, from the items).
    ADD COLUMN category_override text[],
    ADD COLUMN sentiment_override text CHECK (sentiment_override IN ('positive', 'neutral', 'negative'));
CREATE INDEX feedback_case_open_queue ON feedback_case (urgency_rank(urgency) DESC, due_at) WHERE status = 'open';
CREATE INDEX feedback_case_opened_at ON feedback_case (opened_at);

-- The history of a case as staff worked it (the case page shows it in order).
CREATE TABLE case_event (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES feedback_case (id),
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    user_id bigint REFERENCES console_user (id),
    kind text NOT NULL CHECK (kind IN ('assigned', 'note', 'response', 'correction', 'merged', 'resolved',
                                       'reopened')),
    -- For a response: the channel it went through (email, phone, letter, sms, social, in_person).
    channel text NOT NULL DEFAULT '',
    body text NOT NULL DEFAULT '',
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX case_event_case ON case_event (case_id, id);

-- A staff correction of the analyzer, kept as a labelled example for retraining (`carelisten corrections`):
-- the item, what the analyzer said, what staff said it is.
CREATE TABLE labelled_example (
    id bigserial PRIMARY KEY,
    item_id bigint NOT NULL REFERENCES item (id),
    field text NOT NULL CHECK (field IN ('categories', 'sentiment')),
    analyzer_value text NOT NULL,
    corrected_value text NOT NULL,
    analyzer_version text NOT NULL,
    user_id bigint REFERENCES console_user (id),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Physicians read their patients' cases in the console as carelisten_physician (V007): the same idempotent set-up
-- function, now also granting the assigned user's name. Replaced here (V007 stays as applied) and run again; the
-- migrator reruns it at every start, so a managed server's DBA step (see V007) completes this too.
CREATE OR REPLACE FUNCTION carelisten_enable_physician_access() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    rule record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'carelisten_physician') THEN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolcreaterole OR rolsuper)) THEN
            RETURN 'the role carelisten_physician does not exist and this user may not create it: run CREATE ROLE '
                   'carelisten_physician NOLOGIN; GRANT carelisten_physician TO ' || current_user || ';';
        END IF;
        CREATE ROLE carelisten_physician NOLOGIN;
    END IF;
    IF NOT pg_has_role(current_user, 'carelisten_physician', 'MEMBER') THEN
        BEGIN
            EXECUTE format('GRANT carelisten_physician TO %I', current_user);
        EXCEPTION WHEN insufficient_privilege THEN
            RETURN 'this user is not a member of carelisten_physician: run GRANT carelisten_physician TO '
                   || current_user || ';';
        END;
    END IF;
    GRANT SELECT ON physician, survey_definition, encounter, survey, survey_answer, patient, item, feedback_case
        TO carelisten_physician;
    GRANT EXECUTE ON FUNCTION survey_unit_comparison(timestamptz, timestamptz) TO carelisten_physician;
    -- The console shows who a case is assigned to (V008): the username only, never the hash.
    GRANT SELECT (id, username) ON console_user TO carelisten_physician;
    FOR rule IN SELECT * FROM (VALUES
        ('encounter', 'encounter_own_patients',
         'physician_id = current_setting(''carelisten.physician_id'', true)'),
        ('survey', 'survey_own_patients', 'physician_id = current_setting(''carelisten.physician_id'', true)'),
        ('survey_answer', 'survey_answer_own_patients',
         'physician_id = current_setting(''carelisten.physician_id'', true)'),
        ('patient', 'patient_own_patients',
         'EXISTS (SELECT 1 FROM encounter AS e WHERE e.patient_id = patient.id AND e.physician_id = '
         'current_setting(''carelisten.physician_id'', true))'),
        -- Items and cases: only the free-text answers and the red-flag cases of the physician's own surveys.
        ('item', 'item_own_survey_answers', 'EXISTS (SELECT 1 FROM survey_answer AS a WHERE a.item_id = item.id)'),
        ('feedback_case', 'feedback_case_own_patients',
         'physician_id = current_setting(''carelisten.physician_id'', true)')) AS p (table_name, policy, expression)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = rule.table_name AND policyname = rule.policy) THEN
            EXECUTE format('CREATE POLICY %I ON %I FOR SELECT TO carelisten_physician USING (%s)', rule.policy,
                           rule.table_name, rule.expression);
        END IF;
    END LOOP;
    RETURN 'ok';
END
$$;
SELECT carelisten_enable_physician_access();
