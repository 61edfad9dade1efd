ALTER TABLE visit_steps DROP COLUMN early_events;
