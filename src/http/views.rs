//! JSON shapes shared by several routes. Public shapes carry no personal data.
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use crate::db::models::Visit;
use crate::db::sessions::SessionView;
use crate::db::stations::Station;
use crate::db::steps::Step;
use crate::service::booking::Placed;
use crate::service::journey::{CurrentStep, Journey};
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
        "priority": visit.priority,
        "priority_category": visit.priority_category,
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
        "step": st.journey.current.as_ref().map(|c| current_step(c, tz)),
        "journey": journey(&st.journey, tz),
        "referred_to": st.journey.referred_to.as_ref().map(|v| json!({
            "booking_code": v.booking_code, "ticket": v.ticket, "status": v.status,
            "session_id": v.session_id})),
    })
}

/// A station as everyone may see it.
pub fn station(s: &Station) -> Value {
    let desks: Vec<i32> = (1..=s.desks).collect();
    json!({"code": s.code, "name": s.name, "name_en": s.name_en, "kind": s.kind,
           "prefix": s.prefix, "desks": desks})
}

/// A step at a station (no personal data: ticket, times, desk).
pub fn step(step: &Step, station: &Station, tz: Tz) -> Value {
    let t = |x: Option<DateTime<Utc>>| x.map(|x| time(x, tz));
    json!({
        "step_id": step.id,
        "visit_id": step.visit_id,
        "station": station.code,
        "kind": station.kind,
        "lane": step.lane,
        "ticket": step.ticket,
        "number": step.number,
        "status": step.status,
        "label": step.status.label_id(station.kind),
        "priority": step.priority,
        "priority_category": step.priority_category,
        "desk": step.desk,
        "call_count": step.call_count,
        "waiting_since": time(step.created_at, tz),
        "called_at": t(step.called_at),
        "started_at": t(step.started_at),
        "ready_at": t(step.ready_at),
        "finished_at": t(step.finished_at),
    })
}

/// The patient's current step: station, ticket, status, place and estimate.
pub fn current_step(c: &CurrentStep, tz: Tz) -> Value {
    json!({
        "station": c.station.code,
        "station_name": c.station.name,
        "lane": c.step.lane,
        "ticket": c.step.ticket,
        "status": c.step.status,
        "label": c.step.status.label_id(c.station.kind),
        "desk": c.step.desk,
        "position": c.position,
        "estimated_at": time(c.estimated_at, tz),
    })
}

/// Every step of a journey, oldest first.
pub fn journey(j: &Journey, tz: Tz) -> Vec<Value> {
    j.steps.iter().map(|(s, station)| step(s, station, tz)).collect()
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
        "priority_category": v.priority_category,
        "call_count": v.call_count,
        "patient_name": patient_name,
        "estimated_at": time(v.estimated_at, tz),
        "checked_in_at": t(v.checked_in_at),
        "called_at": t(v.called_at),
        "started_at": t(v.started_at),
        "finished_at": t(v.finished_at),
    })
}

/// What a finish with `next` created: `("next_step", step)` at a station,
/// `("next_visit", place)` in a polyclinic, or `("back_to_clinic", visit)`: the same visit
/// waiting again in its own polyclinic.
pub fn forwarded(f: &crate::service::journey::Forwarded, tz: Tz) -> (&'static str, Value) {
    use crate::service::journey::Forwarded;
    match f {
        Forwarded::Step(s) => ("next_step", step(&s.0, &s.1, tz)),
        Forwarded::Clinic(p) => ("next_visit", placed(p, tz)),
        Forwarded::Back(v) => ("back_to_clinic", staff_visit(v, None, tz)),
    }
}

/// A registration-counter ticket and where it stands (public: ticket, code, place).
pub fn counter_ticket(t: &crate::service::registration::TicketStanding, tz: Tz) -> Value {
    let mut out = step(&t.step, &t.station, tz);
    out["booking_code"] = json!(t.step.code);
    out["payer"] = json!(t.step.payer);
    out["step"] = json!(t.current.as_ref().map(|c| current_step(c, tz)));
    out["position"] = json!(t.current.as_ref().map(|c| c.position));
    out["estimated_at"] = json!(t.current.as_ref().map(|c| time(c.estimated_at, tz)));
    out
}
