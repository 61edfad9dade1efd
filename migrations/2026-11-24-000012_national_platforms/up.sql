-- National platforms: SATUSEHAT (Kemenkes FHIR) encounters, HFIS doctor schedules (BPJS),
-- reconciliation of the Antrean Online reports.

-- SATUSEHAT identifiers, kept beside the catalogue rows they belong to.
-- A doctor's NIK (entered by an admin) and the Practitioner IHS number found for it.
CREATE TABLE satusehat_doctors (
    doctor_id   integer PRIMARY KEY REFERENCES doctors (id) ON DELETE CASCADE,
    nik         text NOT NULL CONSTRAINT satusehat_doctors_nik CHECK (nik ~ '^[0-9]{16}$'),
    ihs_number  text,
    updated_at  timestamptz NOT NULL
);
-- The SATUSEHAT Location id of a polyclinic room (mapped by an admin).
CREATE TABLE satusehat_clinics (
    clinic_id    integer PRIMARY KEY REFERENCES clinics (id) ON DELETE CASCADE,
    location_id  text NOT NULL CONSTRAINT satusehat_clinics_location CHECK (length(trim(location_id)) > 0),
    updated_at   timestamptz NOT NULL
);
-- A patient's IHS number, looked up by NIK once and kept.
CREATE TABLE satusehat_patients (
    patient_id  bigint PRIMARY KEY REFERENCES patients (id) ON DELETE CASCADE,
    ihs_number  text NOT NULL,
    found_at    timestamptz NOT NULL
);

-- The Encounter of a visit, one status change per row, written in the transaction of the
-- visit event and sent by a worker in (at, id) order per visit.
CREATE TABLE satusehat_jobs (
    id          bigserial PRIMARY KEY,
    visit_id    bigint NOT NULL REFERENCES visits (id),
    -- The Encounter status this row reports.
    encounter_status text NOT NULL CONSTRAINT satusehat_jobs_encounter_status
                CHECK (encounter_status IN ('arrived', 'in-progress', 'finished', 'cancelled')),
    -- When it happened (the visit event's time).
    at          timestamptz NOT NULL,
    status      text NOT NULL DEFAULT 'pending'
                CONSTRAINT satusehat_jobs_status CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    run_at      timestamptz NOT NULL,
    last_error  text,
    -- Why it cannot go at all (no_nik, patient_not_found, no_practitioner, no_location, …).
    reason      text,
    created_at  timestamptz NOT NULL,
    sent_at     timestamptz,
    CONSTRAINT satusehat_jobs_once UNIQUE (visit_id, encounter_status)
);
CREATE INDEX satusehat_jobs_due_idx ON satusehat_jobs (run_at) WHERE status = 'pending';
CREATE INDEX satusehat_jobs_visit_idx ON satusehat_jobs (visit_id, at, id);

-- The Encounter id SATUSEHAT gave a visit.
CREATE TABLE satusehat_encounters (
    visit_id      bigint PRIMARY KEY REFERENCES visits (id),
    encounter_id  text NOT NULL,
    created_at    timestamptz NOT NULL
);

-- Weekly schedule changes sent to HFIS (POST /jadwaldokter/updatejadwaldokter).
-- pending → sent to BPJS by the worker; waiting → BPJS took it, the branch office has to
-- approve; approved → HFIS shows it; refused → still not in HFIS after the approval window;
-- failed → BPJS did not take it.
CREATE TABLE hfis_updates (
    id          bigserial PRIMARY KEY,
    clinic_id   integer NOT NULL REFERENCES clinics (id),
    doctor_id   integer NOT NULL REFERENCES doctors (id),
    payload     jsonb NOT NULL,
    status      text NOT NULL DEFAULT 'pending'
                CONSTRAINT hfis_updates_status
                CHECK (status IN ('pending', 'waiting', 'approved', 'refused', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    run_at      timestamptz NOT NULL,
    last_error  text,
    created_at  timestamptz NOT NULL,
    sent_at     timestamptz,
    -- BPJS's decision is known from this day on (changes sent after 20:00 wait a day more).
    decided_by  date,
    decided_at  timestamptz
);
CREATE INDEX hfis_updates_due_idx ON hfis_updates (run_at) WHERE status = 'pending';

-- Reconciliation of one service day with BPJS (nightly and on demand): the last result.
CREATE TABLE bpjs_reconciliations (
    service_date  date PRIMARY KEY,
    result        jsonb NOT NULL,
    checked_at    timestamptz NOT NULL
);
