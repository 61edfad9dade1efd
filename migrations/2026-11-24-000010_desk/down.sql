DROP TABLE staff_audit;
ALTER TABLE staff_users DROP COLUMN printer;
ALTER TABLE kiosk_devices
    DROP COLUMN printer_checked_at,
    DROP COLUMN printer_problem,
    DROP COLUMN printer;
