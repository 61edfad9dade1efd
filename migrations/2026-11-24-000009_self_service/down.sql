DELETE FROM notification_jobs WHERE kind IN ('booking_cancelled', 'waitlist_offer', 'reply');
ALTER TABLE notification_jobs DROP CONSTRAINT notification_jobs_kind;
ALTER TABLE notification_jobs ADD CONSTRAINT notification_jobs_kind CHECK (kind IN
    ('booking_confirmed', 'reminder', 'turn_approaching', 'called', 'session_cancelled',
     'queue_check', 'medicine_ready'));
DROP TABLE waitlist_entries;
DROP TABLE visit_confirmations;
DELETE FROM guess_counters WHERE scope = 'lookup_identity';
ALTER TABLE guess_counters DROP CONSTRAINT guess_counters_scope;
ALTER TABLE guess_counters ADD CONSTRAINT guess_counters_scope
    CHECK (scope IN ('cancel_code', 'login_address'));
