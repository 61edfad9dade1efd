//! Weekly practice schedules and their exceptions (leave, closure, extra sessions).
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chrono::{NaiveDate, NaiveTime};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use super::sessions::parse_date;
use super::{idempotent, parse_json};
use crate::app::AppState;
use crate::auth::{Role, Staff};
use crate::db::models::{
    Clinic, Doctor, NewSchedule, NewScheduleException, Schedule, ScheduleException,
};
use crate::db::schema::{
    clinic_sessions, clinics, doctors, practice_schedules, schedule_exceptions, visits,
};
use crate::db::{self, queue, sessions};
use crate::domain::Invalid;
use crate::domain::visit_status::Action;
use crate::error::{AppError, AppResult};

#[derive(Debug, Deserialize)]
pub struct ScheduleQuery {
    pub clinic: Option<String>,
}

fn schedule_json(s: &Schedule, clinic: &Clinic, doctor: &Doctor) -> Value {
    json!({
        "id": s.id,
        "clinic": {"code": clinic.code, "name": clinic.name},
        "doctor": {"code": doctor.code, "name": doctor.name},
        "weekday": s.weekday,
        "starts_at": s.starts_at.format("%H:%M").to_string(),
        "ends_at": s.ends_at.format("%H:%M").to_string(),
        "quota_jkn": s.quota_jkn,
        "quota_non_jkn": s.quota_non_jkn,
        "online_limit": s.online_limit,
        "service_minutes": s.service_minutes,
        "valid_from": s.valid_from.to_string(),
        "valid_until": s.valid_until.map(|d| d.to_string()),
    })
}

