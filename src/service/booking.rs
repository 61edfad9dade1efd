//! Taking a place in a session. Online booking, Mobile JKN, the kiosk and the counter all
//! come through [`take_place`]: the claim reads the session once, the channel's window and rules
//! are chosen in one `match`, then one transaction of single-statement claims.
use crate::db::PgConnection;
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use serde_json::json;

use super::idempotency::{self, Answer};
use super::{Access, AppState, outbox, queue};
use crate::db;
use crate::db::guesses::{self, GuessLimit};
use crate::db::idempotency::IdemKey;
use crate::db::models::{NewPatient, NewVisit, NewVisitEvent, Patient, Visit, VisitEvent};
use crate::db::sessions::{self, SessionView};
use crate::db::visits::Clash;
use crate::db::{patients, placing};
use crate::domain::booking_code::BookingCode;
use crate::domain::identity::{BpjsNo, Nik};
use crate::domain::kinds::{Channel, GuessScope, Payer, PriorityCategory, SessionStatus};
use crate::domain::queue::median_service_minutes;
use crate::domain::staff::{Actor, Role, StaffIdentity};
use crate::domain::ticket::format_ticket;
use crate::domain::visit_status::{Action, VisitStatus};
use crate::error::{AppError, AppResult};

/// Identity given with a booking or a counter registration.
#[derive(Debug, Clone)]
pub struct PatientInput {
    pub nik: Option<Nik>,
    pub bpjs_no: Option<BpjsNo>,
    pub medical_record_no: Option<String>,
    pub name: String,
    pub birth_date: NaiveDate,
    pub sex: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: String,
}

/// Everything a place is taken with, whatever the channel.
#[derive(Debug, Clone)]
pub struct PlaceInput {
    pub session_id: i32,
    pub payer: Payer,
    pub channel: Channel,
    /// Required online and through Mobile JKN; optional at the counter; none at the kiosk.
    pub patient: Option<PatientInput>,
    pub visit_type: Option<i16>,
    pub referral_number: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub language: String,
    /// Elderly, disabled, pregnant, with a small child: priority at every step.
    pub priority_category: Option<PriorityCategory>,
}

/// The visit just created, with its session (counters after the claim).
#[derive(Debug, Clone)]
pub struct Placed {
    pub visit: Visit,
    pub session: SessionView,
    /// Patients ahead of it now.
    pub position: i64,
}

fn session_cancelled() -> AppError {
    AppError::conflict(
        "session_cancelled",
        "Jadwal praktik ini dibatalkan (dokter cuti atau poli tutup).",
        "This clinic session is cancelled (doctor on leave or clinic closed).",
    )
}

/// Check the channel's window and rules against the session.
fn check_channel(st: &AppState, session: &SessionView, channel: Channel) -> AppResult<()> {
    let tz = st.tz();
    let now = st.now().with_timezone(&tz);
    match channel {
        Channel::Online | Channel::Jkn => {
            if session.session.status == SessionStatus::Cancelled {
                return Err(session_cancelled());
            }
            st.settings.rules.check_online(now, session.starts(tz))?;
        }
        Channel::Kiosk => {
            st.settings.rules.check_kiosk(now, session.starts(tz), session.ends(tz))?
        }
        Channel::Counter => {
            if session.session.service_date != now.date_naive() {
                return Err(AppError::conflict(
                    "not_today",
                    "Pendaftaran di loket hanya untuk jadwal hari ini.",
                    "Counter registration is for today's sessions only.",
                ));
            }
        }
    }
    Ok(())
}

