//! Demo data: the polyclinics of a regional hospital, invented doctors, weekly schedules
//! (WIT) and two staff accounts. Only `sipoli demo` calls this; running it twice is fine.
use chrono::{Duration, NaiveDate, NaiveTime};

use crate::db::models::{NewClinic, NewDoctor, NewSchedule};
use crate::db::stations::{self, NewStation};
use crate::db::{PgConnection, catalogue, schedules, sessions};
use crate::domain::journey::StationKind;
use crate::domain::staff::Role;
use crate::error::{AppError, AppResult};
use crate::service::staff;

mod history;
pub use history::{Seeded, seed_history};

/// (code, name, English name, prefix, room)
pub const CLINICS: &[(&str, &str, &str, &str, &str)] = &[
    ("INT", "Poli Penyakit Dalam", "Internal Medicine", "A", "Ruang 1"),
    ("ANA", "Poli Anak", "Paediatrics", "B", "Ruang 2"),
    ("OBG", "Poli Kebidanan dan Kandungan", "Obstetrics and Gynaecology", "C", "Ruang 3"),
    ("BED", "Poli Bedah", "Surgery", "D", "Ruang 4"),
    ("MAT", "Poli Mata", "Ophthalmology", "E", "Ruang 5"),
    ("THT", "Poli THT", "Ear, Nose and Throat", "F", "Ruang 6"),
    ("SAR", "Poli Saraf", "Neurology", "G", "Ruang 7"),
    ("KLT", "Poli Kulit dan Kelamin", "Dermatology and Venereology", "H", "Ruang 8"),
    ("JAN", "Poli Jantung", "Cardiology", "J", "Ruang 9"),
    ("PAR", "Poli Paru", "Pulmonology", "K", "Ruang 10"),
    ("GIG", "Poli Gigi dan Mulut", "Dental and Oral", "L", "Ruang 11"),
    ("ORT", "Poli Orthopedi", "Orthopaedics", "M", "Ruang 12"),
    ("IRM", "Poli Rehabilitasi Medik", "Medical Rehabilitation", "N", "Ruang 13"),
    ("UMU", "Poli Umum", "General Practice", "P", "Ruang 14"),
];

/// (doctor code, invented name, BPJS doctor code, clinic, weekdays, start, end, quota JKN, quota non-JKN)
type DoctorRow = (
    &'static str,
    &'static str,
    i32,
    &'static str,
    &'static [i16],
    &'static str,
    &'static str,
    i32,
    i32,
);
pub const DOCTORS: &[DoctorRow] = &[
    ("D001", "dr. Yohana Mote, Sp.PD", 310101, "INT", &[1, 2, 3, 4, 5], "08:00", "12:00", 25, 10),
    ("D002", "dr. Markus Wenda, Sp.PD", 310102, "INT", &[1, 3, 5], "14:00", "16:00", 12, 6),
    ("D003", "dr. Ruth Kogoya, Sp.A", 310103, "ANA", &[1, 2, 3, 4, 5, 6], "08:00", "12:00", 25, 10),
    ("D004", "dr. Daniel Magai, Sp.OG", 310104, "OBG", &[1, 2, 3, 4, 5], "09:00", "13:00", 20, 10),
    ("D005", "dr. Sarah Tabuni, Sp.B", 310105, "BED", &[1, 2, 4], "09:00", "13:00", 20, 8),
    ("D006", "dr. Agus Setiawan, Sp.M", 310106, "MAT", &[2, 3, 5], "08:00", "12:00", 20, 8),
    ("D007", "dr. Maria Beanal, Sp.THT-KL", 310107, "THT", &[1, 3, 5], "09:00", "13:00", 18, 8),
    ("D008", "dr. Fransiskus Kum, Sp.N", 310108, "SAR", &[2, 4], "08:00", "12:00", 18, 8),
    ("D009", "dr. Lydia Narwadan, Sp.KK", 310109, "KLT", &[1, 4], "09:00", "13:00", 15, 10),
    (
        "D010",
        "dr. Hendrik Rumbewas, Sp.JP",
        310110,
        "JAN",
        &[1, 2, 3, 4, 5],
        "08:00",
        "12:00",
        20,
        8,
    ),
    ("D011", "dr. Nur Aisyah, Sp.P", 310111, "PAR", &[2, 3, 5], "09:00", "13:00", 18, 8),
    ("D012", "drg. Stefanus Omaleng", 310112, "GIG", &[1, 2, 3, 4, 5, 6], "08:00", "12:00", 15, 10),
    ("D013", "dr. Yosef Jitmau, Sp.OT", 310113, "ORT", &[2, 4], "14:00", "16:00", 12, 6),
    ("D014", "dr. Esther Rumaropen, Sp.KFR", 310114, "IRM", &[1, 3, 5], "08:00", "12:00", 15, 8),
    ("D015", "dr. Paulus Natkime", 310115, "UMU", &[1, 2, 3, 4, 5, 6], "08:00", "12:00", 30, 15),
    ("D016", "dr. Dewi Lestari", 310116, "UMU", &[1, 2, 3, 4, 5], "14:00", "16:00", 15, 10),
];

fn time(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap_or(NaiveTime::MIN)
}

