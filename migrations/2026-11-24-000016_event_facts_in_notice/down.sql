CREATE OR REPLACE FUNCTION visit_events_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('sipoli_events', json_build_object(
        'id', NEW.id, 'session_id', NEW.session_id, 'visit_id', NEW.visit_id, 'kind', NEW.kind)::text);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
