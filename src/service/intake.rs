//! Bodies of the place-taking commands (online booking, kiosk ticket, counter
//! registration) as they arrive, and their validation into checked inputs. Every field
//! problem is reported at once (422 with `fields`).
use chrono::NaiveDate;
use serde::Deserialize;

use super::booking::{PatientInput, PlaceInput};
use crate::domain::Invalid;
use crate::domain::identity::{BpjsNo, Email, Nik, PersonName, Phone};
use crate::domain::kinds::{Channel, Payer, PriorityCategory};
use crate::error::{AppError, AppResult};

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PatientBody {
    pub nik: Option<String>,
    pub name: Option<String>,
    pub birth_date: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub bpjs_no: Option<String>,
    pub medical_record_no: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BookingBody {
    pub session_id: Option<i32>,
    pub payer: Option<String>,
    #[serde(default)]
    pub patient: PatientBody,
    pub visit_type: Option<i16>,
    pub referral_number: Option<String>,
    pub language: Option<String>,
}

/// A booking whose fields have all been checked.
#[derive(Debug, Clone)]
pub struct ValidBooking {
    pub session_id: i32,
    pub payer: Payer,
    pub patient: PatientInput,
    pub visit_type: Option<i16>,
    pub referral_number: Option<String>,
}

const fn invalid(code: &'static str, id: &'static str, en: &'static str) -> Invalid {
    Invalid { code, id, en }
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub fn parse_payer(s: Option<&str>) -> Result<Payer, Invalid> {
    // "umum" is how the counter and the kiosk say non-JKN.
    match s.map(|s| if s == "umum" { Payer::NonJkn.as_str() } else { s }).and_then(Payer::parse) {
        Some(payer) => Ok(payer),
        None => Err(invalid(
            "invalid_payer",
            "Pilih jenis pembayaran: JKN (BPJS) atau umum.",
            "Choose the payer: JKN (BPJS) or non-JKN.",
        )),
    }
}

/// A referral number: up to 40 letters, digits, `-` and `/`.
pub fn check_referral(r: &str) -> Result<(), Invalid> {
    if r.len() > 40 || !r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/') {
        return Err(invalid(
            "invalid_referral_number",
            "Nomor rujukan tidak valid.",
            "The referral number is not valid.",
        ));
    }
    Ok(())
}

pub fn parse_language(s: Option<&str>) -> String {
    if s == Some("en") { "en".into() } else { "id".into() }
}

/// Check every field; all problems are reported together.
pub fn validate(body: &BookingBody, today: NaiveDate) -> Result<ValidBooking, AppError> {
    let mut problems: Vec<(&str, Invalid)> = Vec::new();
    let p = &body.patient;
    let session_id = body.session_id;
    if session_id.is_none() {
        problems.push((
            "session_id",
            invalid("required", "Pilih jadwal dokter.", "Choose a doctor's session."),
        ));
    }
    let payer = parse_payer(blank(&body.payer)).map_err(|e| problems.push(("payer", e))).ok();
    let nik = blank(&p.nik)
        .map(Nik::parse)
        .transpose()
        .map_err(|e| problems.push(("patient.nik", e)))
        .ok()
        .flatten();
    let bpjs_no = blank(&p.bpjs_no)
        .map(BpjsNo::parse)
        .transpose()
        .map_err(|e| problems.push(("patient.bpjs_no", e)))
        .ok()
        .flatten();
    if blank(&p.nik).is_none() && blank(&p.bpjs_no).is_none() {
        problems.push((
            "patient.nik",
            invalid(
                "identity_required",
                "Isi NIK (16 digit) atau nomor kartu BPJS (13 digit).",
                "Give the NIK (16 digits) or the BPJS card number (13 digits).",
            ),
        ));
    }
    if payer == Some(Payer::Jkn) && blank(&p.bpjs_no).is_none() {
        problems.push((
            "patient.bpjs_no",
            invalid(
                "bpjs_no_required",
                "Pasien JKN wajib mengisi nomor kartu BPJS (13 digit).",
                "JKN patients must give their BPJS card number (13 digits).",
            ),
        ));
    }
    let name = match blank(&p.name) {
        None => {
            problems.push((
                "patient.name",
                invalid("required", "Nama pasien wajib diisi.", "The patient's name is required."),
            ));
            None
        }
        Some(n) => PersonName::parse(n).map_err(|e| problems.push(("patient.name", e))).ok(),
    };
    let birth_date = match blank(&p.birth_date).map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d")) {
        None => {
            problems.push((
                "patient.birth_date",
                invalid("required", "Tanggal lahir wajib diisi.", "The birth date is required."),
            ));
            None
        }
        Some(Err(_)) => {
            problems.push((
                "patient.birth_date",
                invalid(
                    "invalid_date",
                    "Tanggal lahir harus berformat YYYY-MM-DD.",
                    "The birth date must be written YYYY-MM-DD.",
                ),
            ));
            None
        }
        Some(Ok(d)) if d > today || d < today - chrono::Duration::days(366 * 130) => {
            problems.push((
                "patient.birth_date",
                invalid(
                    "invalid_birth_date",
                    "Tanggal lahir tidak masuk akal.",
                    "The birth date is not plausible.",
                ),
            ));
            None
        }
        Some(Ok(d)) => Some(d),
    };
    let phone = match blank(&p.phone) {
        None => {
            problems.push((
                "patient.phone",
                invalid(
                    "required",
                    "Nomor HP wajib diisi (untuk pemberitahuan antrean).",
                    "A mobile number is required (for queue notices).",
                ),
            ));
            None
        }
        Some(s) => Phone::parse(s).map_err(|e| problems.push(("patient.phone", e))).ok(),
    };
    let email = blank(&p.email)
        .map(Email::parse)
        .transpose()
        .map_err(|e| problems.push(("patient.email", e)))
        .ok()
        .flatten();
    if let Some(t) = body.visit_type
        && !(1..=4).contains(&t)
    {
        problems.push((
            "visit_type",
            invalid(
                "invalid_visit_type",
                "Jenis kunjungan harus 1–4.",
                "The visit type must be 1–4.",
            ),
        ));
    }
    let referral = blank(&body.referral_number).map(str::to_string);
    if let Some(Err(e)) = referral.as_deref().map(check_referral) {
        problems.push(("referral_number", e));
    }
    if !problems.is_empty() {
        return Err(AppError::fields(problems));
    }
    let (Some(session_id), Some(payer), Some(name), Some(birth_date), Some(phone)) =
        (session_id, payer, name, birth_date, phone)
    else {
        return Err(AppError::internal("validation incomplete"));
    };
    Ok(ValidBooking {
        session_id,
        payer,
        patient: PatientInput {
            nik,
            bpjs_no,
            medical_record_no: blank(&p.medical_record_no).map(str::to_string),
            name: name.as_str().to_string(),
            birth_date,
            sex: None,
            phone: Some(phone.as_str().to_string()),
            email: email.map(|e| e.as_str().to_string()),
            language: parse_language(blank(&body.language)),
        },
        visit_type: body.visit_type,
        referral_number: referral,
    })
}

