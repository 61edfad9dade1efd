-- SIPOLI core schema: clinics, doctors, schedules, sessions, patients, visits, staff.
-- Constraints carry the rules; application code never checks-then-writes.

CREATE TABLE clinics (
    id          serial PRIMARY KEY,
    code        text NOT NULL CONSTRAINT clinics_code_key UNIQUE
                CONSTRAINT clinics_code_format CHECK (code ~ '^[A-Z0-9]{2,8}$'),
    name        text NOT NULL,
    name_en     text NOT NULL DEFAULT '',
    -- Ticket prefix shown before the number, e.g. "B" in "B-007".
    prefix      text NOT NULL CONSTRAINT clinics_prefix_key UNIQUE
                CONSTRAINT clinics_prefix_format CHECK (prefix ~ '^[A-Z]{1,3}$'),
    bpjs_code   text,
    room        text NOT NULL DEFAULT '',
    active      boolean NOT NULL DEFAULT true
);

CREATE TABLE doctors (
    id          serial PRIMARY KEY,
    code        text NOT NULL CONSTRAINT doctors_code_key UNIQUE,
    name        text NOT NULL,
    -- Mobile JKN sends kodedokter as an integer.
    bpjs_code   integer CONSTRAINT doctors_bpjs_code_key UNIQUE,
    active      boolean NOT NULL DEFAULT true
);

-- Weekly practice schedule (jadwal praktik) of one doctor at one clinic.
CREATE TABLE practice_schedules (
    id              serial PRIMARY KEY,
    doctor_id       integer NOT NULL REFERENCES doctors (id),
    clinic_id       integer NOT NULL REFERENCES clinics (id),
    weekday         smallint NOT NULL CONSTRAINT practice_schedules_weekday CHECK (weekday BETWEEN 1 AND 7),
    starts_at       time NOT NULL,
    ends_at         time NOT NULL,
    quota_jkn       integer NOT NULL CONSTRAINT practice_schedules_quota_jkn CHECK (quota_jkn >= 0),
    quota_non_jkn   integer NOT NULL CONSTRAINT practice_schedules_quota_non_jkn CHECK (quota_non_jkn >= 0),
    -- How many of the total may be booked ahead online; the rest is kept for walk-ins.
    online_limit    integer NOT NULL CONSTRAINT practice_schedules_online_limit CHECK (online_limit >= 0),
    service_minutes integer NOT NULL DEFAULT 10 CONSTRAINT practice_schedules_service_minutes CHECK (service_minutes BETWEEN 1 AND 240),
    valid_from      date NOT NULL,
    valid_until     date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT practice_schedules_times CHECK (ends_at > starts_at),
    CONSTRAINT practice_schedules_validity CHECK (valid_until IS NULL OR valid_until >= valid_from)
);
CREATE INDEX practice_schedules_weekday_idx ON practice_schedules (weekday);

-- A doctor's leave or a clinic closure on a date cancels sessions; 'extra' adds a one-off session.
CREATE TABLE schedule_exceptions (
    id              serial PRIMARY KEY,
    kind            text NOT NULL CONSTRAINT schedule_exceptions_kind CHECK (kind IN ('leave', 'closure', 'extra')),
    doctor_id       integer REFERENCES doctors (id),
    clinic_id       integer REFERENCES clinics (id),
    date            date NOT NULL,
    starts_at       time,
    ends_at         time,
    quota_jkn       integer NOT NULL DEFAULT 0 CHECK (quota_jkn >= 0),
    quota_non_jkn   integer NOT NULL DEFAULT 0 CHECK (quota_non_jkn >= 0),
    online_limit    integer NOT NULL DEFAULT 0 CHECK (online_limit >= 0),
    service_minutes integer NOT NULL DEFAULT 10 CHECK (service_minutes BETWEEN 1 AND 240),
    reason          text NOT NULL DEFAULT '',
    created_by      integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT schedule_exceptions_target CHECK (
        (kind = 'leave' AND doctor_id IS NOT NULL)
        OR (kind = 'closure' AND clinic_id IS NOT NULL)
        OR (kind = 'extra' AND doctor_id IS NOT NULL AND clinic_id IS NOT NULL
            AND starts_at IS NOT NULL AND ends_at IS NOT NULL AND ends_at > starts_at))
);
CREATE INDEX schedule_exceptions_date_idx ON schedule_exceptions (date);

