//! `POST /api/v1/kiosk/tickets/{code}/print` — a kiosk set to a thermal printer on the LAN
//! (`tcp://host:9100`, in its registration) has SIPOLI print the ticket itself in ESC/POS.
//! A printer that cannot be reached or is out of paper is answered with 503 and its reason
//! (the kiosk screen says so and prints through the browser instead), and remembered for
//! the console's kiosk page.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::escpos::{self, PrinterAddr, Slip};
use crate::app::AppState;
use crate::auth::Kiosk;
use crate::domain::calendar;
use crate::domain::kinds::Payer;
use crate::error::{AppError, AppResult};
use crate::http::parse_json;
use crate::service::{complaints, kiosks, printers, queue};

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PrintBody {
    /// The ticket's language: `id` (default) or `en`.
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Printed {
    printed: bool,
    printer: String,
}

fn no_printer() -> AppError {
    AppError::conflict(
        "no_printer",
        "Anjungan ini tidak memakai printer jaringan; cetak lewat browser.",
        "This kiosk has no network printer; print through the browser.",
    )
}

#[utoipa::path(
    post,
    path = "/api/v1/kiosk/tickets/{code}/print",
    tag = "kiosk",
    description = "Print today's ticket on the kiosk's network printer (ESC/POS: large number, QR, cut). 503 `printer_unreachable` or `printer_paper_out` (remembered for the console); 409 `no_printer` when the kiosk has none: the kiosk prints through the browser instead.",
    security(("kiosk_cookie" = []), ("kiosk_token" = [])),
    params(("code" = String, Path, description = "ticket code")),
    request_body(content = crate::screens::kiosk_print::PrintBody, description = "optional"),
    responses(
        (status = 200, description = "`{printed, printer}`", body = Printed),
        (status = 403, description = "Not today's ticket of this kiosk's clinics", body = crate::openapi::ErrorBody),
        (status = 404, description = "Unknown code", body = crate::openapi::ErrorBody),
        (status = 409, description = "`no_printer`: the kiosk prints through the browser", body = crate::openapi::ErrorBody),
        (status = 503, description = "The printer did not answer", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn print_ticket(
    state: web::Data<AppState>,
    Kiosk(device): Kiosk,
    path: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: PrintBody = if body.is_empty() { PrintBody::default() } else { parse_json(&body)? };
    let en = parsed.language.as_deref().is_some_and(|l| l.starts_with("en"))
        || super::screen_lang(&req) == "en";
    let addr = device.printer.as_deref().and_then(PrinterAddr::parse).ok_or_else(no_printer)?;
    let st = queue::standing_by_code(&state, path.into_inner()).await?;
    // Only today's tickets of the clinics this kiosk offers.
    if !kiosks::offers(&device, &st.session.clinic.code)
        || st.session.session.service_date != state.today()
    {
        return Err(AppError::forbidden());
    }
    let slip = slip(&state, &st, en);
    send(&state, device.id, &addr, &slip).await
}

/// Print a slip on the kiosk's printer; remember how it went for the console's kiosk page.
async fn send(
    state: &AppState,
    kiosk_id: i32,
    addr: &PrinterAddr,
    slip: &Slip,
) -> AppResult<HttpResponse> {
    let result = escpos::print(addr, slip).await;
    let problem = result.as_ref().err().map(escpos::PrinterError::problem);
    printers::record_kiosk_printing(state, kiosk_id, problem, state.now()).await?;
    match (result, problem) {
        (Ok(()), _) => {
            Ok(HttpResponse::Ok().json(Printed { printed: true, printer: addr.to_string() }))
        }
        (Err(e), Some(p)) => {
            tracing::warn!(kiosk = kiosk_id, error = %e, "kiosk thermal printer");
            Err(AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                p.code(),
                p.message(false),
                p.message(true),
            ))
        }
        (Err(e), None) => Err(AppError::internal(e)),
    }
}

/// `POST /api/v1/kiosk/complaints/{code}/print` — the code of a complaint just filed at
/// the kiosk, its due date and a QR code of its follow-up page (no text, no contact).
#[utoipa::path(
    post,
    path = "/api/v1/kiosk/complaints/{code}/print",
    tag = "kiosk",
    description = "Print the code of a complaint filed at this kiosk, its due date and a QR code of its follow-up page (no complaint text, no contact) on the kiosk's network printer. 409 `no_printer` when the kiosk has none: the kiosk prints through the browser instead.",
    security(("kiosk_cookie" = []), ("kiosk_token" = [])),
    params(("code" = String, Path, description = "complaint code")),
    request_body(content = crate::screens::kiosk_print::PrintBody, description = "optional"),
    responses(
        (status = 200, description = "`{printed, printer}`", body = Printed),
        (status = 404, description = "Unknown complaint code", body = crate::openapi::ErrorBody),
        (status = 409, description = "`no_printer`: the kiosk prints through the browser", body = crate::openapi::ErrorBody),
        (status = 503, description = "`printer_unreachable` or `printer_paper_out`", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn print_complaint(
    state: web::Data<AppState>,
    Kiosk(device): Kiosk,
    path: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: PrintBody = if body.is_empty() { PrintBody::default() } else { parse_json(&body)? };
    let en = parsed.language.as_deref().is_some_and(|l| l.starts_with("en"))
        || super::screen_lang(&req) == "en";
    let addr = device.printer.as_deref().and_then(PrinterAddr::parse).ok_or_else(no_printer)?;
    let code = complaints::parse_code(&path)?;
    let c = complaints::public_view(&state, code).await?;
    let t = |id: &str, e: &str| if en { e.to_string() } else { id.to_string() };
    let base = state.settings.base_url.trim_end_matches('/');
    // Due at the midnight that ends the fifth working day: that day is the one to print.
    let last_day = (c.due_at - chrono::Duration::minutes(1)).date_naive();
    let slip = Slip {
        heading: "RSUD Mimika - SIPOLI".into(),
        ticket: c.code.clone(),
        facts: vec![
            (t("Pengaduan", "Complaint"), c.category.label(en).to_string()),
            (t("Diterima", "Received"), calendar::long_date(en, c.received_at.date_naive())),
            (t("Ditanggapi paling lambat", "Answered by"), calendar::long_date(en, last_day)),
        ],
        qr: format!("{base}/pengaduan/{}", c.code),
        footer: t(
            "Simpan kode ini. Pindai kode QR untuk melihat tanggapan.",
            "Keep this code. Scan the QR code to read the answer.",
        ),
    };
    send(&state, device.id, &addr, &slip).await
}

/// The kiosk's ticket on the thermal printer: the same facts as the paper ticket.
fn slip(state: &AppState, st: &queue::Standing, en: bool) -> Slip {
    let tz = state.tz();
    let t = |id: &str, e: &str| if en { e.to_string() } else { id.to_string() };
    let clinic = &st.session.clinic;
    let clinic_name = if en && !clinic.name_en.is_empty() { &clinic.name_en } else { &clinic.name };
    let time = |at: chrono::DateTime<chrono::Utc>| {
        format!("{} WIT", at.with_timezone(&tz).format("%H:%M"))
    };
    let now = state.now();
    let base = state.settings.base_url.trim_end_matches('/');
    Slip {
        heading: "RSUD Mimika - SIPOLI".into(),
        ticket: st.visit.ticket.clone(),
        facts: vec![
            (t("Poli", "Clinic"), format!("{clinic_name} - {}", clinic.room)),
            (t("Dokter", "Doctor"), st.session.doctor.name.clone()),
            (t("Tanggal", "Date"), calendar::long_date(en, st.session.session.service_date)),
            (
                t("Pembayaran", "Payment"),
                match st.visit.payer {
                    Payer::Jkn => "JKN (BPJS)".to_string(),
                    Payer::NonJkn => t("Umum", "Non-JKN"),
                },
            ),
            (t("Di depan Anda", "Ahead of you"), st.position.to_string()),
            (t("Perkiraan", "Estimate"), time(st.estimated_at)),
            (t("Kode", "Code"), st.visit.booking_code.clone()),
            (
                t("Dicetak", "Printed"),
                format!(
                    "{} {}",
                    calendar::short_date(en, now.with_timezone(&tz).date_naive()),
                    time(now)
                ),
            ),
        ],
        qr: format!("{base}/antrean/{}", st.visit.booking_code),
        footer: t(
            "Pindai kode QR untuk memantau antrean.",
            "Scan the QR code to follow the queue.",
        ),
    }
}
