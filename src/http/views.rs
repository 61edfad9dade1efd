//! JSON shapes shared by several routes, as typed answers: each derives `Serialize` (the
//! body) and `utoipa::ToSchema` (its description in `/api/openapi.json`). Public shapes
//! carry no personal data. Times are RFC 3339 strings with the hospital's offset.
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::models::Visit;
use crate::db::sessions::SessionView;
use crate::db::stations::Station;
use crate::db::steps::Step;
use crate::domain::journey::{Lane, StationKind, StepStatus};
use crate::domain::kinds::{Channel, Payer, PriorityCategory, SessionStatus};
use crate::domain::visit_status::VisitStatus;
use crate::service::booking::Placed;
use crate::service::journey::{CurrentStep, Journey};
use crate::service::queue::Standing;

/// RFC 3339 with the hospital's offset: `2026-12-01T08:00:00+09:00`.
pub fn time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// A clinic inside a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionClinic {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// BPJS's polyclinic code, when mapped.
    pub bpjs_code: Option<String>,
    /// Ticket prefix, e.g. `A`.
    pub prefix: String,
    pub room: String,
}

/// A doctor inside a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDoctor {
    pub code: String,
    pub name: String,
    /// BPJS's (HFIS) doctor code, when mapped.
    pub bpjs_code: Option<i32>,
}

/// Places per payer: `jkn`, `non_jkn`, and the part of both bookable ahead (`online`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Places {
    pub jkn: i32,
    pub non_jkn: i32,
    pub online: i32,
}

/// A clinic session of a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    pub id: i32,
    pub clinic: SessionClinic,
    pub doctor: SessionDoctor,
    /// `YYYY-MM-DD`
    pub date: String,
    /// RFC 3339, e.g. `2026-12-01T08:00:00+09:00`
    pub starts_at: String,
    pub ends_at: String,
    pub status: SessionStatus,
    pub quota: Places,
    pub remaining: Places,
    /// Minutes per patient used for estimates.
    pub service_minutes: i32,
}

pub fn session(s: &SessionView, tz: Tz) -> SessionOut {
    SessionOut {
        id: s.session.id,
        clinic: SessionClinic {
            code: s.clinic.code.clone(),
            name: s.clinic.name.clone(),
            name_en: s.clinic.name_en.clone(),
            bpjs_code: s.clinic.bpjs_code.clone(),
            prefix: s.clinic.prefix.clone(),
            room: s.clinic.room.clone(),
        },
        doctor: SessionDoctor {
            code: s.doctor.code.clone(),
            name: s.doctor.name.clone(),
            bpjs_code: s.doctor.bpjs_code,
        },
        date: s.session.service_date.to_string(),
        starts_at: time(s.starts(tz).with_timezone(&Utc), tz),
        ends_at: time(s.ends(tz).with_timezone(&Utc), tz),
        status: s.session.status,
        quota: Places {
            jkn: s.session.quota_jkn,
            non_jkn: s.session.quota_non_jkn,
            online: s.session.online_limit,
        },
        remaining: Places {
            jkn: s.remaining_jkn(),
            non_jkn: s.remaining_non_jkn(),
            online: s.remaining_online(),
        },
        service_minutes: s.session.service_minutes,
    }
}

/// The answer to a booking or a ticket: what the patient must keep.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacedOut {
    pub booking_code: String,
    pub ticket: String,
    pub queue_number: i32,
    pub status: VisitStatus,
    pub payer: Payer,
    pub priority: bool,
    pub priority_category: Option<PriorityCategory>,
    /// Patients ahead now.
    pub position: i64,
    pub estimated_at: String,
    pub session: SessionOut,
}

pub fn placed(placed: &Placed, tz: Tz) -> PlacedOut {
    let (visit, s, position) = (&placed.visit, &placed.session, placed.position);
    PlacedOut {
        booking_code: visit.booking_code.clone(),
        ticket: visit.ticket.clone(),
        queue_number: visit.queue_number,
        status: visit.status,
        payer: visit.payer,
        priority: visit.priority,
        priority_category: visit.priority_category,
        position,
        estimated_at: time(visit.estimated_at, tz),
        session: session(s, tz),
    }
}