/// Clinics, doctors and schedules (each only if missing), and sessions for 14 days.
pub fn seed_catalogue(conn: &mut PgConnection, today: NaiveDate) -> AppResult<()> {
    for (code, name, name_en, prefix, room) in CLINICS {
        let clinic = NewClinic { code, name, name_en, prefix, bpjs_code: Some(code), room };
        catalogue::add_clinic_if_missing(conn, &clinic)?;
    }
    let has_schedules = catalogue::count_schedules(conn)?;
    for (code, name, bpjs, clinic, days, start, end, jkn, non_jkn) in DOCTORS {
        catalogue::add_doctor_if_missing(conn, &NewDoctor { code, name, bpjs_code: Some(*bpjs) })?;
        if has_schedules > 0 {
            continue;
        }
        let missing = || AppError::internal("demo catalogue row missing");
        let doctor_id = schedules::doctor_by_code(conn, code)?.ok_or_else(missing)?.id;
        let clinic_id = schedules::clinic_by_code(conn, clinic)?.ok_or_else(missing)?.id;
        for day in *days {
            // Saturdays are shorter.
            let end = if *day == 6 { "11:00" } else { end };
            schedules::insert(
                conn,
                &NewSchedule {
                    doctor_id,
                    clinic_id,
                    weekday: *day,
                    starts_at: time(start),
                    ends_at: time(end),
                    quota_jkn: *jkn,
                    quota_non_jkn: *non_jkn,
                    online_limit: (jkn + non_jkn) * 2 / 3,
                    service_minutes: 10,
                    valid_from: today - Duration::days(7),
                    valid_until: None,
                },
            )?;
        }
    }
    sessions::materialize(conn, today, today + Duration::days(14))?;
    Ok(())
}

/// The demo's staff accounts: `admin` (admin) and `anak` (clinic staff of Poli Anak),
/// both with password `demo`. Created by `sipoli demo` only.
pub fn seed_staff(conn: &mut PgConnection) -> AppResult<()> {
    if crate::db::staff::find_by_username(conn, "admin")?.is_none() {
        staff::upsert_user(conn, "admin", "Administrator Demo", "demo", Role::Admin, &[])?;
    }
    if crate::db::staff::find_by_username(conn, "anak")?.is_none() {
        staff::upsert_user(
            conn,
            "anak",
            "Perawat Poli Anak",
            "demo",
            Role::Clinic,
            &["ANA".to_string()],
        )?;
    }
    if crate::db::staff::find_by_username(conn, "loket")?.is_none() {
        staff::upsert_user(conn, "loket", "Petugas Loket", "demo", Role::Registration, &[])?;
    }
    Ok(())
}

/// The demo's hall kiosk ("Anjungan Demo", every clinic) and its pairing code, valid for a
/// day instead of the usual 15 minutes: `sipoli demo` prints the link that pairs the first
/// browser that opens it.
pub fn seed_kiosk(
    conn: &mut PgConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<String> {
    let code = crate::domain::booking_code::BookingCode::generate();
    let expires = now + Duration::hours(24);
    crate::db::kiosks::insert(conn, "Anjungan Demo", &[], code.as_str(), expires, None, now)?;
    Ok(code.as_str().to_string())
}

/// (code, name, English name, kind, ticket prefix, desks): the stations besides the clinics.
pub const STATIONS: &[(&str, &str, &str, StationKind, &str, i32)] = &[
    ("PENDAFTARAN", "Loket Pendaftaran", "Registration counter", StationKind::Registration, "P", 3),
    ("FARMASI", "Farmasi", "Pharmacy", StationKind::Pharmacy, "R", 2),
    ("KASIR", "Kasir", "Cashier", StationKind::Cashier, "K", 1),
    ("LAB", "Laboratorium", "Laboratory", StationKind::Lab, "L", 1),
    ("RADIOLOGI", "Radiologi", "Radiology", StationKind::Radiology, "X", 1),
];

/// The registration counter (counters 1–3), pharmacy, cashier, lab and radiology; brought up to date
/// when they exist. Also used by the tests.
pub fn seed_stations(conn: &mut PgConnection) -> AppResult<()> {
    for (code, name, name_en, kind, prefix, desks) in STATIONS {
        stations::upsert(
            conn,
            &NewStation { code, name, name_en, kind: *kind, prefix, desks: *desks },
        )?;
    }
    if crate::db::staff::find_by_username(conn, "farmasi")?.is_none() {
        let id = staff::upsert_user(conn, "farmasi", "Petugas Farmasi", "demo", Role::Clinic, &[])?;
        stations::assign(conn, id, &["FARMASI".to_string()])?;
    }
    Ok(())
}

/// The invented NIK of the demo doctor at `index` in [`DOCTORS`]: Mimika (91.09), district
/// 01, born 15-06-1980, serial index + 1. The stand-ins (`cargo run --example standins`)
/// know them.
pub fn doctor_nik(index: usize) -> String {
    format!("9109011506800{:03}", index + 1)
}

/// The invented SATUSEHAT Location id of a demo polyclinic.
pub fn location_id(clinic_code: &str) -> String {
    format!("demo-location-{}", clinic_code.to_lowercase())
}

/// SATUSEHAT identifiers of the demo (invented, so the whole flow runs against a
/// stand-in): a NIK per doctor and a Location id per polyclinic, each only if missing.
pub fn seed_satusehat(
    conn: &mut PgConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    use crate::db::satusehat;
    let mapped = satusehat::doctor_mappings(conn)?;
    for (i, (code, ..)) in DOCTORS.iter().enumerate() {
        let has_nik = mapped.iter().any(|(c, _, nik, _)| c == code && nik.is_some());
        if !has_nik {
            satusehat::set_doctor_nik(conn, code, &doctor_nik(i), now)?;
        }
    }
    let clinics = satusehat::clinic_mappings(conn)?;
    for (code, _, location) in clinics {
        if location.is_none() {
            satusehat::set_location(conn, &code, &location_id(&code), now)?;
        }
    }
    Ok(())
}
