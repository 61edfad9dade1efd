//! Weekly practice schedules and their exceptions (leave, closure, extra sessions), with
//! the role checks: admins everywhere, clinic accounts for their own clinics and doctors.
use crate::db::PgConnection;
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Access, AppState, queue};
use crate::db::models::{
    Clinic, Doctor, NewSchedule, NewScheduleException, Schedule, ScheduleException,
};
use crate::db::{self, schedules, sessions, visits};
use crate::domain::Invalid;
use crate::domain::kinds::{ExceptionKind, SessionStatus};
use crate::domain::staff::{Role, StaffIdentity};
use crate::domain::visit_status::Action;
use crate::error::{AppError, AppResult};

/// A weekly schedule as staff send it (JSON body or form).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
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

/// The checked fields of a schedule, as [`validate`] returns them.
pub type ScheduleTimes = (NaiveTime, NaiveTime, NaiveDate, Option<NaiveDate>);

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub code: String,
    pub name: String,
}

/// A schedule as staff see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScheduleOut {
    pub id: i32,
    pub clinic: Named,
    pub doctor: Named,
    pub weekday: i16,
    pub starts_at: String,
    pub ends_at: String,
    pub quota_jkn: i32,
    pub quota_non_jkn: i32,
    pub online_limit: i32,
    pub service_minutes: i32,
    #[schema(value_type = String, format = Date)]
    pub valid_from: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<NaiveDate>,
}

impl ScheduleOut {
    fn of(s: &Schedule, clinic: &Clinic, doctor: &Doctor) -> ScheduleOut {
        ScheduleOut {
            id: s.id,
            clinic: Named { code: clinic.code.clone(), name: clinic.name.clone() },
            doctor: Named { code: doctor.code.clone(), name: doctor.name.clone() },
            weekday: s.weekday,
            starts_at: s.starts_at.format("%H:%M").to_string(),
            ends_at: s.ends_at.format("%H:%M").to_string(),
            quota_jkn: s.quota_jkn,
            quota_non_jkn: s.quota_non_jkn,
            online_limit: s.online_limit,
            service_minutes: s.service_minutes,
            valid_from: s.valid_from,
            valid_until: s.valid_until,
        }
    }
}

/// A schedule ended from a date on.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EndedSchedule {
    pub id: i32,
    #[schema(value_type = String, format = Date)]
    pub valid_until: NaiveDate,
    pub removed_sessions: usize,
    pub kept_sessions: i64,
}

/// An exception as staff see it; after creation with what it cancelled.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExceptionOut {
    pub id: i32,
    pub kind: ExceptionKind,
    pub doctor_id: Option<i32>,
    pub clinic_id: Option<i32>,
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub quota_jkn: i32,
    pub quota_non_jkn: i32,
    pub online_limit: i32,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_sessions: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_visits: Option<usize>,
}

impl ExceptionOut {
    fn of(e: &ScheduleException) -> ExceptionOut {
        ExceptionOut {
            id: e.id,
            kind: e.kind,
            doctor_id: e.doctor_id,
            clinic_id: e.clinic_id,
            date: e.date,
            starts_at: e.starts_at.map(|t| t.format("%H:%M").to_string()),
            ends_at: e.ends_at.map(|t| t.format("%H:%M").to_string()),
            quota_jkn: e.quota_jkn,
            quota_non_jkn: e.quota_non_jkn,
            online_limit: e.online_limit,
            reason: e.reason.clone(),
            cancelled_sessions: None,
            cancelled_visits: None,
        }
    }
}

/// What creating an exception did, or (dry run) would do.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ExceptionOutcome {
    DryRun { dry_run: bool, sessions: usize, visits: usize },
    Created(ExceptionOut),
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Deleted {
    pub deleted: i32,
}

const fn invalid(code: &'static str, id: &'static str, en: &'static str) -> Invalid {
    Invalid { code, id, en }
}

pub fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

fn unknown_clinic() -> AppError {
    AppError::unprocessable("unknown_clinic", "Kode poli tidak dikenal.", "Unknown clinic code.")
}

fn unknown_doctor() -> AppError {
    AppError::unprocessable("unknown_doctor", "Kode dokter tidak dikenal.", "Unknown doctor code.")
}

fn lookup(c: &mut PgConnection, clinic: &str, doctor: &str) -> AppResult<(Clinic, Doctor)> {
    let clinic = schedules::clinic_by_code(c, clinic)?.ok_or_else(unknown_clinic)?;
    let doctor = schedules::doctor_by_code(c, doctor)?.ok_or_else(unknown_doctor)?;
    Ok((clinic, doctor))
}

/// Who may change schedules and exceptions at all: admins and clinic accounts (which
/// clinics is checked per command).
pub fn require_editor(staff: &StaffIdentity) -> AppResult<()> {
    staff.require(&[Role::Admin, Role::Clinic])
}

