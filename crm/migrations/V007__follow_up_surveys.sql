-- V007: the two-week follow-up surveys. Encounters come in from the hospital (HL7 ADT over MLLP, or an import),
-- a discharge schedules exactly one survey per encounter, the survey is sent, reminded and expires, its answers
-- come back by SMS, web form or call centre, and red flags open urgent cases for the treating physician.
--
-- Every time column the survey lifecycle compares is written from the daemon's (injectable) clock, never from
-- now(), so the whole 14 days can be run in a test; created_at/updated_at are bookkeeping only.

-- The physicians the hospital's feeds name (PV1-7). Alerts and digests go to the contact of alert_channel.
CREATE TABLE physician (
    id text PRIMARY KEY CHECK (id <> ''),
    name text NOT NULL DEFAULT '',
    email text NOT NULL DEFAULT '' CHECK (email = lower(email)),
    phone text NOT NULL DEFAULT '' CHECK (phone = '' OR phone ~ '^\+[1-9][0-9]{6,14}$'),
    alert_channel text NOT NULL DEFAULT 'email' CHECK (alert_channel IN ('email', 'sms')),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One hospital stay, keyed as the hospital keys it: (sending facility, visit number, PV1-19).
CREATE TABLE encounter (
    id bigserial PRIMARY KEY,
    facility text NOT NULL CHECK (facility <> ''),
    visit_number text NOT NULL CHECK (visit_number <> ''),
    patient_id bigint NOT NULL REFERENCES patient (id),
    physician_id text REFERENCES physician (id),
    care_unit text NOT NULL DEFAULT '',
    -- admitted: in hospital (or its discharge was cancelled, A13); discharged (A03); cancelled: the visit never
    -- happened (A11).
    status text NOT NULL CHECK (status IN ('admitted', 'discharged', 'cancelled')),
    discharged_at timestamptz,
    disposition text NOT NULL DEFAULT '',
    deceased boolean NOT NULL DEFAULT false,
    language text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (facility, visit_number)
);
-- Readmission checks look for the patient's other encounters.
CREATE INDEX encounter_patient ON encounter (patient_id, id);

-- Every encounter message applied, once: a replayed HL7 message (the same sending facility and control id) or a
-- re-imported record is acknowledged and changes nothing.
CREATE TABLE encounter_message (
    facility text NOT NULL CHECK (facility <> ''),
    control_id text NOT NULL CHECK (control_id <> ''),
    kind text NOT NULL CHECK (kind IN ('discharge', 'cancel_discharge', 'update', 'cancel_visit')),
    encounter_id bigint NOT NULL REFERENCES encounter (id),
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (facility, control_id)
);

-- A unit's question set, versioned: which physician approved it and when. '*' is the hospital's default for units
-- without their own. The newest version of a unit is used for new surveys; a survey keeps the version it started
-- with, so its answers always match its questions.
CREATE TABLE survey_definition (
    id bigserial PRIMARY KEY,
    care_unit text NOT NULL CHECK (care_unit <> ''),
    version integer NOT NULL CHECK (version >= 1),
    approved_by text NOT NULL CHECK (approved_by <> ''),
    approved_at date NOT NULL,
    definition jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (care_unit, version)
);

-- Exactly one survey per encounter (the UNIQUE below): replays and restarts can only find the row again.
--   scheduled -> invited -> answered | expired;  scheduled -> cancelled | skipped | staff_review | phone_list
--   invited -> cancelled (a later cancel-discharge);  an answer may also arrive by phone import in any open state.
CREATE TABLE survey (
    id bigserial PRIMARY KEY,
    encounter_id bigint NOT NULL UNIQUE REFERENCES encounter (id),
    definition_id bigint NOT NULL REFERENCES survey_definition (id),
    patient_id bigint NOT NULL REFERENCES patient (id),
    physician_id text REFERENCES physician (id),
    care_unit text NOT NULL DEFAULT '',
    state text NOT NULL CHECK (state IN ('scheduled', 'invited', 'answered', 'expired', 'cancelled', 'skipped',
                                         'staff_review', 'phone_list')),
    -- Why it was skipped, cancelled or handed to staff: deceased, readmitted, opted_out, open_complaint, ...
    reason text NOT NULL DEFAULT '',
    due_at timestamptz NOT NULL,
    -- When the scheduler must look at it next (invitation, reminder, expiry); NULL once nothing is left to do.
    next_action_at timestamptz,
    channel text NOT NULL DEFAULT '' CHECK (channel IN ('', 'sms', 'email', 'phone')),
    contact text NOT NULL DEFAULT '',
    language text NOT NULL DEFAULT 'en',
    invited_at timestamptz,
    last_sent_at timestamptz,
    reminders_sent integer NOT NULL DEFAULT 0 CHECK (reminders_sent >= 0),
    expires_at timestamptz,
    -- The SMS conversation (surveys::SmsDialogState as JSON): which question is next, re-asks, answers so far.
    dialog jsonb,
    answered_at timestamptz,
    answered_via text NOT NULL DEFAULT '' CHECK (answered_via IN ('', 'sms', 'web', 'phone')),
    -- The newest item id when the SMS invitation went out: only later messages from the number can answer it.
    -- (No global cursor: an item with a lower id may commit after a higher one, and must not be skipped.)
    reply_after_item_id bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX survey_next_action ON survey (next_action_at) WHERE next_action_at IS NOT NULL;
-- An inbound SMS finds the open conversation of its number.
CREATE INDEX survey_open_sms ON survey (contact) WHERE state = 'invited' AND channel = 'sms';
CREATE INDEX survey_patient ON survey (patient_id);

-- One row per answered question. physician_id and care_unit are copied from the survey so the summaries (a
-- million answers) group one table, and so row-level security filters it without a join.
CREATE TABLE survey_answer (
    survey_id bigint NOT NULL REFERENCES survey (id),
    question_id text NOT NULL CHECK (question_id ~ '^[a-z0-9_]+$'),
    -- Scale answers (0-10) and yes/no (1/0) as numbers; choices, yes/no and free text in canonical text form.
    value_number integer,
    value_text text NOT NULL DEFAULT '',
    red_flag text NOT NULL DEFAULT '',
    -- Free text goes to the summary's comments, not into its distributions.
    is_free_text boolean NOT NULL DEFAULT false,
    via text NOT NULL CHECK (via IN ('sms', 'web', 'phone')),
    physician_id text REFERENCES physician (id),
    care_unit text NOT NULL DEFAULT '',
    answered_at timestamptz NOT NULL,
    -- The stored item of a free-text answer: the analyzer's sentiment and categories live there.
    item_id bigint REFERENCES item (id),
    PRIMARY KEY (survey_id, question_id)
);
CREATE INDEX survey_answer_physician ON survey_answer (physician_id, answered_at);
CREATE INDEX survey_answer_unit ON survey_answer (care_unit, answered_at);

-- Each inbound SMS is applied to a survey conversation at most once.
CREATE TABLE survey_sms_reply (
    item_id bigint PRIMARY KEY REFERENCES item (id),
    survey_id bigint NOT NULL REFERENCES survey (id)
);
-- Finding the SMS a number sent after its invitation.
CREATE INDEX item_sms_author ON item (author, id) WHERE channel = 'sms';

-- A red flag opens an urgent case for the treating physician: the case knows its survey, patient, physician and
-- unit (also what the console filters by).
ALTER TABLE feedback_case
    ADD COLUMN survey_id bigint REFERENCES survey (id),
    ADD COLUMN patient_id bigint REFERENCES patient (id),
    ADD COLUMN physician_id text REFERENCES physician (id),
    ADD COLUMN care_unit text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX feedback_case_one_per_survey ON feedback_case (survey_id) WHERE survey_id IS NOT NULL;

-- Row-level security: a physician reads only their own patients. The console and `carelisten summary` read a
-- physician's data as the group role carelisten_physician with the setting carelisten.physician_id; the policies
-- below are what makes another physician's rows invisible (not only unlinked). The owner (the daemon) is not
-- subject to them. Enabled here, so a role without a policy sees nothing: the safe default.
ALTER TABLE encounter ENABLE ROW LEVEL SECURITY;
ALTER TABLE survey ENABLE ROW LEVEL SECURITY;
ALTER TABLE survey_answer ENABLE ROW LEVEL SECURITY;
ALTER TABLE patient ENABLE ROW LEVEL SECURITY;
ALTER TABLE item ENABLE ROW LEVEL SECURITY;
ALTER TABLE feedback_case ENABLE ROW LEVEL SECURITY;

-- The comparison a physician may see of other units: per unit and question, aggregates only, and only for groups
-- of at least five answers (smaller groups could identify a patient). SECURITY DEFINER so it reads past the
-- policies; it returns no row-level data.
CREATE FUNCTION survey_unit_comparison(from_time timestamptz, to_time timestamptz)
    RETURNS TABLE (care_unit text, question_id text, answers bigint, total double precision,
                   total_squares double precision)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    SELECT a.care_unit, a.question_id, count(*), sum(a.value_number)::double precision,
           sum(a.value_number::double precision * a.value_number)
    FROM survey_answer AS a
    WHERE a.answered_at >= from_time AND a.answered_at < to_time AND a.value_number IS NOT NULL
    GROUP BY a.care_unit, a.question_id
    HAVING count(*) >= 5
$$;
REVOKE ALL ON FUNCTION survey_unit_comparison(timestamptz, timestamptz) FROM PUBLIC;

-- The role, its grants and the policies, idempotent: run by this migration and again at every start (crm's
-- migrator), because creating a role needs CREATEROLE, which a managed server's application user usually lacks.
-- There the DBA runs `CREATE ROLE carelisten_physician NOLOGIN; GRANT carelisten_physician TO <daemon user>;` and
-- the next start completes the set-up. Returns 'ok', or what is missing (the daemon logs it).
CREATE FUNCTION carelisten_enable_physician_access() RETURNS text LANGUAGE plpgsql AS $$
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
