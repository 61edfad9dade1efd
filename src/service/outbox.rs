//! What a visit event writes into the outboxes, inside the transaction of the change that
//! causes it, so a booking is never saved without its confirmation nor its BPJS report.
//!
//! [`on_visit_event`] is the one hook for both outboxes: the patient notifications
//! (decided here, rows in `db::notifications`) and the BPJS reports (decided in
//! [`super::bpjs_reports`], rows in `db::bpjs_tasks`). The notification workers
//! (`jobs::`) call [`check_turns`] and [`enqueue_reminders`].
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::bpjs_reports;
use super::journey::StepDetail;
use crate::db::PgConnection;
use crate::db::models::{Patient, Visit, VisitEvent};
use crate::db::notifications::{self, NewJob};
use crate::db::placing::OutboxRows;
use crate::db::sessions::{self, SessionView};
use crate::db::visits as visit_queue;
use crate::domain::journey::StepAction;
use crate::domain::kinds::SessionStatus;
use crate::domain::queue::estimate;
use crate::error::AppResult;

/// Everything a visit event writes into the outboxes: notifications and BPJS reports.
pub fn on_visit_event(conn: &mut PgConnection, visit: &Visit, event: &VisitEvent) -> AppResult<()> {
    notify_on_event(conn, visit, event)?;
    super::feedback::on_visit_event(conn, visit, event)?;
    bpjs_reports::enqueue(conn, visit, event)?;
    super::satusehat::enqueue(conn, visit, event)
}

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    BookingConfirmed,
    Reminder,
    TurnApproaching,
    Called,
    SessionCancelled,
    /// "Obat Anda siap diambil": the pharmacy has the medicine ready.
    MedicineReady,
    /// "Booking dibatalkan": the patient (or staff) cancelled a booking.
    BookingCancelled,
    /// A freed place offered to the first on a session's waitlist.
    WaitlistOffer,
    /// An answer to an SMS/WhatsApp message (`facts.notice` holds it).
    Reply,
    /// Internal: a call moved a session's queue; look for patients whose turn approaches.
    QueueCheck,
}

impl Kind {
    pub const MESSAGES: [Kind; 9] = [
        Kind::BookingConfirmed,
        Kind::Reminder,
        Kind::TurnApproaching,
        Kind::Called,
        Kind::SessionCancelled,
        Kind::MedicineReady,
        Kind::BookingCancelled,
        Kind::WaitlistOffer,
        Kind::Reply,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::BookingConfirmed => "booking_confirmed",
            Kind::Reminder => "reminder",
            Kind::TurnApproaching => "turn_approaching",
            Kind::Called => "called",
            Kind::SessionCancelled => "session_cancelled",
            Kind::MedicineReady => "medicine_ready",
            Kind::BookingCancelled => "booking_cancelled",
            Kind::WaitlistOffer => "waitlist_offer",
            Kind::Reply => "reply",
            Kind::QueueCheck => "queue_check",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Self::MESSAGES.into_iter().chain([Kind::QueueCheck]).find(|k| k.as_str() == s)
    }
}

/// The facts a patient message is written from, kept in the job's payload: the message
/// says what was true when the job was made, and a worker needs no other lookup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Facts {
    pub booking_code: String,
    pub ticket: String,
    pub clinic: String,
    pub clinic_en: String,
    pub doctor: String,
    pub date: NaiveDate,
    pub starts_at: NaiveTime,
    pub ends_at: NaiveTime,
    pub room: String,
    pub estimated_at: DateTime<Utc>,
    /// "id" or "en".
    pub language: String,
    /// Patients ahead, for "turn approaching".
    #[serde(default)]
    pub position: Option<i64>,
    /// The hospital's note when a session is cancelled.
    #[serde(default)]
    pub note: Option<String>,
    /// A ticket taken at the kiosk or the counter: the patient is already in the queue.
    #[serde(default)]
    pub walk_in: bool,
    /// Whom the booking is for, by first name and initial ("Maria K."): a parent booking
    /// for two children can tell the messages apart. Never the full name, never the NIK.
    #[serde(default)]
    pub for_whom: Option<String>,
    /// A sentence put before the usual words (a reschedule), or the whole of a reply.
    #[serde(default)]
    pub notice: Option<String>,
    /// The token of a waitlist offer (its page is `/antrean/tawaran/{token}`).
    #[serde(default)]
    pub offer_token: Option<String>,
}

