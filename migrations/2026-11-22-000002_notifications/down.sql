DROP TABLE notification_jobs;
DROP FUNCTION notification_jobs_notify();
