//! Hall kiosks as registered devices. An admin registers a kiosk (name, the clinics it
//! offers) and gets a one-time pairing code, valid [`PAIRING_MINUTES`]; the kiosk trades the
//! code for a long-lived device token; an admin can revoke it. Codes and tokens are stored
//! hashed.
use chrono::{DateTime, Duration, Utc};
use diesel::PgConnection;
use serde::Serialize;

use super::{Access, AppState};
pub use crate::db::kiosks::KioskDevice;
use crate::db::{self, kiosks};
use crate::domain::Invalid;
use crate::domain::booking_code::BookingCode;
use crate::domain::staff::{Role, StaffIdentity};
use crate::error::{AppError, AppResult};

/// How long a pairing code works.
pub const PAIRING_MINUTES: i64 = 15;

/// A request from the kiosk routes without a live device token.
pub fn unpaired() -> AppError {
    AppError::new(
        actix_web::http::StatusCode::UNAUTHORIZED,
        "kiosk_not_paired",
        "Anjungan ini belum terdaftar. Minta petugas memasukkan kode pemasangan.",
        "This kiosk is not registered. Ask staff to enter a pairing code.",
    )
}

fn bad_pairing_code() -> AppError {
    AppError::fields(vec![(
        "pairing_code",
        Invalid::new(
            "invalid_pairing_code",
            "Kode pemasangan salah, sudah dipakai, atau kedaluwarsa.",
            "The pairing code is wrong, already used, or expired.",
        ),
    )])
}

/// A kiosk just registered: its id and its one-time pairing code.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Registered {
    pub id: i32,
    pub name: String,
    pub pairing_code: String,
    #[schema(value_type = String, format = DateTime)]
    pub pairing_expires_at: DateTime<Utc>,
}

/// A kiosk as the console lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KioskRow {
    pub id: i32,
    pub name: String,
    pub clinics: Vec<String>,
    pub paired: bool,
    pub revoked: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub pairing_expires_at: Option<DateTime<Utc>>,
    /// Its thermal printer, and what went wrong at its last print (if anything).
    pub printer: Option<String>,
    pub printer_problem: Option<crate::domain::printer::PrinterProblem>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub printer_checked_at: Option<DateTime<Utc>>,
}

impl From<KioskDevice> for KioskRow {
    fn from(d: KioskDevice) -> Self {
        KioskRow {
            id: d.id,
            paired: d.paired_at.is_some(),
            revoked: d.revoked_at.is_some(),
            name: d.name,
            clinics: d.clinics,
            pairing_expires_at: d.pairing_expires_at,
            printer_problem: d
                .printer_problem
                .as_deref()
                .and_then(crate::domain::printer::PrinterProblem::parse),
            printer: d.printer,
            printer_checked_at: d.printer_checked_at,
        }
    }
}

fn check_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(AppError::fields(vec![(
            "name",
            Invalid::new(
                "invalid_name",
                "Isi nama anjungan (1–80 karakter, tanpa karakter kendali).",
                "Give the kiosk a name (1–80 characters, no control characters).",
            ),
        )]));
    }
    Ok(name.to_string())
}

/// Register a kiosk (admins): name, the clinics it offers (codes; none: every clinic).
pub fn register(
    conn: &mut PgConnection,
    staff: &StaffIdentity,
    name: &str,
    clinics: &[String],
    printer: &str,
    now: DateTime<Utc>,
) -> AppResult<Registered> {
    staff.require(&[Role::Admin])?;
    let name = check_name(name)?;
    let printer = super::printers::parse_setting(printer)?;
    let mut codes: Vec<String> = clinics.iter().map(|c| c.trim().to_ascii_uppercase()).collect();
    codes.sort();
    codes.dedup();
    let known = db::display::clinics_named(conn, &codes)?;
    if !codes.is_empty() && known.len() != codes.len() {
        return Err(AppError::fields(vec![(
            "clinics",
            Invalid::new(
                "unknown_clinic",
                "Ada kode poli yang tidak dikenal atau tidak aktif.",
                "A clinic code is unknown or inactive.",
            ),
        )]));
    }
    let code = BookingCode::generate();
    let expires = now + Duration::minutes(PAIRING_MINUTES);
    let mut device =
        kiosks::insert(conn, &name, &codes, code.as_str(), expires, Some(staff.id), now)?;
    if let Some(addr) = printer {
        device = kiosks::set_printer(conn, device.id, Some(&addr.to_string()))?.unwrap_or(device);
    }
    Ok(Registered {
        id: device.id,
        name: device.name,
        pairing_code: code.as_str().to_string(),
        pairing_expires_at: expires,
    })
}

/// Pair a kiosk: a live pairing code (once) → the device's token.
pub async fn pair(state: &AppState, pairing_code: String) -> AppResult<(String, KioskDevice)> {
    let code = BookingCode::parse(&pairing_code).map_err(|_| bad_pairing_code())?;
    let now = state.now();
    db::run(&state.pool, move |c| {
        let token = super::staff::random_token();
        let device = kiosks::pair(c, code.as_str(), &token, now)?.ok_or_else(bad_pairing_code)?;
        Ok((token, device))
    })
    .await
}

/// The live kiosk holding this token.
pub async fn identify(state: &AppState, token: String) -> AppResult<Option<KioskDevice>> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    db::run(&state.pool, move |c| kiosks::find_by_token(c, &token)).await
}

/// Every registered kiosk (admins).
pub fn list(conn: &mut PgConnection, staff: &StaffIdentity) -> AppResult<Vec<KioskRow>> {
    staff.require(&[Role::Admin])?;
    Ok(kiosks::list(conn)?.into_iter().map(KioskRow::from).collect())
}

/// Revoke a kiosk (admins): its token stops working at once.
pub fn revoke(
    conn: &mut PgConnection,
    staff: &StaffIdentity,
    id: i32,
    now: DateTime<Utc>,
) -> AppResult<KioskRow> {
    staff.require(&[Role::Admin])?;
    kiosks::revoke(conn, id, now)?.map(KioskRow::from).ok_or_else(|| {
        AppError::not_found("not_found", "Anjungan tidak ditemukan.", "No such kiosk.")
    })
}

/// Whether this kiosk offers the clinic with this code (a kiosk without a list offers all).
pub fn offers(device: &KioskDevice, clinic_code: &str) -> bool {
    device.clinics.is_empty() || device.clinics.iter().any(|c| c == clinic_code)
}

/// A walk-in ticket taken at this kiosk: only for the clinics it offers (403 otherwise).
pub fn take_ticket(
    conn: &mut PgConnection,
    st: &AppState,
    device: &KioskDevice,
    place: &super::booking::PlaceInput,
) -> AppResult<super::booking::Placed> {
    if !device.clinics.is_empty() {
        let session = crate::db::sessions::get(conn, place.session_id)?;
        if !offers(device, &session.clinic.code) {
            return Err(AppError::forbidden());
        }
    }
    super::booking::take_place(conn, st, place, &crate::domain::staff::Actor::kiosk())
}