pub async fn list_schedules(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ScheduleQuery>,
) -> AppResult<HttpResponse> {
    let clinic = query.clinic.clone();
    let today = state.today();
    let rows = db::run(&state.pool, move |c| {
        let mut q = practice_schedules::table
            .inner_join(clinics::table)
            .inner_join(doctors::table)
            .filter(
                practice_schedules::valid_until
                    .is_null()
                    .or(practice_schedules::valid_until.ge(today)),
            )
            .order((clinics::name, practice_schedules::weekday, practice_schedules::starts_at))
            .select((Schedule::as_select(), Clinic::as_select(), Doctor::as_select()))
            .into_boxed();
        if let Some(code) = clinic {
            q = q.filter(clinics::code.eq(code.to_ascii_uppercase()));
        }
        let rows: Vec<(Schedule, Clinic, Doctor)> = q.load(c)?;
        Ok(rows
            .iter()
            .filter(|(_, clinic, _)| staff.may_see_clinic(clinic.id))
            .map(|(s, clinic, doctor)| schedule_json(s, clinic, doctor))
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(rows))
}

#[derive(Debug, Deserialize)]
pub struct ScheduleBody {
    pub clinic: String,
    pub doctor: String,
    pub weekday: i16,
    pub starts_at: String,
    pub ends_at: String,
    pub quota_jkn: i32,
    pub quota_non_jkn: i32,
    pub online_limit: Option<i32>,
    pub service_minutes: Option<i32>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
}

const fn invalid(code: &'static str, id: &'static str, en: &'static str) -> Invalid {
    Invalid { code, id, en }
}

pub fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

fn lookup(c: &mut PgConnection, clinic: &str, doctor: &str) -> AppResult<(Clinic, Doctor)> {
    let clinic = clinics::table
        .filter(clinics::code.eq(clinic.trim().to_ascii_uppercase()))
        .select(Clinic::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| {
            AppError::unprocessable(
                "unknown_clinic",
                "Kode poli tidak dikenal.",
                "Unknown clinic code.",
            )
        })?;
    let doctor = doctors::table
        .filter(doctors::code.eq(doctor.trim()))
        .select(Doctor::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| {
            AppError::unprocessable(
                "unknown_doctor",
                "Kode dokter tidak dikenal.",
                "Unknown doctor code.",
            )
        })?;
    Ok((clinic, doctor))
}

/// Validated fields of a schedule (clinic and doctor resolved later).
pub fn validate(
    body: &ScheduleBody,
    today: NaiveDate,
) -> AppResult<(NaiveTime, NaiveTime, NaiveDate, Option<NaiveDate>)> {
    let mut problems = Vec::new();
    if !(1..=7).contains(&body.weekday) {
        problems.push((
            "weekday",
            invalid(
                "invalid_weekday",
                "Hari harus 1 (Senin) sampai 7 (Minggu).",
                "Weekday must be 1 (Monday) to 7 (Sunday).",
            ),
        ));
    }
    let starts = parse_time(&body.starts_at);
    let ends = parse_time(&body.ends_at);
    if starts.is_none() {
        problems.push((
            "starts_at",
            invalid(
                "invalid_time",
                "Jam mulai harus berformat JJ:MM.",
                "Start time must be HH:MM.",
            ),
        ));
    }
    if ends.is_none() {
        problems.push((
            "ends_at",
            invalid(
                "invalid_time",
                "Jam selesai harus berformat JJ:MM.",
                "End time must be HH:MM.",
            ),
        ));
    }
    if let (Some(s), Some(e)) = (starts, ends)
        && e <= s
    {
        problems.push((
            "ends_at",
            invalid(
                "invalid_time",
                "Jam selesai harus setelah jam mulai.",
                "The end must be after the start.",
            ),
        ));
    }
    for (field, v) in [
        ("quota_jkn", body.quota_jkn),
        ("quota_non_jkn", body.quota_non_jkn),
        ("online_limit", body.online_limit.unwrap_or(0)),
    ] {
        if !(0..=500).contains(&v) {
            problems.push((
                field,
                invalid("invalid_quota", "Kuota harus 0–500.", "Quotas must be 0–500."),
            ));
        }
    }
    if body.service_minutes.is_some_and(|m| !(1..=240).contains(&m)) {
        problems.push((
            "service_minutes",
            invalid(
                "invalid_minutes",
                "Waktu layanan harus 1–240 menit.",
                "Service time must be 1–240 minutes.",
            ),
        ));
    }
    let from = match body.valid_from.as_deref() {
        Some(d) => parse_date(d)
            .map_err(|_| {
                problems.push((
                    "valid_from",
                    invalid(
                        "invalid_date",
                        "Tanggal harus YYYY-MM-DD.",
                        "Dates must be YYYY-MM-DD.",
                    ),
                ))
            })
            .ok(),
        None => Some(today),
    };
    let until = match body.valid_until.as_deref() {
        Some(d) => parse_date(d)
            .map_err(|_| {
                problems.push((
                    "valid_until",
                    invalid(
                        "invalid_date",
                        "Tanggal harus YYYY-MM-DD.",
                        "Dates must be YYYY-MM-DD.",
                    ),
                ))
            })
            .ok(),
        None => None,
    };
    if let (Some(f), Some(u)) = (from, until)
        && u < f
    {
        problems.push((
            "valid_until",
            invalid(
                "invalid_date",
                "Tanggal akhir harus setelah tanggal mulai.",
                "The end date must follow the start date.",
            ),
        ));
    }
    match (starts, ends, from, problems.is_empty()) {
        (Some(s), Some(e), Some(f), true) => Ok((s, e, f, until)),
        _ => Err(AppError::fields(problems)),
    }
}

fn new_schedule(
    body: &ScheduleBody,
    clinic: &Clinic,
    doctor: &Doctor,
    v: (NaiveTime, NaiveTime, NaiveDate, Option<NaiveDate>),
) -> NewSchedule {
    NewSchedule {
        doctor_id: doctor.id,
        clinic_id: clinic.id,
        weekday: body.weekday,
        starts_at: v.0,
        ends_at: v.1,
        quota_jkn: body.quota_jkn,
        quota_non_jkn: body.quota_non_jkn,
        online_limit: body.online_limit.unwrap_or(body.quota_jkn + body.quota_non_jkn),
        service_minutes: body.service_minutes.unwrap_or(10),
        valid_from: v.2,
        valid_until: v.3,
    }
}

pub async fn create_schedule(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let parsed: ScheduleBody = parse_json(&body)?;
    let valid = validate(&parsed, state.today())?;
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::CREATED, move |c| {
        let (schedule, clinic, doctor) = save_schedule(c, &st, &staff, None, &parsed, valid)?;
        Ok(schedule_json(&schedule, &clinic, &doctor))
    })
    .await
}

/// The checked fields of a schedule, as [`validate`] returns them.
pub type ScheduleTimes = (NaiveTime, NaiveTime, NaiveDate, Option<NaiveDate>);

/// Create (`id` = None) or change a weekly schedule, with the role checks; future sessions
/// follow (see [`update_schedule`]).
pub fn save_schedule(
    c: &mut PgConnection,
    st: &AppState,
    staff: &Staff,
    id: Option<i32>,
    parsed: &ScheduleBody,
    valid: ScheduleTimes,
) -> AppResult<(Schedule, Clinic, Doctor)> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let Some(id) = id else {
        let (clinic, doctor) = lookup(c, &parsed.clinic, &parsed.doctor)?;
        staff.require_clinic(clinic.id)?;
        let schedule: Schedule = diesel::insert_into(practice_schedules::table)
            .values(new_schedule(parsed, &clinic, &doctor, valid))
            .returning(Schedule::as_returning())
            .get_result(c)?;
        refresh_sessions(c, st)?;
        return Ok((schedule, clinic, doctor));
    };
    let old: Schedule = practice_schedules::table
        .find(id)
        .select(Schedule::as_select())
        .first(c)
        .optional()?
        .ok_or_else(unknown_schedule)?;
    staff.require_clinic(old.clinic_id)?;
    let (clinic, doctor) = lookup(c, &parsed.clinic, &parsed.doctor)?;
    staff.require_clinic(clinic.id)?;
    let schedule: Schedule = diesel::update(practice_schedules::table.find(id))
        .set(new_schedule(parsed, &clinic, &doctor, valid))
        .returning(Schedule::as_returning())
        .get_result(c)?;
    let today = st.today();
    drop_untaken_sessions(c, id, today)?;
    diesel::sql_query(
        "UPDATE clinic_sessions SET quota_jkn = GREATEST($2, taken_jkn),
             quota_non_jkn = GREATEST($3, taken_non_jkn),
             online_limit = GREATEST(LEAST($4, $2 + $3), taken_online), service_minutes = $5
         WHERE schedule_id = $1 AND service_date >= $6",
    )
    .bind::<diesel::sql_types::Int4, _>(id)
    .bind::<diesel::sql_types::Int4, _>(schedule.quota_jkn)
    .bind::<diesel::sql_types::Int4, _>(schedule.quota_non_jkn)
    .bind::<diesel::sql_types::Int4, _>(schedule.online_limit)
    .bind::<diesel::sql_types::Int4, _>(schedule.service_minutes)
    .bind::<diesel::sql_types::Date, _>(today)
    .execute(c)?;
    refresh_sessions(c, st)?;
    Ok((schedule, clinic, doctor))
}

