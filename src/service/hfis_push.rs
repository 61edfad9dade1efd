//! Sending queued weekly-schedule changes to HFIS (`POST /jadwaldokter/updatejadwaldokter`)
//! through the durable queue `hfis_updates` (`db::job_lease`): in order per doctor and
//! clinic, a claim is a lease (a worker that dies or a restart loses nothing), a BPJS that
//! cannot be reached is tried again with backoff and given up (`failed`) after
//! [`MAX_ATTEMPTS`]. BPJS's answer decides the rest: taken → `waiting` for the branch
//! office (approval window, [`super::hfis::decided_by`]), "no" → `refused` with its message.
//! A change that a newer one of the same doctor and clinic replaced before it went is
//! `superseded` (HFIS gets the newest week only). BPJS is asked through
//! [`super::bpjs_link::BpjsLink`], never by the worker's own client.
use chrono::Duration;

use super::AppState;
use super::bpjs_link::{Sent, link_of};
use crate::db::hfis::{self, HfisUpdate};
use crate::db::job_lease;
use crate::domain::kinds::{HfisStatus, JobStatus};
use crate::error::AppResult;

/// The HFIS service that takes a doctor's week.
pub const PATH: &str = "/jadwaldokter/updatejadwaldokter";
/// After this many attempts that did not reach BPJS, a change is given up (`failed`).
pub const MAX_ATTEMPTS: i32 = 10;
/// A claimed change is another worker's again after this long.
const LEASE: Duration = Duration::minutes(5);

/// Words kept on a change a newer one replaced.
const SUPERSEDED: &str = "Diganti perubahan yang lebih baru sebelum terkirim / Replaced by a newer change before it went";

/// Send one due change. `Ok(false)` when nothing was due (or BPJS is not configured).
pub async fn push_once(st: &AppState) -> AppResult<bool> {
    let Ok(link) = link_of(st) else { return Ok(false) };
    let link = link.clone();
    let now = st.now();
    let claimed: Option<Option<HfisUpdate>> = super::in_transaction(st, move |c| {
        let Some(update) = hfis::claim_due(c, now, LEASE)? else { return Ok(None) };
        if hfis::has_newer(c, &update)? {
            hfis::set_status(c, update.id, HfisStatus::Superseded, Some(SUPERSEDED))?;
            return Ok(Some(None));
        }
        Ok(Some(Some(update)))
    })
    .await?;
    let update = match claimed {
        None => return Ok(false),
        Some(None) => return Ok(true),
        Some(Some(u)) => u,
    };
    let answer = link.send(PATH, &update.payload, now).await;
    let by = super::hfis::decided_by(now, st.tz());
    super::in_transaction(st, move |c| match answer {
        Sent::Accepted(_) => hfis::mark_waiting(c, update.id, now, by),
        Sent::Refused(why) => {
            tracing::warn!(update = update.id, %why, "HFIS refused a schedule change");
            hfis::mark_refused(c, update.id, &why, now)
        }
        Sent::Unreachable(error) => {
            tracing::warn!(update = update.id, attempts = update.attempts, %error, "HFIS not reached");
            let (status, at) = job_lease::next_try(update.attempts, MAX_ATTEMPTS, now);
            let status =
                if status == JobStatus::Failed { HfisStatus::Failed } else { HfisStatus::Pending };
            hfis::record_failure(c, update.id, status, at, &error)
        }
    })
    .await?;
    Ok(true)
}

/// Send every due change (bounded).
pub async fn push_until_idle(st: &AppState) -> AppResult<usize> {
    let mut n = 0;
    while n < 1000 && push_once(st).await? {
        n += 1;
    }
    Ok(n)
}