/// The clinic in a standing (no BPJS code, no prefix).
#[derive(Debug, Serialize, ToSchema)]
pub struct StandingClinic {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub room: String,
}

/// The doctor in a standing.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandingDoctor {
    pub code: String,
    pub name: String,
}

/// The session in a standing.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandingSession {
    pub id: i32,
    pub status: SessionStatus,
    pub starts_at: String,
    pub ends_at: String,
}

/// The visit a referral created in another polyclinic.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferredTo {
    pub booking_code: String,
    pub ticket: String,
    pub status: VisitStatus,
    pub session_id: i32,
}

/// Status by booking code: ticket, clinic, doctor, position, estimate. No personal data.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandingOut {
    pub booking_code: String,
    pub ticket: String,
    pub queue_number: i32,
    pub status: VisitStatus,
    pub payer: Payer,
    /// `YYYY-MM-DD`
    pub date: String,
    pub clinic: StandingClinic,
    pub doctor: StandingDoctor,
    pub session: StandingSession,
    /// Patients ahead now.
    pub position: i64,
    /// The ticket being served now, if any.
    pub now_serving: Option<String>,
    pub estimated_at: String,
    pub call_count: i32,
    /// The open step at a station, else null.
    pub step: Option<CurrentStepOut>,
    /// Every step at the stations, oldest first.
    pub journey: Vec<StepOut>,
    pub referred_to: Option<ReferredTo>,
}

pub fn standing(st: &Standing, tz: Tz) -> StandingOut {
    let s = &st.session;
    StandingOut {
        booking_code: st.visit.booking_code.clone(),
        ticket: st.visit.ticket.clone(),
        queue_number: st.visit.queue_number,
        status: st.visit.status,
        payer: st.visit.payer,
        date: s.session.service_date.to_string(),
        clinic: StandingClinic {
            code: s.clinic.code.clone(),
            name: s.clinic.name.clone(),
            name_en: s.clinic.name_en.clone(),
            room: s.clinic.room.clone(),
        },
        doctor: StandingDoctor { code: s.doctor.code.clone(), name: s.doctor.name.clone() },
        session: StandingSession {
            id: s.session.id,
            status: s.session.status,
            starts_at: time(s.starts(tz).with_timezone(&Utc), tz),
            ends_at: time(s.ends(tz).with_timezone(&Utc), tz),
        },
        position: st.position,
        now_serving: st.now_serving.clone(),
        estimated_at: time(st.estimated_at, tz),
        call_count: st.visit.call_count,
        step: st.journey.current.as_ref().map(|c| current_step(c, tz)),
        journey: journey(&st.journey, tz),
        referred_to: st.journey.referred_to.as_ref().map(|v| ReferredTo {
            booking_code: v.booking_code.clone(),
            ticket: v.ticket.clone(),
            status: v.status,
            session_id: v.session_id,
        }),
    }
}

/// A station as everyone may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StationOut {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: StationKind,
    pub prefix: String,
    /// Desk numbers, `1..=desks`.
    pub desks: Vec<i32>,
}

pub fn station(s: &Station) -> StationOut {
    StationOut {
        code: s.code.clone(),
        name: s.name.clone(),
        name_en: s.name_en.clone(),
        kind: s.kind,
        prefix: s.prefix.clone(),
        desks: (1..=s.desks).collect(),
    }
}

/// A step at a station (no personal data: ticket, times, desk).
#[derive(Debug, Serialize, ToSchema)]
pub struct StepOut {
    /// Null for a consultation at the polyclinic after lab/radiology (`kind: clinic`, its
    /// times from the visit's events).
    pub step_id: Option<i64>,
    /// Null for a registration-counter ticket not yet forwarded into a polyclinic.
    pub visit_id: Option<i64>,
    /// Station code.
    pub station: String,
    pub kind: StationKind,
    pub lane: Option<Lane>,
    pub ticket: String,
    pub number: i32,
    pub status: StepStatus,
    /// The status in Indonesian words for the screens.
    pub label: String,
    pub priority: bool,
    pub priority_category: Option<PriorityCategory>,
    pub desk: Option<i32>,
    pub call_count: i32,
    pub waiting_since: String,
    pub called_at: Option<String>,
    pub started_at: Option<String>,
    pub ready_at: Option<String>,
    pub finished_at: Option<String>,
}

