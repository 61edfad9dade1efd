ALTER TABLE visits DROP COLUMN priority_category;
DELETE FROM notification_jobs WHERE kind = 'medicine_ready';
ALTER TABLE notification_jobs DROP CONSTRAINT notification_jobs_kind;
ALTER TABLE notification_jobs ADD CONSTRAINT notification_jobs_kind CHECK (kind IN
    ('booking_confirmed', 'reminder', 'turn_approaching', 'called', 'session_cancelled', 'queue_check'));
DELETE FROM bpjs_tasks WHERE kind = 'farmasi_add';
ALTER TABLE bpjs_tasks DROP CONSTRAINT bpjs_tasks_kind;
ALTER TABLE bpjs_tasks ADD CONSTRAINT bpjs_tasks_kind CHECK (kind IN ('add', 'updatewaktu', 'batal'));
DROP TABLE visit_steps;
DROP TABLE staff_stations;
DROP TABLE station_counters;
DROP TABLE stations;
