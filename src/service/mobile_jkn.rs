//! The commands behind the services Mobile JKN calls (reference.md, "WS RS"): the adapter
//! `jkn::inbound` reads the Antrean Online body, calls one function here and writes the
//! envelope. Each function runs in its own transaction and answers in Mobile JKN's words:
//! what went wrong is a [`Refused`], never an error page.
//!
//! Between Antrean Online's vocabulary and ours: `kodepoli` = clinics.bpjs_code,
//! `kodedokter` = doctors.bpjs_code, `tanggalperiksa` + `jampraktek` = a clinic session,
//! `nomorantrean` = ticket, `angkaantrean` = queue number, `kodebooking` = booking code.
use chrono::{NaiveDate, NaiveTime};

use super::booking::{self, PatientInput, PlaceInput, Placed};
use super::intake;
use super::journey::{self, PharmacyStanding};
use super::queue::{self, CheckInRefused, Standing};
use crate::app::AppState;
use crate::db::models::{NewPatient, Patient, Visit};
use crate::db::sessions::{self, SessionView};
use crate::db::{self, PgConnection, jkn};
use crate::domain::booking_code::BookingCode;
use crate::domain::identity::{BpjsNo, Nik, PersonName, Phone};
use crate::domain::kinds::{Channel, Payer};
use crate::domain::staff::Actor;
use crate::domain::visit_status::VisitStatus;
use crate::error::{AppError, AppResult};

pub const PAST_DATE: &str = "Tanggal periksa tidak boleh tanggal yang sudah lewat";
pub const BAD_NIK: &str = "Format NIK tidak sesuai";
pub const BAD_CARD: &str = "Format nomor kartu tidak sesuai";
pub const BAD_PHONE: &str = "Format nomor HP tidak sesuai";
const NOT_FOUND: &str = "Antrean tidak ditemukan";
const CHECKED_IN: &str = "Pasien sudah check in, antrean tidak dapat dibatalkan";

/// A refusal: the message says exactly what is wrong (Indonesian, as Mobile JKN shows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub code: u16,
    pub message: String,
}

impl Refused {
    /// A failure (201).
    pub fn new(message: impl Into<String>) -> Refused {
        Refused { code: 201, message: message.into() }
    }
    /// The patient is not known yet (202): Mobile JKN then calls `pasienbaru`.
    pub fn new_patient(message: impl Into<String>) -> Refused {
        Refused { code: 202, message: message.into() }
    }
}

/// What a command answers: its result, or a refusal in Mobile JKN's words.
pub type Outcome<T> = Result<T, Refused>;

/// Run `work` in its own transaction; its own refusals are `Ok(Err(_))`, and a database
/// or rule error becomes the refusal Mobile JKN shows.
async fn in_transaction<T, F>(st: &AppState, work: F) -> Outcome<T>
where
    F: FnOnce(&mut PgConnection) -> AppResult<Outcome<T>> + Send + 'static,
    T: Send + 'static,
{
    super::in_transaction(st, work).await.unwrap_or_else(|e| Err(refusal_of(&e)))
}

/// A clinic session as Mobile JKN names it.
#[derive(Debug, Clone)]
pub struct SessionKey {
    pub kodepoli: String,
    /// `kodedokter`, `None` when it is not a number.
    pub doctor_code: Option<i32>,
    pub date: NaiveDate,
    pub hours: (NaiveTime, NaiveTime),
}

/// The session named by `kodepoli`, `kodedokter`, `tanggalperiksa`, `jampraktek`.
fn find_session(conn: &mut PgConnection, key: &SessionKey) -> AppResult<Outcome<SessionView>> {
    let Some(clinic_id) = jkn::clinic_by_bpjs_code(conn, &key.kodepoli)? else {
        return Ok(Err(Refused::new("Poli tidak ditemukan")));
    };
    let Some(doctor_code) = key.doctor_code else {
        return Ok(Err(Refused::new("Kode dokter tidak sesuai")));
    };
    match jkn::session_by_bpjs_codes(conn, clinic_id, doctor_code, key.date, key.hours)? {
        Some(id) => sessions::get(conn, id).map(Ok),
        None => Ok(Err(Refused::new(
            "Jadwal dokter tidak tersedia pada tanggal dan jam praktek tersebut",
        ))),
    }
}

/// The visit of a `kodebooking` (`None`: the field was empty).
fn visit_by_code(conn: &mut PgConnection, code: Option<&str>) -> AppResult<Outcome<Visit>> {
    let Some(code) = code else {
        return Ok(Err(Refused::new("Kode booking belum diisi")));
    };
    let Ok(code) = BookingCode::parse(code) else {
        return Ok(Err(Refused::new(NOT_FOUND)));
    };
    Ok(queue::lookup_code(conn, code.as_str())?.ok_or(Refused::new(NOT_FOUND)))
}

