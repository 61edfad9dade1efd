//! The stand-ins as the live demo needs them: BPJS/HFIS knowing the demo's clinics,
//! doctors and weekly schedules (`sipoli::demo`), SATUSEHAT knowing the demo doctors' NIKs,
//! the polyclinic Locations and every patient with a 16-digit NIK. [`start`] runs both and
//! gives the exact settings a `sipoli demo` needs to report to them.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use sipoli::demo::{CLINICS, DOCTORS, doctor_nik, location_id};

use super::bpjs::{self, Bpjs};
use super::satusehat::{self, Sehat};

/// The demo hospital's Organization id at the SATUSEHAT stand-in.
pub const ORGANIZATION: &str = "100026342";

/// The weekday names HFIS uses (`namahari`), Monday first.
const DAYS: [&str; 7] = ["SENIN", "SELASA", "RABU", "KAMIS", "JUMAT", "SABTU", "MINGGU"];

/// BPJS and HFIS as they would know the demo hospital: the reference lists and, per poli,
/// each doctor's week as SIPOLI's demo schedules have it, except one difference to show
/// on the HFIS page: HFIS has dr. Paulus Natkime (Poli Umum) on Saturdays until 10:00.
pub fn demo_bpjs() -> Bpjs {
    let ref_poli = CLINICS.iter().map(|c| json!({"kdpoli": c.0, "nmpoli": c.1})).collect();
    let ref_dokter =
        DOCTORS.iter().map(|d| json!({"kodedokter": d.2, "namadokter": d.1})).collect();
    let mut hfis: HashMap<String, Vec<Value>> = HashMap::new();
    for (_, name, kode, clinic, days, start, end, quota_jkn, _) in DOCTORS {
        let poli = CLINICS.iter().find(|c| c.0 == *clinic).map(|c| c.1).unwrap_or_default();
        for day in *days {
            let end = match (*day, *kode) {
                (6, 310115) => "10:00",
                (6, _) => "11:00",
                _ => end,
            };
            hfis.entry(clinic.to_string()).or_default().push(json!({
                "kodedokter": kode, "namadokter": name, "hari": day,
                "namahari": DAYS[usize::try_from(*day - 1).unwrap_or(0)],
                "jadwal": format!("{start}-{end}"), "kapasitaspasien": quota_jkn, "libur": 0,
                "kodepoli": clinic, "namapoli": poli, "kodesubspesialis": clinic}));
        }
    }
    Bpjs { hfis, ref_poli, ref_dokter, ..Bpjs::default() }
}

/// SATUSEHAT as it would know the demo hospital.
pub fn demo_sehat() -> Sehat {
    let practitioners =
        (0..DOCTORS.len()).map(|i| (doctor_nik(i), format!("N10000{:05}", i + 1))).collect();
    Sehat {
        expires_in: 3600,
        any_patient: true,
        practitioners,
        locations: CLINICS.iter().map(|c| location_id(c.0)).collect(),
        organization: ORGANIZATION.to_string(),
        ..Sehat::default()
    }
}

/// Both stand-ins, running.
pub struct Running {
    pub bpjs: bpjs::Shared,
    pub sehat: satusehat::Shared,
    pub bpjs_url: String,
    pub sehat_url: String,
}

/// Starts both (inside an actix system) on the given loopback addresses (port 0: any).
pub fn start(bpjs_addr: &str, sehat_addr: &str, echo: bool) -> std::io::Result<Running> {
    let bpjs: bpjs::Shared = Arc::new(Mutex::new(Bpjs { echo, ..demo_bpjs() }));
    let sehat: satusehat::Shared = Arc::new(Mutex::new(Sehat { echo, ..demo_sehat() }));
    let bpjs_url = bpjs::start_bpjs_on(bpjs.clone(), bpjs_addr)?;
    let sehat_url = satusehat::start_sehat_on(sehat.clone(), sehat_addr)?;
    Ok(Running { bpjs, sehat, bpjs_url, sehat_url })
}

impl Running {
    /// The settings to export before `sipoli demo`, in order.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let s = &self.sehat_url;
        vec![
            ("SIPOLI_BPJS_BASE_URL", self.bpjs_url.clone()),
            ("SIPOLI_BPJS_CONS_ID", bpjs::CONS_ID.into()),
            ("SIPOLI_BPJS_SECRET", bpjs::SECRET.into()),
            ("SIPOLI_BPJS_USER_KEY", bpjs::USER_KEY.into()),
            ("SIPOLI_SATUSEHAT_AUTH_URL", format!("{s}/oauth2/v1")),
            ("SIPOLI_SATUSEHAT_BASE_URL", format!("{s}/fhir-r4/v1")),
            ("SIPOLI_SATUSEHAT_CLIENT_ID", satusehat::CLIENT_ID.into()),
            ("SIPOLI_SATUSEHAT_CLIENT_SECRET", satusehat::CLIENT_SECRET.into()),
            ("SIPOLI_SATUSEHAT_ORGANIZATION_ID", ORGANIZATION.into()),
        ]
    }

    /// `export NAME='value'` lines for a POSIX shell.
    pub fn exports(&self) -> String {
        self.env().iter().map(|(k, v)| format!("export {k}='{v}'\n")).collect()
    }
}
