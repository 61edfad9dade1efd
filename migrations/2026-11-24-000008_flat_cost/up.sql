-- Cost that stays flat as data grows (issue 12, part 4).

-- A doctor's recent measured services: read per session (the doctor's latest sessions come
-- from clinic_sessions_doctor_date_idx), not by walking every finished visit of the
-- hospital, which a new doctor with no history walked to its end.
DROP INDEX IF EXISTS visits_recent_services_idx;
CREATE INDEX visits_session_services_idx ON visits (session_id, finished_at DESC)
    WHERE finished_at IS NOT NULL AND started_at IS NOT NULL;
CREATE INDEX clinic_sessions_doctor_date_idx
    ON clinic_sessions (doctor_id, service_date DESC, starts_at DESC);

-- Waking the notification worker: jobs held on their last attempt (bury_abandoned) and due
-- jobs (claim) are found through indexes whose predicates hold no parameter, so that a
-- generic plan of a prepared statement can use them however many sent jobs have piled up.
CREATE INDEX notification_jobs_abandoned_idx ON notification_jobs (locked_until)
    WHERE attempts >= max_attempts AND locked_until IS NOT NULL;
