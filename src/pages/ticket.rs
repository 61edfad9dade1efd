//! The counter ticket: a page printed by the browser on an 80 mm roll, or sent straight to
//! the desk's ESC/POS thermal printer (`tcp://host:port`, validated and kept with the staff
//! account, so that it follows the account to any browser at that desk).
//! When the thermal printer fails, the page says why and the browser print stays.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

use super::extract::{StaffForm, StaffPage, csrf_field};
use super::text::{clock_time, long_date, payer_label, printed_at};
use super::{Ctx, OrPage, PageError, PageResult, render, see_other};
use crate::app::AppState;
use crate::auth::Staff;
use crate::screens::escpos::{self, Slip};
use crate::service::{printers, visits};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/tiket/{id}", web::get().to(printable_ticket))
        .route("/staff/tiket/{id}/cetak", web::post().to(print_on_thermal));
}

#[derive(Template)]
#[template(path = "staff/ticket.html")]
struct TicketPage {
    c: Ctx,
    id: i64,
    ticket: String,
    code: String,
    clinic: String,
    room: String,
    doctor: String,
    date: String,
    position: i64,
    estimate: String,
    payer: &'static str,
    printed_at: String,
    status_url: String,
    /// The desk's thermal printer, if one was set.
    printer: String,
    notice: String,
    error: String,
}

async fn ticket_page(
    state: &AppState,
    staff: &Staff,
    c: Ctx,
    id: i64,
) -> Result<TicketPage, PageError> {
    let tz = state.tz();
    let st = visits::ticket(&state.pool, staff, id, tz, state.now()).await.or_page(c.lang)?;
    let who = staff.clone();
    let printer = crate::service::read(state, move |conn| printers::desk_printer(conn, &who))
        .await
        .or_page(c.lang)?;
    let base = state.settings.base_url.trim_end_matches('/');
    Ok(TicketPage {
        id,
        ticket: st.visit.ticket.clone(),
        status_url: format!("{base}/antrean/{}", st.visit.booking_code),
        code: st.visit.booking_code.clone(),
        clinic: st.session.clinic.name.clone(),
        room: st.session.clinic.room.clone(),
        doctor: st.session.doctor.name.clone(),
        date: long_date(c.lang, st.session.session.service_date),
        position: st.position,
        estimate: clock_time(st.estimated_at, tz),
        payer: payer_label(c.lang, st.visit.payer),
        printed_at: printed_at(c.lang, state.now(), tz),
        printer: printer.map(|p| p.to_string()).unwrap_or_default(),
        notice: String::new(),
        error: String::new(),
        c,
    })
}

/// `GET /staff/tiket/{id}` — a ticket to print for the patient.
async fn printable_ticket(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
    StaffPage { staff, c }: StaffPage,
) -> PageResult {
    let mut page = ticket_page(&state, &staff, c, path.into_inner()).await?;
    if req.query_string().split('&').any(|kv| kv == "ok=printed") {
        page.notice = page.c.t("Tiket terkirim ke printer.", "Sent to the printer.").to_string();
    }
    Ok(render(&page.c, StatusCode::OK, &page))
}

#[derive(Debug, Deserialize)]
pub struct PrintForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub printer: String,
}

csrf_field!(PrintForm);

/// `POST /staff/tiket/{id}/cetak` — print on the desk's ESC/POS printer.
async fn print_on_thermal(
    state: web::Data<AppState>,
    path: web::Path<i64>,
    StaffForm { staff, c, form }: StaffForm<PrintForm>,
) -> PageResult {
    let id = path.into_inner();
    let mut page = ticket_page(&state, &staff, c, id).await?;
    let en = page.c.lang.is_en();
    // A valid address is kept with the account (the desk's printer from now on).
    let (who, typed) = (staff.clone(), form.printer.clone());
    let saved = crate::service::read(&state, move |conn| {
        if typed.trim().is_empty() {
            return Ok(None);
        }
        printers::set_desk_printer(conn, &who, &typed)
    })
    .await;
    let addr = match saved {
        Ok(Some(addr)) => addr,
        Err(e) if e.status != StatusCode::UNPROCESSABLE_ENTITY => {
            return Err(PageError::new(page.c.lang, e));
        }
        Ok(None) | Err(_) => {
            page.printer = form.printer.trim().to_string();
            page.error = page
                .c
                .t(
                    "Alamat printer ditulis tcp://alamat:port, misalnya tcp://192.168.1.50:9100.",
                    "Write the printer as tcp://host:port, for example tcp://192.168.1.50:9100.",
                )
                .to_string();
            return Ok(render(&page.c, StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    match escpos::print(&addr, &slip(&page)).await {
        Ok(()) => Ok(see_other(&format!("/staff/tiket/{id}?ok=printed"))),
        Err(e) => {
            tracing::warn!(error = %e, "thermal printer");
            page.printer = form.printer.trim().to_string();
            page.error = format!(
                "{} {}",
                e.message(en),
                page.c.t("Cetak lewat browser.", "Print through the browser.")
            );
            Ok(render(&page.c, StatusCode::SERVICE_UNAVAILABLE, &page))
        }
    }
}

/// The thermal slip: the same facts as the paper page.
fn slip(p: &TicketPage) -> Slip {
    let t = |id: &'static str, en: &'static str| p.c.t(id, en).to_string();
    Slip {
        heading: "RSUD Mimika - SIPOLI".into(),
        ticket: p.ticket.clone(),
        facts: vec![
            (t("Poli", "Clinic"), format!("{} - {}", p.clinic, p.room)),
            (t("Dokter", "Doctor"), p.doctor.clone()),
            (t("Tanggal", "Date"), p.date.clone()),
            (t("Pembayaran", "Payment"), p.payer.to_string()),
            (t("Di depan Anda", "Ahead of you"), p.position.to_string()),
            (t("Perkiraan", "Estimate"), p.estimate.clone()),
            (t("Kode", "Code"), p.code.clone()),
            (t("Dicetak", "Printed"), p.printed_at.clone()),
        ],
        qr: p.status_url.clone(),
        footer: t(
            "Pindai kode QR untuk memantau antrean.",
            "Scan the QR code to follow the queue.",
        ),
    }
}
