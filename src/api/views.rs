//! JSON shapes shared by several routes. Public shapes carry no personal data.
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use crate::db::models::Visit;
use crate::db::sessions::SessionView;
use crate::service::booking::Placed;
use crate::service::queue::Standing;

/// RFC 3339 with the hospital's offset: `2026-12-01T08:00:00+09:00`.
pub fn time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).to_rfc3339_opts(SecondsFormat::Secs, false)
}

pub fn session(s: &SessionView, tz: Tz) -> Value {
    json!({
        "id": s.session.id,
        "clinic": {"code": s.clinic.code, "name": s.clinic.name, "name_en": s.clinic.name_en,
                   "bpjs_code": s.clinic.bpjs_code,
                   "prefix": s.clinic.prefix, "room": s.clinic.room},
        "doctor": {"code": s.doctor.code, "name": s.doctor.name, "bpjs_code": s.doctor.bpjs_code},
        "date": s.session.service_date.to_string(),
        "starts_at": time(s.starts(tz).with_timezone(&Utc), tz),
        "ends_at": time(s.ends(tz).with_timezone(&Utc), tz),
        "status": s.session.status,
        "quota": {"jkn": s.session.quota_jkn, "non_jkn": s.session.quota_non_jkn,
                  "online": s.session.online_limit},
        "remaining": {"jkn": s.remaining_jkn(), "non_jkn": s.remaining_non_jkn(),
                      "online": s.remaining_online()},
        "service_minutes": s.session.service_minutes,
    })
}

/// The answer to a booking or a ticket: what the patient must keep.
pub fn placed(placed: &Placed, tz: Tz) -> Value {
    let (visit, s, position) = (&placed.visit, &placed.session, placed.position);
    json!({
        "booking_code": visit.booking_code,
        "ticket": visit.ticket,
        "queue_number": visit.queue_number,
        "status": visit.status,
        "payer": visit.payer,
        "position": position,
        "estimated_at": time(visit.estimated_at, tz),
        "session": session(s, tz),
    })
}

/// Status by booking code: ticket, clinic, doctor, position, estimate. No personal data.
pub fn standing(st: &Standing, tz: Tz) -> Value {
    json!({
        "booking_code": st.visit.booking_code,
        "ticket": st.visit.ticket,
        "queue_number": st.visit.queue_number,
        "status": st.visit.status,
        "payer": st.visit.payer,
        "date": st.session.session.service_date.to_string(),
        "clinic": {"code": st.session.clinic.code, "name": st.session.clinic.name,
                   "name_en": st.session.clinic.name_en, "room": st.session.clinic.room},
        "doctor": {"code": st.session.doctor.code, "name": st.session.doctor.name},
        "session": {"id": st.session.session.id, "status": st.session.session.status,
                    "starts_at": time(st.session.starts(tz).with_timezone(&Utc), tz),
                    "ends_at": time(st.session.ends(tz).with_timezone(&Utc), tz)},
        "position": st.position,
        "now_serving": st.now_serving,
        "estimated_at": time(st.estimated_at, tz),
        "call_count": st.visit.call_count,
    })
}

/// A visit as staff see it (personal data allowed: staff routes only).
pub fn staff_visit(v: &Visit, patient_name: Option<&str>, tz: Tz) -> Value {
    let t = |x: Option<DateTime<Utc>>| x.map(|x| time(x, tz));
    json!({
        "id": v.id,
        "session_id": v.session_id,
        "booking_code": v.booking_code,
        "ticket": v.ticket,
        "queue_number": v.queue_number,
        "status": v.status,
        "payer": v.payer,
        "channel": v.channel,
        "priority": v.priority,
        "priority_reason": v.priority_reason,
        "call_count": v.call_count,
        "patient_name": patient_name,
        "estimated_at": time(v.estimated_at, tz),
        "checked_in_at": t(v.checked_in_at),
        "called_at": t(v.called_at),
        "started_at": t(v.started_at),
        "finished_at": t(v.finished_at),
    })
}