impl ValidBooking {
    /// The place to take for it through `channel` (online or Mobile JKN).
    pub fn place(&self, channel: Channel) -> PlaceInput {
        PlaceInput {
            session_id: self.session_id,
            payer: self.payer,
            channel,
            patient: Some(self.patient.clone()),
            visit_type: self.visit_type,
            referral_number: self.referral_number.clone(),
            contact_phone: self.patient.phone.clone(),
            contact_email: self.patient.email.clone(),
            language: self.patient.language.clone(),
            priority_category: None,
        }
    }
}

/// A walk-in ticket as the kiosk sends it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TicketBody {
    pub session_id: Option<i32>,
    pub payer: Option<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
    /// `lansia`, `disabilitas`, `ibu_hamil`, `anak_kecil`: priority at every step.
    pub priority_category: Option<String>,
    /// A station instead of a session: `PENDAFTARAN` (registration counter, new patients).
    pub station: Option<String>,
}

/// `lansia`, `disabilitas`, `ibu_hamil`, `anak_kecil`, or nothing.
pub fn parse_priority_category(s: Option<&str>) -> Result<Option<PriorityCategory>, Invalid> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(c) => PriorityCategory::parse(c).map(Some).ok_or(invalid(
            "invalid_priority_category",
            "Kategori prioritas: lansia, disabilitas, ibu_hamil atau anak_kecil.",
            "Priority category: lansia, disabilitas, ibu_hamil or anak_kecil.",
        )),
    }
}

fn session_required() -> Invalid {
    invalid("required", "Pilih jadwal dokter.", "Choose a doctor's session.")
}

