//! Stations (registration counter, pharmacy, cashier, lab, radiology), their ticket
//! counters and the accounts assigned to them.
use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{staff_stations, stations};
use crate::domain::journey::StationKind;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = stations)]
pub struct Station {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: StationKind,
    pub prefix: String,
    pub desks: i32,
    pub active: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = stations)]
pub struct NewStation<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub name_en: &'a str,
    pub kind: StationKind,
    pub prefix: &'a str,
    pub desks: i32,
}

pub fn unknown_station() -> AppError {
    AppError::not_found("unknown_station", "Loket/unit tidak ditemukan.", "Station not found.")
}

/// Active stations by code.
pub fn list(conn: &mut PgConnection) -> AppResult<Vec<Station>> {
    Ok(stations::table
        .filter(stations::active.eq(true))
        .order(stations::code)
        .select(Station::as_select())
        .load(conn)?)
}

pub fn find_by_code(conn: &mut PgConnection, code: &str) -> AppResult<Option<Station>> {
    Ok(stations::table
        .filter(stations::code.eq(code))
        .filter(stations::active.eq(true))
        .select(Station::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut PgConnection, id: i32) -> AppResult<Station> {
    stations::table
        .find(id)
        .select(Station::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(unknown_station)
}

/// Create a station or bring it up to date (by code).
pub fn upsert(conn: &mut PgConnection, new: &NewStation<'_>) -> AppResult<Station> {
    Ok(diesel::insert_into(stations::table)
        .values(new)
        .on_conflict(stations::code)
        .do_update()
        .set((
            stations::name.eq(new.name),
            stations::name_en.eq(new.name_en),
            stations::kind.eq(new.kind),
            stations::prefix.eq(new.prefix),
            stations::desks.eq(new.desks),
            stations::active.eq(true),
        ))
        .returning(Station::as_returning())
        .get_result(conn)?)
}

/// The next ticket number of a station on a date: one upsert, gap-free under concurrency
/// (the counter row's lock orders concurrent takers).
pub fn next_number(conn: &mut PgConnection, station_id: i32, date: NaiveDate) -> AppResult<i32> {
    super::next_in_series(conn, super::Series::Station, station_id, date)
}

/// Station ids an account is assigned to.
pub fn of_staff(conn: &mut PgConnection, staff_id: i32) -> AppResult<Vec<i32>> {
    Ok(staff_stations::table
        .filter(staff_stations::staff_id.eq(staff_id))
        .select(staff_stations::station_id)
        .load(conn)?)
}

/// Assign an account to exactly these stations (by code); 422 for an unknown code.
pub fn assign(conn: &mut PgConnection, staff_id: i32, codes: &[String]) -> AppResult<()> {
    let ids: Vec<i32> =
        stations::table.filter(stations::code.eq_any(codes)).select(stations::id).load(conn)?;
    if ids.len() != codes.len() {
        return Err(AppError::unprocessable(
            "unknown_station",
            "Kode loket/unit tidak dikenal.",
            "Unknown station code.",
        ));
    }
    diesel::delete(staff_stations::table.filter(staff_stations::staff_id.eq(staff_id)))
        .execute(conn)?;
    let rows: Vec<_> = ids
        .iter()
        .map(|s| (staff_stations::staff_id.eq(staff_id), staff_stations::station_id.eq(*s)))
        .collect();
    diesel::insert_into(staff_stations::table).values(rows).execute(conn)?;
    Ok(())
}
