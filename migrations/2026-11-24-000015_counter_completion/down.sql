ALTER TABLE visit_steps DROP COLUMN priority_confirmed_at, DROP COLUMN patient_id;
