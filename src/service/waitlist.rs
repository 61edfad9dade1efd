//! The waitlist of a full session (issue 14). Joining puts a patient in line; a freed
//! place (a cancellation, a reschedule away, a quota raised by staff, an offer that
//! lapsed) is *held* for the first in line by claiming it from the session's counters with
//! the same conditional UPDATE as any place, and offered by message with a link to
//! `/antrean/tawaran/{token}`. Claiming the offer gives the hold back and books through
//! [`booking::take_place`] in the same transaction (so nobody can slip in between); the
//! offer turns `booked` in one conditional UPDATE, so it is taken at most once. An offer
//! that lapses gives its hold back and the place goes to the next in line.
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::AppState;
use super::booking::{self, PlaceInput};
use super::idempotency::{self, Answer};
use super::intake::ValidBooking;
use super::outbox::{Facts, Kind};
use super::self_service::patient_input;
use crate::db::notifications::{self, NewJob};
use crate::db::sessions::{self, SessionView};
use crate::db::waitlist::{self, Entry, NewEntry};
use crate::db::{PgConnection, self_service};
use crate::domain::booking_code::BookingCode;
use crate::domain::identity::first_name_initial;
use crate::domain::kinds::{Channel, SessionStatus};
use crate::domain::staff::Actor;
use crate::error::{AppError, AppResult};

/// `201 {waitlist_code, position}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Joined {
    pub waitlist_code: String,
    pub position: i64,
    pub session_id: i32,
}

/// Join the waitlist of a full session (the patient's details checked like a booking's).
pub async fn join(
    st: &AppState,
    valid: ValidBooking,
    key: Option<crate::db::idempotency::IdemKey>,
) -> AppResult<Answer> {
    let st = st.clone();
    idempotency::run(&st.clone(), key, 201, move |conn| {
        let now = st.now();
        let session = sessions::get(conn, valid.session_id)?;
        if session.session.status != SessionStatus::Open {
            return Err(AppError::conflict(
                "session_closed",
                "Jadwal ini tidak menerima pendaftaran (ditutup atau dibatalkan).",
                "This session takes no registrations (closed or cancelled).",
            ));
        }
        let payer_left = match valid.payer {
            crate::domain::kinds::Payer::Jkn => session.remaining_jkn(),
            crate::domain::kinds::Payer::NonJkn => session.remaining_non_jkn(),
        };
        if payer_left > 0 && session.remaining_online() > 0 {
            return Err(AppError::conflict(
                "places_left",
                "Jadwal ini masih punya tempat: silakan langsung daftar.",
                "This session still has places: book directly.",
            ));
        }
        let patient = booking::find_or_create_patient(conn, &valid.patient, now)?;
        if let Some(entry) = waitlist::in_line_for(conn, session.session.id, patient.id)? {
            let position = waitlist::position(conn, &entry)?;
            return Ok(Joined {
                waitlist_code: entry.code,
                position,
                session_id: entry.session_id,
            });
        }
        let entry = loop {
            let new = NewEntry {
                code: BookingCode::generate().as_str().to_string(),
                session_id: session.session.id,
                payer: valid.payer.as_str().to_string(),
                patient_id: patient.id,
                contact_phone: Some(valid.patient.phone.clone().unwrap_or_default())
                    .filter(|p| !p.is_empty()),
                contact_email: valid.patient.email.clone().filter(|e| !e.is_empty()),
                language: valid.patient.language.clone(),
                created_at: now,
                updated_at: now,
            };
            if let Some(e) = waitlist::insert(conn, &new)? {
                break e;
            }
            // A concurrent join of the same patient, or a code clash: look again.
            if let Some(e) = waitlist::in_line_for(conn, session.session.id, patient.id)? {
                break e;
            }
        };
        let position = waitlist::position(conn, &entry)?;
        Ok(Joined { waitlist_code: entry.code, position, session_id: entry.session_id })
    })
    .await
}

/// Until when an offer made now holds its place: the configured time (shorter on the day
/// itself), never past the close of online booking.
fn offer_expiry(st: &AppState, session: &SessionView, now: DateTime<Utc>) -> DateTime<Utc> {
    let jobs = &st.settings.jobs;
    let today = session.session.service_date == now.with_timezone(&st.tz()).date_naive();
    let minutes =
        if today { jobs.waitlist_offer_minutes_today } else { jobs.waitlist_offer_minutes };
    let close = session.starts(st.tz()).with_timezone(&Utc)
        - Duration::minutes(st.settings.rules.online_close_minutes);
    (now + Duration::minutes(minutes)).min(close)
}

