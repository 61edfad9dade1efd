DELETE FROM bpjs_tasks WHERE kind = 'farmasi_add';
ALTER TABLE bpjs_tasks DROP CONSTRAINT bpjs_tasks_kind;
ALTER TABLE bpjs_tasks ADD CONSTRAINT bpjs_tasks_kind CHECK (kind IN ('add', 'updatewaktu', 'batal'));
DROP TABLE visit_steps;
DROP TABLE staff_stations;
DROP TABLE station_counters;
DROP TABLE stations;
