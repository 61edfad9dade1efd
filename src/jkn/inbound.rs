//! The services Mobile JKN calls (reference.md, "WS RS"), under `/jkn/`. Every answer is
//! the Antrean Online envelope; a booking made here goes through the same
//! [`booking::take_place`] as every other booking.
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::envelope::{Answer, Refused, render};
use super::mapping::{self, BAD_CARD, BAD_NIK, BAD_PHONE, PAST_DATE, refusal_of, required, text};
use super::token;
use crate::app::AppState;
use crate::db::models::{NewPatient, Patient, Visit};
use crate::db::{self, PgConnection, jkn};
use crate::domain::booking_code::BookingCode;
use crate::domain::identity::{BpjsNo, Nik, PersonName, Phone};
use crate::domain::kinds::{Channel, Payer, SessionStatus};
use crate::domain::staff::Actor;
use crate::domain::visit_status::VisitStatus;
use crate::error::{AppError, AppResult};
use crate::service::booking::{self, PatientInput, PlaceInput};
use crate::service::intake;
use crate::service::queue::{self, CheckInRefused};

type Outcome = Result<Answer, Refused>;

const NOT_ENABLED: &str = "Layanan Antrean Online (Mobile JKN) belum diaktifkan di rumah sakit ini";

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

/// `GET /jkn/auth` — headers `x-username`, `x-password` → a token.
pub async fn auth(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let jkn = &state.settings.jkn;
    let outcome = (|| {
        let (Some(user), Some(password)) = (&jkn.username, &jkn.password) else {
            return Err(Refused::new(NOT_ENABLED));
        };
        let given_user = header(&req, "x-username").unwrap_or_default();
        let given_password = header(&req, "x-password").unwrap_or_default();
        // Digests compared: the time taken says nothing about the secret.
        if digest(&given_user) != digest(user)
            || digest(&given_password) != digest(password.expose())
        {
            return Err(Refused::new("Username atau Password Tidak Sesuai"));
        }
        let token =
            token::issue(state.settings.secret_key.expose(), user, state.now(), jkn.token_minutes);
        Ok(Answer::Data(json!({"token": token})))
    })();
    render(outcome)
}

/// Every service but `auth`: the bridge is on, the token is good for this user, and
/// the body is a JSON object.
pub(super) fn admit(state: &AppState, req: &HttpRequest, body: &[u8]) -> Result<Value, Refused> {
    let jkn = &state.settings.jkn;
    let Some(user) = jkn.username.as_deref().filter(|_| jkn.inbound_enabled()) else {
        return Err(Refused::new(NOT_ENABLED));
    };
    let token = header(req, "x-token").ok_or_else(|| Refused::new("Token belum diisi"))?;
    let given_user =
        header(req, "x-username").ok_or_else(|| Refused::new("Username belum diisi"))?;
    if given_user != user {
        return Err(Refused::new("Username atau Password Tidak Sesuai"));
    }
    token::verify(state.settings.secret_key.expose(), &token, &given_user, state.now())
        .map_err(|p| Refused::new(p.message()))?;
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(Refused::new("Format request tidak sesuai, kirim objek JSON")),
    }
}

/// Run database work whose own refusals are `Ok(Err(_))` and whose errors are mapped.
pub(super) async fn in_transaction<F>(state: &AppState, work: F) -> Outcome
where
    F: FnOnce(&mut PgConnection) -> AppResult<Outcome> + Send + 'static,
{
    crate::service::in_transaction(state, work).await.unwrap_or_else(|e| Err(refusal_of(&e)))
}

fn not_past(state: &AppState, date: NaiveDate) -> Result<(), Refused> {
    if date < state.today() { Err(Refused::new(PAST_DATE)) } else { Ok(()) }
}

fn ms(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp_millis()
}

/// `POST /jkn/statusantrean`
pub async fn status_antrean(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    render(status(&state, &req, &body).await)
}

