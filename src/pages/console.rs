//! The console pages over the background work: `/staff/notifikasi` (the notification
//! outbox, with a retry for dead jobs) and `/staff/bpjs` (the reports to BPJS, admins only).
//! The rows come from the same service functions as the JSON endpoints
//! (`service::notifications`); this module only shapes them for a page.
use actix_web::{http::StatusCode, web};
use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::extract::{StaffForm, StaffPage, csrf_field};
use super::text::{notification_channel_label, zone_label};
use super::{Ctx, OrPage, PageResult, render, see_other};
use crate::app::AppState;
use crate::domain::kinds::JobStatus;
use crate::i18n::Lang;
use crate::service::notifications::{self, TaskRow};

/// How many jobs or reports a page lists.
const PAGE_ROWS: i64 = 200;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/notifikasi", web::get().to(notifications))
        .route("/staff/notifikasi/{id}/kirim-ulang", web::post().to(retry_notification))
        .route("/staff/bpjs", web::get().to(bpjs_reports));
}

/// What a console page's live-update script needs: the SSE stream to follow, the sessions
/// whose events matter (empty: all on the stream), and where to reload.
pub struct LiveLink {
    /// The newest event already shown.
    pub after: i64,
    pub url: String,
    pub sessions: String,
    pub reload: String,
}

impl LiveLink {
    /// The queue screen of one session. The stream starts after `last_event`, so an event
    /// that falls between rendering and subscribing still arrives, and the page's own
    /// action (already shown) does not reload it again.
    pub fn session(id: i32, last_event: i64) -> LiveLink {
        LiveLink {
            after: last_event,
            url: format!("/api/v1/sessions/{id}/events?last_event_id={last_event}"),
            sessions: String::new(),
            reload: format!("/staff/sesi/{id}"),
        }
    }