/// Create the sessions inside the booking window.
fn refresh_sessions(c: &mut PgConnection, st: &AppState) -> AppResult<()> {
    let today = st.today();
    sessions::materialize(
        c,
        today,
        today + chrono::Duration::days(st.settings.rules.online_days_ahead),
    )?;
    Ok(())
}

/// Future sessions of a schedule that nobody has taken a place in.
fn drop_untaken_sessions(
    c: &mut PgConnection,
    schedule_id: i32,
    from: NaiveDate,
) -> AppResult<usize> {
    let taken = visits::table.select(visits::session_id);
    Ok(diesel::delete(
        clinic_sessions::table
            .filter(clinic_sessions::schedule_id.eq(schedule_id))
            .filter(clinic_sessions::service_date.ge(from))
            .filter(clinic_sessions::id.ne_all(taken)),
    )
    .execute(c)?)
}

/// Change a schedule. Future sessions follow: untaken ones are made anew; those with
/// patients keep their times and take the new quotas (never below what is taken).
pub async fn update_schedule(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<i32>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let id = path.into_inner();
    let parsed: ScheduleBody = parse_json(&body)?;
    let valid = validate(&parsed, state.today())?;
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::OK, move |c| {
        let (schedule, clinic, doctor) = save_schedule(c, &st, &staff, Some(id), &parsed, valid)?;
        Ok(schedule_json(&schedule, &clinic, &doctor))
    })
    .await
}

fn unknown_schedule() -> AppError {
    AppError::not_found("unknown_schedule", "Jadwal tidak ditemukan.", "Schedule not found.")
}

/// End a schedule from today: no new sessions; untaken future sessions removed. Sessions
/// with patients stay (cancel them with a leave or closure if the doctor will not come).
pub async fn end_schedule(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let id = path.into_inner();
    let today = state.today();
    let body = db::transaction(&state.pool, move |c| end_schedule_as(c, &staff, id, today)).await?;
    Ok(HttpResponse::Ok().json(body))
}

