DROP INDEX visits_recent_services_idx;
DROP TABLE guess_counters;
DROP TABLE kiosk_devices;
