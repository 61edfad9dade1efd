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