/// End a schedule from `today` (see [`end_schedule`]).
pub fn end_schedule_as(
    c: &mut PgConnection,
    staff: &Staff,
    id: i32,
    today: NaiveDate,
) -> AppResult<Value> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let old: Schedule = practice_schedules::table
        .find(id)
        .select(Schedule::as_select())
        .first(c)
        .optional()?
        .ok_or_else(unknown_schedule)?;
    staff.require_clinic(old.clinic_id)?;
    let until = (today - chrono::Duration::days(1)).max(old.valid_from);
    diesel::update(practice_schedules::table.find(id))
        .set(practice_schedules::valid_until.eq(Some(until)))
        .execute(c)?;
    let removed = drop_untaken_sessions(c, id, today)?;
    let kept: i64 = clinic_sessions::table
        .filter(clinic_sessions::schedule_id.eq(id))
        .filter(clinic_sessions::service_date.ge(today))
        .count()
        .get_result(c)?;
    Ok(
        json!({"id": id, "valid_until": until.to_string(), "removed_sessions": removed, "kept_sessions": kept}),
    )
}

#[derive(Debug, Deserialize)]
pub struct ExceptionQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

fn exception_json(e: &ScheduleException) -> Value {
    json!({
        "id": e.id, "kind": e.kind, "doctor_id": e.doctor_id, "clinic_id": e.clinic_id,
        "date": e.date.to_string(),
        "starts_at": e.starts_at.map(|t| t.format("%H:%M").to_string()),
        "ends_at": e.ends_at.map(|t| t.format("%H:%M").to_string()),
        "quota_jkn": e.quota_jkn, "quota_non_jkn": e.quota_non_jkn, "online_limit": e.online_limit,
        "reason": e.reason,
    })
}

