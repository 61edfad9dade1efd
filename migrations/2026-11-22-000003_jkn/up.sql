-- Mobile JKN bridge (BPJS "Antrean Online").

-- Reports to BPJS (antreanrs), written in the same transaction as the visit change that
-- causes them and sent by a worker. One visit's reports go out in (waktu, id) order: task
-- times follow the visit's history, and every change of a visit holds that visit's row
-- lock, so ids of one visit follow it too. A task BPJS says is missing is put back (or
-- written from the visit's times) and, being earlier, goes out before the later ones.
CREATE TABLE bpjs_tasks (
    id          bigserial PRIMARY KEY,
    visit_id    bigint NOT NULL REFERENCES visits (id),
    -- add → POST /antrean/add, updatewaktu → /antrean/updatewaktu, batal → /antrean/batal
    kind        text NOT NULL CONSTRAINT bpjs_tasks_kind CHECK (kind IN ('add', 'updatewaktu', 'batal')),
    -- Task id of an updatewaktu (1–7, 99).
    taskid      smallint CONSTRAINT bpjs_tasks_taskid CHECK (taskid IN (1, 2, 3, 4, 5, 6, 7, 99)),
    -- When it happened, epoch milliseconds (as BPJS wants it).
    waktu       bigint NOT NULL,
    -- The request body sent to BPJS.
    payload     jsonb NOT NULL,
    status      text NOT NULL DEFAULT 'pending'
                CONSTRAINT bpjs_tasks_status CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    -- Not before this time (backoff, or the lease of the worker sending it now).
    run_at      timestamptz NOT NULL,
    last_error  text,
    -- The decrypted answer of BPJS, when it sent one.
    response    jsonb,
    created_at  timestamptz NOT NULL,
    sent_at     timestamptz,
    -- "add", "task:3", "batal": one of each per visit, however often the event repeats.
    dedupe_key  text NOT NULL,
    CONSTRAINT bpjs_tasks_dedupe UNIQUE (visit_id, dedupe_key),
    CONSTRAINT bpjs_tasks_taskid_kind CHECK ((kind = 'updatewaktu') = (taskid IS NOT NULL))
);
CREATE INDEX bpjs_tasks_due_idx ON bpjs_tasks (run_at) WHERE status = 'pending';
CREATE INDEX bpjs_tasks_visit_idx ON bpjs_tasks (visit_id, waktu, id);

-- Medical record numbers (no. RM) given to patients registered through Mobile JKN
-- (pasien baru): taken from a sequence, never from MAX()+1.
CREATE SEQUENCE jkn_medical_record_numbers START WITH 900001;
