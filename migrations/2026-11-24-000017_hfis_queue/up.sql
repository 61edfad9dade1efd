-- HFIS schedule changes as a proper job queue (issue 16): sent in order per doctor and
-- clinic (an unsent change a newer one replaces is marked superseded instead of being
-- deleted under a worker's lease), and the BPJS reference lists (/ref/poli, /ref/dokter)
-- kept for the admin console's pick lists.
ALTER TABLE hfis_updates DROP CONSTRAINT hfis_updates_status;
ALTER TABLE hfis_updates ADD CONSTRAINT hfis_updates_status
    CHECK (status IN ('pending', 'waiting', 'approved', 'refused', 'failed', 'superseded'));
CREATE INDEX hfis_updates_pair_idx ON hfis_updates (clinic_id, doctor_id, id);

-- The last answer of a BPJS reference list, refreshed daily by the worker and on demand.
CREATE TABLE bpjs_references (
    kind        text PRIMARY KEY CONSTRAINT bpjs_references_kind CHECK (kind IN ('poli', 'dokter')),
    list        jsonb NOT NULL CONSTRAINT bpjs_references_list CHECK (jsonb_typeof(list) = 'array'),
    fetched_at  timestamptz NOT NULL
);
