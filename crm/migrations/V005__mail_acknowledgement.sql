-- Acknowledgements sent to patients who wrote by e-mail (daemon/src/mail_acknowledger.cpp): at most one per
-- thread per day. The row is claimed BEFORE the message is sent, so a crash between claim and send can lose an
-- acknowledgement but never send two; status records what happened.
CREATE TABLE mail_acknowledgement (
    source text NOT NULL CHECK (source <> ''),
    thread_id text NOT NULL CHECK (thread_id <> ''),
    sent_on date NOT NULL DEFAULT current_date,
    item_id bigint NOT NULL REFERENCES item (id),
    status text NOT NULL DEFAULT 'claimed' CHECK (status IN ('claimed', 'sent', 'failed')),
    -- The Message-ID the acknowledgement went out with (threads the patient's answer), '' until sent.
    message_id text NOT NULL DEFAULT '',
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, thread_id, sent_on)
);
