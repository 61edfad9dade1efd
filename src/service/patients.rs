//! Patients at the registration counter: looked up by NIK, BPJS number, record number
//! (no. RM), or name plus birth date, to register a returning patient without retyping.
use chrono::NaiveDate;
use diesel::PgConnection;

pub use crate::db::models::Patient;
use crate::db::patients::{self, PatientLookup};
use crate::domain::Invalid;
use crate::domain::staff::StaffIdentity;
use crate::error::{AppError, AppResult};

/// Most patients one lookup shows.
pub const SEARCH_LIMIT: i64 = 20;

const SEARCH_HOW: Invalid = Invalid::new(
    "invalid_search",
    "Cari dengan NIK (16 angka), nomor BPJS (13 angka), nomor rekam medis, atau nama beserta tanggal lahir.",
    "Search by NIK (16 digits), BPJS number (13 digits), medical record number, or name with birth date.",
);

/// What a lookup text means: 16 digits a NIK, 13 digits a BPJS number, a name (letters)
/// with a birth date, otherwise a record number.
pub fn lookup_of(text: &str, birth: Option<NaiveDate>) -> Result<PatientLookup, Invalid> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 100 || text.chars().any(char::is_control) {
        return Err(SEARCH_HOW);
    }
    let digits = text.chars().all(|c| c.is_ascii_digit());
    Ok(match (digits, text.len(), birth) {
        (true, 16, _) => PatientLookup::Nik(text.to_string()),
        (true, 13, _) => PatientLookup::BpjsNo(text.to_string()),
        (false, _, Some(b))
            if text.chars().any(char::is_alphabetic) && text.chars().count() >= 2 =>
        {
            PatientLookup::NameAndBirth(text.to_string(), b)
        }
        (false, _, None) if text.contains(' ') => return Err(SEARCH_HOW),
        _ => PatientLookup::RecordNo(text.to_string()),
    })
}

/// Look patients up (admin, registration).
pub fn search(
    conn: &mut PgConnection,
    staff: &StaffIdentity,
    text: &str,
    birth: Option<NaiveDate>,
) -> AppResult<Vec<Patient>> {
    super::booking::require_registrar(staff)?;
    let lookup = lookup_of(text, birth).map_err(|e| AppError::fields(vec![("cari", e)]))?;
    patients::search(conn, &lookup, SEARCH_LIMIT)
}

/// One patient, to fill the registration form (admin, registration).
pub fn get(conn: &mut PgConnection, staff: &StaffIdentity, id: i64) -> AppResult<Patient> {
    super::booking::require_registrar(staff)?;
    patients::find(conn, id)?.ok_or_else(|| {
        AppError::not_found("not_found", "Pasien tidak ditemukan.", "No such patient.")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        let birth = NaiveDate::from_ymd_opt(1990, 5, 17);
        assert_eq!(
            lookup_of("9104011705900001", None),
            Ok(PatientLookup::Nik("9104011705900001".into()))
        );
        assert_eq!(
            lookup_of(" 0001234567890 ", None),
            Ok(PatientLookup::BpjsNo("0001234567890".into()))
        );
        assert_eq!(lookup_of("RM-00123", None), Ok(PatientLookup::RecordNo("RM-00123".into())));
        assert_eq!(lookup_of("900001", None), Ok(PatientLookup::RecordNo("900001".into())));
        assert_eq!(
            lookup_of("Yosina", birth),
            Ok(PatientLookup::NameAndBirth("Yosina".into(), birth.unwrap()))
        );
        assert_eq!(lookup_of("Yosina Wenda", None), Err(SEARCH_HOW));
        assert_eq!(lookup_of("  ", None), Err(SEARCH_HOW));
    }
}
