-- The whole outpatient visit (issue 11): internal referrals, the registration counter
-- before the visit exists, and staff confirming a priority category.

-- A visit forwarded from another polyclinic (internal referral) points back to it.
ALTER TABLE visits ADD COLUMN referred_from bigint REFERENCES visits (id);
CREATE UNIQUE INDEX visits_referred_from_key ON visits (referred_from) WHERE referred_from IS NOT NULL;

-- A priority category confirmed by staff (removing it clears the category).
ALTER TABLE visits ADD COLUMN priority_confirmed_at timestamptz;

-- A registration-counter ticket exists before its visit: it carries its own status code,
-- payer and priority category, and is linked to the visit when the counter forwards it
-- into a polyclinic.
ALTER TABLE visit_steps ALTER COLUMN visit_id DROP NOT NULL;
ALTER TABLE visit_steps ADD COLUMN code text CONSTRAINT visit_steps_code_key UNIQUE;
ALTER TABLE visit_steps ADD COLUMN payer text
    CONSTRAINT visit_steps_payer CHECK (payer IN ('jkn', 'non_jkn'));
ALTER TABLE visit_steps ADD COLUMN priority_category text
    CONSTRAINT visit_steps_priority_category CHECK (priority_category IN ('lansia', 'disabilitas', 'ibu_hamil', 'anak_kecil'));
ALTER TABLE visit_steps ADD CONSTRAINT visit_steps_visit_or_code
    CHECK (visit_id IS NOT NULL OR (code IS NOT NULL AND payer IS NOT NULL));