    /// Today's sessions: one stream for their clinics (a browser holds few connections
    /// per server), filtered to the sessions on the page.
    pub fn today(sessions: &[super::staff::SessionLine], last_event: i64) -> LiveLink {
        let mut codes: Vec<&str> = sessions.iter().map(|s| s.clinic_code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        let ids: Vec<String> = sessions.iter().map(|s| s.id.to_string()).collect();
        LiveLink {
            after: last_event,
            url: if codes.is_empty() {
                String::new()
            } else {
                format!(
                    "/api/v1/displays/events?clinics={}&last_event_id={last_event}",
                    codes.join(",")
                )
            },
            sessions: ids.join(","),
            reload: "/staff".into(),
        }
    }
}

/// A contact detail on a list: everything but the last four characters hidden
/// (`••••••••7890`, at most twelve dots); short ones are hidden whole.
pub fn mask_recipient(recipient: &str) -> String {
    let chars: Vec<char> = recipient.trim().chars().collect();
    let keep = if chars.len() > 6 { 4 } else { 0 };
    let hidden = chars.len() - keep;
    let mut out: String = "•".repeat(hidden.min(12));
    out.extend(&chars[hidden..]);
    out
}

/// "01/12 14:05 WIT" in the hospital's zone.
fn stamp(at: DateTime<Utc>, tz: Tz) -> String {
    format!("{} {}", at.with_timezone(&tz).format("%d/%m %H:%M"), zone_label(tz))
}

fn notification_kind(lang: Lang, kind: &str) -> String {
    let (id, en) = match kind {
        "booking_confirmed" => ("Konfirmasi booking", "Booking confirmed"),
        "reminder" => ("Pengingat", "Reminder"),
        "turn_approaching" => ("Giliran mendekat", "Turn approaching"),
        "called" => ("Dipanggil", "Called"),
        "session_cancelled" => ("Sesi dibatalkan", "Session cancelled"),
        "medicine_ready" => ("Obat siap diambil", "Medicine ready"),
        other => (other, other),
    };
    lang.pick(id, en).to_string()
}

fn job_status_label(lang: Lang, status: JobStatus) -> String {
    let (id, en) = match status {
        JobStatus::Pending => ("Menunggu kirim", "Pending"),
        JobStatus::Sent => ("Terkirim", "Sent"),
        JobStatus::Failed => ("Gagal, dicoba lagi", "Failed, will retry"),
        JobStatus::Dead => ("Gagal total", "Given up"),
    };
    lang.pick(id, en).to_string()
}

/// One job on the notifications page.
pub struct JobLine {
    pub id: i64,
    pub kind: String,
    pub channel: String,
    pub recipient: String,
    pub ticket: String,
    pub status: String,
    pub status_label: String,
    pub attempts: String,
    pub last_error: String,
    pub created: String,
    /// When it was sent, or when the next attempt is due.
    pub when: String,
}

#[derive(Template)]
#[template(path = "staff/notifications.html")]
struct NotificationsPage {
    c: Ctx,
    jobs: Vec<JobLine>,
    status: String,
    statuses: Vec<(&'static str, String)>,
    notice: String,
    zone: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct StatusQuery {
    pub status: Option<String>,
    pub ok: Option<String>,
}

/// `GET /staff/notifikasi?status=dead` — the newest notification jobs of the clinics this
/// account may see.
async fn notifications(
    state: web::Data<AppState>,
    q: web::Query<StatusQuery>,
    StaffPage { staff, c }: StaffPage,
) -> PageResult {
    let lang = c.lang;
    notifications::visible_clinics(&staff).or_page(lang)?;
    let status = notifications::parse_status(q.status.as_deref(), JobStatus::ALL).or_page(lang)?;
    let rows = notifications::recent(&state, &staff, status, PAGE_ROWS).await.or_page(lang)?;
    let tz = state.tz();
    let jobs = rows
        .into_iter()
        .map(|(j, ticket, _)| JobLine {
            id: j.id,
            kind: notification_kind(lang, &j.kind),
            channel: notification_channel_label(lang, &j.channel).to_string(),
            recipient: mask_recipient(&j.recipient),
            ticket,
            status_label: job_status_label(lang, j.status),
            attempts: format!("{}/{}", j.attempts, j.max_attempts),
            last_error: j.last_error.clone().unwrap_or_default(),
            created: stamp(j.created_at, tz),
            when: match (j.status, j.sent_at) {
                (JobStatus::Sent, Some(at)) => stamp(at, tz),
                (JobStatus::Pending | JobStatus::Failed, _) => stamp(j.run_at, tz),
                _ => "–".into(),
            },
            status: j.status.as_str().to_string(),
        })
        .collect();
    let statuses =
        JobStatus::ALL.iter().map(|s| (s.as_str(), job_status_label(lang, *s))).collect();
    let notice = if q.ok.as_deref() == Some("retry") {
        lang.pick(
            "Notifikasi dijadwalkan untuk dikirim ulang.",
            "The notification is queued to be sent again.",
        )
        .to_string()
    } else {
        String::new()
    };
    let page = NotificationsPage {
        jobs,
        status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        statuses,
        notice,
        zone: zone_label(tz),
        c,
    };
    Ok(render(&page.c, StatusCode::OK, &page))
}

#[derive(Debug, Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    pub csrf: String,
    /// The list filter to return to.
    #[serde(default)]
    pub status: String,
}

csrf_field!(RetryForm);

/// `POST /staff/notifikasi/{id}/kirim-ulang` — a dead job gets a fresh set of attempts.
async fn retry_notification(
    state: web::Data<AppState>,
    path: web::Path<i64>,
    StaffForm { staff, c, form }: StaffForm<RetryForm>,
) -> PageResult {
    let (id, st, who) = (path.into_inner(), state.get_ref().clone(), staff.clone());
    crate::service::in_transaction(&state, move |conn| notifications::retry(conn, &st, &who, id))
        .await
        .or_page(c.lang)?;
    let back = notifications::parse_status(Some(&form.status), JobStatus::ALL).ok().flatten();
    Ok(see_other(&match back {
        Some(s) => format!("/staff/notifikasi?status={s}&ok=retry"),
        None => "/staff/notifikasi?ok=retry".to_string(),
    }))
}

/// One report on the BPJS page.
pub struct TaskLine {
    pub booking_code: String,
    pub ticket: String,
    pub what: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt: String,
    pub last_error: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "staff/bpjs.html")]
struct BpjsPage {
    c: Ctx,
    configured: bool,
    counts: Vec<(String, i64)>,
    /// The failed reports, then the pending ones: (element id, heading, rows).
    groups: Vec<(&'static str, &'static str, Vec<TaskLine>)>,
}

/// `GET /staff/bpjs` (admin) — how the reporting to BPJS goes, and what is stuck.
async fn bpjs_reports(state: web::Data<AppState>, StaffPage { staff, c }: StaffPage) -> PageResult {
    let wanted = vec![Some(JobStatus::Failed), Some(JobStatus::Pending)];
    let (counts, mut lists) =
        notifications::bpjs_tasks(&state, &staff, wanted, PAGE_ROWS).await.or_page(c.lang)?;
    let pending = lists.pop().unwrap_or_default();
    let failed = lists.pop().unwrap_or_default();
    let tz = state.tz();
    let line = |(t, booking_code, ticket): TaskRow| TaskLine {
        booking_code,
        ticket,
        what: match t.taskid {
            Some(id) => format!("{} · task {id}", t.kind),
            None => t.kind.clone(),
        },
        attempts: t.attempts,
        next_attempt: if t.status == JobStatus::Pending {
            stamp(t.run_at, tz)
        } else {
            "–".into()
        },
        last_error: t.last_error.clone().unwrap_or_default(),
        created: stamp(t.created_at, tz),
        status: t.status.as_str().to_string(),
    };
    let page = BpjsPage {
        configured: state.settings.jkn.bpjs.is_some(),
        counts: counts.into_iter().map(|(s, n)| (s.as_str().to_string(), n)).collect(),
        groups: vec![
            ("failed", c.t("Gagal", "Failed"), failed.into_iter().map(line).collect()),
            ("pending", c.t("Menunggu kirim", "Pending"), pending.into_iter().map(line).collect()),
        ],
        c,
    };
    Ok(render(&page.c, StatusCode::OK, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_show_only_their_last_four_characters() {
        assert_eq!(mask_recipient("081234567890"), "••••••••7890");
        // At most twelve dots: the length of an address says little either.
        assert_eq!(mask_recipient("maria@example.com"), "••••••••••••.com");
        assert_eq!(mask_recipient("12345"), "•••••");
        assert_eq!(mask_recipient(""), "");
    }
}