/// Take a place: channel rules, patient, quota, number, visit with a fresh booking code,
/// event and outboxes, all in the caller's transaction.
///
/// Three statements ([`placing`]): the claim (place, number, session, the doctor's recent
/// services, the patient found or created), the count of who is ahead, then the visit with
/// its event and outbox rows. Every rule stays a single statement's condition or a
/// constraint; a refusal found after the claim rolls the claim back with the transaction.
/// A claim that took nothing is explained by reading the session afterwards, with the
/// refusals in the order a reader expects: channel window, patient, then the quota.
pub fn take_place(
    conn: &mut PgConnection,
    st: &AppState,
    input: &PlaceInput,
    actor: &Actor,
) -> AppResult<Placed> {
    // Microseconds, as PostgreSQL keeps them: a patient created now and its visit carry
    // equal times (BPJS's "pasienbaru").
    let (tz, now) = (st.tz(), st.now().trunc_subsecs(6));
    let ahead = input.channel.is_ahead();
    let in_claim = input.patient.as_ref().and_then(|p| claimable_patient(p, now));
    let Some(claimed) =
        placing::claim(conn, input.session_id, input.payer, ahead, in_claim.as_ref())?
    else {
        return Err(refusal(conn, st, input, now));
    };
    let session = claimed.session;
    check_channel(st, &session, input.channel)?;
    let patient = match &input.patient {
        Some(p) if in_claim.is_some() => Some(accept_claimed(conn, p, claimed.patients, now)?),
        Some(p) => Some(find_or_create_patient(conn, p, now)?),
        None => None,
    };
    let minutes = median_service_minutes(&claimed.service_seconds, session.session.service_minutes);
    let number = claimed.number;
    let status = if ahead { VisitStatus::Booked } else { VisitStatus::Waiting };
    let priority = input.priority_category.is_some();
    let queue = placing::queue_ahead(conn, session.session.id, priority, f64::from(number))?;
    let estimated = crate::domain::queue::estimate(
        now.with_timezone(&tz),
        session.starts(tz),
        queue.to_be_seen,
        minutes,
    );
    let mut new = NewVisit {
        session_id: session.session.id,
        clinic_id: session.clinic.id,
        service_date: session.session.service_date,
        patient_id: patient.as_ref().map(|p| p.id),
        payer: input.payer,
        channel: input.channel,
        booking_code: String::new(),
        queue_number: number,
        ticket: format_ticket(&session.clinic.prefix, number),
        status,
        sort_key: f64::from(number),
        visit_type: input.visit_type,
        referral_number: input.referral_number.clone(),
        contact_phone: input.contact_phone.clone(),
        contact_email: input.contact_email.clone(),
        language: input.language.clone(),
        room: session.clinic.room.clone(),
        estimated_at: estimated.with_timezone(&Utc),
        checked_in_at: (status == VisitStatus::Waiting).then_some(now),
        created_at: now,
        updated_at: now,
        priority,
        priority_reason: input
            .priority_category
            .map(|c| c.label_id().to_string())
            .unwrap_or_default(),
        priority_category: input.priority_category,
    };
    let kind = if status == VisitStatus::Booked { "booked" } else { "registered" };
    let event = NewVisitEvent {
        visit_id: queue.visit_id,
        session_id: new.session_id,
        kind: kind.to_string(),
        from_status: None,
        to_status: status.as_str().to_string(),
        actor: actor.label.clone(),
        staff_id: actor.staff_id,
        detail: json!({"channel": input.channel, "payer": input.payer}),
        created_at: now,
    };
    let visit = loop {
        new.booking_code = BookingCode::generate().as_str().to_string();
        let (visit, recorded) = (as_inserted(queue.visit_id, &new), as_recorded(&event));
        let rows = outbox::for_new_visit(&visit, &recorded, &session, patient.as_ref())?;
        match placing::insert(conn, queue.visit_id, &new, &event, &rows)? {
            Ok((visit, _event)) => break visit,
            // A rare collision of random codes: draw again.
            Err(Clash::BookingCode) => continue,
            Err(Clash::ActivePerPatient) => {
                return Err(AppError::conflict(
                    "duplicate_booking",
                    "Pasien ini sudah memiliki antrean aktif di poli yang sama pada tanggal tersebut.",
                    "This patient already has an active visit at this clinic on that date.",
                ));
            }
            Err(Clash::ReferralInUse) => {
                return Err(AppError::conflict(
                    "referral_in_use",
                    "Nomor rujukan ini sudah dipakai untuk antrean lain yang masih aktif.",
                    "This referral number is already used by another active visit.",
                ));
            }
        }
    };
    // A new booking comes after every booking and waiting patient (its number is the
    // day's highest); a walk-in's place depends on priorities.
    let position = match status {
        VisitStatus::Booked => queue.to_be_seen,
        _ => queue.waiting_ahead,
    };
    Ok(Placed { visit, session, position })
}

/// The patient to find or create inside the claim's statement: one with a NIK or BPJS
/// number (and a NIK that agrees with the birth date). Others go the longer way, which
/// also gives their refusals.
fn claimable_patient(input: &PatientInput, now: DateTime<Utc>) -> Option<NewPatient> {
    if input.nik.is_none() && input.bpjs_no.is_none() {
        return None;
    }
    if let Some(nik) = &input.nik
        && nik.check_birth_date(input.birth_date).is_err()
    {
        return None;
    }
    Some(new_patient(input, now))
}

