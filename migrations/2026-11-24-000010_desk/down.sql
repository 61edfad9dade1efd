DROP INDEX patients_birth_date;
ALTER TABLE patients DROP CONSTRAINT patients_identified;
ALTER TABLE patients ADD CONSTRAINT patients_identified
    CHECK (nik IS NOT NULL OR bpjs_no IS NOT NULL) NOT VALID;
DROP TABLE staff_audit;
ALTER TABLE staff_users DROP COLUMN printer;
ALTER TABLE kiosk_devices
    DROP COLUMN printer_checked_at,
    DROP COLUMN printer_problem,
    DROP COLUMN printer;
