-- Each visit event's notice carries the event's public facts (the same columns as
-- `db::events::EVENT_SELECT`: ticket, clinic, kind, status, room, call count; never a name),
-- so a listening node hands it to its SSE clients without reading it back. A notice that
-- would come near PostgreSQL's 8000-byte payload limit carries the ids only; the node then
-- reads the facts as before.
CREATE OR REPLACE FUNCTION visit_events_notify() RETURNS trigger AS $$
DECLARE
    payload text;
BEGIN
    SELECT json_build_object(
        'id', NEW.id, 'session_id', NEW.session_id, 'visit_id', NEW.visit_id, 'kind', NEW.kind,
        'status', NEW.to_status, 'ticket', v.ticket, 'clinic', c.code,
        'clinic_name', c.name,
        'room', CASE WHEN v.room <> '' THEN v.room ELSE c.room END,
        'call_count', v.call_count)::text
    INTO payload
    FROM visits v JOIN clinics c ON c.id = v.clinic_id
    WHERE v.id = NEW.visit_id;
    IF payload IS NULL OR octet_length(payload) > 7000 THEN
        payload := json_build_object(
            'id', NEW.id, 'session_id', NEW.session_id, 'visit_id', NEW.visit_id,
            'kind', NEW.kind)::text;
    END IF;
    PERFORM pg_notify('sipoli_events', payload);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