fn new_patient(input: &PatientInput, now: DateTime<Utc>) -> NewPatient {
    NewPatient {
        nik: input.nik.as_ref().map(|n| n.as_str().to_string()),
        bpjs_no: input.bpjs_no.as_ref().map(|b| b.as_str().to_string()),
        medical_record_no: input.medical_record_no.clone(),
        name: input.name.clone(),
        birth_date: input.birth_date,
        sex: input.sex.clone(),
        phone: input.phone.clone(),
        email: input.email.clone(),
        language: input.language.clone(),
        created_at: now,
    }
}

/// The patient the claim found or created, checked as [`find_or_create_patient`] checks
/// it. None found means another request created it a moment ago: look again.
fn accept_claimed(
    conn: &mut PgConnection,
    input: &PatientInput,
    found: Vec<Patient>,
    now: DateTime<Utc>,
) -> AppResult<Patient> {
    match found.as_slice() {
        [p] => accept_known(conn, p, input),
        [] => find_or_create_patient(conn, input, now),
        _ => Err(identity_mismatch()),
    }
}

/// The visit as the insert will return it (for the outbox rows, decided before it).
fn as_inserted(id: i64, new: &NewVisit) -> Visit {
    Visit {
        id,
        session_id: new.session_id,
        clinic_id: new.clinic_id,
        service_date: new.service_date,
        patient_id: new.patient_id,
        payer: new.payer,
        channel: new.channel,
        booking_code: new.booking_code.clone(),
        queue_number: new.queue_number,
        ticket: new.ticket.clone(),
        status: new.status,
        priority: new.priority,
        priority_reason: new.priority_reason.clone(),
        sort_key: new.sort_key,
        call_count: 0,
        visit_type: new.visit_type,
        referral_number: new.referral_number.clone(),
        contact_phone: new.contact_phone.clone(),
        contact_email: new.contact_email.clone(),
        language: new.language.clone(),
        room: new.room.clone(),
        estimated_at: new.estimated_at,
        checked_in_at: new.checked_in_at,
        called_at: None,
        started_at: None,
        finished_at: None,
        cancelled_at: None,
        created_at: new.created_at,
        updated_at: new.updated_at,
        priority_category: new.priority_category,
        priority_confirmed_at: None,
    }
}

/// The event as it will be recorded (its own id is not needed by the rows of a new visit).
fn as_recorded(new: &NewVisitEvent) -> VisitEvent {
    VisitEvent {
        id: 0,
        visit_id: new.visit_id,
        session_id: new.session_id,
        kind: new.kind.clone(),
        from_status: new.from_status.clone(),
        to_status: new.to_status.clone(),
        actor: new.actor.clone(),
        staff_id: new.staff_id,
        detail: new.detail.clone(),
        created_at: new.created_at,
    }
}

/// Why a claim took nothing, in the order of the rules: the session (unknown, the
/// channel's window), the patient, then the quota. Read after the fact; the caller's
/// transaction rolls back whatever the claim's statement wrote.
fn refusal(
    conn: &mut PgConnection,
    st: &AppState,
    input: &PlaceInput,
    now: DateTime<Utc>,
) -> AppError {
    let explained = (|| {
        let session = sessions::get(conn, input.session_id)?;
        check_channel(st, &session, input.channel)?;
        if let Some(p) = &input.patient {
            find_or_create_patient(conn, p, now)?;
        }
        Ok::<_, AppError>(())
    })();
    match explained {
        Err(e) => e,
        Ok(()) => explain_refusal(conn, input.session_id, input.payer, input.channel.is_ahead()),
    }
}

/// Why a claim found no place: read after the fact, only to explain the refusal.
fn explain_refusal(
    conn: &mut PgConnection,
    session_id: i32,
    payer: Payer,
    ahead: bool,
) -> AppError {
    let session = match sessions::get(conn, session_id) {
        Ok(s) => s,
        Err(e) => return e,
    };
    match session.session.status {
        SessionStatus::Cancelled => session_cancelled(),
        SessionStatus::Closed => AppError::conflict(
            "session_closed",
            "Pendaftaran untuk jadwal praktik ini sudah ditutup.",
            "Registration for this clinic session is closed.",
        ),
        SessionStatus::Open => {
            let payer_full = match payer {
                Payer::Jkn => session.remaining_jkn() <= 0,
                Payer::NonJkn => session.remaining_non_jkn() <= 0,
            };
            if ahead && !payer_full {
                AppError::conflict(
                    "quota_full",
                    "Kuota pendaftaran online untuk jadwal ini sudah habis. Sisa kuota disediakan untuk pasien yang datang langsung.",
                    "The online quota of this session is used up; the rest is kept for patients who come in person.",
                )
            } else if payer == Payer::Jkn {
                AppError::conflict(
                    "quota_full",
                    "Kuota JKN untuk jadwal ini sudah penuh.",
                    "The JKN quota of this session is full.",
                )
            } else {
                AppError::conflict(
                    "quota_full",
                    "Kuota non-JKN (umum) untuk jadwal ini sudah penuh.",
                    "The non-JKN quota of this session is full.",
                )
            }
        }
    }
}