impl Facts {
    pub fn of(conn: &mut PgConnection, visit: &Visit) -> AppResult<Facts> {
        let view = sessions::get(conn, visit.session_id)?;
        let name = match visit.patient_id {
            Some(patient) => Some(crate::db::self_service::patient_name(conn, patient)?),
            None => None,
        };
        Ok(Facts::known(visit, view, name.as_deref()))
    }

    /// The facts from the session and the patient's name in hand (a new booking has both).
    pub fn known(visit: &Visit, view: SessionView, patient_name: Option<&str>) -> Facts {
        let mut facts = Facts::from_view(visit, view);
        facts.for_whom =
            patient_name.map(crate::domain::identity::first_name_initial).filter(|n| !n.is_empty());
        facts
    }

    pub fn from_view(visit: &Visit, view: SessionView) -> Facts {
        let room =
            if visit.room.is_empty() { view.clinic.room.clone() } else { visit.room.clone() };
        Facts {
            booking_code: visit.booking_code.clone(),
            ticket: visit.ticket.clone(),
            clinic_en: if view.clinic.name_en.is_empty() {
                view.clinic.name.clone()
            } else {
                view.clinic.name_en.clone()
            },
            clinic: view.clinic.name,
            doctor: view.doctor.name,
            date: view.session.service_date,
            starts_at: view.session.starts_at,
            ends_at: view.session.ends_at,
            room,
            estimated_at: visit.estimated_at,
            language: visit.language.clone(),
            position: None,
            note: None,
            walk_in: !visit.channel.is_ahead(),
            for_whom: None,
            notice: None,
            offer_token: None,
        }
    }
}

/// Where a patient can be reached: phone → webhook (SMS/WhatsApp), email → email.
pub fn contacts(visit: &Visit) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(phone) = visit.contact_phone.as_deref().filter(|p| !p.trim().is_empty()) {
        out.push(("webhook", phone.trim().to_string()));
    }
    if let Some(email) = visit.contact_email.as_deref().filter(|e| !e.trim().is_empty()) {
        out.push(("email", email.trim().to_string()));
    }
    out
}

/// One job per channel the patient gave; the dedupe key is `key` plus the channel.
pub fn for_patient(
    visit: &Visit,
    kind: Kind,
    key: &str,
    facts: &Facts,
    at: DateTime<Utc>,
) -> Vec<NewJob> {
    let payload = serde_json::to_value(facts).unwrap_or_default();
    contacts(visit)
        .into_iter()
        .map(|(channel, recipient)| NewJob {
            kind: kind.as_str().into(),
            visit_id: Some(visit.id),
            channel: channel.into(),
            recipient,
            payload: payload.clone(),
            dedupe_key: format!("{key}:{channel}"),
            run_at: at,
            created_at: at,
            updated_at: at,
        })
        .collect()
}

/// The patient notifications a visit event makes (the notification half of
/// [`on_visit_event`]).
pub fn notify_on_event(
    conn: &mut PgConnection,
    visit: &Visit,
    event: &VisitEvent,
) -> AppResult<()> {
    let jobs = jobs_for_event(visit, event, || Facts::of(conn, visit))?;
    notifications::enqueue(conn, &jobs)?;
    Ok(())
}

/// The rows the event of a new visit ("booked" or "registered") puts in the outboxes,
/// decided from the session and patient the booking has in hand, without a read: the
/// booking writes them in the statement that inserts the visit. The same rules as
/// [`on_visit_event`] (a new visit is never done, so it asks for no feedback).
pub fn for_new_visit(
    visit: &Visit,
    event: &VisitEvent,
    view: &SessionView,
    patient: Option<&Patient>,
) -> AppResult<OutboxRows> {
    let name = patient.map(|p| p.name.as_str());
    Ok(OutboxRows {
        jobs: jobs_for_event(visit, event, || Ok(Facts::known(visit, view.clone(), name)))?,
        bpjs: bpjs_reports::for_new_visit(visit, event, patient, view),
        satusehat: super::satusehat::job_for(visit, event).into_iter().collect(),
    })
}

