DELETE FROM notification_jobs
    WHERE kind IN ('visit_finished', 'complaint_response', 'complaint_escalation', 'opendata_push');
ALTER TABLE notification_jobs DROP CONSTRAINT notification_jobs_channel;
ALTER TABLE notification_jobs ADD CONSTRAINT notification_jobs_channel
    CHECK (channel IN ('email', 'webhook', 'internal'));
ALTER TABLE notification_jobs DROP CONSTRAINT notification_jobs_kind;
ALTER TABLE notification_jobs ADD CONSTRAINT notification_jobs_kind CHECK (kind IN
    ('booking_confirmed', 'reminder', 'turn_approaching', 'called', 'session_cancelled',
     'queue_check', 'medicine_ready', 'booking_cancelled', 'waitlist_offer', 'reply'));
DROP TABLE feedback;
DROP TABLE complaint_responses;
DROP TABLE complaints;
DROP TABLE holidays;
