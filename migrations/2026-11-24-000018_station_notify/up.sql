-- Station boards go live: every visible change of a station's ticket announces the
-- station's id on `sipoli_steps`, in the changing transaction (delivered on commit, once
-- per station and transaction). Registration tickets have no visit and so no visit event;
-- this covers them and every other station step. Each node's listener relays the id to
-- the station boards it serves, which then refetch their state.
CREATE FUNCTION notify_station_step() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('sipoli_steps', NEW.station_id::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER visit_steps_notify_insert
    AFTER INSERT ON visit_steps
    FOR EACH ROW EXECUTE FUNCTION notify_station_step();

CREATE TRIGGER visit_steps_notify_update
    AFTER UPDATE ON visit_steps
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
       OR OLD.desk IS DISTINCT FROM NEW.desk
       OR OLD.call_count IS DISTINCT FROM NEW.call_count
       OR OLD.lane IS DISTINCT FROM NEW.lane
       OR OLD.ready_at IS DISTINCT FROM NEW.ready_at
       OR OLD.called_at IS DISTINCT FROM NEW.called_at
       OR OLD.priority IS DISTINCT FROM NEW.priority
       OR OLD.sort_key IS DISTINCT FROM NEW.sort_key
       OR OLD.ticket IS DISTINCT FROM NEW.ticket
       OR OLD.station_id IS DISTINCT FROM NEW.station_id)
    EXECUTE FUNCTION notify_station_step();
