//! Tokens of `/jkn/auth`: `base64url(username|expiry) . base64url(HMAC-SHA256)`, signed
//! with the service's secret key, so that any node can check them without storing them.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Why a token is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Malformed,
    WrongUser,
    Expired,
}

impl TokenProblem {
    /// As Mobile JKN shows it.
    pub fn message(self) -> &'static str {
        match self {
            TokenProblem::Malformed => "Token Tidak Valid",
            TokenProblem::WrongUser => "Token Tidak Sesuai dengan Username",
            TokenProblem::Expired => "Token Expired",
        }
    }
}

fn mac(secret: &str, payload: &str) -> HmacSha256 {
    // HMAC takes keys of any length.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(b"sipoli-jkn-token:");
    mac.update(payload.as_bytes());
    mac
}

/// A token for `username`, valid for `minutes` from `now`.
pub fn issue(secret: &str, username: &str, now: DateTime<Utc>, minutes: i64) -> String {
    let expires = (now + Duration::minutes(minutes)).timestamp();
    let payload = format!("{username}|{expires}");
    let signature = mac(secret, &payload).finalize().into_bytes();
    format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(signature))
}

/// Check a token presented with `username` at `now`.
pub fn verify(
    secret: &str,
    token: &str,
    username: &str,
    now: DateTime<Utc>,
) -> Result<(), TokenProblem> {
    let (payload, signature) = token.trim().split_once('.').ok_or(TokenProblem::Malformed)?;
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| TokenProblem::Malformed)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenProblem::Malformed)?;
    let payload = String::from_utf8(payload).map_err(|_| TokenProblem::Malformed)?;
    mac(secret, &payload).verify_slice(&signature).map_err(|_| TokenProblem::Malformed)?;
    let (user, expires) = payload.rsplit_once('|').ok_or(TokenProblem::Malformed)?;
    let expires: i64 = expires.parse().map_err(|_| TokenProblem::Malformed)?;
    if user != username {
        return Err(TokenProblem::WrongUser);
    }
    if now.timestamp() >= expires {
        return Err(TokenProblem::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).single().expect("time")
    }

    #[test]
    fn a_token_works_for_its_user_until_it_expires() {
        let token = issue("k", "mobilejkn", t0(), 60);
        assert_eq!(verify("k", &token, "mobilejkn", t0()), Ok(()));
        assert_eq!(verify("k", &token, "mobilejkn", t0() + Duration::minutes(59)), Ok(()));
        assert_eq!(
            verify("k", &token, "mobilejkn", t0() + Duration::minutes(60)),
            Err(TokenProblem::Expired)
        );
        assert_eq!(verify("k", &token, "other", t0()), Err(TokenProblem::WrongUser));
    }

    #[test]
    fn a_forged_or_mangled_token_is_refused() {
        let token = issue("k", "mobilejkn", t0(), 60);
        assert_eq!(verify("other-key", &token, "mobilejkn", t0()), Err(TokenProblem::Malformed));
        let (_, sig) = token.split_once('.').expect("two parts");
        let forged = format!("{}.{sig}", URL_SAFE_NO_PAD.encode("mobilejkn|9999999999"));
        assert_eq!(verify("k", &forged, "mobilejkn", t0()), Err(TokenProblem::Malformed));
        assert_eq!(verify("k", "", "mobilejkn", t0()), Err(TokenProblem::Malformed));
    }
}
