DROP TABLE bpjs_references;
DROP INDEX hfis_updates_pair_idx;
UPDATE hfis_updates SET status = 'failed' WHERE status = 'superseded';
ALTER TABLE hfis_updates DROP CONSTRAINT hfis_updates_status;
ALTER TABLE hfis_updates ADD CONSTRAINT hfis_updates_status
    CHECK (status IN ('pending', 'waiting', 'approved', 'refused', 'failed'));
