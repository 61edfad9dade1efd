//! `/staff/nasional` (admins): the national platforms at a glance — what went to
//! SATUSEHAT, what is stuck and why (with the mappings to fix it), the schedule changes
//! sent to HFIS and BPJS's decision, and the last reconciliation of a day with BPJS
//! (mismatches, waiting times beside SIPOLI's, the in-order share) with the action that
//! re-queues the missing reports; asking BPJS anew (HFIS dry run → "Terapkan", "Rekonsiliasi
//! sekarang") goes through `service::bpjs_link`, as the JSON API does.
use actix_web::{http::StatusCode, web};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::extract::{StaffForm, StaffPage, csrf_field};
use super::{Ctx, OrPage, PageResult, render, see_other};
use crate::app::AppState;
use crate::domain::kinds::HfisStatus;
use crate::http::views;
use crate::service::{bpjs_link, hfis, reconcile, satusehat};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/nasional", web::get().to(national))
        .route("/staff/nasional/dokter", web::post().to(save_doctor_nik))
        .route("/staff/nasional/poli", web::post().to(save_location))
        .route("/staff/nasional/ulang", web::post().to(retry))
        .route("/staff/nasional/kirim-ulang", web::post().to(requeue))
        .route("/staff/nasional/hfis", web::post().to(hfis_apply))
        .route("/staff/nasional/cocokkan", web::post().to(reconcile_now));
}

/// One SATUSEHAT row on the page.
pub struct JobLine {
    pub ticket: String,
    pub clinic: String,
    pub status: String,
    pub at: String,
    pub state: String,
    pub why: String,
}

/// One HFIS change on the page.
pub struct UpdateLine {
    pub clinic: String,
    pub doctor: String,
    pub days: String,
    pub status: String,
    /// The state in words (waiting for BPJS, approved, refused, …).
    pub label: String,
    pub decided_by: String,
    pub error: String,
    pub attempts: i32,
}

/// An HFIS change's state in words.
fn hfis_label(status: HfisStatus, en: bool) -> &'static str {
    let (id, e) = match status {
        HfisStatus::Pending => ("antre dikirim", "queued"),
        HfisStatus::Waiting => ("menunggu persetujuan BPJS", "waiting for BPJS"),
        HfisStatus::Approved => ("disetujui BPJS", "approved by BPJS"),
        HfisStatus::Refused => ("ditolak BPJS", "refused by BPJS"),
        HfisStatus::Failed => ("gagal terkirim", "could not be sent"),
        HfisStatus::Superseded => ("diganti yang lebih baru", "replaced by a newer one"),
    };
    if en { e } else { id }
}

/// One mismatch on the page.
pub struct MismatchLine {
    pub kind: String,
    pub code: String,
    pub task: String,
    pub ours: String,
    pub bpjs: String,
}