/// Patients with this NIK or BPJS number (Mobile JKN asks before it books).
pub fn known_patients(
    conn: &mut PgConnection,
    nik: Option<&str>,
    bpjs_no: Option<&str>,
) -> AppResult<Vec<Patient>> {
    patients::find_by_identity(conn, nik, bpjs_no)
}

fn identity_mismatch() -> AppError {
    AppError::unprocessable(
        "identity_mismatch",
        "Data identitas tidak cocok dengan data pasien yang terdaftar (periksa NIK/nomor BPJS dan tanggal lahir).",
        "The identity does not match the registered patient (check the NIK/BPJS number and birth date).",
    )
}

/// The patient with this NIK or BPJS number, created when new. An existing record must
/// agree on the birth date: nobody books in another person's name by guessing a NIK.
pub fn find_or_create_patient(
    conn: &mut PgConnection,
    input: &PatientInput,
    now: DateTime<Utc>,
) -> AppResult<Patient> {
    if let Some(nik) = &input.nik {
        nik.check_birth_date(input.birth_date)
            .map_err(|e| AppError::fields(vec![("patient.nik", e)]))?;
    }
    let nik = input.nik.as_ref().map(|n| n.as_str());
    let bpjs = input.bpjs_no.as_ref().map(|b| b.as_str());
    if nik.is_none() && bpjs.is_none() {
        return counter_patient_without_identity(conn, input, now);
    }
    for _ in 0..2 {
        match patients::find_by_identity(conn, nik, bpjs)?.as_slice() {
            [p] => return accept_known(conn, p, input),
            [] => {
                // None: created by a concurrent request a moment ago; look again.
                if let Some(p) = patients::insert(conn, &new_patient(input, now))? {
                    return Ok(p);
                }
            }
            _ => return Err(identity_mismatch()),
        }
    }
    Err(identity_mismatch())
}

/// A patient found by the NIK or BPJS number given: it must agree on the birth date and
/// on the other number; a first BPJS number given for a known NIK is remembered.
fn accept_known(conn: &mut PgConnection, p: &Patient, input: &PatientInput) -> AppResult<Patient> {
    let nik = input.nik.as_ref().map(|n| n.as_str());
    let bpjs = input.bpjs_no.as_ref().map(|b| b.as_str());
    if p.birth_date != input.birth_date {
        return Err(identity_mismatch());
    }
    // A known NIK with a different BPJS number (or the reverse) is someone else.
    let nik_clash = matches!((&p.nik, nik), (Some(a), Some(b)) if a != b);
    let bpjs_clash = matches!((&p.bpjs_no, bpjs), (Some(a), Some(b)) if a != b);
    if nik_clash || bpjs_clash {
        return Err(identity_mismatch());
    }
    match (&p.bpjs_no, bpjs) {
        (None, Some(b)) => patients::set_bpjs_no(conn, p.id, b)?.ok_or_else(identity_mismatch),
        _ => Ok(p.clone()),
    }
}

/// A patient registered at the counter without NIK or BPJS number: the record with that
/// record number (the birth date must agree), else a new record with the name and birth date.
fn counter_patient_without_identity(
    conn: &mut PgConnection,
    input: &PatientInput,
    now: DateTime<Utc>,
) -> AppResult<Patient> {
    if let Some(rm) = &input.medical_record_no {
        let found = patients::search(conn, &patients::PatientLookup::RecordNo(rm.clone()), 1)?;
        if let Some(p) = found.into_iter().next() {
            return if p.birth_date == input.birth_date { Ok(p) } else { Err(identity_mismatch()) };
        }
    }
    let new = NewPatient {
        nik: None,
        bpjs_no: None,
        medical_record_no: input.medical_record_no.clone(),
        name: input.name.clone(),
        birth_date: input.birth_date,
        sex: input.sex.clone(),
        phone: input.phone.clone(),
        email: input.email.clone(),
        language: input.language.clone(),
        created_at: now,
    };
    patients::insert(conn, &new)?.ok_or_else(identity_mismatch)
}

