-- The hall and the desk: thermal printers of kiosks and desks (accounts), the kiosk's last
-- printer problem for the console, and an audit log of account and catalogue changes.
ALTER TABLE kiosk_devices
    ADD COLUMN printer text
        CHECK (printer ~ '^tcp://[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$'),
    ADD COLUMN printer_problem text
        CHECK (printer_problem IN ('unreachable', 'paper_out')),
    ADD COLUMN printer_checked_at timestamptz;

ALTER TABLE staff_users
    ADD COLUMN printer text
        CHECK (printer ~ '^tcp://[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$');

CREATE TABLE staff_audit (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL,
    -- who acted
    staff_id integer REFERENCES staff_users (id) ON DELETE SET NULL,
    action text NOT NULL
        CHECK (action IN ('password_changed', 'clinic_corrected', 'doctor_corrected')),
    -- what changed: the record's code and the fields before and after (never a password)
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX staff_audit_at ON staff_audit (at);

-- Counter registration keeps a patient given by name and birth date only (no NIK, no BPJS
-- number, perhaps a record number), and finds patients by name + birth date.
ALTER TABLE patients DROP CONSTRAINT patients_identified;
ALTER TABLE patients ADD CONSTRAINT patients_identified
    CHECK (nik IS NOT NULL OR bpjs_no IS NOT NULL OR medical_record_no IS NOT NULL OR btrim(name) <> '');
CREATE INDEX patients_birth_date ON patients (birth_date);
