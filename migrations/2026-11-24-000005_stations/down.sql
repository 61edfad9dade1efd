DROP TABLE visit_steps;
DROP TABLE staff_stations;
DROP TABLE station_counters;
DROP TABLE stations;
