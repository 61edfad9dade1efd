DROP TABLE idempotency_records, login_sessions, staff_clinics, staff_users;
DROP TRIGGER visit_events_notify ON visit_events;
DROP FUNCTION visit_events_notify();
DROP TABLE visit_events, visits, patients, ticket_counters, clinic_sessions, schedule_exceptions,
    practice_schedules, doctors, clinics;