fn optional_phone(
    s: Option<&str>,
    field: &'static str,
    problems: &mut Vec<(&'static str, Invalid)>,
) -> Option<Phone> {
    s.map(str::trim)
        .filter(|p| !p.is_empty())
        .map(Phone::parse)
        .transpose()
        .map_err(|e| problems.push((field, e)))
        .ok()
        .flatten()
}

/// A kiosk ticket: session, payer, optional mobile number.
pub fn validate_ticket(parsed: &TicketBody) -> AppResult<PlaceInput> {
    let mut problems = Vec::new();
    let payer = parse_payer(parsed.payer.as_deref()).map_err(|e| problems.push(("payer", e))).ok();
    let phone = optional_phone(parsed.phone.as_deref(), "phone", &mut problems);
    let category = parse_priority_category(parsed.priority_category.as_deref())
        .map_err(|e| problems.push(("priority_category", e)))
        .ok()
        .flatten();
    let Some(session_id) = parsed.session_id else {
        return Err(AppError::fields(vec![("session_id", session_required())]));
    };
    let Some(payer) = payer.filter(|_| problems.is_empty()) else {
        return Err(AppError::fields(problems));
    };
    Ok(PlaceInput {
        session_id,
        payer,
        channel: Channel::Kiosk,
        patient: None,
        visit_type: None,
        referral_number: None,
        contact_phone: phone.map(|p| p.as_str().to_string()),
        contact_email: None,
        language: parse_language(parsed.language.as_deref()),
        priority_category: category,
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegistrationBody {
    pub session_id: Option<i32>,
    pub payer: Option<String>,
    pub patient: Option<PatientBody>,
    pub phone: Option<String>,
    pub language: Option<String>,
    /// JKN: the referral (rujukan) number.
    #[serde(default)]
    pub referral_number: Option<String>,
}

/// A counter registration whose fields have been checked.
#[derive(Debug, Clone)]
pub struct ValidRegistration {
    pub session_id: i32,
    pub payer: Payer,
    pub patient: Option<PatientInput>,
    pub phone: Option<Phone>,
    pub language: String,
    pub referral_number: Option<String>,
}

pub fn validate_registration(parsed: &RegistrationBody) -> AppResult<ValidRegistration> {
    let mut problems = Vec::new();
    let payer = parse_payer(parsed.payer.as_deref()).map_err(|e| problems.push(("payer", e))).ok();
    let patient = parsed
        .patient
        .as_ref()
        .map(|p| counter_patient(p, &mut problems, parse_language(parsed.language.as_deref())));
    let phone = optional_phone(parsed.phone.as_deref(), "phone", &mut problems);
    // A referral belongs to JKN visits; for a non-JKN visit it is ignored.
    let referral = parsed
        .referral_number
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty() && payer == Some(Payer::Jkn))
        .map(|r| {
            check_referral(r).map_err(|e| problems.push(("referral_number", e))).ok();
            r.to_ascii_uppercase()
        });
    let (Some(session_id), Some(payer), true) = (parsed.session_id, payer, problems.is_empty())
    else {
        if parsed.session_id.is_none() {
            problems.push(("session_id", session_required()));
        }
        return Err(AppError::fields(problems));
    };
    Ok(ValidRegistration {
        session_id,
        payer,
        patient: patient.flatten(),
        phone,
        language: parse_language(parsed.language.as_deref()),
        referral_number: referral,
    })
}

impl ValidRegistration {
    pub fn place(&self) -> PlaceInput {
        PlaceInput {
            session_id: self.session_id,
            payer: self.payer,
            channel: Channel::Counter,
            patient: self.patient.clone(),
            visit_type: None,
            referral_number: self.referral_number.clone(),
            contact_phone: self.phone.as_ref().map(|p| p.as_str().to_string()),
            contact_email: None,
            language: self.language.clone(),
            priority_category: None,
        }
    }
}

/// A patient the counter registers or completes (NIK or BPJS number, name, birth date),
/// checked; `None` without identity.
pub fn validate_counter_patient(p: &PatientBody) -> AppResult<Option<PatientInput>> {
    let mut problems = Vec::new();
    let patient = counter_patient(p, &mut problems, parse_language(None));
    if problems.is_empty() { Ok(patient) } else { Err(AppError::fields(problems)) }
}

fn counter_patient(
    p: &PatientBody,
    problems: &mut Vec<(&'static str, Invalid)>,
    language: String,
) -> Option<PatientInput> {
    let blank = |s: &Option<String>| {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
    };
    let nik = blank(&p.nik)
        .map(|n| Nik::parse(&n))
        .transpose()
        .map_err(|e| problems.push(("patient.nik", e)))
        .ok()
        .flatten();
    let bpjs = blank(&p.bpjs_no)
        .map(|n| BpjsNo::parse(&n))
        .transpose()
        .map_err(|e| problems.push(("patient.bpjs_no", e)))
        .ok()
        .flatten();
    let name = blank(&p.name)
        .map(|n| PersonName::parse(&n))
        .transpose()
        .map_err(|e| problems.push(("patient.name", e)))
        .ok()
        .flatten();
    let birth = blank(&p.birth_date).and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let record_no = blank(&p.medical_record_no);
    // Nothing that names a patient: an anonymous walk-in. A name (or a record number)
    // without a NIK is kept, with its birth date: never dropped silently.
    if nik.is_none() && bpjs.is_none() && name.is_none() && record_no.is_none() {
        return None;
    }
    let (Some(name), Some(birth_date)) = (name, birth) else {
        problems.push((
            "patient.name",
            Invalid {
                code: "required",
                id: "Nama dan tanggal lahir wajib diisi bila NIK, nomor BPJS, nomor rekam medis, atau nama diisi.",
                en: "Name and birth date are required with a NIK, BPJS number, record number or name.",
            },
        ));
        return None;
    };
    Some(PatientInput {
        nik,
        bpjs_no: bpjs,
        medical_record_no: record_no,
        name: name.as_str().to_string(),
        birth_date,
        sex: None,
        phone: blank(&p.phone),
        email: None,
        language,
    })
}
