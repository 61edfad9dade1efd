//! Taking a place in a session: online booking, kiosk ticket, counter registration and
//! Mobile JKN all come through [`take_place`], one transaction of single-statement claims.
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Bool, Date, Int4};
use serde_json::json;

use super::events::{self, Actor};
use super::models::{ClinicSession, NewPatient, NewVisit, Patient, Visit};
use super::schema::{clinic_sessions, patients, visits};
use super::sessions::{self, SessionView};
use crate::domain::booking_code::BookingCode;
use crate::domain::identity::{BpjsNo, Nik};
use crate::domain::ticket::format_ticket;
use crate::domain::visit_status::VisitStatus;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payer {
    Jkn,
    NonJkn,
}

impl Payer {
    pub fn as_str(self) -> &'static str {
        match self {
            Payer::Jkn => "jkn",
            Payer::NonJkn => "non_jkn",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Online,
    Kiosk,
    Counter,
    Jkn,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Online => "online",
            Channel::Kiosk => "kiosk",
            Channel::Counter => "counter",
            Channel::Jkn => "jkn",
        }
    }
    /// Booked ahead: counts against the session's online limit.
    pub fn is_ahead(self) -> bool {
        matches!(self, Channel::Online | Channel::Jkn)
    }
    /// Was a visit stored with channel `s` booked ahead?
    pub fn is_ahead_str(s: &str) -> bool {
        [Channel::Online, Channel::Jkn].iter().any(|c| c.as_str() == s)
    }
}

/// What a place is taken with.
#[derive(Debug, Clone)]
pub struct PlaceRequest {
    pub session_id: i32,
    pub payer: Payer,
    pub channel: Channel,
    pub patient_id: Option<i64>,
    pub visit_type: Option<i16>,
    pub referral_number: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub language: String,
    pub actor: Actor,
}

/// The visit just created, with its session.
#[derive(Debug, Clone)]
pub struct Placed {
    pub visit: Visit,
    pub session: SessionView,
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = Int4)]
    n: i32,
}

/// Claim one place of `payer` in the session, in one conditional UPDATE.
fn claim_quota(
    conn: &mut PgConnection,
    session_id: i32,
    payer: Payer,
    ahead: bool,
) -> AppResult<Option<ClinicSession>> {
    let jkn = payer == Payer::Jkn;
    let claimed = diesel::update(clinic_sessions::table)
        .filter(clinic_sessions::id.eq(session_id))
        .filter(clinic_sessions::status.eq("open"))
        .filter(
            diesel::dsl::sql::<Bool>("CASE WHEN ")
                .bind::<Bool, _>(jkn)
                .sql(" THEN taken_jkn < quota_jkn ELSE taken_non_jkn < quota_non_jkn END AND (NOT ")
                .bind::<Bool, _>(ahead)
                .sql(" OR taken_online < online_limit)"),
        )
        .set((
            clinic_sessions::taken_jkn.eq(clinic_sessions::taken_jkn + i32::from(jkn)),
            clinic_sessions::taken_non_jkn.eq(clinic_sessions::taken_non_jkn + i32::from(!jkn)),
            clinic_sessions::taken_online.eq(clinic_sessions::taken_online + i32::from(ahead)),
        ))
        .returning(ClinicSession::as_returning())
        .get_result(conn)
        .optional()?;
    Ok(claimed)
}

/// Why a claim found no place: read after the fact, only to explain the refusal.
fn explain_refusal(
    conn: &mut PgConnection,
    session_id: i32,
    payer: Payer,
    ahead: bool,
) -> AppError {
    let session = match sessions::get(conn, session_id) {
        Ok(s) => s,
        Err(e) => return e,
    };
    match session.session.status.as_str() {
        "cancelled" => AppError::conflict(
            "session_cancelled",
            "Jadwal praktik ini dibatalkan (dokter cuti atau poli tutup).",
            "This clinic session is cancelled (doctor on leave or clinic closed).",
        ),
        "closed" => AppError::conflict(
            "session_closed",
            "Pendaftaran untuk jadwal praktik ini sudah ditutup.",
            "Registration for this clinic session is closed.",
        ),
        _ => {
            let payer_full = match payer {
                Payer::Jkn => session.remaining_jkn() <= 0,
                Payer::NonJkn => session.remaining_non_jkn() <= 0,
            };
            if ahead && !payer_full {
                AppError::conflict(
                    "quota_full",
                    "Kuota pendaftaran online untuk jadwal ini sudah habis. Sisa kuota disediakan untuk pasien yang datang langsung.",
                    "The online quota of this session is used up; the rest is kept for patients who come in person.",
                )
            } else if payer == Payer::Jkn {
                AppError::conflict(
                    "quota_full",
                    "Kuota JKN untuk jadwal ini sudah penuh.",
                    "The JKN quota of this session is full.",
                )
            } else {
                AppError::conflict(
                    "quota_full",
                    "Kuota non-JKN (umum) untuk jadwal ini sudah penuh.",
                    "The non-JKN quota of this session is full.",
                )
            }
        }
    }
}

