//! Patients help themselves (issue 14): find their bookings by NIK or BPJS number and birth
//! date, check in at the kiosk the same way, and move a booking to another session.
//!
//! Every look-up by identity is counted in PostgreSQL: a wrong birth date answers exactly
//! like an unknown patient and counts towards the lock (five within the window lock that
//! identity for `SIPOLI_CANCEL_LOCK_MINUTES`), so nobody learns whether a NIK is known.
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::booking::{self, PatientInput, PlaceInput};
use super::idempotency::{self, Answer};
use super::queue::{self, Standing};
use super::{AppState, events};
use crate::db::guesses::{self, GuessLimit};
use crate::db::idempotency::IdemKey;
use crate::db::models::{Patient, Visit};
use crate::db::{self, PgConnection, patients, self_service, sessions, visits};
use crate::domain::Invalid;
use crate::domain::booking_code::BookingCode;
use crate::domain::identity::{BpjsNo, Nik, first_name_initial};
use crate::domain::kinds::{Channel, GuessScope, Payer};
use crate::domain::staff::Actor;
use crate::domain::visit_status::{Action, VisitStatus};
use crate::error::{AppError, AppResult};

/// Who is looking: a NIK or a BPJS card number, and the birth date that proves it.
#[derive(Debug, Clone)]
pub struct Identity {
    pub nik: Option<Nik>,
    pub bpjs_no: Option<BpjsNo>,
    pub birth_date: NaiveDate,
}

impl Identity {
    /// Check the typed (or scanned) fields: one of NIK / BPJS number, a birth date, and a
    /// NIK whose encoded birth date agrees with it.
    pub fn parse(
        nik: Option<&str>,
        bpjs_no: Option<&str>,
        birth_date: Option<&str>,
    ) -> AppResult<Identity> {
        fn blank(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        let mut problems: Vec<(&str, Invalid)> = Vec::new();
        let nik =
            blank(nik).and_then(|n| Nik::parse(n).map_err(|e| problems.push(("nik", e))).ok());
        let bpjs_no = blank(bpjs_no)
            .and_then(|b| BpjsNo::parse(b).map_err(|e| problems.push(("bpjs_no", e))).ok());
        if problems.is_empty() && nik.is_none() && bpjs_no.is_none() {
            problems.push((
                "nik",
                Invalid::new(
                    "identity_required",
                    "Isi NIK (16 digit) atau nomor kartu BPJS (13 digit).",
                    "Give the NIK (16 digits) or the BPJS card number (13 digits).",
                ),
            ));
        }
        let birth = blank(birth_date).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        if birth.is_none() {
            problems.push((
                "birth_date",
                Invalid::new(
                    "invalid_date",
                    "Isi tanggal lahir pasien (YYYY-MM-DD).",
                    "Give the patient's birth date (YYYY-MM-DD).",
                ),
            ));
        }
        if let (Some(n), Some(b)) = (&nik, birth)
            && let Err(e) = n.check_birth_date(b)
        {
            problems.push(("nik", e));
        }
        match birth {
            Some(birth_date) if problems.is_empty() => Ok(Identity { nik, bpjs_no, birth_date }),
            _ => Err(AppError::fields(problems)),
        }
    }

    /// The key its wrong guesses are counted under: a hash, so no NIK sits in the counters.
    fn guess_key(&self) -> String {
        let text = match (&self.nik, &self.bpjs_no) {
            (Some(n), _) => format!("nik:{}", n.as_str()),
            (None, Some(b)) => format!("bpjs:{}", b.as_str()),
            (None, None) => String::new(),
        };
        hex::encode(&Sha256::digest(text.as_bytes())[..16])
    }
}

/// One active booking as the look-up answers it (no NIK, no full name).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FoundBooking {
    pub booking_code: String,
    pub ticket: String,
    pub clinic: String,
    pub clinic_code: String,
    pub doctor: String,
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub hours: String,
    pub status: VisitStatus,
    /// "Maria K.": whom the booking is for.
    pub for_whom: String,
}

