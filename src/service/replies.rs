//! Replies by SMS/WhatsApp (issue 14): the gateway posts each incoming message, signed
//! like our outgoing webhooks; `BATAL <kode>` cancels (only from the booking's phone),
//! `YA <kode>` confirms attendance, `STATUS <kode>` answers position and estimate, and
//! anything else gets a short help text. Every answer goes out through the outbox.
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use super::AppState;
use super::outbox::{Facts, Kind};
use super::queue;
use crate::db::models::Visit;
use crate::db::notifications::{self, NewJob};
use crate::db::{PgConnection, self_service};
use crate::domain::booking_code::BookingCode;
use crate::domain::identity::Phone;
use crate::domain::staff::Actor;
use crate::domain::visit_status::VisitStatus;
use crate::error::{AppError, AppResult};

/// Check `X-Sipoli-Signature`: hex HMAC-SHA256 of the body with `SIPOLI_WEBHOOK_SECRET`.
/// Without a secret nothing is believed.
pub fn verify(st: &AppState, body: &[u8], signature: &str) -> AppResult<()> {
    let secret = st.settings.jobs.webhook_secret.as_ref().ok_or_else(AppError::unauthorized)?;
    let given = hex::decode(signature.trim()).map_err(|_| AppError::unauthorized())?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose().as_bytes())
        .map_err(|_| AppError::unauthorized())?;
    mac.update(body);
    mac.verify_slice(&given).map_err(|_| AppError::unauthorized())
}

/// What was done with a message.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Handled {
    /// `batal`, `batal_refused`, `ya`, `ya_refused`, `status`, `unknown_code`, `help`.
    pub command: &'static str,
    pub booking_code: Option<String>,
}

fn words(en: bool, id: String, en_text: String) -> String {
    if en { en_text } else { id }
}

/// Act on one incoming message and queue its answer.
pub async fn handle(st: &AppState, from: String, text: String) -> AppResult<Handled> {
    let phone = Phone::parse(&from).map_err(|e| AppError::fields(vec![("from", e)]))?;
    let mut parts = text.split_whitespace();
    let command = parts.next().unwrap_or_default().to_uppercase();
    let code = parts.next().and_then(|c| BookingCode::parse(c).ok());
    let st = st.clone();
    super::in_transaction(&st.clone(), move |conn| {
        let visit = match &code {
            Some(c) => queue::lookup_code(conn, c.as_str())?,
            None => None,
        };
        let known = matches!(command.as_str(), "BATAL" | "YA" | "STATUS");
        let (handled, reply) = match (command.as_str(), visit) {
            (_, None) if known && code.is_some() => (
                "unknown_code",
                Some(
                    "Kode booking tidak ditemukan. Periksa kembali kode 8 karakter Anda."
                        .to_string(),
                ),
            ),
            ("BATAL", Some(v)) => batal(conn, &st, &phone, &v)?,
            ("YA", Some(v)) => ya(conn, &st, &phone, &v)?,
            ("STATUS", Some(v)) => status(conn, &st, &v)?,
            _ => ("help", Some(help(false))),
        };
        let visit = match &code {
            Some(c) => queue::lookup_code(conn, c.as_str())?,
            None => None,
        };
        if let Some(reply) = reply {
            answer(conn, &st, &phone, visit.as_ref(), reply)?;
        }
        Ok(Handled { command: handled, booking_code: visit.map(|v| v.booking_code) })
    })
    .await
}

fn help(en: bool) -> String {
    words(
        en,
        "Balas BATAL <kode> untuk membatalkan, YA <kode> untuk konfirmasi kehadiran, STATUS <kode> untuk posisi antrean. Kode booking 8 karakter ada di pesan konfirmasi.".into(),
        "Reply BATAL <code> to cancel, YA <code> to confirm you will come, STATUS <code> for your place in the queue. The 8-character booking code is in your confirmation.".into(),
    )
}

fn same_phone(visit: &Visit, phone: &Phone) -> bool {
    visit.contact_phone.as_deref().and_then(|p| Phone::parse(p).ok()).is_some_and(|p| p == *phone)
}

fn not_your_phone(en: bool, command: &str) -> String {
    words(
        en,
        format!("{command} hanya dapat dikirim dari nomor HP yang terdaftar pada booking ini."),
        format!("{command} is only accepted from the mobile number registered with this booking."),
    )
}

