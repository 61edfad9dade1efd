-- A registration ticket (before its visit exists) remembers the existing patient the
-- counter found and completed, and when staff confirmed its priority category.
ALTER TABLE visit_steps
    ADD COLUMN patient_id bigint REFERENCES patients (id),
    ADD COLUMN priority_confirmed_at timestamptz;
