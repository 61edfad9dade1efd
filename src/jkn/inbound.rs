//! The services Mobile JKN calls (reference.md, "WS RS"), under `/jkn/`. Every answer is
//! the Antrean Online envelope. Each service reads its body, calls one command of
//! [`mobile_jkn`] (a booking made here goes through the same place-taking path as every
//! other booking) and writes the answer.
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::envelope::{Answer, Refused, render};
use super::mapping::{self, BAD_CARD, BAD_NIK, BAD_PHONE, required, text};
use super::token;
use crate::app::AppState;
use crate::domain::identity::{BpjsNo, Nik, PersonName, Phone};
use crate::domain::kinds::SessionStatus;
use crate::domain::visit_status::VisitStatus;
use crate::service::mobile_jkn;

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
    let key = mapping::session_key(&b, state.today())?;
    let q = mobile_jkn::session_queue(state, key).await?;
    let s = &q.session;
    Ok(Answer::Data(json!({
        "namapoli": s.clinic.name,
        "namadokter": s.doctor.name,
        "totalantrean": q.total,
        "sisaantrean": q.left,
        "antreanpanggil": q.calling.clone().unwrap_or_else(|| "-".into()),
        "sisakuotajkn": s.remaining_jkn(),
        "kuotajkn": s.session.quota_jkn,
        "sisakuotanonjkn": s.remaining_non_jkn(),
        "kuotanonjkn": s.session.quota_non_jkn,
        "keterangan": if s.session.status == SessionStatus::Cancelled {
            "Jadwal dokter dibatalkan (dokter cuti atau poli tutup)"
        } else {
            ""
        },
    })))
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
    let card = text(&b["nomorkartu"])
        .map(|card| BpjsNo::parse(&card).map_err(|_| Refused::new(BAD_CARD)))
        .transpose()?;
    let nik = Nik::parse(&required(&b["nik"], "NIK")?).map_err(|_| Refused::new(BAD_NIK))?;
    let phone =
        Phone::parse(&required(&b["nohp"], "Nomor HP")?).map_err(|_| Refused::new(BAD_PHONE))?;
    let session = mapping::session_key(&b, state.today())?;
    let visit_type: i16 = text(&b["jeniskunjungan"])
        .and_then(|s| s.parse().ok())
        .filter(|t| (1..=4).contains(t))
        .ok_or_else(|| Refused::new("Jenis kunjungan tidak sesuai (1, 2, 3 atau 4)"))?;
    let ask = mobile_jkn::TakeNumber {
        session,
        nik,
        card,
        phone,
        visit_type,
        referral: text(&b["nomorreferensi"]),
        norm: text(&b["norm"]),
    };
    let taken = mobile_jkn::take_number(state, ask).await?;
    let (v, s) = (&taken.placed.visit, &taken.placed.session);
    Ok(Answer::Data(json!({
        "nomorantrean": v.ticket,
        "angkaantrean": v.queue_number,
        "kodebooking": v.booking_code,
        "norm": taken.norm.clone().unwrap_or_default(),
        "namapoli": s.clinic.name,
        "namadokter": s.doctor.name,
        "estimasidilayani": ms(v.estimated_at),
        "sisakuotajkn": s.remaining_jkn(),
        "kuotajkn": s.session.quota_jkn,
        "sisakuotanonjkn": s.remaining_non_jkn(),
        "kuotanonjkn": s.session.quota_non_jkn,
        "keterangan": "Peserta harap 30 menit lebih awal guna pencatatan administrasi.",
    })))
}

/// The body's `kodebooking`.
pub(super) fn booking_code(b: &Value) -> Option<String> {
    text(&b["kodebooking"])
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
    let now = state.now();
    let st = mobile_jkn::standing(state, booking_code(&b)).await?;
    let waiting = matches!(st.visit.status, VisitStatus::Booked | VisitStatus::Waiting);
    let wait_secs = if waiting { (st.estimated_at - now).num_seconds().max(0) } else { 0 };
    let keterangan = match st.visit.status {
        VisitStatus::Called | VisitStatus::Serving => "Giliran Anda, silakan menuju ruang periksa",
        VisitStatus::Done => "Pelayanan sudah selesai",
        VisitStatus::NoShow => "Antrean terlewat (tidak hadir)",
        _ => "",
    };
    Ok(Answer::Data(json!({
        "nomorantrean": st.visit.ticket,
        "namapoli": st.session.clinic.name,
        "namadokter": st.session.doctor.name,
        "sisaantrean": st.position,
        "antreanpanggil": st.now_serving.clone().unwrap_or_else(|| "-".into()),
        "waktutunggu": wait_secs,
        "keterangan": keterangan,
    })))
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
    let reason = text(&b["keterangan"]).unwrap_or_default();
    mobile_jkn::cancel(state, booking_code(&b), reason).await.map(|()| Answer::Done)
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
    mobile_jkn::check_in(state, booking_code(&b)).await.map(|()| Answer::Done)
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
    let member = mobile_jkn::NewMember { nik, card, name, sex, birth_date: birth, phone };
    let norm = mobile_jkn::register(state, member).await?;
    Ok(Answer::Data(json!({"norm": norm})))
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
