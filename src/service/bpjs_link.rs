//! The outbound BPJS calls the national-platform commands need (HFIS schedules, `/ref`
//! lists, reconciliation). The service owns the trait; `crate::jkn::national` implements it
//! with the signed BPJS client and `AppState` holds it, so the JSON API and the staff pages
//! ask BPJS through the same commands without importing each other.
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use super::AppState;
use super::hfis::{self, ClinicComparison};
use super::reconcile::{self, BpjsDay};
use crate::domain::staff::StaffIdentity;
use crate::error::{AppError, AppResult};

/// A BPJS answer's `response`, or why there is none (`code: message` or transport error).
pub type Answer = Result<Value, String>;

/// Signed calls to the BPJS antrean web service.
pub trait BpjsLink: Send + Sync {
    fn get<'a>(&'a self, path: &'a str, now: DateTime<Utc>) -> BoxFuture<'a, Answer>;
    fn post<'a>(
        &'a self,
        path: &'a str,
        body: &'a Value,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Answer>;
}

/// The shared handle kept in `AppState` (None when BPJS is not configured).
pub type SharedLink = Option<Arc<dyn BpjsLink>>;

fn link_of(st: &AppState) -> AppResult<&Arc<dyn BpjsLink>> {
    st.bpjs_link.as_ref().ok_or_else(|| {
        AppError::conflict(
            "bpjs_not_configured",
            "Koneksi ke BPJS (SIPOLI_BPJS_*) belum diatur.",
            "The BPJS connection (SIPOLI_BPJS_*) is not configured.",
        )
    })
}

/// Whether BPJS can be asked at all.
pub fn configured(st: &AppState) -> bool {
    st.bpjs_link.is_some()
}

/// HFIS's schedules of every BPJS clinic for `date`, compared with SIPOLI's (a dry run).
pub async fn compare(
    st: &AppState,
    staff: &StaffIdentity,
    date: NaiveDate,
) -> AppResult<Vec<ClinicComparison>> {
    reconcile::require_admin(staff)?;
    let link = link_of(st)?;
    let clinics = hfis::clinics(st, staff).await?;
    let mut answers = Vec::with_capacity(clinics.len());
    for clinic in clinics {
        let kodepoli = clinic.bpjs_code.clone().unwrap_or_default();
        let path = format!("/jadwaldokter/kodepoli/{kodepoli}/tanggal/{date}");
        let answer = match link.get(&path, st.now()).await {
            // "No schedule" is an empty day, not an error.
            Err(e) if e.to_lowercase().contains("tidak ditemukan") => Ok(json!([])),
            other => other,
        };
        answers.push((clinic, answer));
    }
    hfis::compare(st, staff, date, answers).await
}

/// Apply HFIS's side of `date` (after the admin confirmed the dry run) →
/// (rows changed, the comparison afterwards).
pub async fn apply(
    st: &AppState,
    staff: &StaffIdentity,
    date: NaiveDate,
    confirm: bool,
) -> AppResult<(usize, Vec<ClinicComparison>)> {
    reconcile::require_admin(staff)?;
    if !confirm {
        return Err(AppError::unprocessable(
            "not_confirmed",
            "Periksa perbedaannya dulu, lalu konfirmasi.",
            "Review the differences first, then confirm.",
        ));
    }
    let clinics = compare(st, staff, date).await?;
    let changed = hfis::apply(st, staff, date, clinics).await?;
    let after = compare(st, staff, date).await?;
    Ok((changed, after))
}

fn unavailable(e: String) -> AppError {
    AppError::new(
        actix_web::http::StatusCode::BAD_GATEWAY,
        "bpjs_unavailable",
        format!("BPJS tidak dapat dihubungi: {e}"),
        format!("BPJS could not be reached: {e}"),
    )
}

/// BPJS's `/ref/poli` and `/ref/dokter` lists (for pick lists).
pub async fn references(st: &AppState, staff: &StaffIdentity) -> AppResult<(Value, Value)> {
    reconcile::require_admin(staff)?;
    let link = link_of(st)?;
    let list = |r: Answer| r.map(|v| v.get("list").cloned().unwrap_or(v)).map_err(unavailable);
    let poli = list(link.get("/ref/poli", st.now()).await)?;
    let dokter = list(link.get("/ref/dokter", st.now()).await)?;
    Ok((poli, dokter))
}

/// Ask BPJS about a day and keep the comparison (the nightly worker and "reconcile now").
pub async fn reconcile_day(st: &AppState, date: NaiveDate) -> AppResult<Value> {
    let link = link_of(st)?;
    let registrations = link.get(&format!("/antrean/pendaftaran/tanggal/{date}"), st.now()).await;
    let mut tasks = HashMap::new();
    for code in reconcile::bookings_to_check(st, date).await? {
        let body = json!({"kodebooking": code});
        let answer = link
            .post("/antrean/getlisttask", &body, st.now())
            .await
            .map(|v| reconcile::parse_task_list(&v, st.tz()));
        tasks.insert(code, answer);
    }
    let dashboard =
        link.get(&format!("/dashboard/waktutunggu/tanggal/{date}/waktu/rs"), st.now()).await;
    reconcile::reconcile(st, date, BpjsDay { registrations, tasks, dashboard }).await
}

/// An admin's "reconcile now".
pub async fn reconcile_now(
    st: &AppState,
    staff: &StaffIdentity,
    date: NaiveDate,
) -> AppResult<Value> {
    reconcile::require_admin(staff)?;
    reconcile_day(st, date).await
}

/// Pick lists for the admin console's BPJS code fields: (code, name) of `/ref/poli` and
/// `/ref/dokter`. Empty when BPJS is not configured or cannot be asked (free text then).
pub async fn pick_lists(
    st: &AppState,
    staff: &StaffIdentity,
) -> (Vec<(String, String)>, Vec<(String, String)>) {
    if !configured(st) {
        return (Vec::new(), Vec::new());
    }
    let Ok((poli, dokter)) = references(st, staff).await else {
        return (Vec::new(), Vec::new());
    };
    let pairs = |list: &Value, code: &str, name: &str| -> Vec<(String, String)> {
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        list.as_array()
            .map(|a| a.iter().map(|r| (text(&r[code]), text(&r[name]))).collect())
            .unwrap_or_default()
    };
    (pairs(&poli, "kdpoli", "nmpoli"), pairs(&dokter, "kodedokter", "namadokter"))
}