/// The next ticket number of a clinic on a date: one upsert, gap-free under concurrency.
fn next_number(conn: &mut PgConnection, clinic_id: i32, date: NaiveDate) -> AppResult<i32> {
    let row: Number = diesel::sql_query(
        "INSERT INTO ticket_counters (clinic_id, service_date, last_number) VALUES ($1, $2, 1)
         ON CONFLICT (clinic_id, service_date)
         DO UPDATE SET last_number = ticket_counters.last_number + 1
         RETURNING last_number AS n",
    )
    .bind::<Int4, _>(clinic_id)
    .bind::<Date, _>(date)
    .get_result(conn)?;
    Ok(row.n)
}

/// Take a place: quota, number, visit with a fresh booking code, event.
pub fn take_place(
    conn: &mut PgConnection,
    tz: Tz,
    now: DateTime<Utc>,
    minutes_per_patient: f64,
    req: &PlaceRequest,
) -> AppResult<Placed> {
    let ahead = req.channel.is_ahead();
    let Some(session) = claim_quota(conn, req.session_id, req.payer, ahead)? else {
        return Err(explain_refusal(conn, req.session_id, req.payer, ahead));
    };
    let view = sessions::get(conn, session.id)?;
    let number = next_number(conn, session.clinic_id, session.service_date)?;
    let ahead_of_me: i64 = visits::table
        .filter(visits::session_id.eq(session.id))
        .filter(visits::status.eq_any(["booked", "waiting"]))
        .count()
        .get_result(conn)?;
    let estimated = crate::domain::queue::estimate(
        now.with_timezone(&tz),
        view.starts(tz),
        ahead_of_me,
        minutes_per_patient,
    );
    let status = if req.channel.is_ahead() { VisitStatus::Booked } else { VisitStatus::Waiting };
    let checked_in_at = (status == VisitStatus::Waiting).then_some(now);

    let visit = loop {
        let new = NewVisit {
            session_id: session.id,
            clinic_id: session.clinic_id,
            service_date: session.service_date,
            patient_id: req.patient_id,
            payer: req.payer.as_str().into(),
            channel: req.channel.as_str().into(),
            booking_code: BookingCode::generate().as_str().to_string(),
            queue_number: number,
            ticket: format_ticket(&view.clinic.prefix, number),
            status: status.as_str().into(),
            sort_key: f64::from(number),
            visit_type: req.visit_type,
            referral_number: req.referral_number.clone(),
            contact_phone: req.contact_phone.clone(),
            contact_email: req.contact_email.clone(),
            language: req.language.clone(),
            room: view.clinic.room.clone(),
            estimated_at: estimated.with_timezone(&Utc),
            checked_in_at,
            created_at: now,
            updated_at: now,
        };
        // A savepoint, so that a rare booking-code collision can be retried.
        let inserted = conn.transaction(|c| {
            diesel::insert_into(visits::table)
                .values(&new)
                .returning(Visit::as_returning())
                .get_result(c)
        });
        match inserted {
            Ok(visit) => break visit,
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)) => {
                match info.constraint_name() {
                    Some("visits_booking_code_key") => continue,
                    Some("visits_one_active_per_patient") => {
                        return Err(AppError::conflict(
                            "duplicate_booking",
                            "Pasien ini sudah memiliki antrean aktif di poli yang sama pada tanggal tersebut.",
                            "This patient already has an active visit at this clinic on that date.",
                        ));
                    }
                    Some("visits_referral_in_use") => {
                        return Err(AppError::conflict(
                            "referral_in_use",
                            "Nomor rujukan ini sudah dipakai untuk antrean lain yang masih aktif.",
                            "This referral number is already used by another active visit.",
                        ));
                    }
                    _ => {
                        return Err(DieselError::DatabaseError(
                            DatabaseErrorKind::UniqueViolation,
                            info,
                        )
                        .into());
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
    };
    events::record(
        conn,
        &visit,
        if status == VisitStatus::Booked { "booked" } else { "registered" },
        None,
        &req.actor,
        json!({"channel": req.channel.as_str(), "payer": req.payer.as_str()}),
        now,
    )?;
    let session = sessions::get(conn, session.id)?;
    Ok(Placed { visit, session })
}

/// Identity given at booking.
#[derive(Debug, Clone)]
pub struct PatientInput {
    pub nik: Option<Nik>,
    pub bpjs_no: Option<BpjsNo>,
    pub medical_record_no: Option<String>,
    pub name: String,
    pub birth_date: NaiveDate,
    pub sex: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: String,
}

fn identity_mismatch() -> AppError {
    AppError::unprocessable(
        "identity_mismatch",
        "Data identitas tidak cocok dengan data pasien yang terdaftar (periksa NIK/nomor BPJS dan tanggal lahir).",
        "The identity does not match the registered patient (check the NIK/BPJS number and birth date).",
    )
}

fn find_by_identity(conn: &mut PgConnection, input: &PatientInput) -> AppResult<Vec<Patient>> {
    let nik = input.nik.as_ref().map(|n| n.as_str().to_string());
    let bpjs = input.bpjs_no.as_ref().map(|b| b.as_str().to_string());
    let found = patients::table
        .filter(
            patients::nik
                .eq(nik.clone().unwrap_or_default())
                .or(patients::bpjs_no.eq(bpjs.clone().unwrap_or_default())),
        )
        .select(Patient::as_select())
        .load(conn)?;
    Ok(found)
}

/// The patient with this NIK or BPJS number, created when new. An existing record must
/// agree on the birth date: nobody books in another person's name by guessing a NIK.
pub fn find_or_create_patient(
    conn: &mut PgConnection,
    input: &PatientInput,
    now: DateTime<Utc>,
) -> AppResult<Patient> {
    for _ in 0..2 {
        let found = find_by_identity(conn, input)?;
        match found.as_slice() {
            [p] => {
                if p.birth_date != input.birth_date {
                    return Err(identity_mismatch());
                }
                // A known NIK with a different BPJS number (or the reverse) is someone else.
                let nik_clash =
                    matches!((&p.nik, &input.nik), (Some(a), Some(b)) if a != b.as_str());
                let bpjs_clash =
                    matches!((&p.bpjs_no, &input.bpjs_no), (Some(a), Some(b)) if a != b.as_str());
                if nik_clash || bpjs_clash {
                    return Err(identity_mismatch());
                }
                if p.bpjs_no.is_none() && input.bpjs_no.is_some() {
                    // First BPJS number given for a known NIK: remember it.
                    let updated = diesel::update(patients::table.find(p.id))
                        .set(patients::bpjs_no.eq(input.bpjs_no.as_ref().map(|b| b.as_str())))
                        .returning(Patient::as_returning())
                        .get_result(conn);
                    return match updated {
                        Ok(p) => Ok(p),
                        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                            Err(identity_mismatch())
                        }
                        Err(e) => Err(e.into()),
                    };
                }
                return Ok(p.clone());
            }
            [] => {
                let inserted = conn.transaction(|c| {
                    diesel::insert_into(patients::table)
                        .values(NewPatient {
                            nik: input.nik.as_ref().map(|n| n.as_str().to_string()),
                            bpjs_no: input.bpjs_no.as_ref().map(|b| b.as_str().to_string()),
                            medical_record_no: input.medical_record_no.clone(),
                            name: input.name.clone(),
                            birth_date: input.birth_date,
                            sex: input.sex.clone(),
                            phone: input.phone.clone(),
                            email: input.email.clone(),
                            language: input.language.clone(),
                            created_at: now,
                        })
                        .returning(Patient::as_returning())
                        .get_result(c)
                });
                match inserted {
                    Ok(p) => return Ok(p),
                    // Created by a concurrent request a moment ago: look again.
                    Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            _ => return Err(identity_mismatch()),
        }
    }
    Err(identity_mismatch())
}
