-- The demo's past month, set-based ($1 = today, $2 = the hospital's time zone name).
-- Sessions come from the weekly schedules; each session that has no visit yet gets
-- 35–90 % of its quotas filled with invented visits: no patient record (no name, no
-- NIK), realistic times (doctor lateness, waits of 6–80 minutes, 5–15 minute services),
-- a served / no-show / cancelled mix, the visit events reports read, pharmacy and
-- registration-counter steps. Written straight into the tables: no BPJS, SATUSEHAT or
-- notification job is made for them (those are made only by the service layer).
WITH s AS (
    SELECT cs.id, cs.clinic_id, cs.service_date, cs.starts_at, cs.service_minutes,
           cs.quota_jkn, cs.quota_non_jkn, cs.online_limit, c.room, c.prefix,
           ((cs.service_date + cs.starts_at) AT TIME ZONE $2) AS opens,
           -- Minutes the doctor starts late: 0–25, a few doctors habitually later.
           random() * 25 + CASE WHEN cs.doctor_id % 7 = 3 THEN 25 ELSE 0 END AS late,
           -- A few clinics are crowded: longer waits (under the 80 % target).
           CASE WHEN c.code IN ('INT', 'JAN', 'OBG') THEN 1.45 ELSE 1.0 END AS crowd
    FROM clinic_sessions cs JOIN clinics c ON c.id = cs.clinic_id
    WHERE cs.service_date BETWEEN $1::date - 30 AND $1::date - 1
      AND cs.status = 'open'
      AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.session_id = cs.id)
), counted AS (
    SELECT s.*, floor(s.quota_jkn * (0.45 + random() * 0.45))::int AS n_jkn,
           floor(s.quota_non_jkn * (0.35 + random() * 0.55))::int AS n_non
    FROM s
), drawn AS (
    SELECT counted.*, g.i, g.i <= counted.n_jkn AS jkn,
           random() AS r_order, random() AS r_status, random() AS r_channel,
           random() AS r_wait, random() AS r_service
    FROM counted CROSS JOIN LATERAL generate_series(1, counted.n_jkn + counted.n_non) AS g(i)
), placed AS (
    SELECT drawn.*, row_number() OVER (PARTITION BY drawn.id ORDER BY r_order) AS pos
    FROM drawn
), shaped AS (
    SELECT placed.*,
           row_number() OVER (PARTITION BY clinic_id, service_date ORDER BY starts_at, pos) AS qn,
           CASE WHEN jkn AND r_channel < 0.45 THEN 'jkn'
                WHEN r_channel < 0.75 THEN 'online'
                WHEN r_channel < 0.88 THEN 'kiosk'
                ELSE 'counter' END AS channel,
           opens + make_interval(secs => (late + (pos - 1) * service_minutes * 0.9) * 60) AS begins,
           crowd * (6 + power(r_wait, 2) * 75) AS wait_min,
           service_minutes * (0.5 + r_service) AS serve_min
    FROM placed
), final AS (
    SELECT shaped.*,
           CASE WHEN channel IN ('kiosk', 'counter') THEN 'done'
                WHEN r_status < 0.08 THEN 'no_show'
                WHEN r_status < 0.15 THEN 'cancelled'
                ELSE 'done' END AS status
    FROM shaped
), v AS (
    INSERT INTO visits (session_id, clinic_id, service_date, patient_id, payer, channel,
                        booking_code, queue_number, ticket, status, sort_key, call_count,
                        visit_type, language, room, estimated_at, checked_in_at, called_at,
                        started_at, finished_at, cancelled_at, created_at, updated_at)
    SELECT f.id, f.clinic_id, f.service_date, NULL,
           CASE WHEN f.jkn THEN 'jkn' ELSE 'non_jkn' END, f.channel,
           upper(substr(md5(random()::text || f.id || '-' || f.i), 1, 8)),
           f.qn, f.prefix || '-' || lpad(f.qn::text, 3, '0'), f.status, f.qn,
           CASE WHEN f.status = 'done' THEN 1 ELSE 0 END,
           CASE WHEN f.jkn THEN CASE WHEN f.r_service < 0.7 THEN 1 ELSE 3 END END,
           'id', f.room,
           f.opens + make_interval(mins => ((f.pos - 1) * f.service_minutes)::int),
           CASE WHEN f.status = 'done' THEN f.begins - make_interval(secs => f.wait_min * 60) END,
           CASE WHEN f.status = 'done' THEN f.begins - make_interval(secs => 60 + f.r_service * 90) END,
           CASE WHEN f.status = 'done' THEN f.begins END,
           CASE WHEN f.status = 'done' THEN f.begins + make_interval(secs => f.serve_min * 60) END,
           CASE WHEN f.status = 'cancelled' THEN f.opens - make_interval(hours => 2 + (f.r_wait * 30)::int) END,
           CASE WHEN f.channel IN ('kiosk', 'counter')
                THEN f.begins - make_interval(secs => f.wait_min * 60 + 120)
                ELSE f.opens - make_interval(days => 1 + (f.r_channel * 6)::int, hours => (f.r_order * 12)::int) END,
           CASE f.status
                WHEN 'done' THEN f.begins + make_interval(secs => f.serve_min * 60)
                WHEN 'cancelled' THEN f.opens - make_interval(hours => 2 + (f.r_wait * 30)::int)
                ELSE f.opens + interval '4 hours' END
    FROM final f
    ON CONFLICT DO NOTHING
    RETURNING id, session_id, clinic_id, service_date, payer, channel, status, queue_number,
              checked_in_at, called_at, started_at, finished_at, updated_at
), events AS (
    INSERT INTO visit_events (visit_id, session_id, kind, from_status, to_status, actor, detail, created_at)
    SELECT v.id, v.session_id, e.kind, e.from_status, e.to_status, e.actor, '{"demo": true}'::jsonb, e.at
    FROM v CROSS JOIN LATERAL (VALUES
        ('check_in', 'booked', 'waiting', CASE WHEN v.channel = 'kiosk' THEN 'kiosk' ELSE 'staff:loket' END, v.checked_in_at),
        ('call', 'waiting', 'called', 'staff:anak', v.called_at),
        ('start', 'called', 'serving', 'staff:anak', v.started_at),
        ('finish', 'serving', 'done', 'staff:anak', v.finished_at),
        ('cancel', 'booked', 'cancelled', 'patient', CASE WHEN v.status = 'cancelled' THEN v.updated_at END),
        ('no_show', 'booked', 'no_show', 'system', CASE WHEN v.status = 'no_show' THEN v.updated_at END)
    ) AS e(kind, from_status, to_status, actor, at)
    WHERE e.at IS NOT NULL
    RETURNING 1
), taken AS (
    UPDATE clinic_sessions cs
    SET taken_jkn = least(cs.quota_jkn, t.jkn),
        taken_non_jkn = least(cs.quota_non_jkn, t.non_jkn),
        taken_online = least(cs.online_limit, t.online)
    FROM (SELECT session_id,
                 count(*) FILTER (WHERE payer = 'jkn' AND status <> 'cancelled') AS jkn,
                 count(*) FILTER (WHERE payer = 'non_jkn' AND status <> 'cancelled') AS non_jkn,
                 count(*) FILTER (WHERE channel IN ('online', 'jkn') AND status <> 'cancelled') AS online
          FROM v GROUP BY session_id) t
    WHERE cs.id = t.session_id
    RETURNING 1
), numbers AS (
    INSERT INTO ticket_counters (clinic_id, service_date, last_number)
    SELECT clinic_id, service_date, max(queue_number) FROM v GROUP BY clinic_id, service_date
    ON CONFLICT (clinic_id, service_date)
        DO UPDATE SET last_number = greatest(ticket_counters.last_number, EXCLUDED.last_number)
    RETURNING 1
), steps AS (
    -- Pharmacy after about 60 % of the served visits; the registration counter before
    -- the kiosk and counter walk-ins' check-in.
    SELECT v.id AS visit_id, v.service_date, v.payer, 'FARMASI' AS station,
           CASE WHEN r.a < 0.3 THEN 'racikan' ELSE 'non_racikan' END AS lane,
           1 + (r.b * 2)::int % 2 AS desk,
           v.finished_at + make_interval(secs => 120 + r.b * 240) AS created,
           v.finished_at + make_interval(secs => 420 + r.c * 2100) AS called,
           make_interval(secs => CASE WHEN r.a < 0.3 THEN 900 + r.b * 900 ELSE 300 + r.b * 600 END) AS work,
           make_interval(secs => 120 + r.c * 480) AS collect
    FROM v CROSS JOIN LATERAL (SELECT random() AS a, random() AS b, random() AS c WHERE v.id > 0) r
    WHERE v.status = 'done' AND r.a < 0.6
    UNION ALL
    SELECT v.id, v.service_date, v.payer, 'PENDAFTARAN', NULL, 1 + (r.b * 3)::int % 3,
           v.checked_in_at - make_interval(secs => 360 + r.c * 1080),
           v.checked_in_at - make_interval(secs => 300),
           make_interval(secs => 120 + r.b * 120), make_interval(secs => 0)
    FROM v CROSS JOIN LATERAL (SELECT random() AS b, random() AS c WHERE v.id > 0) r
    WHERE v.channel IN ('kiosk', 'counter') AND v.status = 'done'
), numbered AS (
    SELECT steps.*, st.id AS station_id, st.prefix,
           row_number() OVER (PARTITION BY st.id, steps.service_date ORDER BY steps.created) AS number
    FROM steps JOIN stations st ON st.code = steps.station
), step_rows AS (
    INSERT INTO visit_steps (visit_id, station_id, lane, service_date, number, ticket, status,
                             sort_key, desk, call_count, created_at, called_at, started_at,
                             ready_at, finished_at, updated_at, payer)
    SELECT n.visit_id, n.station_id, n.lane, n.service_date, n.number,
           n.prefix || '-' || lpad(n.number::text, 3, '0'), 'done', n.number, n.desk, 1,
           n.created, n.called, n.called + interval '1 minute',
           CASE WHEN n.station = 'FARMASI' THEN n.called + interval '1 minute' + n.work END,
           n.called + interval '1 minute' + n.work + n.collect,
           n.called + interval '1 minute' + n.work + n.collect, n.payer
    FROM numbered n
    ON CONFLICT DO NOTHING
    RETURNING station_id, service_date, number
), step_numbers AS (
    INSERT INTO station_counters (station_id, service_date, last_number)
    SELECT station_id, service_date, max(number) FROM step_rows GROUP BY station_id, service_date
    ON CONFLICT (station_id, service_date)
        DO UPDATE SET last_number = greatest(station_counters.last_number, EXCLUDED.last_number)
    RETURNING 1
)
SELECT (SELECT count(*) FROM v) AS visits,
       (SELECT count(*) FROM events) AS events,
       (SELECT count(*) FROM taken) AS sessions,
       (SELECT count(*) FROM numbers) AS days,
       (SELECT count(*) FROM step_rows) AS steps,
       (SELECT count(*) FROM step_numbers) AS step_days
