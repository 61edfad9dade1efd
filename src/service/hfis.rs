//! HFIS, the doctor schedules BPJS publishes to Mobile JKN: compare them with SIPOLI's
//! weekly schedules (a dry run), apply them when an admin confirms, and queue SIPOLI's own
//! schedule changes for `POST /jadwaldokter/updatejadwaldokter` (sent by the worker in
//! `jkn::national`). What BPJS said is fetched by that adapter and handed in here.
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::{Value, json};

use super::schedules::{self as schedules_service, ExceptionBody};
use super::{Access, AppState};
use crate::db::PgConnection;
use crate::db::hfis::{self, HfisUpdate};
use crate::db::models::{Clinic, NewSchedule};
use crate::db::{schedules, sessions};
use crate::domain::kinds::{ExceptionKind, HfisStatus};
use crate::domain::staff::{Role, StaffIdentity};
use crate::error::{AppError, AppResult};

/// One doctor's day at a clinic, in HFIS's terms (either side).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DaySchedule {
    pub kodedokter: i32,
    pub namadokter: String,
    /// 1 = Monday … 7 = Sunday, 8 = national holiday.
    pub hari: i16,
    /// "08:00-12:00".
    pub jadwal: String,
    pub kapasitaspasien: i32,
    pub libur: bool,
}

/// One way the two sides differ.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Difference {
    pub kodedokter: i32,
    pub namadokter: String,
    /// `jadwal`, `kapasitaspasien`, `libur`, `only_bpjs` or `only_sipoli`.
    #[schema(value_type = String)]
    pub field: &'static str,
    pub bpjs: Value,
    pub sipoli: Value,
}

/// A clinic's day on both sides.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClinicComparison {
    pub clinic: String,
    pub kodepoli: String,
    pub namapoli: String,
    pub bpjs: Vec<DaySchedule>,
    pub sipoli: Vec<DaySchedule>,
    pub differences: Vec<Difference>,
    /// BPJS could not be asked (the comparison is then empty).
    pub error: Option<String>,
}