pub fn step(step: &Step, station: &Station, tz: Tz) -> StepOut {
    let t = |x: Option<DateTime<Utc>>| x.map(|x| time(x, tz));
    StepOut {
        step_id: Some(step.id),
        visit_id: step.visit_id,
        station: station.code.clone(),
        kind: station.kind,
        lane: step.lane,
        ticket: step.ticket.clone(),
        number: step.number,
        status: step.status,
        label: step.status.label_id(station.kind).to_string(),
        priority: step.priority,
        priority_category: step.priority_category,
        desk: step.desk,
        call_count: step.call_count,
        waiting_since: time(step.created_at, tz),
        called_at: t(step.called_at),
        started_at: t(step.started_at),
        ready_at: t(step.ready_at),
        finished_at: t(step.finished_at),
    }
}

/// The patient's current step: station, ticket, status, place and estimate.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentStepOut {
    /// Station code.
    pub station: String,
    pub station_name: String,
    pub lane: Option<Lane>,
    pub ticket: String,
    pub status: StepStatus,
    pub label: String,
    pub desk: Option<i32>,
    pub position: i64,
    pub estimated_at: String,
}

pub fn current_step(c: &CurrentStep, tz: Tz) -> CurrentStepOut {
    CurrentStepOut {
        station: c.station.code.clone(),
        station_name: c.station.name.clone(),
        lane: c.step.lane,
        ticket: c.step.ticket.clone(),
        status: c.step.status,
        label: c.step.status.label_id(c.station.kind).to_string(),
        desk: c.step.desk,
        position: c.position,
        estimated_at: time(c.estimated_at, tz),
    }
}

/// Every step of a journey, oldest first.
/// A consultation after a lab/radiology return is an entry of its own, in time order.
pub fn journey(j: &Journey, tz: Tz) -> Vec<StepOut> {
    let mut entries: Vec<(DateTime<Utc>, StepOut)> =
        j.steps.iter().map(|(s, station)| (s.created_at, step(s, station, tz))).collect();
    entries.extend(j.returns.iter().map(|r| (r.back_at, clinic_return(r, tz))));
    // Stable: steps keep their order among themselves.
    entries.sort_by_key(|(at, _)| *at);
    entries.into_iter().map(|(_, out)| out).collect()
}

/// A consultation after a lab/radiology return, as a journey entry.
fn clinic_return(r: &crate::service::journey::ClinicReturn, tz: Tz) -> StepOut {
    let t = |x: Option<DateTime<Utc>>| x.map(|x| time(x, tz));
    let status = r.status();
    StepOut {
        step_id: None,
        visit_id: Some(r.visit_id),
        station: r.clinic.clone(),
        kind: StationKind::Clinic,
        lane: None,
        ticket: r.ticket.clone(),
        number: r.number,
        status,
        label: status.label_id(StationKind::Clinic).to_string(),
        priority: false,
        priority_category: None,
        desk: None,
        call_count: r.call_count,
        waiting_since: time(r.back_at, tz),
        called_at: t(r.called_at),
        started_at: t(r.started_at),
        ready_at: None,
        finished_at: t(r.finished_at),
    }
}