/// The notification jobs of a visit event; `facts` is asked only when a message is due.
fn jobs_for_event(
    visit: &Visit,
    event: &VisitEvent,
    facts: impl FnOnce() -> AppResult<Facts>,
) -> AppResult<Vec<NewJob>> {
    let at = event.created_at;
    let message = match event.kind.as_str() {
        "booked" => Some((Kind::BookingConfirmed, format!("booking_confirmed:{}", visit.id))),
        "registered" if visit.contact_phone.is_some() => {
            Some((Kind::BookingConfirmed, format!("booking_confirmed:{}", visit.id)))
        }
        // A visit may be called again after a skip and a return: one message per call.
        "call" => Some((Kind::Called, format!("called:{}:{}", visit.id, event.id))),
        "cancel" if event.detail["reason"] == "session_cancelled" => {
            Some((Kind::SessionCancelled, format!("session_cancelled:{}", visit.id)))
        }
        // A reschedule says so in the new booking's confirmation instead.
        "cancel" if event.detail["reason"] != "rescheduled" => {
            Some((Kind::BookingCancelled, format!("booking_cancelled:{}", visit.id)))
        }
        _ => None,
    };
    let ready = medicine_ready(event);
    let message = message.or_else(|| {
        ready.as_ref().map(|s| (Kind::MedicineReady, format!("medicine_ready:{}", s.step_id)))
    });
    let mut jobs = Vec::new();
    if let Some((kind, key)) = message
        && !contacts(visit).is_empty()
    {
        let mut facts = facts()?;
        if let Some(step) = &ready {
            // The pharmacy ticket, and where to fetch the medicine.
            facts.ticket = step.ticket.clone();
            facts.room = String::from("loket farmasi");
        }
        facts.note =
            event.detail["note"].as_str().filter(|n| !n.trim().is_empty()).map(str::to_string);
        jobs.extend(for_patient(visit, kind, &key, &facts, at));
    }
    if event.kind == "call" {
        // The queue moved: a worker (which knows the thresholds) looks at who is close now.
        jobs.push(NewJob {
            kind: Kind::QueueCheck.as_str().into(),
            visit_id: None,
            channel: "internal".into(),
            recipient: format!("session:{}", visit.session_id),
            payload: json!({"session_id": visit.session_id}),
            dedupe_key: format!("queue_check:{}", event.id),
            run_at: at,
            created_at: at,
            updated_at: at,
        });
    }
    Ok(jobs)
}

/// The pharmacy step of a "ready" event: the medicine can be fetched.
fn medicine_ready(event: &VisitEvent) -> Option<StepDetail> {
    (StepAction::parse(&event.kind) == Some(StepAction::Ready))
        .then(|| StepDetail::read(&event.detail))
        .flatten()
        .filter(|s| s.station_kind.prepares_first())
}

/// "Turn approaching" for every patient of a session with at most `turn_ahead` patients
/// ahead or an estimate at most `turn_minutes` away. Once per visit (dedupe key), so a
/// position that moves back and forth does not send it again.
pub fn check_turns(
    conn: &mut PgConnection,
    (turn_ahead, turn_minutes): (i64, i64),
    tz: Tz,
    session_id: i32,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let view = sessions::get(conn, session_id)?;
    if view.session.status == SessionStatus::Cancelled {
        return Ok(0);
    }
    let candidates = notifications::reachable_in_queue(conn, session_id)?;
    if candidates.is_empty() {
        return Ok(0);
    }
    let minutes = super::queue::minutes_per_patient(conn, &view)?;
    let mut jobs = Vec::new();
    for visit in candidates {
        let position = visit_queue::position_of(conn, &visit)?;
        let at = estimate(now.with_timezone(&tz), view.starts(tz), position, minutes);
        let close = position <= turn_ahead
            || at.with_timezone(&Utc) - now <= Duration::minutes(turn_minutes);
        if !close {
            continue;
        }
        let mut facts = Facts::from_view(&visit, view.clone());
        facts.position = Some(position);
        facts.estimated_at = at.with_timezone(&Utc);
        let key = format!("turn_approaching:{}", visit.id);
        jobs.extend(for_patient(&visit, Kind::TurnApproaching, &key, &facts, now));
    }
    notifications::enqueue(conn, &jobs)
}

/// The day-before reminders: from `reminder_at` (local time) on, every booking of
/// tomorrow not checked in gets one, unless it was made after that time (its
/// confirmation is fresh). Safe to run often and from several workers (dedupe key).
pub fn enqueue_reminders(
    conn: &mut PgConnection,
    reminder_at: NaiveTime,
    tz: Tz,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let local = now.with_timezone(&tz);
    if local.time() < reminder_at {
        return Ok(0);
    }
    let today = local.date_naive();
    let cut = crate::domain::rules::local_datetime(tz, today, reminder_at).with_timezone(&Utc);
    let due = notifications::reachable_bookings(conn, today + Duration::days(1), cut)?;
    let mut jobs = Vec::new();
    for visit in due {
        let facts = Facts::of(conn, &visit)?;
        jobs.extend(for_patient(
            &visit,
            Kind::Reminder,
            &format!("reminder:{}", visit.id),
            &facts,
            now,
        ));
    }
    notifications::enqueue(conn, &jobs)
}
