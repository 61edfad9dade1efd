//! What the patient pages' forms share (booking status, cancel, reschedule, waitlist,
//! offer): the birth date typed to prove a booking is one's own, and how a refusal is
//! shown on the form again instead of an error page.
use actix_web::http::StatusCode;
use chrono::NaiveDate;

use crate::error::AppError;
use crate::i18n::Lang;

/// The birth date of a form (`YYYY-MM-DD`, as `<input type="date">` sends it).
pub fn birth_date(raw: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::unprocessable(
            "invalid_date",
            "Isi tanggal lahir pasien (YYYY-MM-DD).",
            "Give the patient's birth date (YYYY-MM-DD).",
        )
    })
}

/// A refusal to show on the form again (a wrong birth date, a full session, a lock), in
/// the page's language; `None` for an unknown code (its own page) and server errors.
pub fn refusal(e: &AppError, lang: Lang) -> Option<String> {
    (e.status.is_client_error() && e.status != StatusCode::NOT_FOUND)
        .then(|| e.message(lang.is_en()).to_string())
}

/// A QR code of an address (a status or follow-up page), as an SVG image.
pub fn qr_svg(url: &str) -> Result<actix_web::HttpResponse, AppError> {
    let qr = qrcode::QrCode::new(url.as_bytes()).map_err(AppError::internal)?;
    let svg =
        qr.render::<qrcode::render::svg::Color>().min_dimensions(180, 180).quiet_zone(true).build();
    Ok(actix_web::HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "public, max-age=86400"))
        .body(svg))
}
