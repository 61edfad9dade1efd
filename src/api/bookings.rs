//! Online booking: book, status by code, cancel, check-in.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use super::{idempotent, parse_json, views};
use crate::app::AppState;
use crate::db::booking::{self, Channel, PatientInput, Payer, PlaceRequest};
use crate::db::events::Actor;
use crate::db::{self, queue, sessions};
use crate::domain::Invalid;
use crate::domain::booking_code::BookingCode;
use crate::domain::identity::{BpjsNo, Email, Nik, PersonName, Phone};
use crate::domain::visit_status::Action;
use crate::error::{AppError, AppResult};

#[derive(Debug, Default, Deserialize)]
pub struct PatientBody {
    pub nik: Option<String>,
    pub name: Option<String>,
    pub birth_date: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub bpjs_no: Option<String>,
    pub medical_record_no: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct BookingBody {
    pub session_id: Option<i32>,
    pub payer: Option<String>,
    #[serde(default)]
    pub patient: PatientBody,
    pub visit_type: Option<i16>,
    pub referral_number: Option<String>,
    pub language: Option<String>,
}

/// A booking whose fields have all been checked.
#[derive(Debug, Clone)]
pub struct ValidBooking {
    pub session_id: i32,
    pub payer: Payer,
    pub patient: PatientInput,
    pub visit_type: Option<i16>,
    pub referral_number: Option<String>,
}

const fn invalid(code: &'static str, id: &'static str, en: &'static str) -> Invalid {
    Invalid { code, id, en }
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub fn parse_payer(s: Option<&str>) -> Result<Payer, Invalid> {
    match s {
        Some("jkn") => Ok(Payer::Jkn),
        Some("non_jkn") | Some("umum") => Ok(Payer::NonJkn),
        _ => Err(invalid(
            "invalid_payer",
            "Pilih jenis pembayaran: JKN (BPJS) atau umum.",
            "Choose the payer: JKN (BPJS) or non-JKN.",
        )),
    }
}

pub fn parse_language(s: Option<&str>) -> String {
    if s == Some("en") { "en".into() } else { "id".into() }
}

/// Check every field; all problems are reported together.
pub fn validate(body: &BookingBody, today: NaiveDate) -> Result<ValidBooking, AppError> {
    let mut problems: Vec<(&str, Invalid)> = Vec::new();
    let p = &body.patient;
    let session_id = body.session_id;
    if session_id.is_none() {
        problems.push((
            "session_id",
            invalid("required", "Pilih jadwal dokter.", "Choose a doctor's session."),
        ));
    }
    let payer = parse_payer(blank(&body.payer)).map_err(|e| problems.push(("payer", e))).ok();
    let nik = blank(&p.nik)
        .map(Nik::parse)
        .transpose()
        .map_err(|e| problems.push(("patient.nik", e)))
        .ok()
        .flatten();
    let bpjs_no = blank(&p.bpjs_no)
        .map(BpjsNo::parse)
        .transpose()
        .map_err(|e| problems.push(("patient.bpjs_no", e)))
        .ok()
        .flatten();
    if blank(&p.nik).is_none() && blank(&p.bpjs_no).is_none() {
        problems.push((
            "patient.nik",
            invalid(
                "identity_required",
                "Isi NIK (16 digit) atau nomor kartu BPJS (13 digit).",
                "Give the NIK (16 digits) or the BPJS card number (13 digits).",
            ),
        ));
    }
    if payer == Some(Payer::Jkn) && blank(&p.bpjs_no).is_none() {
        problems.push((
            "patient.bpjs_no",
            invalid(
                "bpjs_no_required",
                "Pasien JKN wajib mengisi nomor kartu BPJS (13 digit).",
                "JKN patients must give their BPJS card number (13 digits).",
            ),
        ));
    }
    let name = match blank(&p.name) {
        None => {
            problems.push((
                "patient.name",
                invalid("required", "Nama pasien wajib diisi.", "The patient's name is required."),
            ));
            None
        }
        Some(n) => PersonName::parse(n).map_err(|e| problems.push(("patient.name", e))).ok(),
    };
    let birth_date = match blank(&p.birth_date).map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d")) {
        None => {
            problems.push((
                "patient.birth_date",
                invalid("required", "Tanggal lahir wajib diisi.", "The birth date is required."),
            ));
            None
        }
        Some(Err(_)) => {
            problems.push((
                "patient.birth_date",
                invalid(
                    "invalid_date",
                    "Tanggal lahir harus berformat YYYY-MM-DD.",
                    "The birth date must be written YYYY-MM-DD.",
                ),
            ));
            None
        }
        Some(Ok(d)) if d > today || d < today - chrono::Duration::days(366 * 130) => {
            problems.push((
                "patient.birth_date",
                invalid(
                    "invalid_birth_date",
                    "Tanggal lahir tidak masuk akal.",
                    "The birth date is not plausible.",
                ),
            ));
            None
        }
        Some(Ok(d)) => Some(d),
    };
    let phone = match blank(&p.phone) {
        None => {
            problems.push((
                "patient.phone",
                invalid(
                    "required",
                    "Nomor HP wajib diisi (untuk pemberitahuan antrean).",
                    "A mobile number is required (for queue notices).",
                ),
            ));
            None
        }
        Some(s) => Phone::parse(s).map_err(|e| problems.push(("patient.phone", e))).ok(),
    };
    let email = blank(&p.email)
        .map(Email::parse)
        .transpose()
        .map_err(|e| problems.push(("patient.email", e)))
        .ok()
        .flatten();
    if let Some(t) = body.visit_type
        && !(1..=4).contains(&t)
    {
        problems.push((
            "visit_type",
            invalid(
                "invalid_visit_type",
                "Jenis kunjungan harus 1–4.",
                "The visit type must be 1–4.",
            ),
        ));
    }
    let referral = blank(&body.referral_number).map(str::to_string);
    if referral.as_ref().is_some_and(|r| {
        r.len() > 40 || !r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/')
    }) {
        problems.push((
            "referral_number",
            invalid(
                "invalid_referral_number",
                "Nomor rujukan tidak valid.",
                "The referral number is not valid.",
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::fields(problems));
    }
    let (Some(session_id), Some(payer), Some(name), Some(birth_date), Some(phone)) =
        (session_id, payer, name, birth_date, phone)
    else {
        return Err(AppError::internal("validation incomplete"));
    };
    Ok(ValidBooking {
        session_id,
        payer,
        patient: PatientInput {
            nik,
            bpjs_no,
            medical_record_no: blank(&p.medical_record_no).map(str::to_string),
            name: name.as_str().to_string(),
            birth_date,
            sex: None,
            phone: Some(phone.as_str().to_string()),
            email: email.map(|e| e.as_str().to_string()),
            language: parse_language(blank(&body.language)),
        },
        visit_type: body.visit_type,
        referral_number: referral,
    })
}

/// Book a visit ahead (online channel, or Mobile JKN): window, patient, place.
pub fn book(
    conn: &mut diesel::PgConnection,
    state: &AppState,
    valid: &ValidBooking,
    channel: Channel,
    actor: Actor,
) -> AppResult<booking::Placed> {
    let tz = state.tz();
    let now = state.now();
    let session = sessions::get(conn, valid.session_id)?;
    if session.session.status == "cancelled" {
        return Err(AppError::conflict(
            "session_cancelled",
            "Jadwal praktik ini dibatalkan (dokter cuti atau poli tutup).",
            "This clinic session is cancelled (doctor on leave or clinic closed).",
        ));
    }
    state.settings.rules.check_online(now.with_timezone(&tz), session.starts(tz))?;
    let patient = booking::find_or_create_patient(conn, &valid.patient, now)?;
    let minutes = queue::minutes_per_patient(conn, &session)?;
    booking::take_place(
        conn,
        tz,
        now,
        minutes,
        &PlaceRequest {
            session_id: valid.session_id,
            payer: valid.payer,
            channel,
            patient_id: Some(patient.id),
            visit_type: valid.visit_type,
            referral_number: valid.referral_number.clone(),
            contact_phone: valid.patient.phone.clone(),
            contact_email: valid.patient.email.clone(),
            language: valid.patient.language.clone(),
            actor,
        },
    )
}

/// `POST /api/v1/bookings`
pub async fn book_visit(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: BookingBody = parse_json(&body)?;
    let valid = validate(&parsed, state.today())?;
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::CREATED, move |conn| {
        let placed = book(conn, &st, &valid, Channel::Online, Actor::patient())?;
        let position = queue::position_of(conn, &placed.visit)?;
        Ok(views::placed(&placed.visit, &placed.session, position, st.tz()))
    })
    .await
}

pub fn parse_code(code: &str) -> AppResult<BookingCode> {
    BookingCode::parse(code).map_err(|_| queue::unknown_booking())
}

/// `GET /api/v1/bookings/{code}`
pub async fn booking_status(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = parse_code(&path)?;
    let (tz, now) = (state.tz(), state.now());
    let standing = db::run(&state.pool, move |c| {
        let visit = queue::find_by_code(c, code.as_str())?;
        queue::standing(c, tz, now, visit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(views::standing(&standing, tz)))
}

#[derive(Debug, Deserialize)]
pub struct CancelBody {
    pub birth_date: Option<String>,
    pub reason: Option<String>,
}

/// `POST /api/v1/bookings/{code}/cancel` — the birth date proves it is the patient.
pub async fn cancel_booking(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let code = parse_code(&path)?;
    let parsed: CancelBody = parse_json(&body)?;
    let birth_date = blank(&parsed.birth_date)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| {
            AppError::fields(vec![(
                "birth_date",
                invalid(
                    "invalid_date",
                    "Isi tanggal lahir pasien (YYYY-MM-DD).",
                    "Give the patient's birth date (YYYY-MM-DD).",
                ),
            )])
        })?;
    let reason = parsed.reason.unwrap_or_default();
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::OK, move |conn| {
        let visit = cancel_by_patient(conn, &st, &code, birth_date, &reason)?;
        Ok(json!({"booking_code": visit.booking_code, "ticket": visit.ticket, "status": visit.status}))
    })
    .await
}

/// The patient cancels their own booking; the birth date proves it is them. Used by the
/// API and the status page.
pub fn cancel_by_patient(
    conn: &mut diesel::PgConnection,
    st: &AppState,
    code: &BookingCode,
    birth_date: NaiveDate,
    reason: &str,
) -> AppResult<crate::db::models::Visit> {
    let visit = queue::find_by_code(conn, code.as_str())?;
    let patient_birth = match visit.patient_id {
        Some(id) => Some(booking_birth_date(conn, id)?),
        None => None,
    };
    if patient_birth != Some(birth_date) {
        return Err(AppError::unprocessable(
            "identity_mismatch",
            "Tanggal lahir tidak cocok dengan data booking.",
            "The birth date does not match the booking.",
        ));
    }
    if visit.service_date < st.today() {
        return Err(AppError::conflict(
            "date_in_past",
            "Booking untuk tanggal yang sudah lewat tidak dapat dibatalkan.",
            "A booking for a past date cannot be cancelled.",
        ));
    }
    queue::apply(
        conn,
        visit.id,
        Action::CancelByPatient,
        &Actor::patient(),
        st.now(),
        json!({"reason": reason}),
    )
}

fn booking_birth_date(conn: &mut diesel::PgConnection, patient_id: i64) -> AppResult<NaiveDate> {
    use crate::db::schema::patients;
    use diesel::prelude::*;
    Ok(patients::table.find(patient_id).select(patients::birth_date).first(conn)?)
}

/// `POST /api/v1/bookings/{code}/check-in` — at the kiosk or the counter, on the day.
pub async fn check_in_booking(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let code = parse_code(&path)?;
    let actor = match crate::auth::identify(&req).await? {
        Some((staff, _)) => Actor::staff(staff.id, &staff.username),
        None => Actor::kiosk(),
    };
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::OK, move |conn| {
        let (tz, now) = (st.tz(), st.now());
        let visit = queue::find_by_code(conn, code.as_str())?;
        let visit = queue::check_in(conn, tz, &st.settings.rules, &visit, &actor, now)?;
        let standing = queue::standing(conn, tz, now, visit)?;
        Ok(views::standing(&standing, tz))
    })
    .await
}