type Outcome = (&'static str, Option<String>);

fn batal(conn: &mut PgConnection, st: &AppState, phone: &Phone, v: &Visit) -> AppResult<Outcome> {
    let en = v.language == "en";
    if !same_phone(v, phone) {
        return Ok(("batal_refused", Some(not_your_phone(en, "BATAL"))));
    }
    if v.service_date < st.today() || v.status != VisitStatus::Booked {
        let text = words(
            en,
            format!(
                "Booking {} tidak dapat dibatalkan lagi (sudah check-in, selesai, atau tanggalnya lewat).",
                v.booking_code
            ),
            format!(
                "Booking {} can no longer be cancelled (checked in, over, or its date is past).",
                v.booking_code
            ),
        );
        return Ok(("batal_refused", Some(text)));
    }
    match queue::cancel_booked(conn, v.id, &Actor::patient(), st.now(), "sms")? {
        // The "booking dibatalkan" message of the cancel event is the answer.
        Some(cancelled) => {
            super::waitlist::offer_freed(conn, st, cancelled.session_id)?;
            Ok(("batal", None))
        }
        None => Ok((
            "batal_refused",
            Some(words(
                en,
                "Booking ini tidak dapat dibatalkan lagi.".into(),
                "This booking can no longer be cancelled.".into(),
            )),
        )),
    }
}

fn ya(conn: &mut PgConnection, st: &AppState, phone: &Phone, v: &Visit) -> AppResult<Outcome> {
    let en = v.language == "en";
    if !same_phone(v, phone) {
        return Ok(("ya_refused", Some(not_your_phone(en, "YA"))));
    }
    if !v.status.is_active() {
        return Ok((
            "ya_refused",
            Some(words(
                en,
                format!("Booking {} tidak aktif lagi.", v.booking_code),
                format!("Booking {} is no longer active.", v.booking_code),
            )),
        ));
    }
    self_service::confirm(conn, v.id, st.now(), "sms")?;
    Ok((
        "ya",
        Some(words(
            en,
            format!("Terima kasih, kehadiran Anda untuk booking {} tercatat.", v.booking_code),
            format!("Thank you, your attendance for booking {} is noted.", v.booking_code),
        )),
    ))
}

fn status(conn: &mut PgConnection, st: &AppState, v: &Visit) -> AppResult<Outcome> {
    let en = v.language == "en";
    let s = queue::standing(conn, st.tz(), st.now(), v.clone())?;
    let at = s.estimated_at.with_timezone(&st.tz());
    let when = format!("{} {}", at.format("%H:%M"), at.format("%Z"));
    let date = crate::domain::calendar::long_date(en, v.service_date);
    Ok((
        "status",
        Some(words(
            en,
            format!(
                "Antrean {} ({}): {} pasien di depan Anda, perkiraan dilayani pukul {when}.",
                v.ticket, date, s.position
            ),
            format!(
                "Ticket {} ({}): {} patients ahead of you, expected about {when}.",
                v.ticket, date, s.position
            ),
        )),
    ))
}

/// Queue the answer to `phone` (the facts of the booking when there is one).
fn answer(
    conn: &mut PgConnection,
    st: &AppState,
    phone: &Phone,
    visit: Option<&Visit>,
    reply: String,
) -> AppResult<()> {
    let now = st.now();
    let mut facts = match visit {
        Some(v) => Facts::of(conn, v)?,
        None => blank_facts(),
    };
    facts.notice = Some(reply);
    let job = NewJob {
        kind: Kind::Reply.as_str().into(),
        visit_id: visit.map(|v| v.id),
        channel: "webhook".into(),
        recipient: phone.as_str().to_string(),
        payload: serde_json::to_value(&facts).map_err(AppError::internal)?,
        dedupe_key: format!("reply:{}", &crate::config::random_key()[..24]),
        run_at: now,
        created_at: now,
        updated_at: now,
    };
    notifications::enqueue(conn, &[job])?;
    Ok(())
}

fn blank_facts() -> Facts {
    Facts {
        booking_code: String::new(),
        ticket: String::new(),
        clinic: String::new(),
        clinic_en: String::new(),
        doctor: String::new(),
        date: NaiveDate::MIN,
        starts_at: NaiveTime::MIN,
        ends_at: NaiveTime::MIN,
        room: String::new(),
        estimated_at: DateTime::<Utc>::MIN_UTC,
        language: "id".into(),
        position: None,
        note: None,
        walk_in: false,
        for_whom: None,
        notice: None,
        offer_token: None,
    }
}
