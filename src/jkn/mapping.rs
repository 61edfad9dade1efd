//! Between Antrean Online's vocabulary and ours: `kodepoli` = clinics.bpjs_code,
//! `kodedokter` = doctors.bpjs_code, `tanggalperiksa` + `jampraktek` = a clinic session,
//! `nomorantrean` = ticket, `angkaantrean` = queue number, `kodebooking` = booking code;
//! and our refusals in the words Mobile JKN shows.
use chrono::{NaiveDate, NaiveTime};
use serde_json::Value;

use super::envelope::Refused;
use crate::db::PgConnection;
use crate::db::jkn;
use crate::db::sessions::{self, SessionView};
use crate::error::AppError;

pub const PAST_DATE: &str = "Tanggal periksa tidak boleh tanggal yang sudah lewat";
pub const BAD_NIK: &str = "Format NIK tidak sesuai";
pub const BAD_CARD: &str = "Format nomor kartu tidak sesuai";
pub const BAD_PHONE: &str = "Format nomor HP tidak sesuai";
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

/// The session named by `kodepoli`, `kodedokter`, `tanggalperiksa`, `jampraktek`.
pub fn find_session(
    conn: &mut PgConnection,
    kodepoli: &str,
    kodedokter: &Value,
    date: NaiveDate,
    (from, to): (NaiveTime, NaiveTime),
) -> Result<SessionView, Refused> {
    let clinic_id = jkn::clinic_by_bpjs_code(conn, kodepoli).map_err(|e| refusal_of(&e))?;
    let Some(clinic_id) = clinic_id else {
        return Err(Refused::new("Poli tidak ditemukan"));
    };
    let doctor_code: i32 = text(kodedokter)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Refused::new("Kode dokter tidak sesuai"))?;
    let session_id = jkn::session_by_bpjs_codes(conn, clinic_id, doctor_code, date, (from, to))
        .map_err(|e| refusal_of(&e))?;
    let Some(id) = session_id else {
        return Err(Refused::new(
            "Jadwal dokter tidak tersedia pada tanggal dan jam praktek tersebut",
        ));
    };
    sessions::get(conn, id).map_err(|e| refusal_of(&e))
}

/// Our refusal in Mobile JKN's words.
pub fn refusal_of(err: &AppError) -> Refused {
    if err.status.is_server_error() {
        tracing::error!(error = %err, "JKN service failed");
        return Refused::new("Terjadi gangguan pada server rumah sakit, silakan coba lagi");
    }
    let code = match (&err.fields, err.code) {
        // Several field problems: name the first, as Mobile JKN shows one message.
        (Some(fields), "validation_failed") => {
            fields.values().next().and_then(|f| f["code"].as_str()).unwrap_or(err.code)
        }
        _ => err.code,
    };
    let message = match code {
        "quota_full" if err.id.contains("online") => err.id.to_string(),
        "quota_full" if err.id.contains("non-JKN") => "Kuota Non JKN sudah penuh".into(),
        "quota_full" => "Kuota JKN sudah penuh".into(),
        "date_in_past" => PAST_DATE.into(),
        "invalid_nik" => BAD_NIK.into(),
        "invalid_bpjs_no" | "bpjs_no_required" => BAD_CARD.into(),
        "invalid_phone" => BAD_PHONE.into(),
        "duplicate_booking" => {
            "Nomor antrean hanya dapat diambil 1 kali pada tanggal dan poli yang sama".into()
        }
        "referral_in_use" => {
            "Nomor referensi sudah digunakan untuk antrean lain yang masih aktif".into()
        }
        "unknown_booking" => "Antrean tidak ditemukan".into(),
        _ => match &err.fields {
            Some(fields) if code != err.code => fields
                .values()
                .next()
                .and_then(|f| f["message"].as_str())
                .unwrap_or(&err.id)
                .to_string(),
            _ => err.id.to_string(),
        },
    };
    Refused::new(message)
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

    #[test]
    fn refusals_use_mobile_jkn_words() {
        let full = AppError::conflict("quota_full", "Kuota JKN untuk jadwal ini sudah penuh.", "");
        assert_eq!(refusal_of(&full).message, "Kuota JKN sudah penuh");
        let past = AppError::conflict("date_in_past", "x", "y");
        assert_eq!(refusal_of(&past).message, PAST_DATE);
        assert_eq!(refusal_of(&past).code, 201);
        let boom = AppError::internal("disk on fire");
        assert!(!refusal_of(&boom).message.contains("disk"));
    }
}
