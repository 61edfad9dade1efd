DROP TRIGGER visit_steps_notify_update ON visit_steps;
DROP TRIGGER visit_steps_notify_insert ON visit_steps;
DROP FUNCTION notify_station_step();