/// Schedules in force, of the clinics this account may see.
pub async fn list(
    st: &AppState,
    staff: StaffIdentity,
    clinic: Option<String>,
) -> AppResult<Vec<ScheduleOut>> {
    let today = st.today();
    db::run(&st.pool, move |c| {
        Ok(schedules::in_force(c, today, clinic.as_deref())?
            .iter()
            .filter(|(_, clinic, _)| staff.may_see_clinic(clinic.id))
            .map(|(s, clinic, doctor)| ScheduleOut::of(s, clinic, doctor))
            .collect())
    })
    .await
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
            .ok_or(())
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
            .ok_or(())
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

/// Create (`id` = None) or change a weekly schedule, with the role checks. Future sessions
/// follow: untaken ones are made anew; those with patients keep their times and take the new
/// quotas (never below what is taken).
pub fn save_schedule(
    c: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    id: Option<i32>,
    parsed: &ScheduleBody,
    valid: ScheduleTimes,
) -> AppResult<ScheduleOut> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let before = match id {
        Some(id) => {
            let old = schedules::find(c, id)?.ok_or_else(unknown_schedule)?;
            staff.require_clinic(old.clinic_id)?;
            Some((old.clinic_id, old.doctor_id))
        }
        None => None,
    };
    let (clinic, doctor) = lookup(c, &parsed.clinic, &parsed.doctor)?;
    staff.require_clinic(clinic.id)?;
    let new = new_schedule(parsed, &clinic, &doctor, valid);
    let schedule = match id {
        None => schedules::insert(c, &new)?,
        Some(id) => {
            let schedule = schedules::update(c, id, &new)?;
            let today = st.today();
            schedules::drop_untaken_sessions(c, id, today)?;
            schedules::follow_quotas(c, &schedule, today)?;
            schedule
        }
    };
    refresh_sessions(c, st)?;
    super::hfis::enqueue_update(c, clinic.id, doctor.id, st.today(), st.now())?;
    // A schedule moved to another doctor or clinic leaves the old pair's week changed too.
    if let Some((old_clinic, old_doctor)) = before.filter(|&pair| pair != (clinic.id, doctor.id)) {
        super::hfis::enqueue_update(c, old_clinic, old_doctor, st.today(), st.now())?;
    }
    Ok(ScheduleOut::of(&schedule, &clinic, &doctor))
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

fn unknown_schedule() -> AppError {
    AppError::not_found("unknown_schedule", "Jadwal tidak ditemukan.", "Schedule not found.")
}

/// End a schedule from `today`: no new sessions; untaken future sessions removed. Sessions
/// with patients stay (cancel them with a leave or closure if the doctor will not come).
pub fn end_schedule(
    c: &mut PgConnection,
    staff: &StaffIdentity,
    id: i32,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<EndedSchedule> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let old = schedules::find(c, id)?.ok_or_else(unknown_schedule)?;
    staff.require_clinic(old.clinic_id)?;
    let until = (today - chrono::Duration::days(1)).max(old.valid_from);
    schedules::set_valid_until(c, id, until)?;
    let removed = schedules::drop_untaken_sessions(c, id, today)?;
    let kept = schedules::count_sessions_from(c, id, today)?;
    // HFIS learns the doctor's week once this schedule has ended (same transaction).
    let after = until + chrono::Duration::days(1);
    super::hfis::enqueue_update(c, old.clinic_id, old.doctor_id, after, now)?;
    Ok(EndedSchedule { id, valid_until: until, removed_sessions: removed, kept_sessions: kept })
}

/// Exceptions between two dates.
pub async fn list_exceptions(
    st: &AppState,
    _staff: StaffIdentity,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<ExceptionOut>> {
    db::run(&st.pool, move |c| {
        Ok(schedules::exceptions_between(c, from, to)?.iter().map(ExceptionOut::of).collect())
    })
    .await
}

/// A leave, closure or extra session as staff send it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
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

/// The date of an exception, checked with its kind.
pub fn check_exception(
    parsed: &ExceptionBody,
    today: NaiveDate,
) -> AppResult<(ExceptionKind, NaiveDate)> {
    let date = parse_date(&parsed.date).ok_or_else(|| {
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
    let Some(kind) = ExceptionKind::parse(parsed.kind.trim()) else {
        return Err(AppError::fields(vec![(
            "kind",
            invalid(
                "invalid_kind",
                "Jenis harus leave, closure atau extra.",
                "Kind must be leave, closure or extra.",
            ),
        )]));
    };
    Ok((kind, date))
}

/// May this account create or remove an exception of `kind` for this doctor and clinic on
/// `date`? Admins always; clinic accounts only for their own clinics: every clinic where the
/// doctor practises (by schedule) or has a session that day, whether or not the session
/// exists yet.
fn require_exception_rights(
    c: &mut PgConnection,
    staff: &StaffIdentity,
    kind: ExceptionKind,
    doctor_id: Option<i32>,
    clinic_id: Option<i32>,
    date: NaiveDate,
) -> AppResult<()> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    if staff.role == Role::Admin {
        return Ok(());
    }
    let mut clinics: Vec<i32> = clinic_id.into_iter().collect();
    if kind == ExceptionKind::Leave && clinic_id.is_none() {
        let doctor = doctor_id.unwrap_or_default();
        clinics.extend(schedules::doctor_clinics(c, doctor)?);
        for cancelled in [false, true] {
            let touched = schedules::sessions_touched(c, date, kind, doctor_id, None, cancelled)?;
            clinics.extend(touched.into_iter().map(|(_, clinic)| clinic));
        }
        if clinics.is_empty() {
            return Err(AppError::forbidden());
        }
    }
    clinics.iter().try_for_each(|cl| staff.require_clinic(*cl))
}

/// Leave or closure: cancel the matching sessions of that date and the visits in them
/// (with `dry_run`: only count them). Extra: a one-off session. Role checks included.
pub fn apply_exception(
    c: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    parsed: &ExceptionBody,
    kind: ExceptionKind,
    date: NaiveDate,
) -> AppResult<ExceptionOutcome> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let code = |s: &Option<String>| {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
    };
    let doctor = match code(&parsed.doctor) {
        Some(d) => Some(schedules::doctor_by_code(c, &d)?.ok_or_else(unknown_doctor)?),
        None => None,
    };
    let clinic = match code(&parsed.clinic) {
        Some(cl) => Some(schedules::clinic_by_code(c, &cl)?.ok_or_else(unknown_clinic)?),
        None => None,
    };
    let (doctor_id, clinic_id) = (doctor.as_ref().map(|d| d.id), clinic.as_ref().map(|c| c.id));
    match (kind, doctor_id, clinic_id) {
        (ExceptionKind::Leave, Some(_), _)
        | (ExceptionKind::Closure, _, Some(_))
        | (ExceptionKind::Extra, Some(_), Some(_)) => {}
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
    require_exception_rights(c, staff, kind, doctor_id, clinic_id, date)?;
    sessions::materialize(c, date, date)?;
    let affected = schedules::sessions_touched(c, date, kind, doctor_id, clinic_id, false)?;
    for (_, clinic) in &affected {
        staff.require_clinic(*clinic)?;
    }
    let session_ids: Vec<i32> = affected.iter().map(|(id, _)| *id).collect();
    let visit_ids = visits::active_in_sessions(c, &session_ids)?;
    if parsed.dry_run {
        return Ok(ExceptionOutcome::DryRun {
            dry_run: true,
            sessions: session_ids.len(),
            visits: visit_ids.len(),
        });
    }
    let (starts, ends) = (
        parsed.starts_at.as_deref().and_then(parse_time),
        parsed.ends_at.as_deref().and_then(parse_time),
    );
    if kind == ExceptionKind::Extra && !matches!((starts, ends), (Some(s), Some(e)) if e > s) {
        return Err(AppError::fields(vec![(
            "starts_at",
            invalid(
                "invalid_time",
                "Isi jam mulai dan selesai (JJ:MM), selesai setelah mulai.",
                "Give start and end times (HH:MM), end after start.",
            ),
        )]));
    }
    let exception = schedules::insert_exception(
        c,
        &NewScheduleException {
            kind,
            doctor_id,
            clinic_id,
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
        },
    )?;
    let (now, actor) = (st.now(), staff.actor());
    for id in &visit_ids {
        let detail = json!({"reason": "session_cancelled", "note": parsed.reason});
        queue::apply(c, *id, Action::CancelByStaff, &actor, now, detail)?;
    }
    schedules::set_sessions_status(c, &session_ids, SessionStatus::Cancelled, &parsed.reason)?;
    if kind == ExceptionKind::Extra {
        sessions::materialize(c, date, date)?;
    }
    super::hfis::after_exception(c, doctor_id, clinic_id, date, st.today(), now)?;
    let mut out = ExceptionOut::of(&exception);
    out.cancelled_sessions = Some(session_ids.len());
    out.cancelled_visits = Some(visit_ids.len());
    Ok(ExceptionOutcome::Created(out))
}

/// Remove an exception, with the role checks. A removed leave or closure reopens its
/// sessions (cancelled visits stay cancelled); a removed extra session goes if nobody took a
/// place in it.
pub fn remove_exception(
    c: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    id: i32,
) -> AppResult<Deleted> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let e = schedules::find_exception(c, id)?.ok_or_else(|| {
        AppError::not_found(
            "unknown_exception",
            "Data cuti/penutupan tidak ditemukan.",
            "Exception not found.",
        )
    })?;
    require_exception_rights(c, staff, e.kind, e.doctor_id, e.clinic_id, e.date)?;
    if e.kind == ExceptionKind::Extra {
        schedules::drop_extra_sessions(c, id)?;
    } else {
        let clinic = if e.kind == ExceptionKind::Leave { None } else { e.clinic_id };
        let reopen = schedules::sessions_touched(c, e.date, e.kind, e.doctor_id, clinic, true)?;
        let ids: Vec<i32> = reopen.iter().map(|(id, _)| *id).collect();
        schedules::set_sessions_status(c, &ids, SessionStatus::Open, "")?;
    }
    schedules::delete_exception(c, id)?;
    super::hfis::after_exception(c, e.doctor_id, e.clinic_id, e.date, st.today(), st.now())?;
    Ok(Deleted { deleted: id })
}
