//! Mobile JKN's two pharmacy services (`ambilantreanfarmasi`, `statusantreanfarmasi`),
//! answered from the pharmacy queue of the visit's journey.
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::envelope::{Answer, Refused, render};
use super::inbound::{admit, in_transaction, visit_by_code};
use crate::app::AppState;
use crate::domain::journey::StationKind;
use crate::service::journey::{self, PharmacyStanding};

type Outcome = Result<Answer, Refused>;

const NO_PRESCRIPTION: &str = "Belum ada resep untuk kode booking ini";

/// Answer with `shape` of the pharmacy standing of the body's `kodebooking`.
async fn answer(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
    shape: fn(&PharmacyStanding) -> Value,
) -> HttpResponse {
    let outcome: Outcome = match admit(state, req, body) {
        Err(r) => Err(r),
        Ok(b) => {
            in_transaction(state, move |c| {
                let visit = match visit_by_code(c, &b)? {
                    Ok(v) => v,
                    Err(r) => return Ok(Err(r)),
                };
                Ok(match journey::pharmacy_standing(c, &visit)? {
                    Some(p) => Ok(Answer::Data(shape(&p))),
                    None => Err(Refused::new(NO_PRESCRIPTION)),
                })
            })
            .await
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
