DROP INDEX IF EXISTS notification_jobs_abandoned_idx;
DROP INDEX IF EXISTS clinic_sessions_doctor_date_idx;
DROP INDEX IF EXISTS visits_session_services_idx;
CREATE INDEX visits_recent_services_idx ON visits (finished_at DESC, session_id)
    WHERE finished_at IS NOT NULL AND started_at IS NOT NULL;
