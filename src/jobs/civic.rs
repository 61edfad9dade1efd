//! The outbox jobs of the patient's voice and of open data: the "finished" message with
//! the rating link, responses to complainants, escalations of overdue complaints (told
//! once), and the daily open-data push to the command center (signed, retried until
//! accepted). [`scan`] runs with the reminders, every minute, in every worker.
use std::time::Duration as StdDuration;

use serde_json::Value;

use super::email::Email;
use super::messages::Message;
use super::webhook::{SIGNATURE_HEADER, Webhook, WebhookBody, sign};
use super::worker::SendError;
use crate::app::AppState;
use crate::db;
use crate::db::notifications::Job;
use crate::domain::calendar;
use crate::domain::complaints::{ComplaintCategory, ComplaintStatus};
use crate::error::AppResult;
use crate::service::{complaints, open_data};

/// The job kinds this module sends.
pub const KINDS: [&str; 4] =
    ["visit_finished", "complaint_response", "complaint_escalation", "opendata_push"];

fn text(payload: &Value, key: &str) -> String {
    payload[key].as_str().unwrap_or_default().to_string()
}

fn when(st: &AppState, payload: &Value, key: &str, en: bool) -> String {
    payload[key]
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| {
            let local = t.with_timezone(&st.tz());
            format!("{} {}", calendar::long_date(en, local.date_naive()), local.format("%H:%M %Z"))
        })
        .unwrap_or_default()
}

/// The words of a message of one of [`KINDS`] (not the push), in the recipient's language.
pub fn message(st: &AppState, job: &Job) -> Option<Message> {
    let p = &job.payload;
    let en = p["language"] == "en";
    let base = &st.settings.base_url;
    let (subject, body) = match job.kind.as_str() {
        "visit_finished" => {
            let (code, ticket) = (text(p, "booking_code"), text(p, "ticket"));
            let link = format!("{base}/nilai/{code}");
            if en {
                (
                    format!("Thank you for your visit ({ticket})"),
                    format!(
                        "Your visit {ticket} at RSUD Mimika is finished. How was it? Rate it in one minute: {link}"
                    ),
                )
            } else {
                (
                    format!("Terima kasih atas kunjungan Anda ({ticket})"),
                    format!(
                        "Kunjungan {ticket} di RSUD Mimika sudah selesai. Bagaimana pelayanan kami? Beri penilaian dalam satu menit: {link}"
                    ),
                )
            }
        }
        "complaint_response" => {
            let code = text(p, "code");
            let status =
                ComplaintStatus::parse(&text(p, "status")).map(|s| s.label(en)).unwrap_or_default();
            let link = format!("{base}/pengaduan/{code}");
            let msg = text(p, "message");
            if en {
                (
                    format!("Response to your complaint {code}"),
                    format!(
                        "RSUD Mimika responded to complaint {code} ({status}): {msg}\nFollow it at {link}"
                    ),
                )
            } else {
                (
                    format!("Tanggapan atas pengaduan {code}"),
                    format!(
                        "RSUD Mimika menanggapi pengaduan {code} ({status}): {msg}\nPantau di {link}"
                    ),
                )
            }
        }
        "complaint_escalation" => {
            let code = text(p, "code");
            let category = ComplaintCategory::parse(&text(p, "category"))
                .map(|c| c.label(false))
                .unwrap_or_default();
            let clinic = p["clinic"].as_str().unwrap_or("RSUD Mimika");
            (
                format!("Pengaduan {code} melewati batas 5 hari kerja"),
                format!(
                    "Pengaduan {code} ({category}, {clinic}) diterima {} belum diselesaikan; batas waktu {} sudah lewat. Tangani di {base}/staff/pengaduan/{code}",
                    when(st, p, "received_at", false),
                    when(st, p, "due_at", false),
                ),
            )
        }
        _ => return None,
    };
    let short: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let html = format!(
        "<p>{}</p>",
        askama::filters::escape(&body, askama::filters::Html)
            .map(|s| s.to_string())
            .unwrap_or_default()
            .replace('\n', "<br>")
    );
    Some(Message { subject, text: body, html, short })
}

/// Send a job of one of [`KINDS`]; `None` for any other kind.
pub async fn deliver(
    st: &AppState,
    email: &Email,
    webhook: &Webhook,
    job: &Job,
) -> Option<Result<(), SendError>> {
    if !KINDS.contains(&job.kind.as_str()) {
        return None;
    }
    if job.kind == "opendata_push" {
        return Some(push(st, job).await);
    }
    let Some(message) = message(st, job) else {
        return Some(Err(SendError::permanent("no words for this job")));
    };
    Some(match job.channel.as_str() {
        "email" => email.send(&job.recipient, &message).await,
        "webhook" => {
            let code = text(&job.payload, "booking_code");
            let code = if code.is_empty() { text(&job.payload, "code") } else { code };
            let body = WebhookBody {
                to: &job.recipient,
                message: &message.short,
                kind: &job.kind,
                booking_code: &code,
            };
            webhook.send(&body, &format!("job-{}-{}", job.id, job.kind)).await
        }
        other => Err(SendError::permanent(format!("unknown channel {other}"))),
    })
}

/// POST the day's rows to the command center, signed with HMAC-SHA256 of the body in
/// `X-Sipoli-Signature` (hex), as the other webhooks are. Any 2xx is acceptance.
async fn push(st: &AppState, job: &Job) -> Result<(), SendError> {
    let bytes =
        serde_json::to_vec(&job.payload).map_err(|e| SendError::permanent(e.to_string()))?;
    let client = reqwest::Client::builder()
        .timeout(StdDuration::from_secs(15))
        .build()
        .map_err(|e| SendError::retry(format!("HTTP client: {e}")))?;
    let mut request = client
        .post(&job.recipient)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Sipoli-Delivery", job.dedupe_key.as_str())
        .body(bytes.clone());
    if let Some(secret) = &st.settings.jobs.opendata_webhook_secret {
        request = request.header(SIGNATURE_HEADER, sign(secret.expose(), &bytes));
    }
    let response =
        request.send().await.map_err(|e| SendError::retry(format!("open data push: {e}")))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(SendError::retry(format!("open data receiver answered {status}")))
    }
}

/// Every minute: escalate overdue complaints (each once), and put yesterday's open data
/// in the outbox from the push time on (once per day).
pub async fn scan(st: &AppState) -> AppResult<(usize, usize)> {
    let jobs = &st.settings.jobs;
    let addresses = jobs.complaint_escalation.clone();
    let push = jobs.opendata_webhook_url.clone().map(|u| (u, jobs.opendata_push_at));
    let (tz, now) = (st.tz(), st.now());
    db::transaction(&st.pool, move |c| {
        let escalated = complaints::escalate_overdue(c, &addresses, now)?;
        let pushed = match &push {
            Some((url, at)) => open_data::schedule_push(c, (url, *at), tz, now)?,
            None => 0,
        };
        Ok((escalated, pushed))
    })
    .await
}
