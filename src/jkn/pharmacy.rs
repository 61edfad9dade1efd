//! Mobile JKN's two pharmacy services (`ambilantreanfarmasi`, `statusantreanfarmasi`),
//! answered from the pharmacy queue of the visit's journey.
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::envelope::{Answer, Refused, render};
use super::inbound::{admit, booking_code};
use crate::app::AppState;
use crate::domain::journey::StationKind;
use crate::service::journey::PharmacyStanding;
use crate::service::mobile_jkn;

/// Answer with `shape` of the pharmacy standing of the body's `kodebooking`.
async fn answer(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
    shape: fn(&PharmacyStanding) -> Value,
) -> HttpResponse {
    let outcome: Result<Answer, Refused> = match admit(state, req, body) {
        Err(r) => Err(r),
        Ok(b) => {
            mobile_jkn::pharmacy(state, booking_code(&b)).await.map(|p| Answer::Data(shape(&p)))
        }
    };
    render(outcome)
}

fn keterangan(p: &PharmacyStanding) -> &'static str {
    p.step.status.label_id(StationKind::Pharmacy)
}

/// `POST /jkn/ambilantreanfarmasi {kodebooking}` → `{jenisresep, nomorantrean, keterangan}`
pub async fn ambil_antrean_farmasi(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    answer(&state, &req, &body, |p| {
        json!({
            "jenisresep": p.lane.jenisresep(),
            "nomorantrean": p.step.ticket,
            "keterangan": keterangan(p),
        })
    })
    .await
}

/// `POST /jkn/statusantreanfarmasi {kodebooking}` → `{jenisresep, totalantrean,
/// sisaantrean, antreanpanggil, keterangan}`
pub async fn status_antrean_farmasi(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    answer(&state, &req, &body, |p| {
        json!({
            "jenisresep": p.lane.jenisresep(),
            "totalantrean": p.total,
            "sisaantrean": p.left,
            "antreanpanggil": p.called.clone().unwrap_or_else(|| "-".into()),
            "keterangan": keterangan(p),
        })
    })
    .await
}
