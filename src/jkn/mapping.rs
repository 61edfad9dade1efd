//! Between Antrean Online's vocabulary and ours: `kodepoli` = clinics.bpjs_code,
//! `kodedokter` = doctors.bpjs_code, `tanggalperiksa` + `jampraktek` = a clinic session,
//! `nomorantrean` = ticket, `angkaantrean` = queue number, `kodebooking` = booking code;
//! and our refusals in the words Mobile JKN shows.
use chrono::{NaiveDate, NaiveTime};
use diesel::prelude::*;
use serde_json::{Value, json};

use super::envelope::Refused;
use crate::db::models::{Patient, Visit};
use crate::db::schema::{clinic_sessions, clinics, doctors, patients};
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
    let clinic_id: Option<i32> = clinics::table
        .filter(clinics::bpjs_code.eq(kodepoli))
        .filter(clinics::active)
        .select(clinics::id)
        .first(conn)
        .optional()
        .map_err(|e| refusal_of(&e.into()))?;
    let Some(clinic_id) = clinic_id else {
        return Err(Refused::new("Poli tidak ditemukan"));
    };
    let doctor_code: i32 = text(kodedokter)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Refused::new("Kode dokter tidak sesuai"))?;
    let session_id: Option<i32> = clinic_sessions::table
        .inner_join(doctors::table)
        .filter(clinic_sessions::clinic_id.eq(clinic_id))
        .filter(doctors::bpjs_code.eq(doctor_code))
        .filter(clinic_sessions::service_date.eq(date))
        .filter(clinic_sessions::starts_at.eq(from))
        .filter(clinic_sessions::ends_at.eq(to))
        .select(clinic_sessions::id)
        .first(conn)
        .optional()
        .map_err(|e| refusal_of(&e.into()))?;
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

/// The body of `/antrean/add` for a visit booked through our own channels; `None` when
/// the visit carries no identity BPJS could match (a walk-in ticket without NIK or card).
pub fn add_payload(conn: &mut PgConnection, visit: &Visit) -> Result<Option<Value>, AppError> {
    let Some(patient_id) = visit.patient_id else { return Ok(None) };
    let patient: Patient =
        patients::table.find(patient_id).select(Patient::as_select()).first(conn)?;
    let jkn = visit.payer == crate::domain::kinds::Payer::Jkn;
    if jkn && patient.bpjs_no.is_none() {
        return Ok(None);
    }
    let session = sessions::get(conn, visit.session_id)?;
    let (Some(kodepoli), Some(kodedokter)) =
        (session.clinic.bpjs_code.clone(), session.doctor.bpjs_code)
    else {
        // A clinic or doctor BPJS does not know: nothing to report.
        return Ok(None);
    };
    let new_patient = patient.created_at == visit.created_at;
    Ok(Some(json!({
        "kodebooking": visit.booking_code,
        "jenispasien": if jkn { "JKN" } else { "NON JKN" },
        "nomorkartu": if jkn { patient.bpjs_no.clone().unwrap_or_default() } else { String::new() },
        "nik": patient.nik.clone().unwrap_or_default(),
        "nohp": visit.contact_phone.clone().or(patient.phone.clone()).unwrap_or_default(),
        "kodepoli": kodepoli,
        "namapoli": session.clinic.name,
        "pasienbaru": i32::from(new_patient),
        "norm": patient.medical_record_no.clone().unwrap_or_default(),
        "tanggalperiksa": visit.service_date.to_string(),
        "kodedokter": kodedokter,
        "namadokter": session.doctor.name,
        "jampraktek": session.hours(),
        "jeniskunjungan": visit.visit_type.unwrap_or(1),
        "nomorreferensi": visit.referral_number.clone().unwrap_or_default(),
        "nomorantrean": visit.ticket,
        "angkaantrean": visit.queue_number,
        "estimasidilayani": visit.estimated_at.timestamp_millis(),
        "sisakuotajkn": session.remaining_jkn(),
        "kuotajkn": session.session.quota_jkn,
        "sisakuotanonjkn": session.remaining_non_jkn(),
        "kuotanonjkn": session.session.quota_non_jkn,
        "keterangan": "Peserta harap 30 menit lebih awal guna pencatatan administrasi.",
    })))
}

#[cfg(test)]
mod tests {
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
