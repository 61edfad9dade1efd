-- Years of history for the growth benchmarks and the plan tests: `sipoli.past_visits`
-- finished visits (40 a session) at 50 clinics of one doctor each, on the days before
-- `sipoli.history_until`, with a sent confirmation for every second one. Run after
--   SET sipoli.past_visits = '1000000'; SET sipoli.history_until = '2026-11-30';
-- then ANALYZE. Used by benches/booking.rs, examples/status_bench.rs and tests/api/plans.rs.
INSERT INTO clinics (code, name, prefix, room)
SELECT 'H' || lpad(c::text, 2, '0'), 'Poli Riwayat ' || c,
       'H' || chr(65 + c / 26) || chr(65 + c % 26), ''
FROM generate_series(1, 50) c
ON CONFLICT DO NOTHING;

INSERT INTO doctors (code, name)
SELECT 'H' || lpad(c::text, 2, '0'), 'dr. Riwayat ' || c
FROM generate_series(1, 50) c
ON CONFLICT DO NOTHING;

INSERT INTO clinic_sessions (clinic_id, doctor_id, service_date, starts_at, ends_at,
    quota_jkn, quota_non_jkn, online_limit, taken_non_jkn, status)
SELECT c.id, d.id, current_setting('sipoli.history_until')::date - day::int, '08:00', '12:00',
       40, 40, 40, 40, 'closed'
FROM generate_series(1, 50) n
JOIN clinics c ON c.code = 'H' || lpad(n::text, 2, '0')
JOIN doctors d ON d.code = 'H' || lpad(n::text, 2, '0')
CROSS JOIN generate_series(0,
    (current_setting('sipoli.past_visits')::bigint + 1999) / 2000 - 1) day
ON CONFLICT DO NOTHING;

INSERT INTO visits (session_id, clinic_id, service_date, payer, channel, booking_code,
    queue_number, ticket, status, sort_key, estimated_at, checked_in_at, called_at,
    started_at, finished_at, created_at, updated_at, contact_email)
SELECT s.id, s.clinic_id, s.service_date, 'non_jkn', 'online',
       lpad(upper(to_hex(s.id * 40 + q)), 8, '0'), q, 'H-' || lpad(q::text, 3, '0'), 'done',
       q, t, t, t, t, t + interval '9 minutes', t - interval '1 day', t,
       CASE WHEN q % 2 = 0 THEN 'riwayat@example.test' END
FROM (SELECT id, clinic_id, service_date FROM clinic_sessions
      WHERE status = 'closed' AND starts_at = '08:00'
        AND doctor_id IN (SELECT id FROM doctors WHERE code LIKE 'H__')
      ORDER BY service_date DESC, id
      LIMIT (current_setting('sipoli.past_visits')::bigint + 39) / 40) s
CROSS JOIN generate_series(1, 40) q
CROSS JOIN LATERAL (SELECT (s.service_date + time '08:00') AT TIME ZONE 'Asia/Jayapura'
                           + q * interval '6 minutes' AS t) at
ON CONFLICT DO NOTHING;

INSERT INTO notification_jobs (kind, visit_id, channel, recipient, dedupe_key, run_at,
    attempts, status, sent_at, created_at, updated_at)
SELECT 'booking_confirmed', v.id, 'email', v.contact_email, 'history:' || v.id,
       v.created_at, 1, 'sent', v.created_at, v.created_at, v.created_at
FROM visits v
WHERE v.contact_email = 'riwayat@example.test'
ON CONFLICT DO NOTHING;