async fn status(state: &AppState, req: &HttpRequest, body: &[u8]) -> Outcome {
    let b = admit(state, req, body)?;
    let kodepoli = required(&b["kodepoli"], "Kode poli")?;
    let date = mapping::date(&b["tanggalperiksa"], "Tanggal periksa")?;
    not_past(state, date)?;
    let hours = mapping::hours(&b["jampraktek"])?;
    let kodedokter = b["kodedokter"].clone();
    in_transaction(state, move |c| {
        let s = match mapping::find_session(c, &kodepoli, &kodedokter, date, hours) {
            Ok(s) => s,
            Err(r) => return Ok(Err(r)),
        };
        let counts = db::visits::status_counts(c, s.session.id)?;
        let count_of = |keep: fn(VisitStatus) -> bool| -> i64 {
            counts.iter().filter(|(status, _)| keep(*status)).map(|(_, n)| n).sum()
        };
        let total = count_of(|status| status != VisitStatus::Cancelled);
        let left = count_of(|status| matches!(status, VisitStatus::Booked | VisitStatus::Waiting));
        let calling = db::visits::now_serving(c, s.session.id)?.first().map(|v| v.ticket.clone());
        Ok(Ok(Answer::Data(json!({
            "namapoli": s.clinic.name,
            "namadokter": s.doctor.name,
            "totalantrean": total,
            "sisaantrean": left,
            "antreanpanggil": calling.unwrap_or_else(|| "-".into()),
            "sisakuotajkn": s.remaining_jkn(),
            "kuotajkn": s.session.quota_jkn,
            "sisakuotanonjkn": s.remaining_non_jkn(),
            "kuotanonjkn": s.session.quota_non_jkn,
            "keterangan": if s.session.status == SessionStatus::Cancelled {
                "Jadwal dokter dibatalkan (dokter cuti atau poli tutup)"
            } else {
                ""
            },
        }))))
    })
    .await
}

/// `POST /jkn/ambilantrean` — 202 when the patient is not registered here yet.
pub async fn ambil_antrean(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    render(take_number(&state, &req, &body).await)
}

async fn take_number(state: &AppState, req: &HttpRequest, body: &[u8]) -> Outcome {
    let b = admit(state, req, body)?;
    let card = text(&b["nomorkartu"]);
    if let Some(card) = &card {
        BpjsNo::parse(card).map_err(|_| Refused::new(BAD_CARD))?;
    }
    let nik = Nik::parse(&required(&b["nik"], "NIK")?).map_err(|_| Refused::new(BAD_NIK))?;
    let phone = required(&b["nohp"], "Nomor HP")?;
    Phone::parse(&phone).map_err(|_| Refused::new(BAD_PHONE))?;
    let kodepoli = required(&b["kodepoli"], "Kode poli")?;
    let date = mapping::date(&b["tanggalperiksa"], "Tanggal periksa")?;
    not_past(state, date)?;
    let hours = mapping::hours(&b["jampraktek"])?;
    let visit_type: i16 = text(&b["jeniskunjungan"])
        .and_then(|s| s.parse().ok())
        .filter(|t| (1..=4).contains(t))
        .ok_or_else(|| Refused::new("Jenis kunjungan tidak sesuai (1, 2, 3 atau 4)"))?;
    let referral = text(&b["nomorreferensi"]);
    let norm = text(&b["norm"]);
    let kodedokter = b["kodedokter"].clone();
    let st = state.clone();
    in_transaction(state, move |c| {
        let s = match mapping::find_session(c, &kodepoli, &kodedokter, date, hours) {
            Ok(s) => s,
            Err(r) => return Ok(Err(r)),
        };
        let found: Vec<Patient> = booking::known_patients(c, Some(nik.as_str()), card.as_deref())?;
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
        if let Err(e) = nik.check_birth_date(patient.birth_date) {
            return Ok(Err(Refused::new(e.id)));
        }
        if let (Some(given), Some(ours)) = (&norm, &patient.medical_record_no)
            && given != ours
        {
            return Ok(Err(Refused::new("Nomor rekam medis tidak sesuai dengan data pasien")));
        }
        // The same place-taking path as every other channel.
        let referral = match referral.map(|r| intake::check_referral(&r).map(|()| r)).transpose() {
            Ok(r) => r,
            Err(e) => return Ok(Err(Refused::new(e.id))),
        };
        let place = PlaceInput {
            session_id: s.session.id,
            payer: if card.is_some() { Payer::Jkn } else { Payer::NonJkn },
            channel: Channel::Jkn,
            patient: Some(PatientInput {
                nik: Some(nik),
                bpjs_no: card.as_deref().map(BpjsNo::parse).transpose().map_err(AppError::from)?,
                medical_record_no: None,
                name: patient.name.clone(),
                birth_date: patient.birth_date,
                sex: None,
                phone: Some(phone.clone()),
                email: None,
                language: patient.language.clone(),
            }),
            visit_type: Some(visit_type),
            referral_number: referral,
            contact_phone: Some(phone),
            contact_email: None,
            language: patient.language.clone(),
            priority_category: None,
        };
        let placed = booking::take_place(c, &st, &place, &Actor::jkn())?;
        let (v, s) = (&placed.visit, &placed.session);
        Ok(Ok(Answer::Data(json!({
            "nomorantrean": v.ticket,
            "angkaantrean": v.queue_number,
            "kodebooking": v.booking_code,
            "norm": patient.medical_record_no.clone().unwrap_or_default(),
            "namapoli": s.clinic.name,
            "namadokter": s.doctor.name,
            "estimasidilayani": ms(v.estimated_at),
            "sisakuotajkn": s.remaining_jkn(),
            "kuotajkn": s.session.quota_jkn,
            "sisakuotanonjkn": s.remaining_non_jkn(),
            "kuotanonjkn": s.session.quota_non_jkn,
            "keterangan": "Peserta harap 30 menit lebih awal guna pencatatan administrasi.",
        }))))
    })
    .await
}

