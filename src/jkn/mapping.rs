//! Between Antrean Online's vocabulary and ours: `kodepoli` = clinics.bpjs_code,
//! `kodedokter` = doctors.bpjs_code, `tanggalperiksa` + `jampraktek` = a clinic session,
//! `nomorantrean` = ticket, `angkaantrean` = queue number, `kodebooking` = booking code.
//! Reading the fields is here; what they name is found by `service::mobile_jkn`.
use chrono::{NaiveDate, NaiveTime};
use serde_json::Value;

use super::envelope::Refused;
use crate::service::mobile_jkn::SessionKey;
pub use crate::service::mobile_jkn::{BAD_CARD, BAD_NIK, BAD_PHONE, PAST_DATE, refusal_of};
pub const BAD_DATE: &str = "Format tanggal tidak sesuai, format yang benar adalah yyyy-mm-dd";

/// A text field: strings as they are, numbers written out (Mobile JKN is not consistent).
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub fn required(v: &Value, name: &str) -> Result<String, Refused> {
    text(v).ok_or_else(|| Refused::new(format!("{name} belum diisi")))
}

pub fn date(v: &Value, name: &str) -> Result<NaiveDate, Refused> {
    let s = required(v, name)?;
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| Refused::new(BAD_DATE))
}

/// `jampraktek` "08:00-12:00".
pub fn hours(v: &Value) -> Result<(NaiveTime, NaiveTime), Refused> {
    let bad = || Refused::new("Format jam praktek tidak sesuai, contoh yang benar 08:00-12:00");
    let s = required(v, "Jam praktek")?;
    let (from, to) = s.split_once('-').ok_or_else(bad)?;
    let from = NaiveTime::parse_from_str(from.trim(), "%H:%M").map_err(|_| bad())?;
    let to = NaiveTime::parse_from_str(to.trim(), "%H:%M").map_err(|_| bad())?;
    Ok((from, to))
}

/// The session `kodepoli`, `kodedokter`, `tanggalperiksa` and `jampraktek` name, on a day
/// not before `today`.
pub fn session_key(b: &Value, today: NaiveDate) -> Result<SessionKey, Refused> {
    let kodepoli = required(&b["kodepoli"], "Kode poli")?;
    let date = date(&b["tanggalperiksa"], "Tanggal periksa")?;
    if date < today {
        return Err(Refused::new(PAST_DATE));
    }
    let hours = hours(&b["jampraktek"])?;
    let doctor_code = text(&b["kodedokter"]).and_then(|s| s.parse().ok());
    Ok(SessionKey { kodepoli, doctor_code, date, hours })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn practice_hours_are_read_as_mobile_jkn_writes_them() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("time");
        assert_eq!(hours(&json!("08:00-12:00")), Ok((t(8, 0), t(12, 0))));
        assert_eq!(hours(&json!("14:00 - 16:00")), Ok((t(14, 0), t(16, 0))));
        assert!(hours(&json!("8 pagi")).is_err());
        assert!(hours(&json!(null)).is_err());
    }
}
