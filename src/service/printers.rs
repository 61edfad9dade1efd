//! Thermal printers of the hall kiosks and the counter desks: their addresses, validated
//! (`tcp://host:port`) and stored with the kiosk's registration or the staff account, and
//! how a kiosk's last print went (shown on the console's kiosk page).
use chrono::{DateTime, Utc};
use diesel::PgConnection;

use super::{Access, AppState};
use crate::db::{self, kiosks};
use crate::domain::printer::{PrinterAddr, PrinterProblem};
use crate::domain::staff::{Role, StaffIdentity};
use crate::error::{AppError, AppResult};

/// A printer setting as typed: empty clears it, anything else must be an address.
pub fn parse_setting(text: &str) -> AppResult<Option<PrinterAddr>> {
    PrinterAddr::setting(text).map_err(|invalid| AppError::fields(vec![("printer", invalid)]))
}

/// The desk printer of this account.
pub fn desk_printer(
    conn: &mut PgConnection,
    staff: &StaffIdentity,
) -> AppResult<Option<PrinterAddr>> {
    Ok(db::staff::printer_of(conn, staff.id)?.as_deref().and_then(PrinterAddr::parse))
}

/// Set (or clear, with an empty text) this account's desk printer; 422 for a bad address.
pub fn set_desk_printer(
    conn: &mut PgConnection,
    staff: &StaffIdentity,
    text: &str,
) -> AppResult<Option<PrinterAddr>> {
    let addr = parse_setting(text)?;
    db::staff::set_printer(conn, staff.id, addr.as_ref().map(ToString::to_string).as_deref())?;
    Ok(addr)
}

/// Set (or clear) a kiosk's thermal printer (admins); 422 for a bad address.
pub fn set_kiosk_printer(
    conn: &mut PgConnection,
    staff: &StaffIdentity,
    id: i32,
    text: &str,
) -> AppResult<Option<PrinterAddr>> {
    staff.require(&[Role::Admin])?;
    let addr = parse_setting(text)?;
    kiosks::set_printer(conn, id, addr.as_ref().map(ToString::to_string).as_deref())?.ok_or_else(
        || AppError::not_found("not_found", "Anjungan tidak ditemukan.", "No such kiosk."),
    )?;
    Ok(addr)
}

/// Remember how a kiosk's print went, for the console.
pub async fn record_kiosk_printing(
    st: &AppState,
    kiosk_id: i32,
    problem: Option<PrinterProblem>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    db::run(&st.pool, move |c| {
        kiosks::record_printing(c, kiosk_id, problem.map(PrinterProblem::as_str), now)
    })
    .await
}