/// Offer every place now free in a session to the first in line (per payer), holding each
/// one. Called in the transaction that frees a place, and by the worker's sweep.
pub fn offer_freed(conn: &mut PgConnection, st: &AppState, session_id: i32) -> AppResult<usize> {
    let now = st.now();
    let session = sessions::get(conn, session_id)?;
    if session.session.status != SessionStatus::Open {
        return Ok(0);
    }
    let expires = offer_expiry(st, &session, now);
    if expires <= now {
        return Ok(0);
    }
    let mut payers = vec!["jkn", "non_jkn"];
    let mut made = 0;
    while !payers.is_empty() {
        let Some(entry) = waitlist::first_waiting(conn, session_id, &payers)? else { break };
        if sessions::claim_place(conn, session_id, entry.payer(), true)?.is_none() {
            payers.retain(|p| *p != entry.payer);
            continue;
        }
        let token = crate::config::random_key();
        let Some(offered) = waitlist::make_offer(conn, entry.id, &token, expires, now)? else {
            waitlist::release_hold(conn, session_id, entry.payer())?;
            continue;
        };
        send_offer(conn, &offered, &session, now)?;
        made += 1;
    }
    Ok(made)
}

fn send_offer(
    conn: &mut PgConnection,
    entry: &Entry,
    session: &SessionView,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let name = self_service::patient_name(conn, entry.patient_id)?;
    let clinic = &session.clinic;
    let facts = Facts {
        booking_code: entry.code.clone(),
        ticket: entry.code.clone(),
        clinic: clinic.name.clone(),
        clinic_en: if clinic.name_en.is_empty() {
            clinic.name.clone()
        } else {
            clinic.name_en.clone()
        },
        doctor: session.doctor.name.clone(),
        date: session.session.service_date,
        starts_at: session.session.starts_at,
        ends_at: session.session.ends_at,
        room: clinic.room.clone(),
        estimated_at: entry.offer_expires_at.unwrap_or(now),
        language: entry.language.clone(),
        position: None,
        note: None,
        walk_in: false,
        for_whom: Some(first_name_initial(&name)).filter(|n| !n.is_empty()),
        notice: None,
        offer_token: entry.offer_token.clone(),
    };
    let payload = serde_json::to_value(&facts).map_err(AppError::internal)?;
    let token = entry.offer_token.as_deref().unwrap_or_default();
    let contacts = [("webhook", &entry.contact_phone), ("email", &entry.contact_email)];
    let jobs: Vec<NewJob> = contacts
        .into_iter()
        .filter_map(|(channel, to)| to.as_ref().map(|to| (channel, to.clone())))
        .map(|(channel, recipient)| NewJob {
            kind: Kind::WaitlistOffer.as_str().into(),
            visit_id: None,
            channel: channel.into(),
            recipient,
            payload: payload.clone(),
            dedupe_key: format!(
                "waitlist_offer:{}:{}:{channel}",
                entry.id,
                &token[..token.len().min(12)]
            ),
            run_at: now,
            created_at: now,
            updated_at: now,
        })
        .collect();
    notifications::enqueue(conn, &jobs)?;
    Ok(())
}

/// What the offer page shows.
#[derive(Debug, Clone, Serialize)]
pub struct OfferView {
    pub status: String,
    pub clinic: String,
    pub doctor: String,
    pub date: chrono::NaiveDate,
    pub hours: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub for_whom: String,
    pub open: bool,
    pub booking_code: Option<String>,
}

fn unknown_offer() -> AppError {
    AppError::not_found("unknown_offer", "Tawaran tidak ditemukan.", "Offer not found.")
}

/// The offer behind a token (for its page).
pub async fn offer(st: &AppState, token: String) -> AppResult<OfferView> {
    let now = st.now();
    crate::db::run(&st.pool, move |conn| {
        let entry = waitlist::by_token(conn, &token)?.ok_or_else(unknown_offer)?;
        let session = sessions::get(conn, entry.session_id)?;
        let name = self_service::patient_name(conn, entry.patient_id)?;
        let booking_code = match entry.visit_id {
            Some(v) => Some(crate::db::visits::find(conn, v)?.booking_code),
            None => None,
        };
        Ok(OfferView {
            open: entry.status == "offered" && entry.offer_expires_at.is_some_and(|t| t > now),
            status: entry.status,
            clinic: session.clinic.name.clone(),
            doctor: session.doctor.name.clone(),
            date: session.session.service_date,
            hours: session.hours(),
            expires_at: entry.offer_expires_at,
            for_whom: first_name_initial(&name),
            booking_code,
        })
    })
    .await
}

