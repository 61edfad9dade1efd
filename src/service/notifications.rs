//! The staff view of the background work: patient notifications (admins see all, clinic
//! accounts their clinics', registration none; dead ones can be revived) and the reports to
//! BPJS (admins only).
use super::{Access, AppState};
use crate::db::bpjs_tasks::{self, BpjsTask};
use crate::db::notifications::{self, Job};
use crate::db::{self, PgConnection};
use crate::domain::kinds::JobStatus;
use crate::domain::staff::{Role, StaffIdentity};
use crate::error::{AppError, AppResult};

/// The clinics whose notifications `staff` may see: all (`None`) for admins, their own for
/// clinic accounts; registration desks see none.
pub fn visible_clinics(staff: &StaffIdentity) -> AppResult<Option<Vec<i32>>> {
    match staff.role {
        Role::Admin => Ok(None),
        Role::Clinic => Ok(Some(staff.clinic_ids.clone())),
        Role::Registration => Err(AppError::forbidden()),
    }
}

/// A `?status=` filter: empty means all; anything but the `allowed` statuses is refused.
pub fn parse_status(status: Option<&str>, allowed: &[JobStatus]) -> AppResult<Option<JobStatus>> {
    let Some(text) = status.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    match JobStatus::parse(text).filter(|s| allowed.contains(s)) {
        Some(s) => Ok(Some(s)),
        None => {
            let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            Err(AppError::bad_request(
                "invalid_status",
                format!("Status harus salah satu dari: {}.", names.join(", ")),
                format!("Status must be one of: {}.", names.join(", ")),
            ))
        }
    }
}

/// A notification with its visit's ticket and booking code.
pub type JobRow = (Job, String, String);

/// The newest notifications this account may see, optionally of one status.
pub async fn recent(
    st: &AppState,
    staff: &StaffIdentity,
    status: Option<JobStatus>,
    limit: i64,
) -> AppResult<Vec<JobRow>> {
    let clinics = visible_clinics(staff)?;
    db::run(&st.pool, move |c| notifications::recent(c, status, clinics, limit)).await
}

/// Give a dead notification a fresh set of attempts. Unknown or not visible to this account
/// → 404; not dead → 409.
pub fn retry(
    conn: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    id: i64,
) -> AppResult<Job> {
    let clinics = visible_clinics(staff)?;
    let clinic = notifications::clinic_of(conn, id)?;
    let visible = clinic.is_some_and(|cl| clinics.as_ref().is_none_or(|ids| ids.contains(&cl)));
    if !visible {
        return Err(AppError::not_found(
            "unknown_notification",
            "Notifikasi tidak ditemukan.",
            "Notification not found.",
        ));
    }
    notifications::revive(conn, id, st.now())?.ok_or_else(|| {
        AppError::conflict(
            "not_dead",
            "Hanya notifikasi yang gagal total (dead) yang dapat dikirim ulang.",
            "Only notifications that have given up (dead) can be retried.",
        )
    })
}

/// A report with its visit's booking code and ticket.
pub type TaskRow = (BpjsTask, String, String);

/// Who may look at the reports to BPJS: admins.
pub fn require_bpjs_viewer(staff: &StaffIdentity) -> AppResult<()> {
    staff.require(&[Role::Admin])
}

/// How the reporting to BPJS goes (admins): counts per status and the newest reports of
/// each asked status (all when `statuses` is empty).
pub async fn bpjs_tasks(
    st: &AppState,
    staff: &StaffIdentity,
    statuses: Vec<Option<JobStatus>>,
    limit: i64,
) -> AppResult<(Vec<(JobStatus, i64)>, Vec<Vec<TaskRow>>)> {
    require_bpjs_viewer(staff)?;
    db::run(&st.pool, move |c| {
        let counts = bpjs_tasks::counts(c)?;
        let lists = statuses
            .into_iter()
            .map(|s| bpjs_tasks::recent(c, s, limit))
            .collect::<AppResult<Vec<_>>>()?;
        Ok((counts, lists))
    })
    .await
}
