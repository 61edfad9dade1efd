//! Kiosk and board assets (`kiosk/`), embedded in the binary so a copied `sipoli` serves
//! everything from anywhere. `SIPOLI_ASSETS=dir` serves them from that directory instead
//! (for working on the scripts without rebuilding).
use std::borrow::Cow;
use std::path::PathBuf;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

/// The `kiosk/` directory, compiled in (in debug builds too, so tests see what ships).
#[derive(rust_embed::RustEmbed)]
#[folder = "kiosk/"]
#[exclude = "audio/make-clips.sh"]
#[exclude = "audio/words.txt"]
pub struct Embedded;

/// The override directory from `SIPOLI_ASSETS`, if set.
pub fn override_dir() -> Option<PathBuf> {
    crate::config::var("SIPOLI_ASSETS").map(PathBuf::from)
}

/// Names of every embedded asset (served at `/assets/<name>`).
pub fn names() -> Vec<String> {
    Embedded::iter().map(|n| n.to_string()).collect()
}

/// One asset's bytes: from `SIPOLI_ASSETS` when set, else from the binary.
pub fn get(name: &str) -> Option<Cow<'static, [u8]>> {
    if name.contains("..") || name.starts_with('/') {
        return None;
    }
    match override_dir() {
        Some(dir) => std::fs::read(dir.join(name)).ok().map(Cow::Owned),
        None => Embedded::get(name).map(|f| f.data),
    }
}

fn content_type(name: &str) -> String {
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    match mime.type_() {
        mime_guess::mime::TEXT | mime_guess::mime::APPLICATION
            if mime.subtype() != mime_guess::mime::OCTET_STREAM =>
        {
            format!("{mime}; charset=utf-8")
        }
        _ => mime.to_string(),
    }
}

/// `GET /assets/{name}`: an asset with its type, an ETag and `no-cache` revalidation.
pub async fn serve(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    let name = name.into_inner();
    let Some(data) = get(&name) else {
        return HttpResponse::NotFound().content_type("text/plain; charset=utf-8").body("404");
    };
    let etag = {
        use sha2::Digest;
        format!("\"{}\"", hex::encode(&sha2::Sha256::digest(&data)[..12]))
    };
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish();
    }
    HttpResponse::Ok()
        .content_type(content_type(&name))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(data.into_owned())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/{name:.+}", web::get().to(serve));
}