/// A visit as staff see it (personal data allowed: staff routes only).
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffVisitOut {
    pub id: i64,
    pub session_id: i32,
    pub booking_code: String,
    pub ticket: String,
    pub queue_number: i32,
    pub status: VisitStatus,
    pub payer: Payer,
    pub channel: Channel,
    pub priority: bool,
    pub priority_reason: String,
    pub priority_category: Option<PriorityCategory>,
    pub call_count: i32,
    pub patient_name: Option<String>,
    pub estimated_at: String,
    pub checked_in_at: Option<String>,
    pub called_at: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

pub fn staff_visit(v: &Visit, patient_name: Option<&str>, tz: Tz) -> StaffVisitOut {
    let t = |x: Option<DateTime<Utc>>| x.map(|x| time(x, tz));
    StaffVisitOut {
        id: v.id,
        session_id: v.session_id,
        booking_code: v.booking_code.clone(),
        ticket: v.ticket.clone(),
        queue_number: v.queue_number,
        status: v.status,
        payer: v.payer,
        channel: v.channel,
        priority: v.priority,
        priority_reason: v.priority_reason.clone(),
        priority_category: v.priority_category,
        call_count: v.call_count,
        patient_name: patient_name.map(str::to_string),
        estimated_at: time(v.estimated_at, tz),
        checked_in_at: t(v.checked_in_at),
        called_at: t(v.called_at),
        started_at: t(v.started_at),
        finished_at: t(v.finished_at),
    }
}

/// What a finish with `next` created, as one extra key next to the step or visit: `next_step`
/// (a step at a station), `next_visit` (a place in another polyclinic) or `back_to_clinic`
/// (the same visit waiting again in its own polyclinic). Absent without `next`.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ForwardedOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next_step: Option<StepOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next_visit: Option<PlacedOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub back_to_clinic: Option<StaffVisitOut>,
}

pub fn forwarded(f: &crate::service::journey::Forwarded, tz: Tz) -> ForwardedOut {
    use crate::service::journey::Forwarded;
    match f {
        Forwarded::Step(s) => {
            ForwardedOut { next_step: Some(step(&s.0, &s.1, tz)), ..Default::default() }
        }
        Forwarded::Clinic(p) => {
            ForwardedOut { next_visit: Some(placed(p, tz)), ..Default::default() }
        }
        Forwarded::Back(v) => {
            ForwardedOut { back_to_clinic: Some(staff_visit(v, None, tz)), ..Default::default() }
        }
    }
}

/// A visit after a staff action: the visit's fields, and after a `finish` with `next`
/// where it went.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitActedOut {
    #[serde(flatten)]
    pub visit: StaffVisitOut,
    #[serde(flatten)]
    pub forwarded: ForwardedOut,
}

/// A step after a staff action: the step's fields, and after a `finish` with `next` where
/// it went.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepActedOut {
    #[serde(flatten)]
    pub step: StepOut,
    #[serde(flatten)]
    pub forwarded: ForwardedOut,
}

/// A visit whose kiosk priority category staff decided: the visit's fields and whether
/// the category was confirmed (`false`: removed).
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitCategoryOut {
    #[serde(flatten)]
    pub visit: StaffVisitOut,
    pub priority_confirmed: bool,
}

/// A registration ticket (no visit yet) whose priority category staff decided.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepCategoryOut {
    #[serde(flatten)]
    pub step: StepOut,
    pub priority_confirmed: bool,
}

/// A category decision on a step: the ticket's fields while it has no visit, else the
/// visit's, each with `priority_confirmed`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum CategoryDecidedOut {
    Ticket(Box<StepCategoryOut>),
    Visit(Box<VisitCategoryOut>),
}

/// A registration-counter ticket and where it stands (public: ticket, code, place): the
/// step's fields and these.
#[derive(Debug, Serialize, ToSchema)]
pub struct CounterTicketOut {
    #[serde(flatten)]
    pub step: StepOut,
    /// The code to follow the ticket by (status by code).
    pub booking_code: Option<String>,
    pub payer: Option<Payer>,
    /// Its place while it waits, else null.
    #[serde(rename = "step")]
    #[schema(rename = "step")]
    pub current: Option<CurrentStepOut>,
    pub position: Option<i64>,
    pub estimated_at: Option<String>,
}

pub fn counter_ticket(
    t: &crate::service::registration::TicketStanding,
    tz: Tz,
) -> CounterTicketOut {
    CounterTicketOut {
        step: step(&t.step, &t.station, tz),
        booking_code: t.step.code.clone(),
        payer: t.step.payer,
        current: t.current.as_ref().map(|c| current_step(c, tz)),
        position: t.current.as_ref().map(|c| c.position),
        estimated_at: t.current.as_ref().map(|c| time(c.estimated_at, tz)),
    }
}

/// `GET /bookings/{code}`: a booking's standing, or a registration-counter ticket's.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum BookingStatusOut {
    Visit(Box<StandingOut>),
    CounterTicket(Box<CounterTicketOut>),
}