fn nothing_found() -> AppError {
    AppError::not_found(
        "no_booking_found",
        "Tidak ada booking aktif untuk NIK/nomor BPJS dan tanggal lahir ini. Periksa kembali isian Anda, atau tanyakan di loket pendaftaran.",
        "No active booking for this NIK/BPJS number and birth date. Check what you typed, or ask at the registration counter.",
    )
}

fn lookup_locked(until: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    let seconds = (until - now).num_seconds().max(1).unsigned_abs();
    AppError::new(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "Terlalu banyak percobaan yang salah untuk NIK/nomor BPJS ini. Pencarian dikunci sementara; coba lagi nanti atau datang ke loket.",
        "Too many wrong attempts for this NIK/BPJS number. Looking it up is locked for a while; try again later or come to the counter.",
    )
    .retry_after(seconds)
}

fn guess_limit(st: &AppState) -> GuessLimit {
    let limits = &st.settings.limits;
    GuessLimit {
        failures: limits.cancel_guesses,
        window: chrono::Duration::minutes(limits.cancel_lock_minutes),
        lock: chrono::Duration::minutes(limits.cancel_lock_minutes),
    }
}

/// The patient proven by the identity, under the guessing lock. An unknown identity and
/// a wrong birth date are the same answer, and both count.
fn proven_patient(
    conn: &mut PgConnection,
    id: &Identity,
    now: DateTime<Utc>,
    limit: GuessLimit,
) -> AppResult<Patient> {
    let key = id.guess_key();
    if let Some(until) = guesses::locked_until(conn, GuessScope::LookupIdentity, &key, now)? {
        return Err(lookup_locked(until, now));
    }
    let found = patients::find_by_identity(
        conn,
        id.nik.as_ref().map(Nik::as_str),
        id.bpjs_no.as_ref().map(BpjsNo::as_str),
    )?;
    match found.as_slice() {
        [p] if p.birth_date == id.birth_date => Ok(p.clone()),
        _ => Err(
            match guesses::record_failure(conn, GuessScope::LookupIdentity, &key, now, limit)? {
                Some(until) => lookup_locked(until, now),
                None => nothing_found(),
            },
        ),
    }
}

fn found(conn: &mut PgConnection, visit: &Visit, who: &str) -> AppResult<FoundBooking> {
    let s = sessions::get(conn, visit.session_id)?;
    Ok(FoundBooking {
        booking_code: visit.booking_code.clone(),
        ticket: visit.ticket.clone(),
        clinic: s.clinic.name.clone(),
        clinic_code: s.clinic.code.clone(),
        doctor: s.doctor.name.clone(),
        date: s.session.service_date,
        hours: s.hours(),
        status: visit.status,
        for_whom: who.to_string(),
    })
}

/// `POST /api/v1/bookings/lookup`: the patient's active bookings from today on. The
/// guess is counted outside any transaction, so a refusal still counts.
pub async fn lookup(st: &AppState, id: Identity) -> AppResult<Vec<FoundBooking>> {
    let (now, today, limit) = (st.now(), st.today(), guess_limit(st));
    db::run(&st.pool, move |conn| {
        let patient = proven_patient(conn, &id, now, limit)?;
        let who = first_name_initial(&patient.name);
        self_service::active_visits_of(conn, patient.id, today)?
            .iter()
            .map(|v| found(conn, v, &who))
            .collect()
    })
    .await
}

