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

/// How a change sent to BPJS ended: taken, answered "no" (BPJS's `code: message`), or
/// BPJS not reached (transport error, HTTP error: worth another attempt).
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    Accepted(Value),
    Refused(String),
    Unreachable(String),
}

/// Signed calls to the BPJS antrean web service.
pub trait BpjsLink: Send + Sync {
    /// A POST that tells BPJS's refusal from not reaching it (the HFIS push).
    fn send<'a>(
        &'a self,
        path: &'a str,
        body: &'a Value,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Sent>;
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

pub(crate) fn link_of(st: &AppState) -> AppResult<&Arc<dyn BpjsLink>> {
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

/// The reference lists kept for pick lists: `/ref/poli` and `/ref/dokter`.
const REFERENCES: [(&str, &str); 2] = [("poli", "/ref/poli"), ("dokter", "/ref/dokter")];

/// How long a kept reference list serves before the worker asks BPJS again.
pub const REFERENCES_FRESH: chrono::Duration = chrono::Duration::hours(24);

/// BPJS's reference lists as kept: (poli, dokter, when fetched — the older of the two).
/// Nothing is asked of BPJS here: the worker refreshes them daily, an admin on demand.
#[derive(Debug, Clone, serde::Serialize)]
pub struct References {
    pub poli: Value,
    pub dokter: Value,
    pub fetched_at: Option<DateTime<Utc>>,
}

fn kept(c: &mut super::Conn) -> AppResult<References> {
    let poli = crate::db::hfis::reference(c, "poli")?;
    let dokter = crate::db::hfis::reference(c, "dokter")?;
    let fetched_at = match (&poli, &dokter) {
        (Some((_, a)), Some((_, b))) => Some(*a.min(b)),
        _ => None,
    };
    let list = |r: Option<(Value, DateTime<Utc>)>| r.map_or(json!([]), |(v, _)| v);
    Ok(References { poli: list(poli), dokter: list(dokter), fetched_at })
}

/// The kept `/ref/poli` and `/ref/dokter` lists (admins).
pub async fn references(st: &AppState, staff: &StaffIdentity) -> AppResult<References> {
    reconcile::require_admin(staff)?;
    super::read(st, kept).await
}

/// Ask BPJS for both reference lists and keep them; the lists' lengths.
pub async fn refresh_references(st: &AppState) -> AppResult<(usize, usize)> {
    let link = link_of(st)?;
    let mut lists = Vec::with_capacity(2);
    for (kind, path) in REFERENCES {
        let answer = link.get(path, st.now()).await.map_err(unavailable)?;
        let list = answer.get("list").cloned().unwrap_or(answer);
        if !list.is_array() {
            return Err(unavailable(format!("{path}: bukan daftar / not a list")));
        }
        lists.push((kind, list));
    }
    let now = st.now();
    super::in_transaction(st, move |c| {
        let mut sizes = Vec::with_capacity(2);
        for (kind, list) in &lists {
            crate::db::hfis::save_reference(c, kind, list, now)?;
            sizes.push(list.as_array().map_or(0, Vec::len));
        }
        Ok((sizes[0], sizes[1]))
    })
    .await
}

/// An admin's "refresh the BPJS lists now".
pub async fn refresh_references_now(st: &AppState, staff: &StaffIdentity) -> AppResult<References> {
    reconcile::require_admin(staff)?;
    refresh_references(st).await?;
    references(st, staff).await
}

/// The worker's daily refresh: when a list is missing or older than [`REFERENCES_FRESH`].
/// `true` when BPJS was asked.
pub async fn refresh_references_if_stale(st: &AppState) -> AppResult<bool> {
    if !configured(st) {
        return Ok(false);
    }
    let kept = super::read(st, kept).await?;
    if kept.fetched_at.is_some_and(|at| st.now() - at < REFERENCES_FRESH) {
        return Ok(false);
    }
    refresh_references(st).await.map(|_| true)
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

/// Pick lists for the admin console's BPJS code fields: (code, name) of the kept
/// `/ref/poli` and `/ref/dokter` lists, and when they were fetched. Empty when none were
/// kept yet (the fields are free text then). BPJS is not asked on a page view.
pub async fn pick_lists(st: &AppState, staff: &StaffIdentity) -> AppResult<PickLists> {
    let refs = references(st, staff).await?;
    let pairs = |list: &Value, code: &str, name: &str| -> Vec<(String, String)> {
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let mut out: Vec<(String, String)> = list
            .as_array()
            .map(|a| a.iter().map(|r| (text(&r[code]), text(&r[name]))).collect())
            .unwrap_or_default();
        out.retain(|(c, _)| !c.is_empty());
        out.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        out.dedup();
        out
    };
    Ok(PickLists {
        poli: pairs(&refs.poli, "kdpoli", "nmpoli"),
        dokter: pairs(&refs.dokter, "kodedokter", "namadokter"),
        fetched_at: refs.fetched_at,
        configured: configured(st),
    })
}

/// The admin console's pick lists.
#[derive(Debug, Clone, Default)]
pub struct PickLists {
    pub poli: Vec<(String, String)>,
    pub dokter: Vec<(String, String)>,
    pub fetched_at: Option<DateTime<Utc>>,
    /// BPJS can be asked (the "refresh" button shows).
    pub configured: bool,
}
