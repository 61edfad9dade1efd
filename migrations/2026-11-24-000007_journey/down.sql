DELETE FROM visit_steps WHERE visit_id IS NULL;
ALTER TABLE visit_steps DROP CONSTRAINT visit_steps_visit_or_code;
ALTER TABLE visit_steps DROP COLUMN priority_category;
ALTER TABLE visit_steps DROP COLUMN payer;
ALTER TABLE visit_steps DROP COLUMN code;
ALTER TABLE visit_steps ALTER COLUMN visit_id SET NOT NULL;
ALTER TABLE visits DROP COLUMN priority_confirmed_at;
DROP INDEX visits_referred_from_key;
ALTER TABLE visits DROP COLUMN referred_from;