pub(super) fn visit_by_code(c: &mut PgConnection, b: &Value) -> AppResult<Result<Visit, Refused>> {
    let Some(code) = text(&b["kodebooking"]) else {
        return Ok(Err(Refused::new("Kode booking belum diisi")));
    };
    let Ok(code) = BookingCode::parse(&code) else {
        return Ok(Err(Refused::new("Antrean tidak ditemukan")));
    };
    Ok(queue::lookup_code(c, code.as_str())?.ok_or(Refused::new("Antrean tidak ditemukan")))
}

/// `POST /jkn/sisaantrean`
pub async fn sisa_antrean(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    render(remaining(&state, &req, &body).await)
}

async fn remaining(state: &AppState, req: &HttpRequest, body: &[u8]) -> Outcome {
    let b = admit(state, req, body)?;
    let (tz, now) = (state.tz(), state.now());
    in_transaction(state, move |c| {
        let visit = match visit_by_code(c, &b)? {
            Ok(v) => v,
            Err(r) => return Ok(Err(r)),
        };
        if visit.status == VisitStatus::Cancelled {
            return Ok(Err(Refused::new("Antrean sudah dibatalkan")));
        }
        let st = queue::standing(c, tz, now, visit)?;
        let waiting = matches!(st.visit.status, VisitStatus::Booked | VisitStatus::Waiting);
        let wait_secs = if waiting { (st.estimated_at - now).num_seconds().max(0) } else { 0 };
        let keterangan = match st.visit.status {
            VisitStatus::Called | VisitStatus::Serving => {
                "Giliran Anda, silakan menuju ruang periksa"
            }
            VisitStatus::Done => "Pelayanan sudah selesai",
            VisitStatus::NoShow => "Antrean terlewat (tidak hadir)",
            _ => "",
        };
        Ok(Ok(Answer::Data(json!({
            "nomorantrean": st.visit.ticket,
            "namapoli": st.session.clinic.name,
            "namadokter": st.session.doctor.name,
            "sisaantrean": st.position,
            "antreanpanggil": st.now_serving.clone().unwrap_or_else(|| "-".into()),
            "waktutunggu": wait_secs,
            "keterangan": keterangan,
        }))))
    })
    .await
}

/// `POST /jkn/batalantrean`
pub async fn batal_antrean(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    render(cancel(&state, &req, &body).await)
}

async fn cancel(state: &AppState, req: &HttpRequest, body: &[u8]) -> Outcome {
    let b = admit(state, req, body)?;
    let (today, now) = (state.today(), state.now());
    in_transaction(state, move |c| {
        let visit = match visit_by_code(c, &b)? {
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
            _ => Some("Pasien sudah check in, antrean tidak dapat dibatalkan"),
        };
        if let Some(message) = refusal {
            return Ok(Err(Refused::new(message)));
        }
        let reason = text(&b["keterangan"]).unwrap_or_default();
        // The state machine refuses a cancel after a check-in that raced this one.
        match queue::cancel_booked(c, visit.id, &Actor::jkn(), now, &reason)? {
            Some(_) => Ok(Ok(Answer::Done)),
            None => Ok(Err(Refused::new("Pasien sudah check in, antrean tidak dapat dibatalkan"))),
        }
    })
    .await
}

/// `POST /jkn/checkinantrean`
pub async fn checkin_antrean(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    render(check_in(&state, &req, &body).await)
}