/// Check in at the kiosk by NIK or BPJS card number (typed or scanned) and birth date:
/// every booking of today of that patient.
pub async fn check_in_by_identity(
    st: &AppState,
    id: Identity,
    actor: Actor,
) -> AppResult<Vec<Standing>> {
    let (now, limit) = (st.now(), guess_limit(st));
    let patient = db::run(&st.pool, move |conn| proven_patient(conn, &id, now, limit)).await?;
    let st = st.clone();
    super::in_transaction(&st.clone(), move |conn| {
        let today: Vec<Visit> = self_service::active_visits_of(conn, patient.id, st.today())?
            .into_iter()
            .filter(|v| v.service_date == st.today() && v.status == VisitStatus::Booked)
            .collect();
        if today.is_empty() {
            return Err(AppError::not_found(
                "no_booking_today",
                "Tidak ada booking untuk hari ini atas data tersebut. Silakan ambil nomor antrean baru atau ke loket.",
                "No booking for today under these details. Take a new ticket or go to the counter.",
            ));
        }
        let mut out = Vec::new();
        for v in today {
            let visit = queue::check_in(conn, st.tz(), &st.settings.rules, &v, &actor, st.now())?;
            out.push(queue::standing(conn, st.tz(), st.now(), visit)?);
        }
        Ok(out)
    })
    .await
}

/// The booking moved: same code, new ticket.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Moved {
    pub booking_code: String,
    pub ticket: String,
    pub queue_number: i32,
    pub status: VisitStatus,
    pub session_id: i32,
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub hours: String,
    pub estimated_at: String,
    pub position: i64,
}

fn refuse(code: &'static str, id: &'static str, en: &'static str) -> AppError {
    AppError::conflict(code, id, en)
}

/// What a booking is re-made with: the stored patient, proven again by the place path.
pub fn patient_input(p: &Patient) -> PatientInput {
    PatientInput {
        nik: p.nik.as_deref().and_then(|n| Nik::parse(n).ok()),
        bpjs_no: p.bpjs_no.as_deref().and_then(|b| BpjsNo::parse(b).ok()),
        medical_record_no: p.medical_record_no.clone(),
        name: p.name.clone(),
        birth_date: p.birth_date,
        sex: p.sex.clone(),
        phone: p.phone.clone(),
        email: p.email.clone(),
        language: p.language.clone(),
    }
}

/// The birth date of a booking code's patient must be right, under the same lock as
/// cancelling (wrong dates on a code count there too).
async fn prove_owner(st: &AppState, code: &BookingCode, birth: NaiveDate) -> AppResult<()> {
    let (now, limit) = (st.now(), guess_limit(st));
    let code = code.as_str().to_string();
    db::run(&st.pool, move |conn| {
        let locked = |until: DateTime<Utc>| {
            AppError::new(
                actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "Terlalu banyak tanggal lahir yang salah untuk kode booking ini. Coba lagi nanti atau datang ke loket.",
                "Too many wrong birth dates for this booking code. Try again later or come to the counter.",
            )
            .retry_after((until - now).num_seconds().max(1).unsigned_abs())
        };
        if let Some(until) = guesses::locked_until(conn, GuessScope::CancelCode, &code, now)? {
            return Err(locked(until));
        }
        let visit = queue::find_by_code(conn, &code)?;
        let birth_ok = match visit.patient_id {
            Some(p) => patients::birth_date(conn, p)? == birth,
            None => false,
        };
        if birth_ok {
            return Ok(());
        }
        Err(match guesses::record_failure(conn, GuessScope::CancelCode, &code, now, limit)? {
            Some(until) => locked(until),
            None => AppError::unprocessable(
                "identity_mismatch",
                "Tanggal lahir tidak cocok dengan data booking.",
                "The birth date does not match the booking.",
            ),
        })
    })
    .await
}