/// A booking cancelled by its patient.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Cancelled {
    pub booking_code: String,
    pub ticket: String,
    pub status: VisitStatus,
}

fn cancel_locked(until: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    let seconds = (until - now).num_seconds().max(1).unsigned_abs();
    AppError::new(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "Terlalu banyak tanggal lahir yang salah untuk kode booking ini. Pembatalan dikunci sementara; coba lagi nanti atau datang ke loket.",
        "Too many wrong birth dates for this booking code. Cancelling is locked for a while; try again later or come to the counter.",
    )
    .retry_after(seconds)
}

/// The patient cancels their own booking; the birth date proves it is them. A booking code
/// that has had too many wrong birth dates is locked (every node sees it: the count is in
/// PostgreSQL). A wrong date is counted by one upsert that stays written although the
/// request is refused; the cancel itself then runs in one transaction under `key`.
pub async fn cancel_by_patient(
    st: &AppState,
    code: BookingCode,
    birth_date: NaiveDate,
    reason: String,
    key: Option<IdemKey>,
) -> AppResult<Answer> {
    let (now, limits) = (st.now(), &st.settings.limits);
    let limit = GuessLimit {
        failures: limits.cancel_guesses,
        window: chrono::Duration::minutes(limits.cancel_lock_minutes),
        lock: chrono::Duration::minutes(limits.cancel_lock_minutes),
    };
    let checked = code.clone();
    db::run(&st.pool, move |conn| {
        if let Some(until) =
            guesses::locked_until(conn, GuessScope::CancelCode, checked.as_str(), now)?
        {
            return Err(cancel_locked(until, now));
        }
        let visit = queue::find_by_code(conn, checked.as_str())?;
        if patient_birth_date(conn, &visit)? == Some(birth_date) {
            return Ok(());
        }
        let locked =
            guesses::record_failure(conn, GuessScope::CancelCode, checked.as_str(), now, limit)?;
        Err(match locked {
            Some(until) => cancel_locked(until, now),
            None => birth_date_mismatch(),
        })
    })
    .await?;
    let st = st.clone();
    idempotency::run(&st.clone(), key, 200, move |conn| {
        let visit = queue::find_by_code(conn, code.as_str())?;
        if patient_birth_date(conn, &visit)? != Some(birth_date) {
            return Err(birth_date_mismatch());
        }
        if visit.service_date < st.today() {
            return Err(AppError::conflict(
                "date_in_past",
                "Booking untuk tanggal yang sudah lewat tidak dapat dibatalkan.",
                "A booking for a past date cannot be cancelled.",
            ));
        }
        let visit = queue::apply(
            conn,
            visit.id,
            Action::CancelByPatient,
            &Actor::patient(),
            st.now(),
            json!({"reason": reason}),
        )?;
        super::waitlist::offer_freed(conn, &st, visit.session_id)?;
        Ok(Cancelled {
            booking_code: visit.booking_code,
            ticket: visit.ticket,
            status: visit.status,
        })
    })
    .await
}

fn patient_birth_date(conn: &mut PgConnection, visit: &Visit) -> AppResult<Option<NaiveDate>> {
    match visit.patient_id {
        Some(id) => Ok(Some(patients::birth_date(conn, id)?)),
        None => Ok(None),
    }
}

fn birth_date_mismatch() -> AppError {
    AppError::unprocessable(
        "identity_mismatch",
        "Tanggal lahir tidak cocok dengan data booking.",
        "The birth date does not match the booking.",
    )
}

/// Who may register walk-ins at the counter: admins and registration.
pub fn require_registrar(staff: &StaffIdentity) -> AppResult<()> {
    staff.require(&[Role::Admin, Role::Registration])
}

/// A walk-in registered at the counter (admin, registration): today's sessions only,
/// created waiting.
pub fn register_at_counter(
    conn: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    input: &PlaceInput,
) -> AppResult<Placed> {
    require_registrar(staff)?;
    // A session that has ended takes nobody any more.
    let session = crate::db::sessions::get(conn, input.session_id)?;
    if st.now() >= session.ends(st.tz()) {
        return Err(AppError::conflict(
            "session_ended",
            "Jadwal dokter ini sudah selesai; pilih jadwal lain.",
            "This doctor's session has already ended; choose another one.",
        ));
    }
    take_place(conn, st, &PlaceInput { channel: Channel::Counter, ..input.clone() }, &staff.actor())
}
