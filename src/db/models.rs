//! Rows as they are read from and written to the database.
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::*;
use crate::domain::kinds::{Channel, ExceptionKind, Payer, PriorityCategory, SessionStatus};
use crate::domain::visit_status::VisitStatus;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize, Deserialize)]
#[diesel(table_name = clinics)]
pub struct Clinic {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub prefix: String,
    pub bpjs_code: Option<String>,
    pub room: String,
    pub active: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = clinics)]
pub struct NewClinic<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub name_en: &'a str,
    pub prefix: &'a str,
    pub bpjs_code: Option<&'a str>,
    pub room: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize, Deserialize)]
#[diesel(table_name = doctors)]
pub struct Doctor {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub bpjs_code: Option<i32>,
    pub active: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = doctors)]
pub struct NewDoctor<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub bpjs_code: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = practice_schedules)]
pub struct Schedule {
    pub id: i32,
    pub doctor_id: i32,
    pub clinic_id: i32,
    pub weekday: i16,
    pub starts_at: NaiveTime,
    pub ends_at: NaiveTime,
    pub quota_jkn: i32,
    pub quota_non_jkn: i32,
    pub online_limit: i32,
    pub service_minutes: i32,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = practice_schedules)]
pub struct NewSchedule {
    pub doctor_id: i32,
    pub clinic_id: i32,
    pub weekday: i16,
    pub starts_at: NaiveTime,
    pub ends_at: NaiveTime,
    pub quota_jkn: i32,
    pub quota_non_jkn: i32,
    pub online_limit: i32,
    pub service_minutes: i32,
    pub valid_from: NaiveDate,
    #[diesel(treat_none_as_null = true)]
    pub valid_until: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = schedule_exceptions)]
pub struct ScheduleException {
    pub id: i32,
    pub kind: ExceptionKind,
    pub doctor_id: Option<i32>,
    pub clinic_id: Option<i32>,
    pub date: NaiveDate,
    pub starts_at: Option<NaiveTime>,
    pub ends_at: Option<NaiveTime>,
    pub quota_jkn: i32,
    pub quota_non_jkn: i32,
    pub online_limit: i32,
    pub service_minutes: i32,
    pub reason: String,
    pub created_by: Option<i32>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schedule_exceptions)]
pub struct NewScheduleException {
    pub kind: ExceptionKind,
    pub doctor_id: Option<i32>,
    pub clinic_id: Option<i32>,
    pub date: NaiveDate,
    pub starts_at: Option<NaiveTime>,
    pub ends_at: Option<NaiveTime>,
    pub quota_jkn: i32,
    pub quota_non_jkn: i32,
    pub online_limit: i32,
    pub service_minutes: i32,
    pub reason: String,
    pub created_by: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize, Deserialize)]
#[diesel(table_name = clinic_sessions)]
pub struct ClinicSession {
    pub id: i32,
    pub clinic_id: i32,
    pub doctor_id: i32,
    pub schedule_id: Option<i32>,
    pub exception_id: Option<i32>,
    pub service_date: NaiveDate,
    pub starts_at: NaiveTime,
    pub ends_at: NaiveTime,
    pub quota_jkn: i32,
    pub quota_non_jkn: i32,
    pub online_limit: i32,
    pub service_minutes: i32,
    pub taken_jkn: i32,
    pub taken_non_jkn: i32,
    pub taken_online: i32,
    pub status: SessionStatus,
    pub cancel_reason: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize, Deserialize)]
#[diesel(table_name = patients)]
pub struct Patient {
    pub id: i64,
    pub nik: Option<String>,
    pub bpjs_no: Option<String>,
    pub medical_record_no: Option<String>,
    pub name: String,
    pub birth_date: NaiveDate,
    pub sex: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable, Serialize)]
#[diesel(table_name = patients)]
pub struct NewPatient {
    pub nik: Option<String>,
    pub bpjs_no: Option<String>,
    pub medical_record_no: Option<String>,
    pub name: String,
    pub birth_date: NaiveDate,
    pub sex: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize, Deserialize)]
#[diesel(table_name = visits)]
pub struct Visit {
    pub id: i64,
    pub session_id: i32,
    pub clinic_id: i32,
    pub service_date: NaiveDate,
    pub patient_id: Option<i64>,
    pub payer: Payer,
    pub channel: Channel,
    pub booking_code: String,
    pub queue_number: i32,
    pub ticket: String,
    pub status: VisitStatus,
    pub priority: bool,
    pub priority_reason: String,
    pub sort_key: f64,
    pub call_count: i32,
    pub visit_type: Option<i16>,
    pub referral_number: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub language: String,
    pub room: String,
    pub estimated_at: DateTime<Utc>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub called_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Why the visit is priority, when chosen at the kiosk or by staff.
    pub priority_category: Option<PriorityCategory>,
    /// When staff confirmed the priority category.
    pub priority_confirmed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable, Serialize)]
#[diesel(table_name = visits)]
pub struct NewVisit {
    pub session_id: i32,
    pub clinic_id: i32,
    pub service_date: NaiveDate,
    pub patient_id: Option<i64>,
    pub payer: Payer,
    pub channel: Channel,
    pub booking_code: String,
    pub queue_number: i32,
    pub ticket: String,
    pub status: VisitStatus,
    pub sort_key: f64,
    pub visit_type: Option<i16>,
    pub referral_number: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub language: String,
    pub room: String,
    pub estimated_at: DateTime<Utc>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub priority: bool,
    pub priority_reason: String,
    pub priority_category: Option<PriorityCategory>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize, Deserialize)]
#[diesel(table_name = visit_events)]
pub struct VisitEvent {
    pub id: i64,
    pub visit_id: i64,
    pub session_id: i32,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub staff_id: Option<i32>,
    pub detail: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = visit_events)]
pub struct NewVisitEvent {
    pub visit_id: i64,
    pub session_id: i32,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub staff_id: Option<i32>,
    pub detail: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = staff_users)]
pub struct StaffUser {
    pub id: i32,
    pub username: String,
    pub full_name: String,
    pub password_hash: String,
    pub role: String,
    pub active: bool,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}