-- One concrete session: doctor x clinic x date x time window, with its quotas and counters.
CREATE TABLE clinic_sessions (
    id              serial PRIMARY KEY,
    clinic_id       integer NOT NULL REFERENCES clinics (id),
    doctor_id       integer NOT NULL REFERENCES doctors (id),
    schedule_id     integer REFERENCES practice_schedules (id),
    exception_id    integer REFERENCES schedule_exceptions (id),
    service_date    date NOT NULL,
    starts_at       time NOT NULL,
    ends_at         time NOT NULL,
    quota_jkn       integer NOT NULL CHECK (quota_jkn >= 0),
    quota_non_jkn   integer NOT NULL CHECK (quota_non_jkn >= 0),
    online_limit    integer NOT NULL CHECK (online_limit >= 0),
    service_minutes integer NOT NULL DEFAULT 10,
    taken_jkn       integer NOT NULL DEFAULT 0,
    taken_non_jkn   integer NOT NULL DEFAULT 0,
    taken_online    integer NOT NULL DEFAULT 0,
    status          text NOT NULL DEFAULT 'open'
                    CONSTRAINT clinic_sessions_status CHECK (status IN ('open', 'closed', 'cancelled')),
    cancel_reason   text NOT NULL DEFAULT '',
    CONSTRAINT clinic_sessions_slot_key UNIQUE (doctor_id, clinic_id, service_date, starts_at),
    CONSTRAINT clinic_sessions_times CHECK (ends_at > starts_at),
    -- The counters never pass their quota, whatever the application does.
    CONSTRAINT clinic_sessions_taken_jkn CHECK (taken_jkn BETWEEN 0 AND quota_jkn),
    CONSTRAINT clinic_sessions_taken_non_jkn CHECK (taken_non_jkn BETWEEN 0 AND quota_non_jkn),
    CONSTRAINT clinic_sessions_taken_online CHECK (taken_online BETWEEN 0 AND online_limit)
);
CREATE INDEX clinic_sessions_date_idx ON clinic_sessions (service_date, clinic_id);

-- Per clinic per day ticket counter: numbers are taken with one UPDATE ... RETURNING.
CREATE TABLE ticket_counters (
    clinic_id    integer NOT NULL REFERENCES clinics (id),
    service_date date NOT NULL,
    last_number  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (clinic_id, service_date)
);