async fn check_in(state: &AppState, req: &HttpRequest, body: &[u8]) -> Outcome {
    let b = admit(state, req, body)?;
    if !b["waktu"].is_i64() && text(&b["waktu"]).and_then(|s| s.parse::<i64>().ok()).is_none() {
        return Err(Refused::new("Waktu check in tidak sesuai (epoch milidetik)"));
    }
    let st = state.clone();
    in_transaction(state, move |c| {
        let visit = match visit_by_code(c, &b)? {
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
        let (tz, now) = (st.tz(), st.now());
        let message =
            match queue::try_check_in(c, tz, &st.settings.rules, &visit, &Actor::jkn(), now)? {
                Ok(_) => return Ok(Ok(Answer::Done)),
                Err(CheckInRefused::NotToday) => {
                    "Check in hanya dapat dilakukan pada tanggal periksa"
                }
                Err(CheckInRefused::SessionOver) => {
                    "Check in tidak dapat dilakukan, jam praktek sudah selesai"
                }
                Err(CheckInRefused::NotBooked(_)) => "Antrean sudah check in sebelumnya",
            };
        Ok(Err(Refused::new(message)))
    })
    .await
}

/// `POST /jkn/pasienbaru` — registers the patient and gives the medical record number.
pub async fn pasien_baru(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    render(new_patient(&state, &req, &body).await)
}

const PASIEN_BARU_FIELDS: [(&str, &str); 11] = [
    ("alamat", "Alamat"),
    ("kodeprop", "Kode propinsi"),
    ("namaprop", "Nama propinsi"),
    ("kodedati2", "Kode dati 2"),
    ("namadati2", "Nama dati 2"),
    ("kodekec", "Kode kecamatan"),
    ("namakec", "Nama kecamatan"),
    ("kodekel", "Kode kelurahan"),
    ("namakel", "Nama kelurahan"),
    ("rw", "RW"),
    ("rt", "RT"),
];

async fn new_patient(state: &AppState, req: &HttpRequest, body: &[u8]) -> Outcome {
    let b = admit(state, req, body)?;
    let card = BpjsNo::parse(&required(&b["nomorkartu"], "Nomor kartu")?)
        .map_err(|_| Refused::new(BAD_CARD))?;
    let nik = Nik::parse(&required(&b["nik"], "NIK")?).map_err(|_| Refused::new(BAD_NIK))?;
    let kk = required(&b["nomorkk"], "Nomor KK")?;
    if kk.len() != 16 || !kk.chars().all(|c| c.is_ascii_digit()) {
        return Err(Refused::new("Format nomor KK tidak sesuai"));
    }
    let name = PersonName::parse(&required(&b["nama"], "Nama")?)
        .map_err(|e| Refused::new(e.id.trim_end_matches('.')))?;
    let sex = required(&b["jeniskelamin"], "Jenis kelamin")?;
    if sex != "L" && sex != "P" {
        return Err(Refused::new("Jenis kelamin tidak sesuai (L atau P)"));
    }
    let birth = mapping::date(&b["tanggallahir"], "Tanggal lahir")?;
    if birth > state.today() {
        return Err(Refused::new("Tanggal lahir tidak sesuai"));
    }
    nik.check_birth_date(birth).map_err(|e| Refused::new(e.id))?;
    let phone =
        Phone::parse(&required(&b["nohp"], "Nomor HP")?).map_err(|_| Refused::new(BAD_PHONE))?;
    for (field, label) in PASIEN_BARU_FIELDS {
        required(&b[field], label)?;
    }
    let now = state.now();
    in_transaction(state, move |c| {
        if !jkn::patients_with_identity(c, nik.as_str(), card.as_str())?.is_empty() {
            return Ok(Err(Refused::new("Data peserta sudah pernah dientrikan")));
        }
        // The address stays with BPJS and the civil registry: SIPOLI keeps what a queue needs.
        let mut patient = NewPatient {
            nik: Some(nik.as_str().to_string()),
            bpjs_no: Some(card.as_str().to_string()),
            medical_record_no: None,
            name: name.as_str().to_string(),
            birth_date: birth,
            sex: Some(sex),
            phone: Some(phone.as_str().to_string()),
            email: None,
            language: "id".into(),
            created_at: now,
        };
        Ok(match jkn::register_patient(c, &mut patient)? {
            Some(norm) => Ok(Answer::Data(json!({"norm": norm}))),
            None => Err(Refused::new("Data peserta sudah pernah dientrikan")),
        })
    })
    .await
}

/// `POST /jkn/jadwaloperasirs` — no surgery scheduling in SIPOLI yet: an empty list.
pub async fn jadwal_operasi_rs(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let outcome = (|| {
        let b = admit(&state, &req, &body)?;
        let from = mapping::date(&b["tanggalawal"], "Tanggal awal")?;
        let to = mapping::date(&b["tanggalakhir"], "Tanggal akhir")?;
        if to < from {
            return Err(Refused::new("Tanggal akhir tidak boleh lebih kecil dari tanggal awal"));
        }
        Ok(Answer::Data(json!({"list": []})))
    })();
    render(outcome)
}

/// `POST /jkn/jadwaloperasipasien` — likewise.
pub async fn jadwal_operasi_pasien(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let outcome = (|| {
        let b = admit(&state, &req, &body)?;
        BpjsNo::parse(&required(&b["nopeserta"], "Nomor peserta")?)
            .map_err(|_| Refused::new(BAD_CARD))?;
        Ok(Answer::Data(json!({"list": []})))
    })();
    render(outcome)
}

/// Anything else under `/jkn/`.
pub async fn unknown_service() -> HttpResponse {
    render(Err(Refused { code: 404, message: "Layanan tidak ditemukan".into() }))
}
