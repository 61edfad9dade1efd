//! Leaving a session's waitlist (issue 14): by the waitlist code and the patient's birth
//! date. A wrong birth date answers like an unknown code and counts towards the same lock
//! as the identity look-ups. An entry that held an offered place gives it back, and the
//! place goes to the next in line in the same transaction.
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::AppState;
use super::waitlist::offer_freed;
use crate::db::guesses::{self, GuessLimit};
use crate::db::waitlist::{self, Entry};
use crate::db::{self, self_service, sessions};
use crate::domain::kinds::GuessScope;
use crate::error::{AppError, AppResult};

/// A waitlist entry as its page shows it: anyone holding the code may open it, so no name.
#[derive(Debug, Clone, Serialize)]
pub struct InLineView {
    pub waitlist_code: String,
    pub status: String,
    /// Place in line (1 = next), while waiting.
    pub position: Option<i64>,
    pub clinic: String,
    pub doctor: String,
    pub date: NaiveDate,
    pub hours: String,
}

/// `200 {waitlist_code, status: "left"}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Left {
    pub waitlist_code: String,
    pub status: String,
    /// The place this entry held was offered on (to the next in line).
    pub place_passed_on: bool,
}

fn unknown_entry() -> AppError {
    AppError::not_found(
        "waitlist_not_found",
        "Kode daftar tunggu tidak ditemukan, atau tanggal lahir tidak cocok.",
        "Waitlist code not found, or the birth date does not match.",
    )
}

fn not_in_line() -> AppError {
    AppError::conflict(
        "waitlist_not_in_line",
        "Anda sudah tidak ada di daftar tunggu ini (sudah keluar, sudah dapat tempat, atau tawaran sudah lewat).",
        "You are no longer on this waitlist (left already, booked, or the offer ran out).",
    )
}

fn locked(until: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    AppError::new(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "Terlalu banyak percobaan yang salah. Coba lagi nanti atau datang ke loket.",
        "Too many wrong attempts. Try again later or come to the counter.",
    )
    .retry_after((until - now).num_seconds().max(1).unsigned_abs())
}

fn guess_key(code: &str) -> String {
    hex::encode(&Sha256::digest(format!("waitlist:{code}").as_bytes())[..16])
}

/// Normalise a typed waitlist code (same alphabet as booking codes).
pub fn parse_code(code: &str) -> AppResult<String> {
    crate::domain::booking_code::BookingCode::parse(code)
        .map(|c| c.as_str().to_string())
        .map_err(|_| unknown_entry())
}

fn view(conn: &mut db::PgConnection, entry: Entry) -> AppResult<InLineView> {
    let session = sessions::get(conn, entry.session_id)?;
    let position = match entry.status.as_str() {
        "waiting" => Some(waitlist::position(conn, &entry)?),
        _ => None,
    };
    Ok(InLineView {
        waitlist_code: entry.code,
        status: entry.status,
        position,
        clinic: session.clinic.name.clone(),
        doctor: session.doctor.name.clone(),
        date: session.session.service_date,
        hours: session.hours(),
    })
}

/// The entry behind a code (its page).
pub async fn entry(st: &AppState, code: String) -> AppResult<InLineView> {
    db::run(&st.pool, move |conn| {
        let entry = waitlist::by_code(conn, &code)?.ok_or_else(unknown_entry)?;
        view(conn, entry)
    })
    .await
}

/// `POST /api/v1/waitlist/{code}/leave {birth_date}`.
pub async fn leave(st: &AppState, code: String, birth: NaiveDate) -> AppResult<Left> {
    let now = st.now();
    let limits = &st.settings.limits;
    let limit = GuessLimit {
        failures: limits.cancel_guesses,
        window: chrono::Duration::minutes(limits.cancel_lock_minutes),
        lock: chrono::Duration::minutes(limits.cancel_lock_minutes),
    };
    let key = guess_key(&code);
    // The birth date is checked (and a wrong one counted) outside the change's transaction,
    // so that a refusal still counts.
    let (k, c) = (key.clone(), code.clone());
    db::run(&st.pool, move |conn| {
        if let Some(until) = guesses::locked_until(conn, GuessScope::LookupIdentity, &k, now)? {
            return Err(locked(until, now));
        }
        let proven = match waitlist::by_code(conn, &c)? {
            Some(e) => self_service::patient(conn, e.patient_id)?.birth_date == birth,
            None => false,
        };
        if proven {
            return Ok(());
        }
        Err(match guesses::record_failure(conn, GuessScope::LookupIdentity, &k, now, limit)? {
            Some(until) => locked(until, now),
            None => unknown_entry(),
        })
    })
    .await?;
    let st = st.clone();
    super::in_transaction(&st.clone(), move |conn| {
        let entry = waitlist::by_code_for_update(conn, &code)?.ok_or_else(unknown_entry)?;
        if !waitlist::IN_LINE.contains(&entry.status.as_str()) {
            return Err(not_in_line());
        }
        let was = entry.status.clone();
        let left = waitlist::leave(conn, entry.id, &was, now)?.ok_or_else(not_in_line)?;
        let mut passed = false;
        if was == "offered" {
            // The place held for this entry goes back, and on to the next in line.
            waitlist::release_hold(conn, left.session_id, left.payer())?;
            passed = offer_freed(conn, &st, left.session_id)? > 0;
        }
        Ok(Left { waitlist_code: left.code, status: left.status, place_passed_on: passed })
    })
    .await
}
