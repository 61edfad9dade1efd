-- Patients help themselves (issue 14): looking bookings up by NIK/BPJS number and birth
-- date is guarded by the guessing counters; YA replies confirm attendance; a waitlist per
-- session whose offers hold a freed place for one person at a time.
ALTER TABLE guess_counters DROP CONSTRAINT guess_counters_scope;
ALTER TABLE guess_counters ADD CONSTRAINT guess_counters_scope
    CHECK (scope IN ('cancel_code', 'login_address', 'lookup_identity'));

-- "YA <kode>": the patient confirmed they will come (one row per visit, first answer kept).
CREATE TABLE visit_confirmations (
    visit_id     bigint PRIMARY KEY REFERENCES visits (id),
    confirmed_at timestamptz NOT NULL,
    via          text NOT NULL
);

-- Waiting for a place in a full session. `offered`: a freed place is held for this entry
-- (claimed from the session's counters) until `offer_expires_at`; claiming it turns the
-- hold into a booking, a lapse gives it to the next in line.
CREATE TABLE waitlist_entries (
    id               bigserial PRIMARY KEY,
    code             text NOT NULL CONSTRAINT waitlist_entries_code_key UNIQUE,
    session_id       integer NOT NULL REFERENCES clinic_sessions (id),
    payer            text NOT NULL CONSTRAINT waitlist_entries_payer CHECK (payer IN ('jkn', 'non_jkn')),
    patient_id       bigint NOT NULL REFERENCES patients (id),
    contact_phone    text,
    contact_email    text,
    language         text NOT NULL DEFAULT 'id',
    status           text NOT NULL DEFAULT 'waiting'
                     CONSTRAINT waitlist_entries_status
                     CHECK (status IN ('waiting', 'offered', 'booked', 'lapsed', 'left')),
    offer_token      text CONSTRAINT waitlist_entries_offer_token_key UNIQUE,
    offer_expires_at timestamptz,
    visit_id         bigint REFERENCES visits (id),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CONSTRAINT waitlist_entries_offer_complete
        CHECK (status <> 'offered' OR (offer_token IS NOT NULL AND offer_expires_at IS NOT NULL))
);
-- One place in line per patient and session.
CREATE UNIQUE INDEX waitlist_entries_one_per_patient ON waitlist_entries (session_id, patient_id)
    WHERE status IN ('waiting', 'offered');
CREATE INDEX waitlist_entries_line ON waitlist_entries (session_id, id) WHERE status = 'waiting';
CREATE INDEX waitlist_entries_offers ON waitlist_entries (offer_expires_at) WHERE status = 'offered';

-- New messages: "booking dibatalkan", a waitlist offer, and answers to SMS/WhatsApp.
ALTER TABLE notification_jobs DROP CONSTRAINT notification_jobs_kind;
ALTER TABLE notification_jobs ADD CONSTRAINT notification_jobs_kind CHECK (kind IN
    ('booking_confirmed', 'reminder', 'turn_approaching', 'called', 'session_cancelled',
     'queue_check', 'medicine_ready', 'booking_cancelled', 'waitlist_offer', 'reply'));