/// `POST /api/v1/bookings/{code}/reschedule`: move a booked visit to another session of
/// the same clinic, in one transaction. The new place is claimed through
/// [`booking::take_place`] (window, online limit, one visit per patient per clinic per
/// date) before the old one is released; the booking code moves to the new visit, which
/// has a new ticket. Bookings BPJS knows of (Mobile JKN, or paid by JKN) are refused:
/// their `kodebooking` is BPJS's key, a cancelled one cannot be added again, and the
/// contract has no call that moves a booking — the patient cancels and books again.
pub async fn reschedule(
    st: &AppState,
    code: BookingCode,
    birth: NaiveDate,
    session_id: i32,
    key: Option<IdemKey>,
) -> AppResult<Answer> {
    prove_owner(st, &code, birth).await?;
    let st = st.clone();
    idempotency::run(&st.clone(), key, 200, move |conn| {
        let now = st.now();
        let old = queue::find_by_code(conn, code.as_str())?;
        if old.channel == Channel::Jkn || old.payer == Payer::Jkn {
            return Err(refuse(
                "reschedule_jkn",
                "Booking JKN tidak dapat dipindah jadwalnya: kode booking tercatat di BPJS. Batalkan booking ini lalu daftar lagi (di Mobile JKN atau di sini).",
                "A JKN booking cannot be moved: its code is registered with BPJS. Cancel it and book again (in Mobile JKN or here).",
            ));
        }
        if old.service_date < st.today() {
            return Err(refuse(
                "date_in_past",
                "Booking untuk tanggal yang sudah lewat tidak dapat dipindah.",
                "A booking for a past date cannot be moved.",
            ));
        }
        if old.session_id == session_id {
            return Err(refuse(
                "same_session",
                "Booking ini sudah pada jadwal tersebut. Pilih jadwal lain.",
                "The booking is already in that session. Choose another one.",
            ));
        }
        let target = sessions::get(conn, session_id)?;
        if target.clinic.id != old.clinic_id {
            return Err(AppError::unprocessable(
                "other_clinic",
                "Jadwal baru harus di poli yang sama. Untuk poli lain, batalkan lalu daftar lagi.",
                "The new session must be at the same clinic. For another clinic, cancel and book again.",
            ));
        }
        let from = visits::lock_status(conn, old.id)?;
        if from != VisitStatus::Booked {
            return Err(refuse(
                "invalid_transition",
                "Hanya booking yang belum check-in yang dapat dipindah jadwalnya.",
                "Only a booking not yet checked in can be moved.",
            ));
        }
        // Out of the active set first (so a move within the same date passes the one-visit
        // index), but its place is kept until the new one is claimed.
        let left = visits::set_status(
            conn,
            old.id,
            VisitStatus::Booked,
            VisitStatus::Cancelled,
            Action::CancelByPatient,
            now,
        )?;
        let patient = match old.patient_id {
            Some(p) => Some(patient_input(&self_service::patient(conn, p)?)),
            None => None,
        };
        let place = PlaceInput {
            session_id,
            payer: old.payer,
            channel: old.channel,
            patient,
            visit_type: old.visit_type,
            referral_number: old.referral_number.clone(),
            contact_phone: old.contact_phone.clone(),
            contact_email: old.contact_email.clone(),
            language: old.language.clone(),
            priority_category: old.priority_category,
        };
        let placed = booking::take_place(conn, &st, &place, &Actor::patient())?;
        visits::release_quota(conn, &left)?;
        let detail = json!({"reason": "rescheduled", "to_session": session_id});
        events::record(conn, &left, "cancel", Some(from), &Actor::patient(), detail, now)?;
        // The code goes with the patient to the new visit; the old one keeps a spare.
        let spare = loop {
            let c = BookingCode::generate();
            if visits::find_by_code(conn, c.as_str())?.is_none() {
                break c;
            }
        };
        self_service::set_booking_code(conn, left.id, spare.as_str())?;
        let moved = self_service::set_booking_code(conn, placed.visit.id, &old.booking_code)?;
        let notice = if moved.language == "en" {
            "Your booking has been moved to a new session, with a new ticket number."
        } else {
            "Booking Anda dipindah ke jadwal baru, dengan nomor antrean baru."
        };
        self_service::restate_pending_messages(conn, moved.id, &moved.booking_code, notice)?;
        super::waitlist::offer_freed(conn, &st, old.session_id)?;
        let tz = st.tz();
        Ok(Moved {
            booking_code: moved.booking_code.clone(),
            ticket: moved.ticket.clone(),
            queue_number: moved.queue_number,
            status: moved.status,
            session_id,
            date: placed.session.session.service_date,
            hours: placed.session.hours(),
            estimated_at: moved.estimated_at.with_timezone(&tz).to_rfc3339(),
            position: placed.position,
        })
    })
    .await
}
