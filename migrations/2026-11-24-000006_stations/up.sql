-- Stations besides the polyclinics (design.md §5 "The journey of a visit"): registration
-- counter, pharmacy, cashier, lab, radiology. Desks are numbered 1..desks.
CREATE TABLE stations (
    id         serial PRIMARY KEY,
    code       text NOT NULL CONSTRAINT stations_code_key UNIQUE
               CONSTRAINT stations_code_format CHECK (code ~ '^[A-Z0-9_]{2,16}$'),
    name       text NOT NULL,
    name_en    text NOT NULL DEFAULT '',
    kind       text NOT NULL
               CONSTRAINT stations_kind CHECK (kind IN ('registration', 'clinic', 'pharmacy', 'cashier', 'lab', 'radiology')),
    prefix     text NOT NULL CONSTRAINT stations_prefix_format CHECK (prefix ~ '^[A-Z]{1,3}$'),
    desks      integer NOT NULL DEFAULT 1 CONSTRAINT stations_desks CHECK (desks BETWEEN 1 AND 50),
    active     boolean NOT NULL DEFAULT true
);

-- Each station's own daily ticket series: one upsert per number, gap-free.
CREATE TABLE station_counters (
    station_id   integer NOT NULL REFERENCES stations (id),
    service_date date NOT NULL,
    last_number  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (station_id, service_date)
);

-- Accounts assigned to stations (as staff_clinics for clinics).
CREATE TABLE staff_stations (
    staff_id   integer NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    station_id integer NOT NULL REFERENCES stations (id),
    PRIMARY KEY (staff_id, station_id)
);

-- The steps of a visit's journey after (or before) its polyclinic step.
CREATE TABLE visit_steps (
    id           bigserial PRIMARY KEY,
    visit_id     bigint NOT NULL REFERENCES visits (id),
    station_id   integer NOT NULL REFERENCES stations (id),
    lane         text CONSTRAINT visit_steps_lane CHECK (lane IN ('racikan', 'non_racikan')),
    service_date date NOT NULL,
    number       integer NOT NULL,
    ticket       text NOT NULL,
    status       text NOT NULL
                 CONSTRAINT visit_steps_status CHECK (status IN ('waiting', 'called', 'serving', 'ready', 'done', 'skipped', 'cancelled')),
    priority     boolean NOT NULL DEFAULT false,
    sort_key     double precision NOT NULL,
    desk         integer,
    call_count   integer NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL,
    called_at    timestamptz,
    started_at   timestamptz,
    ready_at     timestamptz,
    finished_at  timestamptz,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT visit_steps_number_key UNIQUE (station_id, service_date, number)
);
-- A visit is at one station at a time.
CREATE UNIQUE INDEX visit_steps_one_open_per_visit ON visit_steps (visit_id)
    WHERE status IN ('waiting', 'called', 'serving', 'ready', 'skipped');
CREATE INDEX visit_steps_queue_idx ON visit_steps (station_id, service_date, status, priority DESC, sort_key, id);
CREATE INDEX visit_steps_visit_idx ON visit_steps (visit_id, id);

-- The pharmacy ticket reported to BPJS (`/antrean/farmasi/add`).
ALTER TABLE bpjs_tasks DROP CONSTRAINT bpjs_tasks_kind;
ALTER TABLE bpjs_tasks ADD CONSTRAINT bpjs_tasks_kind
    CHECK (kind IN ('add', 'updatewaktu', 'batal', 'farmasi_add'));

-- "Obat Anda siap diambil": the pharmacy has the medicine ready.
ALTER TABLE notification_jobs DROP CONSTRAINT notification_jobs_kind;
ALTER TABLE notification_jobs ADD CONSTRAINT notification_jobs_kind CHECK (kind IN
    ('booking_confirmed', 'reminder', 'turn_approaching', 'called', 'session_cancelled',
     'queue_check', 'medicine_ready'));

-- Priority categories chosen at the kiosk (or by staff): the visit is priority at every
-- step of its journey, and staff see why.
ALTER TABLE visits ADD COLUMN priority_category text
    CONSTRAINT visits_priority_category CHECK (priority_category IN ('lansia', 'disabilitas', 'ibu_hamil', 'anak_kecil'));
