//! `Idempotency-Key`: the first successful response to a key is stored in the same
//! transaction as the change it made; a retry with the same key and body gets it back,
//! a retry with another body is refused. Concurrent retries wait on the row's unique key.
use diesel::prelude::*;
use serde_json::Value;

use super::schema::idempotency_records as idem;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone)]
pub struct IdemKey {
    pub scope: String,
    pub key: String,
    pub request_hash: String,
}

/// A stored answer to replay.
#[derive(Debug, Clone)]
pub struct Stored {
    pub status_code: u16,
    pub body: Value,
}

/// Claim the key inside the caller's transaction. `Some(stored)`: answer already given.
pub fn claim(conn: &mut PgConnection, key: &IdemKey) -> AppResult<Option<Stored>> {
    let inserted = diesel::insert_into(idem::table)
        .values((
            idem::scope.eq(&key.scope),
            idem::key.eq(&key.key),
            idem::request_hash.eq(&key.request_hash),
            idem::status_code.eq(0i16),
            idem::response_body.eq(Value::Null),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    if inserted == 1 {
        return Ok(None);
    }
    let (hash, status, body): (String, i16, Value) = idem::table
        .find((&key.scope, &key.key))
        .select((idem::request_hash, idem::status_code, idem::response_body))
        .first(conn)?;
    if hash != key.request_hash {
        return Err(AppError::unprocessable(
            "idempotency_key_reused",
            "Idempotency-Key ini sudah dipakai untuk permintaan lain.",
            "This Idempotency-Key was already used for a different request.",
        ));
    }
    Ok(Some(Stored { status_code: u16::try_from(status).unwrap_or(200), body }))
}

/// Store the answer, in the same transaction as the change.
pub fn save(conn: &mut PgConnection, key: &IdemKey, status: u16, body: &Value) -> AppResult<()> {
    diesel::update(idem::table.find((&key.scope, &key.key)))
        .set((
            idem::status_code.eq(i16::try_from(status).unwrap_or(200)),
            idem::response_body.eq(body),
        ))
        .execute(conn)?;
    Ok(())
}
