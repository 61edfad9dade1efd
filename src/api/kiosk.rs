//! `POST /api/v1/kiosk/tickets` — a walk-in ticket from a paired hall kiosk.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};

use super::{idempotent, parse_json, views};
use crate::app::AppState;
use crate::auth::Kiosk;
use crate::error::AppResult;
use crate::service::intake::{self, TicketBody};
use crate::service::{kiosks, registration};

/// A walk-in ticket: a place in a polyclinic session, or a registration-counter ticket.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum KioskTicketOut {
    Clinic(Box<views::PlacedOut>),
    Counter(Box<views::CounterTicketOut>),
}

#[utoipa::path(
    post,
    path = "/api/v1/kiosk/tickets",
    tag = "kiosk",
    description = "A walk-in ticket (waiting). `priority_category` (`lansia`, `disabilitas`, `ibu_hamil`, `anak_kecil`) makes the visit priority at every step of its journey; `station: PENDAFTARAN` takes a registration-counter ticket instead of a session.",
    security(("kiosk_cookie" = []), ("kiosk_token" = [])),
    request_body = crate::service::intake::TicketBody,
    params(crate::openapi::Idempotency),
    responses(
        (status = 201, description = "Walk-in ticket: a polyclinic place, or with `station` a registration-counter ticket", body = KioskTicketOut),
        (status = 403, description = "A clinic the kiosk does not offer", body = crate::openapi::ErrorBody),
        (status = 404, description = "No such session or station", body = crate::openapi::ErrorBody),
        (status = 409, description = "`quota_full`, closed, walk-in not open", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn take_ticket(
    state: web::Data<AppState>,
    Kiosk(device): Kiosk,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: TicketBody = parse_json(&body)?;
    let st = state.get_ref().clone();
    if let Some(station) = parsed.station.as_deref() {
        // "Pendaftaran / pasien baru": a ticket for the registration counter.
        let ticket = registration::validate(&parsed, station)?;
        return idempotent(&state, &req, &body, StatusCode::CREATED, move |conn| {
            let standing = registration::take_ticket(conn, &st, &device, &ticket)?;
            Ok(KioskTicketOut::Counter(Box::new(views::counter_ticket(&standing, st.tz()))))
        })
        .await;
    }
    let place = intake::validate_ticket(&parsed)?;
    idempotent(&state, &req, &body, StatusCode::CREATED, move |conn| {
        let placed = kiosks::take_ticket(conn, &st, &device, &place)?;
        Ok(KioskTicketOut::Clinic(Box::new(views::placed(&placed, st.tz()))))
    })
    .await
}
