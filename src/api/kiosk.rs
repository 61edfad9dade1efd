//! `POST /api/v1/kiosk/tickets` — a walk-in ticket from the hall kiosk.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use serde::Deserialize;

use super::bookings::{parse_language, parse_payer};
use super::{idempotent, parse_json, views};
use crate::app::AppState;
use crate::db::booking::{self, Channel, PlaceRequest};
use crate::db::events::Actor;
use crate::db::{queue, sessions};
use crate::domain::identity::Phone;
use crate::error::AppError;
use crate::error::AppResult;

#[derive(Debug, Deserialize)]
pub struct TicketBody {
    pub session_id: Option<i32>,
    pub payer: Option<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
}

pub async fn take_ticket(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: TicketBody = parse_json(&body)?;
    let mut problems = Vec::new();
    let payer = parse_payer(parsed.payer.as_deref()).map_err(|e| problems.push(("payer", e))).ok();
    let phone = parsed
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(Phone::parse)
        .transpose()
        .map_err(|e| problems.push(("phone", e)))
        .ok()
        .flatten();
    let Some(session_id) = parsed.session_id else {
        return Err(AppError::fields(vec![(
            "session_id",
            crate::domain::Invalid {
                code: "required",
                id: "Pilih jadwal dokter.",
                en: "Choose a doctor's session.",
            },
        )]));
    };
    let Some(payer) = payer.filter(|_| problems.is_empty()) else {
        return Err(AppError::fields(problems));
    };
    let language = parse_language(parsed.language.as_deref());
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::CREATED, move |conn| {
        let (tz, now) = (st.tz(), st.now());
        let session = sessions::get(conn, session_id)?;
        st.settings.rules.check_kiosk(
            now.with_timezone(&tz),
            session.starts(tz),
            session.ends(tz),
        )?;
        let minutes = queue::minutes_per_patient(conn, &session)?;
        let placed = booking::take_place(
            conn,
            tz,
            now,
            minutes,
            &PlaceRequest {
                session_id,
                payer,
                channel: Channel::Kiosk,
                patient_id: None,
                visit_type: None,
                referral_number: None,
                contact_phone: phone.map(|p| p.as_str().to_string()),
                contact_email: None,
                language,
                actor: Actor::kiosk(),
            },
        )?;
        let position = queue::position_of(conn, &placed.visit)?;
        Ok(views::placed(&placed.visit, &placed.session, position, tz))
    })
    .await
}
