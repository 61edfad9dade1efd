-- Patient notifications: an outbox. Rows are written in the same transaction as the visit
-- change that causes them; workers claim due rows with FOR UPDATE SKIP LOCKED and send them.
CREATE TABLE notification_jobs (
    id            bigserial PRIMARY KEY,
    -- booking_confirmed, reminder, turn_approaching, called, session_cancelled; and
    -- queue_check, an internal job that looks for patients whose turn approaches.
    kind          text NOT NULL CONSTRAINT notification_jobs_kind CHECK (kind IN
                  ('booking_confirmed', 'reminder', 'turn_approaching', 'called',
                   'session_cancelled', 'queue_check')),
    visit_id      bigint REFERENCES visits (id),
    -- email → SMTP (or .eml files); webhook → the SMS/WhatsApp gateway; internal → no message.
    channel       text NOT NULL CONSTRAINT notification_jobs_channel CHECK (channel IN ('email', 'webhook', 'internal')),
    recipient     text NOT NULL,
    -- The facts the message is written from (ticket, clinic, times, language …).
    payload       jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- The same message is enqueued once: a second INSERT with this key does nothing.
    dedupe_key    text NOT NULL CONSTRAINT notification_jobs_dedupe_key UNIQUE,
    run_at        timestamptz NOT NULL,
    attempts      integer NOT NULL DEFAULT 0 CONSTRAINT notification_jobs_attempts CHECK (attempts >= 0),
    max_attempts  integer NOT NULL DEFAULT 8 CONSTRAINT notification_jobs_max_attempts CHECK (max_attempts > 0),
    -- pending: not tried yet; failed: tried, will be tried again at run_at; dead: given up.
    status        text NOT NULL DEFAULT 'pending'
                  CONSTRAINT notification_jobs_status CHECK (status IN ('pending', 'sent', 'failed', 'dead')),
    last_error    text,
    -- A worker holds a claimed job until locked_until; past it, another worker may take it
    -- (the first one died or hangs).
    locked_until  timestamptz,
    locked_by     text,
    sent_at       timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT notification_jobs_sent_at CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
-- What workers look for: due jobs not yet sent or given up.
CREATE INDEX notification_jobs_due_idx ON notification_jobs (run_at, id) WHERE status IN ('pending', 'failed');
CREATE INDEX notification_jobs_visit_idx ON notification_jobs (visit_id);
CREATE INDEX notification_jobs_recent_idx ON notification_jobs (created_at DESC, id DESC);

-- Wake the workers (LISTEN sipoli_jobs) when jobs are enqueued; delivered at commit.
CREATE FUNCTION notification_jobs_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('sipoli_jobs', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER notification_jobs_notify AFTER INSERT ON notification_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION notification_jobs_notify();