/// `statusantrean`: a session's quotas and queue.
#[derive(Debug, Clone)]
pub struct SessionQueue {
    pub session: SessionView,
    /// Every visit but the cancelled ones.
    pub total: i64,
    /// Booked or waiting.
    pub left: i64,
    /// The ticket being served, if any.
    pub calling: Option<String>,
}

pub async fn session_queue(st: &AppState, key: SessionKey) -> Outcome<SessionQueue> {
    in_transaction(st, move |c| {
        let session = match find_session(c, &key)? {
            Ok(s) => s,
            Err(r) => return Ok(Err(r)),
        };
        let counts = db::visits::status_counts(c, session.session.id)?;
        let count_of = |keep: fn(VisitStatus) -> bool| -> i64 {
            counts.iter().filter(|(status, _)| keep(*status)).map(|(_, n)| n).sum()
        };
        let total = count_of(|status| status != VisitStatus::Cancelled);
        let left = count_of(|status| matches!(status, VisitStatus::Booked | VisitStatus::Waiting));
        let calling =
            db::visits::now_serving(c, session.session.id)?.first().map(|v| v.ticket.clone());
        Ok(Ok(SessionQueue { session, total, left, calling }))
    })
    .await
}

/// `ambilantrean`: what Mobile JKN sends to take a number.
#[derive(Debug, Clone)]
pub struct TakeNumber {
    pub session: SessionKey,
    pub nik: Nik,
    pub card: Option<BpjsNo>,
    pub phone: Phone,
    /// `jeniskunjungan` 1–4.
    pub visit_type: i16,
    pub referral: Option<String>,
    /// `norm`, when Mobile JKN knows the record number.
    pub norm: Option<String>,
}

/// A number taken, with the patient's record number.
#[derive(Debug, Clone)]
pub struct Taken {
    pub placed: Placed,
    pub norm: Option<String>,
}

/// Take a place for a patient registered here, through the same
/// [`booking::take_place`] as every other channel.
pub async fn take_number(st: &AppState, ask: TakeNumber) -> Outcome<Taken> {
    let state = st.clone();
    in_transaction(st, move |c| {
        let s = match find_session(c, &ask.session)? {
            Ok(s) => s,
            Err(r) => return Ok(Err(r)),
        };
        let card = ask.card.as_ref().map(|b| b.as_str().to_string());
        let found: Vec<Patient> =
            booking::known_patients(c, Some(ask.nik.as_str()), card.as_deref())?;
        let patient = match found.as_slice() {
            [] => {
                return Ok(Err(Refused::new_patient(
                    "Data pasien ini tidak ditemukan, silakan melakukan registrasi pasien baru",
                )));
            }
            [p] => p.clone(),
            _ => {
                return Ok(Err(Refused::new(
                    "NIK dan nomor kartu tercatat atas nama pasien yang berbeda",
                )));
            }
        };
        if let Err(e) = ask.nik.check_birth_date(patient.birth_date) {
            return Ok(Err(Refused::new(e.id)));
        }
        if let (Some(given), Some(ours)) = (&ask.norm, &patient.medical_record_no)
            && given != ours
        {
            return Ok(Err(Refused::new("Nomor rekam medis tidak sesuai dengan data pasien")));
        }
        let referral = match ask.referral.map(|r| intake::check_referral(&r).map(|()| r)) {
            Some(Err(e)) => return Ok(Err(Refused::new(e.id))),
            Some(Ok(r)) => Some(r),
            None => None,
        };
        let phone = ask.phone.as_str().to_string();
        let place = PlaceInput {
            session_id: s.session.id,
            payer: if ask.card.is_some() { Payer::Jkn } else { Payer::NonJkn },
            channel: Channel::Jkn,
            patient: Some(PatientInput {
                nik: Some(ask.nik),
                bpjs_no: ask.card,
                medical_record_no: None,
                name: patient.name.clone(),
                birth_date: patient.birth_date,
                sex: None,
                phone: Some(phone.clone()),
                email: None,
                language: patient.language.clone(),
            }),
            visit_type: Some(ask.visit_type),
            referral_number: referral,
            contact_phone: Some(phone),
            contact_email: None,
            language: patient.language.clone(),
            priority_category: None,
        };
        let placed = booking::take_place(c, &state, &place, &Actor::jkn())?;
        Ok(Ok(Taken { placed, norm: patient.medical_record_no }))
    })
    .await
}

/// `sisaantrean`: where a booking stands, refused once it is cancelled.
pub async fn standing(st: &AppState, code: Option<String>) -> Outcome<Standing> {
    let (tz, now) = (st.tz(), st.now());
    in_transaction(st, move |c| {
        let visit = match visit_by_code(c, code.as_deref())? {
            Ok(v) => v,
            Err(r) => return Ok(Err(r)),
        };
        if visit.status == VisitStatus::Cancelled {
            return Ok(Err(Refused::new("Antrean sudah dibatalkan")));
        }
        queue::standing(c, tz, now, visit).map(Ok)
    })
    .await
}

