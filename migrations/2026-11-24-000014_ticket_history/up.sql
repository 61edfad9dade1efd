-- Issue 11: a registration-counter ticket's step changes before its visit exists (ticket
-- taken, called at a desk, skipped, returned, started), kept on the step in order; when
-- the counter forwards the patient they become visit events at their own moments.
ALTER TABLE visit_steps ADD COLUMN early_events jsonb NOT NULL DEFAULT '[]'::jsonb;