#[derive(Template)]
#[template(path = "staff/national.html")]
struct NationalPage {
    c: Ctx,
    configured: bool,
    counts: Vec<(String, i64)>,
    stuck: Vec<JobLine>,
    sent: Vec<JobLine>,
    doctors: Vec<(String, String, String, String)>,
    clinics: Vec<(String, String, String)>,
    updates: Vec<UpdateLine>,
    date: String,
    checked: bool,
    mismatches: Vec<MismatchLine>,
    in_order: String,
    /// (poli, task, BPJS's average, SIPOLI's average) in minutes.
    waits: Vec<(String, String, String, String)>,
    /// BPJS can be asked (HFIS dry run, reconcile now).
    bpjs: bool,
    /// The HFIS dry run's day, when one was asked for.
    hfis_date: String,
    hfis_checked: bool,
    /// (clinic, doctor, field, BPJS, SIPOLI) — or the clinic's error in `field`.
    hfis_rows: Vec<(String, String, String, String, String)>,
    /// The clock in the hospital's zone ("14:05 WIT") and the day BPJS decides a change
    /// saved now (the approval window).
    now_local: String,
    decided_if_now: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DateQuery {
    pub tanggal: Option<String>,
    /// Day of an HFIS dry run (nothing changes).
    pub hfis: Option<String>,
}

fn plain(v: &Value) -> String {
    match v {
        Value::Null => "–".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The dry run's rows: every difference, and a clinic BPJS could not be asked about.
fn hfis_rows(
    clinics: Vec<hfis::ClinicComparison>,
) -> Vec<(String, String, String, String, String)> {
    let mut out = Vec::new();
    for cl in clinics {
        let name = format!("{} ({})", cl.clinic, cl.kodepoli);
        if let Some(e) = cl.error {
            out.push((name.clone(), "–".into(), "error".into(), e, "–".into()));
        }
        for d in cl.differences {
            let doctor = format!("{} ({})", d.namadokter, d.kodedokter);
            out.push((name.clone(), doctor, d.field.into(), plain(&d.bpjs), plain(&d.sipoli)));
        }
    }
    out
}

fn minutes(v: &Value) -> String {
    v.as_f64().map_or("–".into(), |s| format!("{:.1}", s / 60.0))
}

fn ms_time(v: &Value, tz: chrono_tz::Tz) -> String {
    v.as_i64()
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .map_or("–".into(), |t| t.with_timezone(&tz).format("%H:%M:%S").to_string())
}

/// The waiting-time rows of a stored reconciliation: per poli and task, both sides.
fn wait_rows(result: &Value) -> Vec<(String, String, String, String)> {
    let mut rows = Vec::new();
    let bpjs = result["waiting_times"]["bpjs"].as_array().cloned().unwrap_or_default();
    let ours = result["waiting_times"]["sipoli"].as_object().cloned().unwrap_or_default();
    let mut polis: Vec<String> = ours.keys().cloned().collect();
    for b in &bpjs {
        if let Some(p) = b["kodepoli"].as_str().filter(|p| !polis.iter().any(|q| q == p)) {
            polis.push(p.to_string());
        }
    }
    for poli in polis {
        let theirs = bpjs.iter().find(|b| b["kodepoli"] == poli.as_str());
        for task in 1..=6 {
            let key = format!("avg_waktu_task{task}");
            let b = theirs.map(|t| &t[&key]).filter(|v| !v.is_null());
            let o = ours.get(&poli).map(|t| &t[&key]).filter(|v| !v.is_null());
            if b.is_none() && o.is_none() {
                continue;
            }
            rows.push((
                poli.clone(),
                format!("{task} → {}", task + 1),
                b.map_or("–".into(), minutes),
                o.map_or("–".into(), minutes),
            ));
        }
    }
    rows
}

/// `GET /staff/nasional?tanggal=` — default: yesterday's reconciliation.
async fn national(
    state: web::Data<AppState>,
    q: web::Query<DateQuery>,
    StaffPage { staff, c }: StaffPage,
) -> PageResult {
    let tz = state.tz();
    let date = q
        .tanggal
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .unwrap_or_else(|| state.today() - chrono::Duration::days(1));
    let o = satusehat::overview(&state, &staff, None, 30).await.or_page(c.lang)?;
    let updates = hfis::updates(&state, &staff).await.or_page(c.lang)?;
    let stored = reconcile::stored(&state, &staff, date).await.or_page(c.lang)?;
    let hfis_date = q.hfis.as_deref().filter(|d| !d.trim().is_empty());
    let (hfis_date, hfis_checked, hfis_rows) = match hfis_date {
        Some(d) => {
            let day = hfis::parse_date(Some(d)).or_page(c.lang)?;
            let clinics = bpjs_link::compare(&state, &staff, day).await.or_page(c.lang)?;
            (day.to_string(), true, hfis_rows(clinics))
        }
        None => (state.today().to_string(), false, Vec::new()),
    };
    let en = c.lang.is_en();
    let line = |r: satusehat::JobRow| {
        let reason = r.job.reason.clone().unwrap_or_default();
        let (id, e) = satusehat::reason_text(&reason);
        JobLine {
            ticket: r.ticket,
            clinic: r.clinic,
            status: r.job.encounter_status,
            at: views::time(r.job.at, tz),
            state: r.job.status.as_str().to_string(),
            why: if reason.is_empty() {
                r.job.last_error.unwrap_or_default()
            } else if en {
                e.to_string()
            } else {
                id.to_string()
            },
        }
    };
    let (result, checked) = match stored {
        Some((v, _)) => (v, true),
        None => (Value::Null, false),
    };
    let mismatches = result["mismatches"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|m| MismatchLine {
            kind: m["kind"].as_str().unwrap_or_default().to_string(),
            code: m["kodebooking"].as_str().unwrap_or_default().to_string(),
            task: m["taskid"].as_i64().map_or("–".into(), |t| t.to_string()),
            ours: ms_time(&m["ours"], tz),
            bpjs: ms_time(&m["bpjs"], tz),
        })
        .collect();
    let share = &result["in_order"];
    let in_order = match share["share"].as_f64() {
        Some(s) => format!("{:.0} % ({}/{})", s * 100.0, share["complete"], share["visits"]),
        None => "–".into(),
    };
    let page = NationalPage {
        configured: state.settings.satusehat.is_some(),
        counts: o.counts.into_iter().map(|(s, n)| (s.as_str().to_string(), n)).collect(),
        stuck: o.stuck.into_iter().map(line).collect(),
        sent: o.jobs.into_iter().filter(|r| r.job.status.as_str() == "sent").map(line).collect(),
        doctors: o
            .doctors
            .into_iter()
            .map(|(code, name, nik, ihs)| {
                (code, name, nik.unwrap_or_default(), ihs.unwrap_or_else(|| "–".into()))
            })
            .collect(),
        clinics: o
            .clinics
            .into_iter()
            .map(|(code, name, loc)| (code, name, loc.unwrap_or_default()))
            .collect(),
        updates: updates
            .into_iter()
            .map(|(u, clinic, doctor)| UpdateLine {
                clinic,
                doctor,
                days: u.payload["jadwal"]
                    .as_array()
                    .map(|d| {
                        d.iter()
                            .map(|j| {
                                format!(
                                    "{}: {}-{}",
                                    j["hari"].as_str().unwrap_or_default(),
                                    j["buka"].as_str().unwrap_or_default(),
                                    j["tutup"].as_str().unwrap_or_default()
                                )
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                status: u.status.as_str().to_string(),
                label: hfis_label(u.status, en).to_string(),
                decided_by: u.decided_by.map(|d| d.to_string()).unwrap_or_default(),
                error: u.last_error.unwrap_or_default(),
                attempts: u.attempts,
            })
            .collect(),
        date: date.to_string(),
        checked,
        mismatches,
        in_order,
        waits: wait_rows(&result),
        bpjs: bpjs_link::configured(&state),
        hfis_date,
        hfis_checked,
        hfis_rows,
        now_local: format!("{} WIT", state.local_now().format("%H:%M")),
        decided_if_now: hfis::decided_by(state.now(), tz).to_string(),
        c,
    };
    Ok(render(&page.c, StatusCode::OK, &page))
}

#[derive(Debug, Deserialize)]
pub struct DoctorNikForm {
    #[serde(default)]
    pub csrf: String,
    pub code: String,
    pub nik: String,
}

#[derive(Debug, Deserialize)]
pub struct LocationForm {
    #[serde(default)]
    pub csrf: String,
    pub code: String,
    pub location_id: String,
}

#[derive(Debug, Deserialize)]
pub struct DateForm {
    #[serde(default)]
    pub csrf: String,
    pub tanggal: String,
}

#[derive(Debug, Deserialize)]
pub struct PlainForm {
    #[serde(default)]
    pub csrf: String,
}

#[derive(Debug, Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    pub csrf: String,
    pub tanggal: String,
    /// The admin saw the dry run ("Terapkan" sends `ya`).
    #[serde(default)]
    pub konfirmasi: String,
}

csrf_field!(DoctorNikForm, LocationForm, DateForm, PlainForm, ApplyForm);

/// `POST /staff/nasional/dokter` — a doctor's NIK (for the Practitioner look-up).
async fn save_doctor_nik(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<DoctorNikForm>,
) -> PageResult {
    satusehat::set_doctor_nik(&state, &staff, form.code, &form.nik).await.or_page(c.lang)?;
    Ok(see_other("/staff/nasional"))
}

/// `POST /staff/nasional/poli` — a polyclinic's SATUSEHAT Location id.
async fn save_location(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<LocationForm>,
) -> PageResult {
    satusehat::set_location(&state, &staff, form.code, &form.location_id).await.or_page(c.lang)?;
    Ok(see_other("/staff/nasional"))
}

/// `POST /staff/nasional/ulang` — the Encounters that waited for staff go again.
async fn retry(
    state: web::Data<AppState>,
    StaffForm { staff, c, .. }: StaffForm<PlainForm>,
) -> PageResult {
    satusehat::retry_failed(&state, &staff).await.or_page(c.lang)?;
    Ok(see_other("/staff/nasional"))
}

/// `POST /staff/nasional/kirim-ulang` — re-queue the reports BPJS is missing for a day.
async fn requeue(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<DateForm>,
) -> PageResult {
    let date = hfis::parse_date(Some(&form.tanggal)).or_page(c.lang)?;
    reconcile::requeue_missing(&state, &staff, date).await.or_page(c.lang)?;
    Ok(see_other(&format!("/staff/nasional?tanggal={date}")))
}

/// `POST /staff/nasional/hfis` — apply HFIS's schedules of the day shown in the dry run.
async fn hfis_apply(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<ApplyForm>,
) -> PageResult {
    let date = hfis::parse_date(Some(&form.tanggal)).or_page(c.lang)?;
    let confirm = form.konfirmasi == "ya";
    bpjs_link::apply(&state, &staff, date, confirm).await.or_page(c.lang)?;
    Ok(see_other(&format!("/staff/nasional?hfis={date}#hfis")))
}

/// `POST /staff/nasional/cocokkan` — reconcile a day with BPJS now.
async fn reconcile_now(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<DateForm>,
) -> PageResult {
    let date = hfis::parse_date(Some(&form.tanggal)).or_page(c.lang)?;
    bpjs_link::reconcile_now(&state, &staff, date).await.or_page(c.lang)?;
    Ok(see_other(&format!("/staff/nasional?tanggal={date}#reconciliation")))
}
