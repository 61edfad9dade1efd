//! Open data (no personal data): the daily figures as JSON and CSV, and today's live
//! figures. Cacheable: a strong `ETag` of the body, `If-None-Match` answers 304.
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::error::AppResult;
use crate::service::open_data::{self, DailyRow, FIELDS, Range};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DailyQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub clinic: Option<String>,
}

async fn rows(state: &AppState, q: &DailyQuery) -> AppResult<(Range, Vec<DailyRow>)> {
    let range = Range::parse(q.from.as_deref(), q.to.as_deref(), state.today())?;
    let rows = open_data::daily(state, range, q.clinic.clone()).await?;
    Ok((range, rows))
}

/// Past days change rarely (a late complaint closes): an hour; a range with today in it,
/// five minutes.
fn max_age(state: &AppState, range: Range) -> u32 {
    if range.to < state.today() { 3600 } else { 300 }
}

/// The body with `ETag` and `Cache-Control`, or 304 when the client has it already.
fn cached(req: &HttpRequest, content_type: &str, body: Vec<u8>, max_age: u32) -> HttpResponse {
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16]));
    let cache = format!("public, max-age={max_age}");
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut res = if matches { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"));
    if matches { res.finish() } else { res.content_type(content_type.to_string()).body(body) }
}

/// The daily feed: the range, the field names in CSV order, and the rows.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DailyOut {
    #[schema(value_type = String, format = Date)]
    pub from: chrono::NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: chrono::NaiveDate,
    #[schema(value_type = Vec<String>)]
    pub fields: &'static [&'static str],
    pub rows: Vec<DailyRow>,
}

/// `GET /api/v1/open/daily?from=&to=&clinic=`
#[utoipa::path(
    get,
    path = "/api/v1/open/daily",
    tag = "open data",
    params(crate::api::open::DailyQuery),
    responses(
        (status = 200, description = "Daily figures per clinic (cacheable, `ETag`)", body = DailyOut),
        (status = 404, description = "Unknown clinic", body = crate::openapi::ErrorBody),
        (status = 304, description = "Not modified (`If-None-Match`)")
    ),
)]
pub async fn daily_json(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<DailyQuery>,
) -> AppResult<HttpResponse> {
    let (range, rows) = rows(&state, &q).await?;
    let body =
        serde_json::to_vec(&DailyOut { from: range.from, to: range.to, fields: &FIELDS, rows })
            .map_err(crate::error::AppError::internal)?;
    Ok(cached(&req, "application/json", body, max_age(&state, range)))
}

/// `GET /api/v1/open/daily.csv?from=&to=&clinic=` — RFC 4180, comma-separated, dot
/// decimals, the header row in [`FIELDS`] order.
#[utoipa::path(
    get,
    path = "/api/v1/open/daily.csv",
    tag = "open data",
    params(crate::api::open::DailyQuery),
    responses(
        (status = 200, description = "The same figures as RFC 4180 CSV", content_type = "text/csv", body = String),
        (status = 404, description = "Unknown clinic", body = crate::openapi::ErrorBody),
        (status = 304, description = "Not modified (`If-None-Match`)")
    ),
)]
pub async fn daily_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<DailyQuery>,
) -> AppResult<HttpResponse> {
    let (range, rows) = rows(&state, &q).await?;
    let mut out = FIELDS.join(",");
    out.push_str("\r\n");
    for r in &rows {
        // Codes and numbers only: no cell needs quoting.
        out.push_str(&r.cells().join(","));
        out.push_str("\r\n");
    }
    Ok(cached(&req, "text/csv; charset=utf-8", out.into_bytes(), max_age(&state, range)))
}

/// `GET /api/v1/open/today` — waiting now per clinic and station, and the longest wait.
#[utoipa::path(
    get,
    path = "/api/v1/open/today",
    tag = "open data",
    responses(
        (status = 200, description = "Waiting now per clinic and station, and the longest wait", body = crate::service::open_data::Today),
        (status = 304, description = "Not modified (`If-None-Match`)")
    ),
)]
pub async fn today(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let today = open_data::today(&state).await?;
    let body = serde_json::to_vec(&today).map_err(crate::error::AppError::internal)?;
    Ok(cached(&req, "application/json", body, 30))
}