/// `batalantrean`: cancel a booking not yet checked in, for a day not past.
pub async fn cancel(st: &AppState, code: Option<String>, reason: String) -> Outcome<()> {
    let (today, now) = (st.today(), st.now());
    in_transaction(st, move |c| {
        let visit = match visit_by_code(c, code.as_deref())? {
            Ok(v) => v,
            Err(r) => return Ok(Err(r)),
        };
        let refusal = match visit.status {
            VisitStatus::Cancelled => Some("Antrean sudah dibatalkan sebelumnya"),
            _ if visit.service_date < today => {
                Some("Antrean untuk tanggal yang sudah lewat tidak dapat dibatalkan")
            }
            VisitStatus::Booked => None,
            VisitStatus::NoShow => Some("Antrean sudah terlewat, tidak dapat dibatalkan"),
            _ => Some(CHECKED_IN),
        };
        if let Some(message) = refusal {
            return Ok(Err(Refused::new(message)));
        }
        // The state machine refuses a cancel after a check-in that raced this one.
        match queue::cancel_booked(c, visit.id, &Actor::jkn(), now, &reason)? {
            Some(_) => Ok(Ok(())),
            None => Ok(Err(Refused::new(CHECKED_IN))),
        }
    })
    .await
}

/// `checkinantrean`: check a booking in on its day, until its session ends.
pub async fn check_in(st: &AppState, code: Option<String>) -> Outcome<()> {
    let state = st.clone();
    in_transaction(st, move |c| {
        let visit = match visit_by_code(c, code.as_deref())? {
            Ok(v) => v,
            Err(r) => return Ok(Err(r)),
        };
        let refusal = match visit.status {
            VisitStatus::Booked => None,
            VisitStatus::Cancelled => Some("Antrean sudah dibatalkan"),
            VisitStatus::NoShow => Some("Antrean sudah terlewat (tidak hadir)"),
            _ => Some("Antrean sudah check in sebelumnya"),
        };
        if let Some(message) = refusal {
            return Ok(Err(Refused::new(message)));
        }
        let (tz, now) = (state.tz(), state.now());
        let rules = &state.settings.rules;
        let message = match queue::try_check_in(c, tz, rules, &visit, &Actor::jkn(), now)? {
            Ok(_) => return Ok(Ok(())),
            Err(CheckInRefused::NotToday) => "Check in hanya dapat dilakukan pada tanggal periksa",
            Err(CheckInRefused::SessionOver) => {
                "Check in tidak dapat dilakukan, jam praktek sudah selesai"
            }
            Err(CheckInRefused::NotBooked(_)) => "Antrean sudah check in sebelumnya",
        };
        Ok(Err(Refused::new(message)))
    })
    .await
}

/// `pasienbaru`: a BPJS member not registered here yet.
#[derive(Debug, Clone)]
pub struct NewMember {
    pub nik: Nik,
    pub card: BpjsNo,
    pub name: PersonName,
    /// `L` or `P`.
    pub sex: String,
    pub birth_date: NaiveDate,
    pub phone: Phone,
}

/// Register the member once and give their new medical record number.
pub async fn register(st: &AppState, member: NewMember) -> Outcome<String> {
    const KNOWN: &str = "Data peserta sudah pernah dientrikan";
    let now = st.now();
    in_transaction(st, move |c| {
        if !jkn::patients_with_identity(c, member.nik.as_str(), member.card.as_str())?.is_empty() {
            return Ok(Err(Refused::new(KNOWN)));
        }
        // The address stays with BPJS and the civil registry: SIPOLI keeps what a queue needs.
        let mut patient = NewPatient {
            nik: Some(member.nik.as_str().to_string()),
            bpjs_no: Some(member.card.as_str().to_string()),
            medical_record_no: None,
            name: member.name.as_str().to_string(),
            birth_date: member.birth_date,
            sex: Some(member.sex),
            phone: Some(member.phone.as_str().to_string()),
            email: None,
            language: "id".into(),
            created_at: now,
        };
        Ok(jkn::register_patient(c, &mut patient)?.ok_or(Refused::new(KNOWN)))
    })
    .await
}

/// `ambilantreanfarmasi` / `statusantreanfarmasi`: the pharmacy standing of a booking.
pub async fn pharmacy(st: &AppState, code: Option<String>) -> Outcome<PharmacyStanding> {
    in_transaction(st, move |c| {
        let visit = match visit_by_code(c, code.as_deref())? {
            Ok(v) => v,
            Err(r) => return Ok(Err(r)),
        };
        Ok(journey::pharmacy_standing(c, &visit)?
            .ok_or(Refused::new("Belum ada resep untuk kode booking ini")))
    })
    .await
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
        "unknown_booking" => NOT_FOUND.into(),
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
    use super::*;

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