/// Read HFIS's answer (a list, or `{list: […]}`).
pub fn parse_bpjs(response: &Value) -> Vec<DaySchedule> {
    let list = response.get("list").unwrap_or(response);
    let num = |v: &Value| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    list.as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|r| {
                    Some(DaySchedule {
                        kodedokter: i32::try_from(num(&r["kodedokter"])?).ok()?,
                        namadokter: r["namadokter"].as_str().unwrap_or_default().to_string(),
                        hari: i16::try_from(num(&r["hari"])?).ok()?,
                        jadwal: r["jadwal"].as_str().unwrap_or_default().replace(' ', ""),
                        kapasitaspasien: num(&r["kapasitaspasien"])
                            .and_then(|n| i32::try_from(n).ok())
                            .unwrap_or(0),
                        libur: num(&r["libur"]).unwrap_or(0) != 0,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn hours(a: NaiveTime, b: NaiveTime) -> String {
    format!("{}-{}", a.format("%H:%M"), b.format("%H:%M"))
}

fn parse_hours(jadwal: &str) -> Option<(NaiveTime, NaiveTime)> {
    let (a, b) = jadwal.split_once('-')?;
    let t = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").ok();
    Some((t(a)?, t(b)?)).filter(|(a, b)| a < b)
}

/// SIPOLI's side of a clinic's day: the weekly schedules in force, a leave as `libur`.
/// The capacity HFIS knows is the JKN quota.
fn sipoli_day(
    conn: &mut PgConnection,
    clinic: &Clinic,
    date: NaiveDate,
) -> AppResult<Vec<DaySchedule>> {
    let mut out = Vec::new();
    for (s, doctor) in hfis::schedules_on(conn, clinic.id, date)? {
        let Some(kodedokter) = doctor.bpjs_code else { continue };
        out.push(DaySchedule {
            kodedokter,
            namadokter: doctor.name,
            hari: s.weekday,
            jadwal: hours(s.starts_at, s.ends_at),
            kapasitaspasien: s.quota_jkn,
            libur: hfis::off_on(conn, clinic.id, doctor.id, date)?,
        });
    }
    Ok(out)
}

/// The differences between HFIS and SIPOLI for one clinic and day (pure).
pub fn differences(bpjs: &[DaySchedule], sipoli: &[DaySchedule]) -> Vec<Difference> {
    let mut out = Vec::new();
    let diff = |d: &DaySchedule, field, b: Value, s: Value| Difference {
        kodedokter: d.kodedokter,
        namadokter: d.namadokter.clone(),
        field,
        bpjs: b,
        sipoli: s,
    };
    for b in bpjs {
        match sipoli.iter().find(|s| s.kodedokter == b.kodedokter) {
            None => out.push(diff(b, "only_bpjs", json!(b.jadwal), Value::Null)),
            Some(s) => {
                if b.jadwal != s.jadwal {
                    out.push(diff(b, "jadwal", json!(b.jadwal), json!(s.jadwal)));
                }
                if b.kapasitaspasien != s.kapasitaspasien {
                    out.push(diff(
                        b,
                        "kapasitaspasien",
                        json!(b.kapasitaspasien),
                        json!(s.kapasitaspasien),
                    ));
                }
                if b.libur != s.libur {
                    out.push(diff(b, "libur", json!(b.libur), json!(s.libur)));
                }
            }
        }
    }
    for s in sipoli.iter().filter(|s| !bpjs.iter().any(|b| b.kodedokter == s.kodedokter)) {
        out.push(diff(s, "only_sipoli", Value::Null, json!(s.jadwal)));
    }
    out
}

/// The clinics to ask HFIS about (admins).
pub async fn clinics(st: &AppState, staff: &StaffIdentity) -> AppResult<Vec<Clinic>> {
    staff.require(&[Role::Admin])?;
    super::read(st, hfis::bpjs_clinics).await
}

/// Compare what HFIS answered per clinic (`Err` = the reason it could not be asked).
pub async fn compare(
    st: &AppState,
    staff: &StaffIdentity,
    date: NaiveDate,
    answers: Vec<(Clinic, Result<Value, String>)>,
) -> AppResult<Vec<ClinicComparison>> {
    staff.require(&[Role::Admin])?;
    let (today, now) = (st.today(), st.now());
    super::in_transaction(st, move |c| {
        let mut out = Vec::new();
        for (clinic, answer) in answers {
            let sipoli = sipoli_day(c, &clinic, date)?;
            let (bpjs, error) = match answer {
                Ok(v) => (parse_bpjs(&v), None),
                Err(e) => (Vec::new(), Some(e)),
            };
            if error.is_none() {
                settle(c, &clinic, &bpjs, today, now)?;
            }
            let differences =
                if error.is_none() { differences(&bpjs, &sipoli) } else { Vec::new() };
            out.push(ClinicComparison {
                kodepoli: clinic.bpjs_code.clone().unwrap_or_default(),
                clinic: clinic.code,
                namapoli: clinic.name,
                bpjs,
                sipoli,
                differences,
                error,
            });
        }
        Ok(out)
    })
    .await
}

/// Apply HFIS's side of the differences to SIPOLI's weekly schedules (admins confirm):
/// hours and JKN capacity of existing schedules, and schedules SIPOLI lacks. A doctor HFIS
/// shows as off (`libur`) that day gets a leave at that clinic, through the same path as a
/// leave entered in the console (its sessions and booked patients are cancelled and told).
/// What only SIPOLI has is left to the push. Returns how many schedules changed.
pub async fn apply(
    st: &AppState,
    staff: &StaffIdentity,
    date: NaiveDate,
    comparisons: Vec<ClinicComparison>,
) -> AppResult<usize> {
    staff.require(&[Role::Admin])?;
    let today = st.today();
    let ahead = Duration::days(st.settings.rules.online_days_ahead);
    let (state, who) = (st.clone(), staff.clone());
    super::in_transaction(st, move |c| {
        let mut changed = 0;
        for cmp in comparisons {
            let Some(clinic) = hfis::bpjs_clinics(c)?.into_iter().find(|k| k.code == cmp.clinic)
            else {
                continue;
            };
            let ours = hfis::schedules_on(c, clinic.id, date)?;
            for b in &cmp.bpjs {
                let off_here = |d: &Difference| d.kodedokter == b.kodedokter && d.field == "libur";
                if b.libur && cmp.differences.iter().any(off_here) {
                    if let Some(doctor) = hfis::doctor_by_bpjs_code(c, b.kodedokter)? {
                        let leave = ExceptionBody {
                            kind: "leave".into(),
                            doctor: Some(doctor.code),
                            clinic: Some(clinic.code.clone()),
                            date: date.to_string(),
                            starts_at: None,
                            ends_at: None,
                            quota_jkn: None,
                            quota_non_jkn: None,
                            online_limit: None,
                            service_minutes: None,
                            reason: "Libur menurut jadwal HFIS BPJS".into(),
                            dry_run: false,
                        };
                        schedules_service::apply_exception(
                            c,
                            &state,
                            &who,
                            &leave,
                            ExceptionKind::Leave,
                            date,
                        )?;
                        changed += 1;
                    }
                    continue;
                }
                if b.libur || !cmp.differences.iter().any(|d| d.kodedokter == b.kodedokter) {
                    continue;
                }
                let Some(hours) = parse_hours(&b.jadwal) else { continue };
                match ours.iter().find(|(_, d)| d.bpjs_code == Some(b.kodedokter)) {
                    Some((s, _)) => {
                        hfis::set_hours_and_quota(c, s.id, hours, b.kapasitaspasien)?;
                        // Future sessions follow, as after a change made in SIPOLI.
                        if let Some(schedule) = schedules::find(c, s.id)? {
                            schedules::drop_untaken_sessions(c, s.id, today)?;
                            schedules::follow_quotas(c, &schedule, today)?;
                        }
                        changed += 1;
                    }
                    None => {
                        let Some(doctor) = hfis::doctor_by_bpjs_code(c, b.kodedokter)? else {
                            continue;
                        };
                        hfis::insert_schedule(
                            c,
                            &NewSchedule {
                                doctor_id: doctor.id,
                                clinic_id: clinic.id,
                                weekday: b.hari.clamp(1, 7),
                                starts_at: hours.0,
                                ends_at: hours.1,
                                quota_jkn: b.kapasitaspasien,
                                quota_non_jkn: 0,
                                online_limit: b.kapasitaspasien,
                                service_minutes: 10,
                                valid_from: date,
                                valid_until: None,
                            },
                        )?;
                        changed += 1;
                    }
                }
            }
        }
        sessions::materialize(c, today, today + ahead)?;
        Ok(changed)
    })
    .await
}

/// The body of `updatejadwaldokter` for a doctor's week at a clinic (`None` when BPJS
/// knows neither): every weekly schedule in force from `from` on (`hari` 1–7; a weekly
/// schedule that ended is simply absent: SIPOLI's recurring day off), and `hari` 8 with the
/// hours the doctor keeps on the next national holiday an admin entered (the sessions SIPOLI
/// really offers that day: the weekly ones not cancelled by a leave or closure, and extra
/// ones). No holiday entered, or no session that day: no `hari` 8 (off on holidays).
pub fn update_payload(
    conn: &mut PgConnection,
    clinic: &Clinic,
    doctor: &crate::db::models::Doctor,
    from: NaiveDate,
) -> AppResult<Option<Value>> {
    let (Some(kodepoli), Some(kodedokter)) = (clinic.bpjs_code.clone(), doctor.bpjs_code) else {
        return Ok(None);
    };
    let entry = |hari: &str, a: NaiveTime, b: NaiveTime| {
        json!({"hari": hari, "buka": a.format("%H:%M").to_string(),
               "tutup": b.format("%H:%M").to_string()})
    };
    let week = hfis::doctor_week(conn, clinic.id, doctor.id, from)?;
    let mut jadwal: Vec<Value> =
        week.iter().map(|s| entry(&s.weekday.to_string(), s.starts_at, s.ends_at)).collect();
    if let Some(day) = hfis::next_holiday(conn, from)? {
        for (a, b) in holiday_hours(conn, clinic.id, doctor.id, day)? {
            jadwal.push(entry(HOLIDAY, a, b));
        }
    }
    Ok(Some(json!({
        "kodepoli": kodepoli,
        "kodesubspesialis": kodepoli,
        "kodedokter": kodedokter,
        "jadwal": jadwal,
    })))
}

/// HFIS's `hari` for national holidays.
pub const HOLIDAY: &str = "8";

/// The sessions a doctor holds at a clinic on a holiday: weekly ones (unless on leave or
/// the clinic closed) and extra ones, by start.
fn holiday_hours(
    conn: &mut PgConnection,
    clinic_id: i32,
    doctor_id: i32,
    day: NaiveDate,
) -> AppResult<Vec<(NaiveTime, NaiveTime)>> {
    let mut out = Vec::new();
    if !hfis::off_on(conn, clinic_id, doctor_id, day)? {
        for (s, d) in hfis::schedules_on(conn, clinic_id, day)? {
            if d.id == doctor_id {
                out.push((s.starts_at, s.ends_at));
            }
        }
    }
    out.extend(hfis::extras_on(conn, clinic_id, doctor_id, day)?);
    out.sort();
    out.dedup();
    Ok(out)
}

/// Queue the doctor's week at the clinic for HFIS (called when a weekly schedule changes,
/// in its transaction). Nothing is queued when HFIS already has or gets the same week.
pub fn enqueue_update(
    conn: &mut PgConnection,
    clinic_id: i32,
    doctor_id: i32,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let clinic = hfis::clinic_by_id(conn, clinic_id)?;
    let doctor = hfis::doctor_by_id(conn, doctor_id)?;
    if let Some(payload) = update_payload(conn, &clinic, &doctor, today)? {
        hfis::enqueue_update(conn, clinic_id, doctor_id, &payload, now)?;
    }
    Ok(())
}

/// The national holidays changed (an admin entered or removed one): every doctor's week
/// whose `hari` 8 changes goes to HFIS again (in the caller's transaction).
pub fn requeue_all(conn: &mut PgConnection, today: NaiveDate, now: DateTime<Utc>) -> AppResult<()> {
    for (clinic_id, doctor_id) in hfis::bpjs_pairs(conn, today)? {
        enqueue_update(conn, clinic_id, doctor_id, today, now)?;
    }
    Ok(())
}

/// Once a day (the worker): the weeks whose `hari` 8 changed because a holiday passed go to
/// HFIS again (nothing is queued for a week HFIS already has or gets).
pub async fn refresh_weeks(st: &AppState) -> AppResult<()> {
    let (today, now) = (st.today(), st.now());
    super::in_transaction(st, move |c| requeue_all(c, today, now)).await
}

/// A leave, closure or extra session was entered or removed on `date`: when that is a
/// national holiday, the weeks it touches go to HFIS again (their `hari` 8 may change).
pub fn after_exception(
    conn: &mut PgConnection,
    doctor_id: Option<i32>,
    clinic_id: Option<i32>,
    date: NaiveDate,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if !hfis::is_holiday(conn, date)? {
        return Ok(());
    }
    for (c, d) in hfis::bpjs_pairs(conn, today)? {
        if doctor_id.is_none_or(|x| x == d) && clinic_id.is_none_or(|x| x == c) {
            enqueue_update(conn, c, d, today, now)?;
        }
    }
    Ok(())
}

/// The day BPJS decides a change sent at `sent`: changes sent 00:00–20:00 are approved
/// by the branch office 20:01–24:00 that day (or automatically at midnight); later ones
/// the next day.
pub fn decided_by(sent: DateTime<Utc>, tz: Tz) -> NaiveDate {
    let local = sent.with_timezone(&tz);
    let after_window = local.hour() > 20 || (local.hour() == 20 && local.minute() > 0);
    let day = local.date_naive();
    if after_window { day + Duration::days(1) } else { day }
}

/// Waiting changes of this clinic: approved once HFIS shows them, refused when the
/// decision day is over and HFIS still shows something else.
fn settle(
    conn: &mut PgConnection,
    clinic: &Clinic,
    bpjs: &[DaySchedule],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for update in hfis::waiting(conn)?.into_iter().filter(|u| u.clinic_id == clinic.id) {
        let kodedokter = update.payload["kodedokter"].as_i64().unwrap_or_default();
        let Some(shown) = bpjs.iter().find(|b| i64::from(b.kodedokter) == kodedokter) else {
            continue;
        };
        let sent = update.payload["jadwal"].as_array().cloned().unwrap_or_default();
        let same_day = sent.iter().find(|j| j["hari"] == json!(shown.hari.to_string()));
        let Some(day) = same_day else { continue };
        let wanted = format!(
            "{}-{}",
            day["buka"].as_str().unwrap_or_default(),
            day["tutup"].as_str().unwrap_or_default()
        );
        if wanted == shown.jadwal {
            hfis::decide(conn, update.id, HfisStatus::Approved, None, now)?;
        } else if update.decided_by.is_some_and(|d| d < today) {
            let why = format!(
                "HFIS masih menampilkan {} (dikirim {wanted}) / HFIS still shows {}",
                shown.jadwal, shown.jadwal
            );
            hfis::decide(conn, update.id, HfisStatus::Refused, Some(&why), now)?;
        }
    }
    Ok(())
}

/// The changes sent to HFIS, newest first (admins).
pub async fn updates(
    st: &AppState,
    staff: &StaffIdentity,
) -> AppResult<Vec<(HfisUpdate, String, String)>> {
    staff.require(&[Role::Admin])?;
    super::read(st, |c| hfis::recent(c, 200)).await
}

/// `?date=YYYY-MM-DD`, required.
pub fn parse_date(date: Option<&str>) -> AppResult<NaiveDate> {
    date.and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok()).ok_or_else(|| {
        AppError::bad_request(
            "invalid_date",
            "Tanggal harus berformat YYYY-MM-DD.",
            "The date must be YYYY-MM-DD.",
        )
    })
}

/// The weekday number of a date as HFIS counts it (1 = Monday).
pub fn hari(date: NaiveDate) -> u32 {
    date.weekday().number_from_monday()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(kode: i32, jadwal: &str, kapasitas: i32) -> DaySchedule {
        DaySchedule {
            kodedokter: kode,
            namadokter: format!("dr. {kode}"),
            hari: 3,
            jadwal: jadwal.into(),
            kapasitaspasien: kapasitas,
            libur: false,
        }
    }

    #[test]
    fn differences_name_the_field_and_both_values() {
        let bpjs = [day(1, "08:00-12:00", 20), day(2, "09:00-13:00", 10)];
        let sipoli = [day(1, "08:00-11:00", 25), day(3, "14:00-16:00", 5)];
        let d = differences(&bpjs, &sipoli);
        let fields: Vec<(i32, &str)> = d.iter().map(|d| (d.kodedokter, d.field)).collect();
        assert_eq!(
            fields,
            [(1, "jadwal"), (1, "kapasitaspasien"), (2, "only_bpjs"), (3, "only_sipoli")]
        );
        assert_eq!(d[0].bpjs, json!("08:00-12:00"));
        assert!(differences(&bpjs, &bpjs).is_empty());
    }

    #[test]
    fn changes_after_eight_in_the_evening_are_decided_the_next_day() {
        let tz = chrono_tz::Asia::Jayapura;
        let at = |h, m| {
            chrono::TimeZone::with_ymd_and_hms(&tz, 2026, 12, 2, h, m, 0)
                .single()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default()
        };
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default();
        assert_eq!(decided_by(at(9, 0), tz), day);
        assert_eq!(decided_by(at(20, 0), tz), day);
        assert_eq!(decided_by(at(20, 1), tz), day + Duration::days(1));
    }

    #[test]
    fn hfis_answers_are_read_with_numbers_as_text() {
        let v = json!({"list": [{"kodedokter": "310103", "namadokter": "dr. A", "hari": 3,
                                 "jadwal": "08:00 - 12:00", "kapasitaspasien": "20", "libur": 0}]});
        assert_eq!(
            parse_bpjs(&v),
            [DaySchedule { namadokter: "dr. A".into(), ..day(310103, "08:00-12:00", 20) }]
        );
    }
}
