//! Registered hall kiosks: pairing codes and device tokens, both stored hashed.
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::kiosk_devices;
use super::staff::token_hash;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kiosk_devices)]
pub struct KioskDevice {
    pub id: i32,
    pub name: String,
    pub clinics: Vec<String>,
    pub pairing_expires_at: Option<DateTime<Utc>>,
    pub paired_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Its ESC/POS printer (`tcp://host:port`), if SIPOLI prints its tickets itself.
    pub printer: Option<String>,
    /// What went wrong at its last print, if anything, and when that print was.
    pub printer_problem: Option<String>,
    pub printer_checked_at: Option<DateTime<Utc>>,
}

/// A new device with its pairing code (hashed here).
pub fn insert(
    conn: &mut PgConnection,
    name: &str,
    clinics: &[String],
    pairing_code: &str,
    expires_at: DateTime<Utc>,
    created_by: Option<i32>,
    now: DateTime<Utc>,
) -> AppResult<KioskDevice> {
    Ok(diesel::insert_into(kiosk_devices::table)
        .values((
            kiosk_devices::name.eq(name),
            kiosk_devices::clinics.eq(clinics),
            kiosk_devices::pairing_code_hash.eq(token_hash(pairing_code)),
            kiosk_devices::pairing_expires_at.eq(expires_at),
            kiosk_devices::created_by.eq(created_by),
            kiosk_devices::created_at.eq(now),
        ))
        .returning(KioskDevice::as_returning())
        .get_result(conn)?)
}

/// Trade a live pairing code for a device token, in one statement: the code works once.
pub fn pair(
    conn: &mut PgConnection,
    pairing_code: &str,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<KioskDevice>> {
    Ok(diesel::update(
        kiosk_devices::table
            .filter(kiosk_devices::pairing_code_hash.eq(token_hash(pairing_code)))
            .filter(kiosk_devices::pairing_expires_at.gt(now))
            .filter(kiosk_devices::revoked_at.is_null()),
    )
    .set((
        kiosk_devices::token_hash.eq(token_hash(token)),
        kiosk_devices::pairing_code_hash.eq(None::<String>),
        kiosk_devices::pairing_expires_at.eq(None::<DateTime<Utc>>),
        kiosk_devices::paired_at.eq(now),
    ))
    .returning(KioskDevice::as_returning())
    .get_result(conn)
    .optional()?)
}

/// The live (paired, not revoked) device holding this token.
pub fn find_by_token(conn: &mut PgConnection, token: &str) -> AppResult<Option<KioskDevice>> {
    Ok(kiosk_devices::table
        .filter(kiosk_devices::token_hash.eq(token_hash(token)))
        .filter(kiosk_devices::revoked_at.is_null())
        .select(KioskDevice::as_select())
        .first(conn)
        .optional()?)
}

/// Every device, newest first.
pub fn list(conn: &mut PgConnection) -> AppResult<Vec<KioskDevice>> {
    Ok(kiosk_devices::table
        .order(kiosk_devices::id.desc())
        .select(KioskDevice::as_select())
        .load(conn)?)
}

/// Revoke a device: its token and any pairing code stop working. `None`: no such device.
pub fn revoke(
    conn: &mut PgConnection,
    id: i32,
    now: DateTime<Utc>,
) -> AppResult<Option<KioskDevice>> {
    Ok(diesel::update(kiosk_devices::table.find(id))
        .set((
            kiosk_devices::revoked_at.eq(now),
            kiosk_devices::token_hash.eq(None::<String>),
            kiosk_devices::pairing_code_hash.eq(None::<String>),
        ))
        .returning(KioskDevice::as_returning())
        .get_result(conn)
        .optional()?)
}

/// Set (or clear) a device's thermal printer; its last problem is forgotten. `None`: no such
/// device.
pub fn set_printer(
    conn: &mut PgConnection,
    id: i32,
    printer: Option<&str>,
) -> AppResult<Option<KioskDevice>> {
    Ok(diesel::update(kiosk_devices::table.find(id))
        .set((
            kiosk_devices::printer.eq(printer),
            kiosk_devices::printer_problem.eq(None::<String>),
            kiosk_devices::printer_checked_at.eq(None::<DateTime<Utc>>),
        ))
        .returning(KioskDevice::as_returning())
        .get_result(conn)
        .optional()?)
}

/// How a device's last print went (`None`: printed).
pub fn record_printing(
    conn: &mut PgConnection,
    id: i32,
    problem: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    diesel::update(kiosk_devices::table.find(id))
        .set((
            kiosk_devices::printer_problem.eq(problem),
            kiosk_devices::printer_checked_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
