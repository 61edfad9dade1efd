//! One error type for the whole service, rendered as
//! `{"error": {"code": …, "message": …, "fields": {…}}}`.
//! Messages are Indonesian; `i18n::English` middleware swaps in English when asked.
use std::borrow::Cow;

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde_json::{Map, Value, json};

use crate::domain::{Invalid, Refusal};

type Text = Cow<'static, str>;

#[derive(Debug, Clone)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub id: Text,
    pub en: Text,
    /// Per-field problems: field name → {code, message, message_en}.
    pub fields: Option<Box<Map<String, Value>>>,
    /// For 5xx: the cause, logged and never shown.
    pub cause: Option<Box<str>>,
    /// For 429 and 503: seconds after which a retry may succeed (`Retry-After`).
    pub retry_after: Option<u64>,
}

impl AppError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        id: impl Into<Text>,
        en: impl Into<Text>,
    ) -> Self {
        AppError {
            status,
            code,
            id: id.into(),
            en: en.into(),
            fields: None,
            cause: None,
            retry_after: None,
        }
    }
    pub fn bad_request(code: &'static str, id: impl Into<Text>, en: impl Into<Text>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, id, en)
    }
    pub fn unprocessable(code: &'static str, id: impl Into<Text>, en: impl Into<Text>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, id, en)
    }
    pub fn conflict(code: &'static str, id: impl Into<Text>, en: impl Into<Text>) -> Self {
        Self::new(StatusCode::CONFLICT, code, id, en)
    }
    pub fn not_found(code: &'static str, id: impl Into<Text>, en: impl Into<Text>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, id, en)
    }
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Silakan masuk (login) terlebih dahulu.",
            "Please log in first.",
        )
    }
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Akun Anda tidak berhak melakukan tindakan ini.",
            "Your account may not do this.",
        )
    }
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        AppError {
            cause: Some(cause.to_string().into()),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Terjadi kesalahan pada server. Silakan coba lagi.",
                "Something went wrong on the server. Please try again.",
            )
        }
    }
    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        AppError {
            cause: Some(cause.to_string().into()),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "Layanan sedang sibuk atau tidak tersedia. Silakan coba lagi sebentar lagi.",
                "The service is busy or unavailable. Please try again shortly.",
            )
        }
    }

    /// No database connection within the pool's checkout timeout (503, soon).
    pub fn database_unavailable(cause: impl std::fmt::Display) -> Self {
        AppError {
            cause: Some(cause.to_string().into()),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "Basis data sedang tidak dapat dihubungi. Silakan coba lagi sebentar lagi.",
                "The database cannot be reached right now. Please try again shortly.",
            )
        }
        .retry_after(5)
    }

    /// Validation failure of one or more fields (422).
    pub fn fields(problems: Vec<(&str, Invalid)>) -> Self {
        let mut map = Map::new();
        for (field, invalid) in &problems {
            map.insert(
                (*field).to_string(),
                json!({"code": invalid.code, "message": invalid.id, "message_en": invalid.en}),
            );
        }
        let mut err = Self::unprocessable(
            "validation_failed",
            "Data yang diisi belum benar. Periksa kembali isian yang ditandai.",
            "Some fields are not valid. Please check the marked fields.",
        );
        if let [(_, only)] = problems.as_slice() {
            err.code = only.code;
            err.id = only.id.to_string().into();
            err.en = only.en.to_string().into();
        }
        err.fields = Some(Box::new(map));
        err
    }

    /// The JSON body in the given language.
    pub fn body(&self, english: bool) -> Value {
        let mut error = json!({
            "code": self.code,
            "message": if english { &self.en } else { &self.id },
        });
        if let Some(fields) = &self.fields {
            let fields: Map<String, Value> = fields
                .iter()
                .map(|(name, f)| {
                    let msg = if english { &f["message_en"] } else { &f["message"] };
                    (name.clone(), json!({"code": f["code"], "message": msg}))
                })
                .collect();
            error["fields"] = Value::Object(fields);
        }
        json!({ "error": error })
    }

    pub fn message(&self, english: bool) -> &str {
        if english { &self.en } else { &self.id }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.code, self.id)?;
        if let Some(cause) = &self.cause {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl From<Invalid> for AppError {
    fn from(invalid: Invalid) -> Self {
        AppError::unprocessable(invalid.code, invalid.id, invalid.en)
    }
}

/// The error of an exceeded limit.
pub fn rate_limited(retry_after: u64) -> AppError {
    AppError::new(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "Terlalu banyak permintaan dari alamat ini. Mohon tunggu sebentar lalu coba lagi.",
        "Too many requests from this address. Please wait a moment and try again.",
    )
    .retry_after(retry_after.max(1))
}

impl From<Refusal> for AppError {
    fn from(Refusal(why): Refusal) -> Self {
        AppError::conflict(why.code, why.id, why.en)
    }
}

impl From<DieselError> for AppError {
    fn from(err: DieselError) -> Self {
        match &err {
            DieselError::NotFound => {
                AppError::not_found("not_found", "Data tidak ditemukan.", "Not found.")
            }
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::conflict(
                    "already_exists",
                    "Data yang sama sudah ada.",
                    "The same record already exists.",
                )
            }
            DieselError::DatabaseError(DatabaseErrorKind::CheckViolation, info) => {
                AppError::conflict(
                    "constraint_violated",
                    "Perubahan ini melanggar aturan data.",
                    "This change breaks a data rule.",
                )
                .with_cause(info.message())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                AppError::unprocessable(
                    "unknown_reference",
                    "Data yang dirujuk tidak ada.",
                    "A referenced record does not exist.",
                )
                .with_cause(info.message())
            }
            // A NUL that slipped past validation (PostgreSQL text cannot hold it): the
            // client's mistake, not the server's.
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().contains("invalid byte sequence") =>
            {
                AppError::from(crate::domain::CONTROL_CHARACTER).with_cause(info.message())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                AppError::database_unavailable(&err)
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                AppError::unavailable(&err)
            }
            _ => AppError::internal(&err),
        }
    }
}

impl From<r2d2_error::PoolError> for AppError {
    fn from(err: r2d2_error::PoolError) -> Self {
        AppError::database_unavailable(err)
    }
}

mod r2d2_error {
    pub use diesel::r2d2::PoolError;
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        AppError::unavailable(err)
    }
}

impl AppError {
    /// Tell the client when to try again (`Retry-After`, seconds).
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The response head of this error: its status and `Retry-After` when there is one.
    pub fn response_builder(&self) -> actix_web::HttpResponseBuilder {
        let mut res = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            res.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
        }
        res
    }

    pub fn with_cause(mut self, cause: impl std::fmt::Display) -> Self {
        self.cause = Some(cause.to_string().into());
        self
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, cause = ?self.cause, "request failed");
        }
        self.response_builder().json(self.body(false))
    }
}

pub type AppResult<T> = Result<T, AppError>;