/// The booking made from an offer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Claimed {
    pub booking_code: String,
    pub ticket: String,
    pub status: crate::domain::visit_status::VisitStatus,
    pub estimated_at: String,
}

/// `POST /api/v1/waitlist/offers/{token}/claim`: the offer turns `booked` (once), its hold
/// is given back and the place taken through the single place-taking path.
pub async fn claim(
    st: &AppState,
    token: String,
    key: Option<crate::db::idempotency::IdemKey>,
) -> AppResult<Answer> {
    let st = st.clone();
    idempotency::run(&st.clone(), key, 201, move |conn| {
        let now = st.now();
        let Some(entry) = waitlist::take_offer(conn, &token, now)? else {
            waitlist::by_token(conn, &token)?.ok_or_else(unknown_offer)?;
            return Err(AppError::conflict(
                "offer_gone",
                "Tawaran ini sudah diambil atau sudah lewat waktunya.",
                "This offer has been taken already or has run out.",
            ));
        };
        waitlist::release_hold(conn, entry.session_id, entry.payer())?;
        let patient = self_service::patient(conn, entry.patient_id)?;
        let place = PlaceInput {
            session_id: entry.session_id,
            payer: entry.payer(),
            channel: Channel::Online,
            patient: Some(patient_input(&patient)),
            visit_type: None,
            referral_number: None,
            contact_phone: entry.contact_phone.clone(),
            contact_email: entry.contact_email.clone(),
            language: entry.language.clone(),
            priority_category: None,
        };
        let placed = booking::take_place(conn, &st, &place, &Actor::patient())?;
        waitlist::set_visit(conn, entry.id, placed.visit.id)?;
        Ok(Claimed {
            booking_code: placed.visit.booking_code.clone(),
            ticket: placed.visit.ticket.clone(),
            status: placed.visit.status,
            estimated_at: placed.visit.estimated_at.with_timezone(&st.tz()).to_rfc3339(),
        })
    })
    .await
}

/// Lapse offers whose time ran out (their holds given back) and offer every free place
/// to whoever waits. Any number of workers may run it.
pub fn sweep(conn: &mut PgConnection, st: &AppState) -> AppResult<usize> {
    for lapsed in waitlist::lapse_expired(conn, st.now())? {
        waitlist::release_hold(conn, lapsed.session_id, lapsed.payer())?;
    }
    let mut made = 0;
    for session_id in waitlist::sessions_with_waiting(conn)? {
        made += offer_freed(conn, st, session_id)?;
    }
    Ok(made)
}

/// A session's line, for the staff queue screen.
#[derive(Debug, Clone, Serialize)]
pub struct InLine {
    pub position: usize,
    pub code: String,
    pub for_whom: String,
    pub payer: String,
    pub offered_until: Option<DateTime<Utc>>,
}

pub fn line(conn: &mut PgConnection, session_id: i32) -> AppResult<Vec<InLine>> {
    let entries = waitlist::line(conn, session_id)?;
    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in entries.into_iter().enumerate() {
        let name = self_service::patient_name(conn, e.patient_id)?;
        out.push(InLine {
            position: i + 1,
            code: e.code,
            for_whom: first_name_initial(&name),
            payer: e.payer,
            offered_until: e.offer_expires_at.filter(|_| e.status == "offered"),
        });
    }
    Ok(out)
}

/// What the staff queue screen adds for issue 14: the session's waitlist, and which of
/// its bookings the patient confirmed with "YA".
#[derive(Debug, Clone, Default)]
pub struct QueueExtras {
    pub waitlist: Vec<InLine>,
    pub confirmed: Vec<i64>,
}

/// [`QueueExtras`] of a session this account may see.
pub async fn queue_extras(
    st: &AppState,
    staff: &crate::domain::staff::StaffIdentity,
    session_id: i32,
    visit_ids: Vec<i64>,
) -> AppResult<QueueExtras> {
    use super::Access;
    let viewer = staff.clone();
    crate::db::run(&st.pool, move |conn| {
        let session = sessions::get(conn, session_id)?;
        viewer.require_sight(session.clinic.id)?;
        Ok(QueueExtras {
            waitlist: line(conn, session_id)?,
            confirmed: self_service::confirmed_among(conn, &visit_ids)?,
        })
    })
    .await
}
