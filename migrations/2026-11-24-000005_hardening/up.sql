-- Hardening (issue 12): registered kiosk devices, guessing counters, an index for the
-- doctor's recent services.

-- A hall kiosk is a registered device. An admin registers it and gets a one-time pairing
-- code (15 minutes); pairing turns the code into a long-lived device token. Only hashes are
-- kept. Revoking a device refuses its token from then on.
CREATE TABLE kiosk_devices (
    id                 serial PRIMARY KEY,
    name               text NOT NULL
                       CONSTRAINT kiosk_devices_name_length CHECK (char_length(name) BETWEEN 1 AND 80),
    -- Codes of the clinics it offers; empty: every active clinic.
    clinics            text[] NOT NULL DEFAULT '{}',
    token_hash         text UNIQUE,
    pairing_code_hash  text UNIQUE,
    pairing_expires_at timestamptz,
    paired_at          timestamptz,
    revoked_at         timestamptz,
    created_by         integer REFERENCES staff_users (id),
    created_at         timestamptz NOT NULL
);

-- Wrong guesses, counted across every node: a scope (what is being guessed) and a key
-- (the booking code, the client address). Failures count within a window; reaching the
-- limit locks the key until `locked_until`.
CREATE TABLE guess_counters (
    scope          text NOT NULL
                   CONSTRAINT guess_counters_scope CHECK (scope IN ('cancel_code', 'login_address')),
    key            text NOT NULL,
    failures       integer NOT NULL,
    window_started timestamptz NOT NULL,
    locked_until   timestamptz,
    PRIMARY KEY (scope, key)
);
CREATE INDEX guess_counters_window_idx ON guess_counters (window_started);

-- db::visits::recent_service_seconds: a doctor's last measured services, newest first,
-- read from this index instead of sorting every visit.
CREATE INDEX visits_recent_services_idx ON visits (finished_at DESC, session_id)
    WHERE finished_at IS NOT NULL AND started_at IS NOT NULL;
