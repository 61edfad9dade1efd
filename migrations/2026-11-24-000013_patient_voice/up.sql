-- The patient's voice (issue 17): national holidays an admin enters, complaints with the
-- five-working-day rule and their staff responses, and the rating given after a visit.

-- National holidays and joint leave days: not working days for the complaint rule.
CREATE TABLE holidays (
    date       date PRIMARY KEY,
    name       text NOT NULL DEFAULT '' CONSTRAINT holidays_name_length CHECK (length(name) <= 200),
    created_by integer REFERENCES staff_users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE complaints (
    id           bigserial PRIMARY KEY,
    -- What the complainant follows it by (8 characters of Crockford base32).
    code         text NOT NULL CONSTRAINT complaints_code_key UNIQUE
                 CONSTRAINT complaints_code_format CHECK (code ~ '^[0-9A-HJKMNP-TV-Z]{8}$'),
    category     text NOT NULL CONSTRAINT complaints_category CHECK (category IN
                 ('pelayanan', 'waktu_tunggu', 'fasilitas', 'tenaga_kesehatan', 'obat',
                  'biaya_administrasi', 'lainnya')),
    body         text NOT NULL CONSTRAINT complaints_body_length CHECK (length(body) BETWEEN 10 AND 4000),
    channel      text NOT NULL CONSTRAINT complaints_channel CHECK (channel IN ('web', 'kiosk', 'staff')),
    visit_id     bigint REFERENCES visits (id),
    clinic_id    integer REFERENCES clinics (id),
    -- A phone number or an email address, when the complainant left one. Never public.
    contact      text CONSTRAINT complaints_contact_length CHECK (length(contact) <= 200),
    language     text NOT NULL DEFAULT 'id' CONSTRAINT complaints_language CHECK (language IN ('id', 'en')),
    status       text NOT NULL DEFAULT 'new'
                 CONSTRAINT complaints_status CHECK (status IN ('new', 'in_progress', 'resolved', 'closed')),
    received_at  timestamptz NOT NULL,
    -- The end of the fifth working day after the day of receipt.
    due_at       timestamptz NOT NULL,
    resolved_at  timestamptz,
    closed_at    timestamptz,
    -- Set once, by the single statement that claims an overdue complaint for escalation.
    escalated_at timestamptz,
    created_by   integer REFERENCES staff_users (id) ON DELETE SET NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT complaints_due_after_receipt CHECK (due_at > received_at),
    CONSTRAINT complaints_resolved_at CHECK (status <> 'resolved' OR resolved_at IS NOT NULL),
    CONSTRAINT complaints_closed_at CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX complaints_open_due_idx ON complaints (due_at) WHERE status IN ('new', 'in_progress');
CREATE INDEX complaints_received_idx ON complaints (received_at, clinic_id);

-- Every staff response, with its author; the status it left the complaint in.
CREATE TABLE complaint_responses (
    id           bigserial PRIMARY KEY,
    complaint_id bigint NOT NULL REFERENCES complaints (id),
    author_id    integer REFERENCES staff_users (id) ON DELETE SET NULL,
    author_name  text NOT NULL,
    body         text NOT NULL CONSTRAINT complaint_responses_body_length CHECK (length(body) BETWEEN 1 AND 4000),
    from_status  text NOT NULL,
    to_status    text NOT NULL CONSTRAINT complaint_responses_to_status CHECK (to_status IN ('new', 'in_progress', 'resolved', 'closed')),
    created_at   timestamptz NOT NULL
);
CREATE INDEX complaint_responses_complaint_idx ON complaint_responses (complaint_id, id);

-- One rating per visit, given after the visit is done; the visit's measured wait is kept
-- beside it so that ratings can be read against waiting times.
CREATE TABLE feedback (
    id           bigserial PRIMARY KEY,
    visit_id     bigint NOT NULL REFERENCES visits (id) CONSTRAINT feedback_one_per_visit UNIQUE,
    clinic_id    integer NOT NULL REFERENCES clinics (id),
    service_date date NOT NULL,
    rating       smallint NOT NULL CONSTRAINT feedback_rating CHECK (rating BETWEEN 1 AND 5),
    categories   text[] NOT NULL DEFAULT '{}' CONSTRAINT feedback_categories CHECK (categories <@
                 ARRAY['waktu_tunggu', 'keramahan', 'informasi', 'kebersihan', 'obat']::text[]),
    comment      text CONSTRAINT feedback_comment_length CHECK (length(comment) <= 2000),
    -- Check-in → first call, in minutes (NULL when not measured).
    wait_minutes double precision,
    created_at   timestamptz NOT NULL
);
CREATE INDEX feedback_day_idx ON feedback (service_date, clinic_id);

-- New outbox kinds: the "finished" message (with the rating link), a response to a
-- complainant, an escalation of an overdue complaint, and the daily open-data push.
ALTER TABLE notification_jobs DROP CONSTRAINT notification_jobs_kind;
ALTER TABLE notification_jobs ADD CONSTRAINT notification_jobs_kind CHECK (kind IN
    ('booking_confirmed', 'reminder', 'turn_approaching', 'called', 'session_cancelled',
     'queue_check', 'medicine_ready', 'booking_cancelled', 'waitlist_offer', 'reply',
     'visit_finished', 'complaint_response', 'complaint_escalation', 'opendata_push'));
ALTER TABLE notification_jobs DROP CONSTRAINT notification_jobs_channel;
ALTER TABLE notification_jobs ADD CONSTRAINT notification_jobs_channel
    CHECK (channel IN ('email', 'webhook', 'internal', 'opendata'));