pub async fn list_exceptions(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<ExceptionQuery>,
) -> AppResult<HttpResponse> {
    let from = query.from.as_deref().map(parse_date).transpose()?.unwrap_or(state.today());
    let to = query
        .to
        .as_deref()
        .map(parse_date)
        .transpose()?
        .unwrap_or(from + chrono::Duration::days(60));
    let rows: Vec<ScheduleException> = db::run(&state.pool, move |c| {
        Ok(schedule_exceptions::table
            .filter(schedule_exceptions::date.between(from, to))
            .order((schedule_exceptions::date, schedule_exceptions::id))
            .select(ScheduleException::as_select())
            .load(c)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(rows.iter().map(exception_json).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize)]
pub struct ExceptionBody {
    pub kind: String,
    pub doctor: Option<String>,
    pub clinic: Option<String>,
    pub date: String,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub quota_jkn: Option<i32>,
    pub quota_non_jkn: Option<i32>,
    pub online_limit: Option<i32>,
    pub service_minutes: Option<i32>,
    #[serde(default)]
    pub reason: String,
    /// Only count what it would affect; change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Leave or closure: cancel the matching sessions of that date and the visits in them.
/// Extra: a one-off session. `dry_run` reports how many patients it would affect.
pub async fn create_exception(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let parsed: ExceptionBody = parse_json(&body)?;
    let date = check_exception(&parsed, state.today())?;
    let st = state.get_ref().clone();
    let status = if parsed.dry_run { StatusCode::OK } else { StatusCode::CREATED };
    idempotent(&state, &req, &body, status, move |c| apply_exception(c, &st, &staff, &parsed, date))
        .await
}

/// The date of an exception, checked with its kind.
pub fn check_exception(parsed: &ExceptionBody, today: NaiveDate) -> AppResult<NaiveDate> {
    let date = parse_date(&parsed.date).map_err(|_| {
        AppError::fields(vec![(
            "date",
            invalid("invalid_date", "Tanggal harus YYYY-MM-DD.", "Dates must be YYYY-MM-DD."),
        )])
    })?;
    if date < today {
        return Err(AppError::fields(vec![(
            "date",
            invalid("date_in_past", "Tanggal sudah lewat.", "The date is in the past."),
        )]));
    }
    if !matches!(parsed.kind.as_str(), "leave" | "closure" | "extra") {
        return Err(AppError::fields(vec![(
            "kind",
            invalid(
                "invalid_kind",
                "Jenis harus leave, closure atau extra.",
                "Kind must be leave, closure or extra.",
            ),
        )]));
    }
    Ok(date)
}

/// Leave or closure: cancel the matching sessions of that date and the visits in them
/// (with `dry_run`: only count them). Extra: a one-off session. Role checks included.
pub fn apply_exception(
    c: &mut PgConnection,
    st: &AppState,
    staff: &Staff,
    parsed: &ExceptionBody,
    date: NaiveDate,
) -> AppResult<Value> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let doctor: Option<Doctor> = match parsed.doctor.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(code) => Some(
            doctors::table
                .filter(doctors::code.eq(code.trim()))
                .select(Doctor::as_select())
                .first(c)
                .optional()?
                .ok_or_else(|| {
                    AppError::unprocessable(
                        "unknown_doctor",
                        "Kode dokter tidak dikenal.",
                        "Unknown doctor code.",
                    )
                })?,
        ),
        None => None,
    };
    let clinic: Option<Clinic> = match parsed.clinic.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(code) => Some(
            clinics::table
                .filter(clinics::code.eq(code.trim().to_ascii_uppercase()))
                .select(Clinic::as_select())
                .first(c)
                .optional()?
                .ok_or_else(|| {
                    AppError::unprocessable(
                        "unknown_clinic",
                        "Kode poli tidak dikenal.",
                        "Unknown clinic code.",
                    )
                })?,
        ),
        None => None,
    };
    match (parsed.kind.as_str(), &doctor, &clinic) {
        ("leave", Some(_), _) | ("closure", _, Some(_)) | ("extra", Some(_), Some(_)) => {}
        _ => {
            return Err(AppError::fields(vec![(
                "doctor",
                invalid(
                    "target_required",
                    "Cuti perlu dokter; penutupan perlu poli; sesi tambahan perlu dokter dan poli.",
                    "Leave needs a doctor; closure a clinic; an extra session both.",
                ),
            )]));
        }
    }
    // Who may: admins; clinic staff for their own clinic (for a leave: every session it touches).
    sessions::materialize(c, date, date)?;
    let mut affected = clinic_sessions::table
        .filter(clinic_sessions::service_date.eq(date))
        .filter(clinic_sessions::status.ne("cancelled"))
        .into_boxed();
    match parsed.kind.as_str() {
        "leave" => {
            affected = affected.filter(
                clinic_sessions::doctor_id.eq(doctor.as_ref().map(|d| d.id).unwrap_or_default()),
            );
            if let Some(cl) = &clinic {
                affected = affected.filter(clinic_sessions::clinic_id.eq(cl.id));
            }
        }
        "closure" => {
            affected = affected.filter(
                clinic_sessions::clinic_id.eq(clinic.as_ref().map(|c| c.id).unwrap_or_default()),
            )
        }
        _ => affected = affected.filter(clinic_sessions::id.eq(-1)),
    }
    let affected: Vec<(i32, i32)> =
        affected.select((clinic_sessions::id, clinic_sessions::clinic_id)).load(c)?;
    for (_, clinic_id) in &affected {
        staff.require_clinic(*clinic_id)?;
    }
    if let Some(cl) = &clinic {
        staff.require_clinic(cl.id)?;
    }
    let session_ids: Vec<i32> = affected.iter().map(|(id, _)| *id).collect();
    let visit_ids: Vec<i64> = visits::table
        .filter(visits::session_id.eq_any(&session_ids))
        .filter(visits::status.eq_any(["booked", "waiting", "skipped"]))
        .select(visits::id)
        .load(c)?;
    if parsed.dry_run {
        return Ok(
            json!({"dry_run": true, "sessions": session_ids.len(), "visits": visit_ids.len()}),
        );
    }
    let (starts, ends) = (
        parsed.starts_at.as_deref().and_then(parse_time),
        parsed.ends_at.as_deref().and_then(parse_time),
    );
    if parsed.kind == "extra" && !matches!((starts, ends), (Some(s), Some(e)) if e > s) {
        return Err(AppError::fields(vec![(
            "starts_at",
            invalid(
                "invalid_time",
                "Isi jam mulai dan selesai (JJ:MM), selesai setelah mulai.",
                "Give start and end times (HH:MM), end after start.",
            ),
        )]));
    }
    let exception: ScheduleException = diesel::insert_into(schedule_exceptions::table)
        .values(NewScheduleException {
            kind: parsed.kind.clone(),
            doctor_id: doctor.as_ref().map(|d| d.id),
            clinic_id: clinic.as_ref().map(|c| c.id),
            date,
            starts_at: starts,
            ends_at: ends,
            quota_jkn: parsed.quota_jkn.unwrap_or(0).clamp(0, 500),
            quota_non_jkn: parsed.quota_non_jkn.unwrap_or(0).clamp(0, 500),
            online_limit: parsed
                .online_limit
                .unwrap_or(parsed.quota_jkn.unwrap_or(0) + parsed.quota_non_jkn.unwrap_or(0))
                .clamp(0, 1000),
            service_minutes: parsed.service_minutes.unwrap_or(10).clamp(1, 240),
            reason: parsed.reason.clone(),
            created_by: Some(staff.id),
        })
        .returning(ScheduleException::as_returning())
        .get_result(c)?;
    let now = st.now();
    let actor = staff.actor();
    for id in &visit_ids {
        queue::apply(
            c,
            *id,
            Action::CancelByStaff,
            &actor,
            now,
            json!({"reason": "session_cancelled", "note": parsed.reason}),
        )?;
    }
    diesel::update(clinic_sessions::table.filter(clinic_sessions::id.eq_any(&session_ids)))
        .set((
            clinic_sessions::status.eq("cancelled"),
            clinic_sessions::cancel_reason.eq(&parsed.reason),
        ))
        .execute(c)?;
    if parsed.kind == "extra" {
        sessions::materialize(c, date, date)?;
    }
    let mut out = exception_json(&exception);
    out["cancelled_sessions"] = json!(session_ids.len());
    out["cancelled_visits"] = json!(visit_ids.len());
    Ok(out)
}

/// Remove an exception. A removed leave or closure reopens its sessions (cancelled visits
/// stay cancelled); a removed extra session goes if nobody took a place in it.
pub async fn delete_exception(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let id = path.into_inner();
    let body = db::transaction(&state.pool, move |c| remove_exception(c, &staff, id)).await?;
    Ok(HttpResponse::Ok().json(body))
}

/// Remove an exception (see [`delete_exception`]), with the role checks.
pub fn remove_exception(c: &mut PgConnection, staff: &Staff, id: i32) -> AppResult<Value> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let e: ScheduleException = schedule_exceptions::table
        .find(id)
        .select(ScheduleException::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| {
            AppError::not_found(
                "unknown_exception",
                "Data cuti/penutupan tidak ditemukan.",
                "Exception not found.",
            )
        })?;
    if let Some(cl) = e.clinic_id {
        staff.require_clinic(cl)?;
    } else if staff.role != Role::Admin {
        let touched: Vec<i32> = clinic_sessions::table
            .filter(clinic_sessions::service_date.eq(e.date))
            .filter(clinic_sessions::doctor_id.eq(e.doctor_id.unwrap_or_default()))
            .select(clinic_sessions::clinic_id)
            .load(c)?;
        for cl in touched {
            staff.require_clinic(cl)?;
        }
    }
    let taken = visits::table.select(visits::session_id);
    if e.kind == "extra" {
        diesel::delete(
            clinic_sessions::table
                .filter(clinic_sessions::exception_id.eq(id))
                .filter(clinic_sessions::id.ne_all(taken)),
        )
        .execute(c)?;
        diesel::update(clinic_sessions::table.filter(clinic_sessions::exception_id.eq(id)))
            .set((
                clinic_sessions::status.eq("cancelled"),
                clinic_sessions::exception_id.eq(None::<i32>),
            ))
            .execute(c)?;
    } else {
        let mut reopen = clinic_sessions::table
            .filter(clinic_sessions::service_date.eq(e.date))
            .filter(clinic_sessions::status.eq("cancelled"))
            .select(clinic_sessions::id)
            .into_boxed();
        if e.kind == "leave" {
            reopen = reopen.filter(clinic_sessions::doctor_id.eq(e.doctor_id.unwrap_or_default()));
        } else {
            reopen = reopen.filter(clinic_sessions::clinic_id.eq(e.clinic_id.unwrap_or_default()));
        }
        let ids: Vec<i32> = reopen.load(c)?;
        diesel::update(clinic_sessions::table.filter(clinic_sessions::id.eq_any(&ids)))
            .set((clinic_sessions::status.eq("open"), clinic_sessions::cancel_reason.eq("")))
            .execute(c)?;
    }
    diesel::delete(schedule_exceptions::table.find(id)).execute(c)?;
    Ok(json!({"deleted": id}))
}