CREATE TABLE patients (
    id                bigserial PRIMARY KEY,
    nik               text CONSTRAINT patients_nik_key UNIQUE CONSTRAINT patients_nik_format CHECK (nik ~ '^[0-9]{16}$'),
    bpjs_no           text CONSTRAINT patients_bpjs_no_key UNIQUE CONSTRAINT patients_bpjs_no_format CHECK (bpjs_no ~ '^[0-9]{13}$'),
    medical_record_no text CONSTRAINT patients_medical_record_no_key UNIQUE,
    name              text NOT NULL,
    birth_date        date NOT NULL,
    sex               text CHECK (sex IN ('L', 'P')),
    phone             text,
    email             text,
    language          text NOT NULL DEFAULT 'id' CHECK (language IN ('id', 'en')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT patients_identified CHECK (nik IS NOT NULL OR bpjs_no IS NOT NULL)
);

CREATE TABLE visits (
    id               bigserial PRIMARY KEY,
    session_id       integer NOT NULL REFERENCES clinic_sessions (id),
    clinic_id        integer NOT NULL REFERENCES clinics (id),
    service_date     date NOT NULL,
    patient_id       bigint REFERENCES patients (id),
    payer            text NOT NULL CONSTRAINT visits_payer CHECK (payer IN ('jkn', 'non_jkn')),
    channel          text NOT NULL CONSTRAINT visits_channel CHECK (channel IN ('online', 'kiosk', 'counter', 'jkn')),
    booking_code     text NOT NULL CONSTRAINT visits_booking_code_key UNIQUE
                     CONSTRAINT visits_booking_code_format CHECK (booking_code ~ '^[0-9A-HJKMNP-TV-Z]{8}$'),
    queue_number     integer NOT NULL CHECK (queue_number > 0),
    ticket           text NOT NULL,
    status           text NOT NULL CONSTRAINT visits_status CHECK (status IN
                     ('booked', 'waiting', 'called', 'serving', 'done', 'skipped', 'cancelled', 'no_show')),
    priority         boolean NOT NULL DEFAULT false,
    priority_reason  text NOT NULL DEFAULT '',
    -- Call order inside the session: starts at queue_number, moved back on a late return.
    sort_key         double precision NOT NULL,
    call_count       integer NOT NULL DEFAULT 0,
    visit_type       smallint CHECK (visit_type BETWEEN 1 AND 4),
    referral_number  text,
    contact_phone    text,
    contact_email    text,
    language         text NOT NULL DEFAULT 'id' CHECK (language IN ('id', 'en')),
    room             text NOT NULL DEFAULT '',
    estimated_at     timestamptz NOT NULL,
    checked_in_at    timestamptz,
    called_at        timestamptz,
    started_at       timestamptz,
    finished_at      timestamptz,
    cancelled_at     timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CONSTRAINT visits_ticket_key UNIQUE (clinic_id, service_date, queue_number)
);
-- One active visit per patient per clinic per date.
CREATE UNIQUE INDEX visits_one_active_per_patient ON visits (patient_id, clinic_id, service_date)
    WHERE patient_id IS NOT NULL AND status NOT IN ('cancelled', 'no_show');
-- A referral letter is used by one active visit only.
CREATE UNIQUE INDEX visits_referral_in_use ON visits (referral_number)
    WHERE referral_number IS NOT NULL AND status NOT IN ('cancelled', 'no_show');
CREATE INDEX visits_session_queue_idx ON visits (session_id, status, priority DESC, sort_key);

-- Every visit transition: the audit log, the source of reports and of live-update replay.
CREATE TABLE visit_events (
    id          bigserial PRIMARY KEY,
    visit_id    bigint NOT NULL REFERENCES visits (id),
    session_id  integer NOT NULL REFERENCES clinic_sessions (id),
    kind        text NOT NULL,
    from_status text,
    to_status   text NOT NULL,
    actor       text NOT NULL,
    staff_id    integer,
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL
);
CREATE INDEX visit_events_session_idx ON visit_events (session_id, id);
CREATE INDEX visit_events_visit_idx ON visit_events (visit_id, id);
CREATE INDEX visit_events_created_idx ON visit_events (created_at);

-- Announce each event to listening nodes in the same transaction that records it.
CREATE FUNCTION visit_events_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('sipoli_events', json_build_object(
        'id', NEW.id, 'session_id', NEW.session_id, 'visit_id', NEW.visit_id, 'kind', NEW.kind)::text);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER visit_events_notify AFTER INSERT ON visit_events
    FOR EACH ROW EXECUTE FUNCTION visit_events_notify();

CREATE TABLE staff_users (
    id             serial PRIMARY KEY,
    username       text NOT NULL CONSTRAINT staff_users_username_key UNIQUE
                   CONSTRAINT staff_users_username_format CHECK (username ~ '^[a-z0-9_.-]{2,32}$'),
    full_name      text NOT NULL DEFAULT '',
    password_hash  text NOT NULL,
    role           text NOT NULL CONSTRAINT staff_users_role CHECK (role IN ('admin', 'clinic', 'registration')),
    active         boolean NOT NULL DEFAULT true,
    failed_logins  integer NOT NULL DEFAULT 0,
    locked_until   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_clinics (
    staff_id  integer NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    clinic_id integer NOT NULL REFERENCES clinics (id),
    PRIMARY KEY (staff_id, clinic_id)
);

-- Login sessions: only the SHA-256 of the token is stored.
CREATE TABLE login_sessions (
    token_hash  text PRIMARY KEY,
    staff_id    integer NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX login_sessions_expiry_idx ON login_sessions (expires_at);

-- Responses of successful POSTs by Idempotency-Key, written in the same transaction as the change.
CREATE TABLE idempotency_records (
    scope         text NOT NULL,
    key           text NOT NULL,
    request_hash  text NOT NULL,
    status_code   smallint NOT NULL,
    response_body jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
