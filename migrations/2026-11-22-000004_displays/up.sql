-- Running text of the waiting-room TV boards, set by staff. One line per clinic (its code),
-- and one for every board (scope '*'). A board shows the lines of its clinics and of '*'.
CREATE TABLE display_messages (
    scope       text PRIMARY KEY
                CONSTRAINT display_messages_scope_format CHECK (scope = '*' OR scope ~ '^[A-Z0-9]{1,8}$'),
    message     text NOT NULL
                CONSTRAINT display_messages_length CHECK (char_length(message) BETWEEN 1 AND 300),
    -- Who set it, for the audit trail.
    updated_by  integer NOT NULL REFERENCES staff_users (id),
    updated_at  timestamptz NOT NULL
);
