//! Who may do what: every staff route of the JSON API × every kind of caller, as tables.
//!
//! Callers: an administrator; clinic staff of Poli Anak (`anak`) and of Poli Penyakit Dalam
//! (`intern`) — one runs the resource's clinic, the other does not; the registration
//! counter (`loket`); nobody; an expired login; a forged token. Every row gets a fresh
//! fixture (its own session, visit, schedule or exception), so an allowed action is legal;
//! a refused one must leave every table as it was.
use std::cell::Cell;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use diesel::RunQueryDsl;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::helpers::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Admin,
    /// Clinic staff of Poli Anak (ANA).
    Anak,
    /// Clinic staff of Poli Penyakit Dalam (INT).
    Intern,
    /// The registration counter.
    Loket,
    Nobody,
    /// An administrator whose login session has run out.
    Expired,
    /// The administrator's token with one character changed.
    Forged,
}

const CALLERS: [Caller; 7] = [
    Caller::Admin,
    Caller::Anak,
    Caller::Intern,
    Caller::Loket,
    Caller::Nobody,
    Caller::Expired,
    Caller::Forged,
];

/// The leaves and closures of the exception rows.
#[derive(Clone, Copy, Debug)]
enum Exc {
    /// Leave of D003 (Poli Anak) on a weekday: its ANA session exists.
    LeaveAna,
    /// Leave of D010 (Poli Penyakit Dalam) on a weekday: its INT session exists.
    LeaveIntWeekday,
    /// Leave of D010 on a weekend: D010 works for INT only (its weekly schedule), but no
    /// session exists on that date.
    LeaveIntNoSession,
    /// Closure of Poli Anak on a weekday.
    ClosureAna,
    /// Closure of Poli Penyakit Dalam on a weekend: no session on that date.
    ClosureIntNoSession,
    /// An extra session of D003 at Poli Anak on a weekend.
    ExtraAna,
}

/// What a row needs made before it runs.
#[derive(Clone, Copy, Debug)]
enum Need {
    Nothing,
    /// The caller logs in anew (logging out ends the login it uses).
    FreshLogin,
    /// `{id}`: a fresh ANA session of today with one waiting patient.
    Session,
    /// `{id}`: an ANA visit of today in this state: booked, waiting, called, skipped, serving.
    Visit(&'static str),
    /// Body: a counter registration at a fresh ANA session of today.
    Registration,
    /// Body: a new weekly schedule of D003 at ANA.
    NewSchedule,
    /// `{id}`: a weekly schedule of D003 at ANA; body: a change of it, to this clinic.
    Schedule(&'static str),
    /// Body: a new leave or closure.
    NewException(Exc),
    /// `{id}`: a leave or closure the administrator planned.
    Exception(Exc),
    /// `{id}`: a dead notification of an ANA visit.
    DeadJob,
}

struct Route {
    method: Method,
    /// `{id}` stands for the fixture's id.
    path: String,
    need: Need,
    body: Value,
    /// What admin, anak, intern and loket get; nobody, expired and forged always get 401.
    expect: [u16; 4],
    note: &'static str,
    /// For lists: text of Poli Anak's entries. Whoever may see ANA finds it in the answer;
    /// staff of another clinic must not.
    ana_marker: Option<&'static str>,
}

fn route(method: Method, path: impl Into<String>, need: Need, expect: [u16; 4]) -> Route {
    Route { method, path: path.into(), need, body: json!({}), expect, note: "", ana_marker: None }
}

impl Route {
    fn body(mut self, body: Value) -> Route {
        self.body = body;
        self
    }
    fn note(mut self, note: &'static str) -> Route {
        self.note = note;
        self
    }
    fn ana_only(mut self, marker: &'static str) -> Route {
        self.ana_marker = Some(marker);
        self
    }
    fn expected(&self, caller: Caller) -> u16 {
        match caller {
            Caller::Admin => self.expect[0],
            Caller::Anak => self.expect[1],
            Caller::Intern => self.expect[2],
            Caller::Loket => self.expect[3],
            Caller::Nobody | Caller::Expired | Caller::Forged => 401,
        }
    }
}

/// Tables whose rows a refused request must leave exactly as they were.
const TABLES: [&str; 18] = [
    "clinic_sessions",
    "visits",
    "visit_events",
    "ticket_counters",
    "patients",
    "practice_schedules",
    "schedule_exceptions",
    "notification_jobs",
    "bpjs_tasks",
    "display_messages",
    "idempotency_records",
    "staff_users",
    "staff_clinics",
    "login_sessions",
    "satusehat_doctors",
    "satusehat_clinics",
    "satusehat_jobs",
    "hfis_updates",
];

/// One app, two clinics with one doctor each and their weekly schedules (Monday to Friday,
/// 08:00–12:00), the four accounts logged in; Tuesday 1 December 2026, 08:05 WIT.
struct World {
    app: TestApp,
    admin: String,
    anak: String,
    intern: String,
    loket: String,
    expired: String,
    forged: String,
    ana: i32,
    d003: i32,
    /// Makes fixtures distinct: start times, dates, identities.
    counter: Cell<i64>,
    weekday: Cell<NaiveDate>,
    weekend: Cell<NaiveDate>,
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).expect("date")
}

fn sql(app: &TestApp, query: &str) {
    diesel::sql_query(query).execute(&mut app.conn()).unwrap_or_else(|e| panic!("{query}: {e}"));
}

fn sql_id(app: &TestApp, query: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let row: Id = diesel::sql_query(query)
        .get_result(&mut app.conn())
        .unwrap_or_else(|e| panic!("{query}: {e}"));
    row.id
}

impl World {
    async fn new() -> World {
        let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
        let ana = add_clinic(&app, "ANA", "Poli Anak", "B");
        let int = add_clinic(&app, "INT", "Poli Penyakit Dalam", "A");
        let doctor = |code: &str, name: &str, bpjs: i32| {
            sql_id(
                &app,
                &format!(
                    "INSERT INTO doctors (code, name, bpjs_code) VALUES ('{code}', '{name}', {bpjs})
                     RETURNING id::int8 AS id"
                ),
            ) as i32
        };
        let d003 = doctor("D003", "dr. Ruth Kogoya, Sp.A", 310103);
        let d010 = doctor("D010", "dr. Yonas Wenda, Sp.PD", 310110);
        for (doctor, clinic) in [(d003, ana), (d010, int)] {
            sql(
                &app,
                &format!(
                    "INSERT INTO practice_schedules (doctor_id, clinic_id, weekday, starts_at, ends_at,
                         quota_jkn, quota_non_jkn, online_limit, valid_from)
                     SELECT {doctor}, {clinic}, d, '08:00', '12:00', 20, 20, 30, '2026-11-01'
                     FROM generate_series(1, 5) AS d"
                ),
            );
        }
        let admin = app.token_for("admin", Role::Admin, &[]).await;
        let anak = app.token_for("anak", Role::Clinic, &["ANA"]).await;
        let intern = app.token_for("intern", Role::Clinic, &["INT"]).await;
        let loket = app.token_for("loket", Role::Registration, &[]).await;
        app.token_for("lama", Role::Admin, &[]).await;
        let expired = expire(&app, app.log_in("lama").await);
        let last = if admin.ends_with('0') { "1" } else { "0" };
        let forged = format!("{}{last}", &admin[..admin.len() - 1]);
        World {
            app,
            admin,
            anak,
            intern,
            loket,
            expired,
            forged,
            ana,
            d003,
            counter: Cell::new(0),
            weekday: Cell::new(today()),
            weekend: Cell::new(today()),
        }
    }

    fn next(&self) -> i64 {
        self.counter.set(self.counter.get() + 1);
        self.counter.get()
    }

    /// The next weekday after the last one handed out (each leave or closure its own date).
    fn next_weekday(&self) -> String {
        next_date(&self.weekday, |d| d.weekday().number_from_monday() <= 5)
    }

    /// The next Saturday or Sunday: no weekly schedule, so no session.
    fn next_weekend_day(&self) -> String {
        next_date(&self.weekend, |d| d.weekday().number_from_monday() >= 6)
    }

    async fn token(&self, caller: Caller, fresh: bool) -> Option<String> {
        let name = match caller {
            Caller::Nobody => return None,
            Caller::Forged => return Some(self.forged.clone()),
            Caller::Expired if fresh => {
                return Some(expire(&self.app, self.app.log_in("lama").await));
            }
            Caller::Expired => return Some(self.expired.clone()),
            Caller::Admin if !fresh => return Some(self.admin.clone()),
            Caller::Anak if !fresh => return Some(self.anak.clone()),
            Caller::Intern if !fresh => return Some(self.intern.clone()),
            Caller::Loket if !fresh => return Some(self.loket.clone()),
            Caller::Admin => "admin",
            Caller::Anak => "anak",
            Caller::Intern => "intern",
            Caller::Loket => "loket",
        };
        Some(self.app.log_in(name).await)
    }

    /// As the administrator; the action must succeed.
    async fn admin_does(&self, method: Method, path: &str, body: &Value) -> Value {
        let (status, answer) =
            self.app.send_as(method.clone(), path, Some(&self.admin), Some(body)).await;
        assert!(status.is_success(), "fixture {method} {path}: {status} {answer}");
        answer
    }

    /// A session of D003 at ANA today, 12:00 end, starting at `base` plus a few minutes
    /// (each fixture its own slot).
    fn session_at(&self, base: (u32, u32)) -> i32 {
        let k = self.next();
        assert!(k < 170, "more fixtures than slots");
        let starts = NaiveTime::from_hms_opt(base.0, base.1, 0).unwrap() + Duration::minutes(k);
        sql_id(
            &self.app,
            &format!(
                "INSERT INTO clinic_sessions (clinic_id, doctor_id, service_date, starts_at, ends_at,
                     quota_jkn, quota_non_jkn, online_limit)
                 VALUES ({}, {}, '{}', '{}', '12:00', 5, 5, 10) RETURNING id::int8 AS id",
                self.ana,
                self.d003,
                today(),
                starts.format("%H:%M")
            ),
        ) as i32
    }

    /// A session already open for walk-ins (starts between 05:00 and 07:50).
    fn walk_in_session(&self) -> i32 {
        self.session_at((5, 0))
    }

    /// A waiting walk-in at a session of its own.
    async fn walk_in(&self, phone: Option<&str>) -> (i32, i64) {
        let session = self.walk_in_session();
        let mut ticket = json!({"session_id": session, "payer": "non_jkn"});
        if let Some(p) = phone {
            ticket["phone"] = json!(p);
        }
        let (status, t) = self.app.post_json("/api/v1/kiosk/tickets", &ticket).await;
        assert_eq!(status, 201, "kiosk ticket: {t}");
        (session, self.app.visit_id(t["booking_code"].as_str().unwrap()))
    }

    /// A visit of ANA today in `state`, driven there through the API by the administrator.
    async fn visit(&self, state: &str) -> i64 {
        if state == "booked" {
            // Online booking closes an hour before the start: a session from 09:10 on.
            let session = self.session_at((9, 10));
            let n = self.next() as u32;
            let (status, b) =
                self.app.post_json("/api/v1/bookings", &booking_body(session, n)).await;
            assert_eq!(status, 201, "booking: {b}");
            return self.app.visit_id(b["booking_code"].as_str().unwrap());
        }
        let (session, id) = self.walk_in(None).await;
        if state == "waiting" {
            return id;
        }
        let called = self
            .admin_does(
                Method::POST,
                &format!("/api/v1/staff/sessions/{session}/call-next"),
                &json!({}),
            )
            .await;
        assert_eq!(called["id"], id, "the only patient of the session is called");
        match state {
            "called" => {}
            "skipped" => {
                self.admin_does(
                    Method::POST,
                    &format!("/api/v1/staff/visits/{id}/skip"),
                    &json!({}),
                )
                .await;
            }
            "serving" => {
                self.admin_does(
                    Method::POST,
                    &format!("/api/v1/staff/visits/{id}/start"),
                    &json!({}),
                )
                .await;
            }
            other => panic!("no fixture for a {other} visit"),
        }
        id
    }

    fn schedule_body(&self) -> Value {
        let k = self.next();
        let starts = NaiveTime::from_hms_opt(13, 0, 0).unwrap() + Duration::minutes(k);
        json!({"clinic": "ANA", "doctor": "D003", "weekday": 7,
               "starts_at": starts.format("%H:%M").to_string(), "ends_at": "16:00",
               "quota_jkn": 5, "quota_non_jkn": 5})
    }

    fn exception_body(&self, exc: Exc) -> Value {
        match exc {
            Exc::LeaveAna => json!({"kind": "leave", "doctor": "D003", "date": self.next_weekday(),
                                    "reason": "Cuti"}),
            Exc::LeaveIntWeekday => json!({"kind": "leave", "doctor": "D010",
                                           "date": self.next_weekday(), "reason": "Cuti"}),
            Exc::LeaveIntNoSession => json!({"kind": "leave", "doctor": "D010",
                                             "date": self.next_weekend_day(), "reason": "Cuti"}),
            Exc::ClosureAna => json!({"kind": "closure", "clinic": "ANA",
                                      "date": self.next_weekday(), "reason": "Renovasi"}),
            Exc::ClosureIntNoSession => json!({"kind": "closure", "clinic": "INT",
                                               "date": self.next_weekend_day(), "reason": "Renovasi"}),
            Exc::ExtraAna => json!({"kind": "extra", "doctor": "D003", "clinic": "ANA",
                                    "date": self.next_weekend_day(), "starts_at": "09:00",
                                    "ends_at": "11:00", "quota_jkn": 5, "quota_non_jkn": 5}),
        }
    }

    /// The path (with `{id}` filled in) and body of one row, its fixture made.
    async fn prepare(&self, route: &Route) -> (String, Value) {
        let mut body = route.body.clone();
        let id: Option<i64> = match route.need {
            Need::Nothing | Need::FreshLogin => None,
            Need::Session => Some(i64::from(self.walk_in(None).await.0)),
            Need::Visit(state) => Some(self.visit(state).await),
            Need::Registration => {
                body = json!({"session_id": self.walk_in_session(), "payer": "non_jkn"});
                None
            }
            Need::NewSchedule => {
                body = self.schedule_body();
                None
            }
            Need::Schedule(clinic) => {
                let created = self
                    .admin_does(Method::POST, "/api/v1/staff/schedules", &self.schedule_body())
                    .await;
                body = self.schedule_body();
                body["clinic"] = json!(clinic);
                created["id"].as_i64()
            }
            Need::NewException(exc) => {
                body = self.exception_body(exc);
                None
            }
            Need::Exception(exc) => {
                let created = self
                    .admin_does(Method::POST, "/api/v1/staff/exceptions", &self.exception_body(exc))
                    .await;
                created["id"].as_i64()
            }
            Need::DeadJob => {
                let (_, visit) = self.walk_in(Some("081298765432")).await;
                Some(sql_id(
                    &self.app,
                    &format!(
                        "UPDATE notification_jobs SET status = 'dead', attempts = max_attempts
                         WHERE visit_id = {visit} AND channel <> 'internal' RETURNING id AS id"
                    ),
                ))
            }
        };
        let path = match id {
            Some(id) => route.path.replace("{id}", &id.to_string()),
            None => {
                assert!(!route.path.contains("{id}"), "{} needs a fixture", route.path);
                route.path.clone()
            }
        };
        (path, body)
    }

    /// Every row of every table that a refusal must not touch.
    fn snapshot(&self) -> Vec<String> {
        #[derive(QueryableByName)]
        struct Rows {
            #[diesel(sql_type = diesel::sql_types::Text)]
            rows: String,
        }
        TABLES
            .iter()
            .map(|t| {
                let r: Rows = diesel::sql_query(format!(
                    "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') AS rows FROM {t} t"
                ))
                .get_result(&mut self.app.conn())
                .unwrap();
                format!("{t}:\n{}", r.rows)
            })
            .collect()
    }

    /// Run every route as every caller; all mismatches are reported together.
    async fn check(&self, routes: &[Route]) {
        let mut failures = Vec::new();
        let mut rows = 0;
        for route in routes {
            for caller in CALLERS {
                rows += 1;
                let (path, body) = self.prepare(route).await;
                let token = self.token(caller, matches!(route.need, Need::FreshLogin)).await;
                let sends_body = matches!(route.method, Method::POST | Method::PUT);
                let before = self.snapshot();
                let (status, answer) = self
                    .app
                    .send_as(
                        route.method.clone(),
                        &path,
                        token.as_deref(),
                        sends_body.then_some(&body),
                    )
                    .await;
                let label = format!("{} {path} {} as {caller:?}", route.method, route.note);
                let expected = route.expected(caller);
                if status.as_u16() != expected {
                    failures.push(format!("{label}: expected {expected}, got {status}: {answer}"));
                }
                if status == 401 && answer["error"]["code"] != "unauthorized" {
                    failures.push(format!("{label}: a 401 says unauthorized: {answer}"));
                }
                if let (Some(marker), true) = (route.ana_marker, status.is_success()) {
                    let shown = answer.to_string().contains(marker);
                    if shown != (caller != Caller::Intern) {
                        failures.push(format!("{label}: {marker} shown: {shown}: {answer}"));
                    }
                }
                let after = self.snapshot();
                let changed: Vec<_> = before.iter().zip(&after).filter(|(b, a)| b != a).collect();
                if expected >= 400 || !status.is_success() {
                    let what = if status.is_success() {
                        format!("not refused ({status}):")
                    } else {
                        format!("refused ({status}) but")
                    };
                    for (b, a) in &changed {
                        failures.push(format!("{label}: {what} {}", diff(b, a)));
                    }
                } else if route.method != Method::GET && changed.is_empty() {
                    // Proves the fixture and the snapshot: an allowed change shows in it.
                    failures.push(format!("{label}: allowed ({status}) but nothing changed"));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {rows} rows failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

/// What changed in one table's snapshot: rows gone (-) and rows new (+).
fn diff(before: &str, after: &str) -> String {
    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    let mut out = format!("changed {}", b[0]);
    out.extend(b[1..].iter().filter(|l| !a.contains(l)).map(|l| format!("\n  - {l}")));
    out.extend(a[1..].iter().filter(|l| !b.contains(l)).map(|l| format!("\n  + {l}")));
    out
}

/// The next date after `cell` that `pick` accepts; remembered.
fn next_date(cell: &Cell<NaiveDate>, pick: impl Fn(NaiveDate) -> bool) -> String {
    let mut d = cell.get() + Duration::days(1);
    while !pick(d) {
        d += Duration::days(1);
    }
    cell.set(d);
    d.to_string()
}

/// Let every login session of this token's account run out (a minute ago by the app's clock).
fn expire(app: &TestApp, token: String) -> String {
    let now = app.state.now();
    diesel::sql_query(
        "UPDATE login_sessions SET expires_at = $1
         WHERE staff_id = (SELECT id FROM staff_users WHERE username = 'lama')",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now - Duration::minutes(1))
    .execute(&mut app.conn())
    .unwrap();
    token
}

// Expected statuses of admin, anak, intern, loket.
const ALL: [u16; 4] = [200, 200, 200, 200];
/// Admin and the clinic's own staff.
const RUNS_ANA: [u16; 4] = [200, 200, 403, 403];
/// Everyone who may see Poli Anak: all but another clinic's staff.
const SEES_ANA: [u16; 4] = [200, 200, 403, 200];
/// Admin and the registration counter.
const COUNTER: [u16; 4] = [201, 403, 403, 201];
const ADMIN_ONLY: [u16; 4] = [200, 403, 403, 403];

#[actix_web::test]
async fn login_routes_need_a_live_login() {
    let world = World::new().await;
    world
        .check(&[
            route(Method::GET, "/api/v1/auth/me", Need::Nothing, ALL),
            route(Method::POST, "/api/v1/auth/logout", Need::FreshLogin, ALL),
        ])
        .await;
}

#[actix_web::test]
async fn a_login_runs_out_after_the_session_lifetime() {
    let app = TestApp::spawn().await;
    let token = app.token_for("admin", Role::Admin, &[]).await;
    let me = || app.send_as(Method::GET, "/api/v1/auth/me", Some(&token), None);
    app.clock.advance(Duration::hours(12) - Duration::minutes(1));
    assert_eq!(me().await.0, 200, "still within its 12 hours");
    app.clock.advance(Duration::minutes(2));
    assert_eq!(me().await.0, 401, "12 hours and a minute after the login");
}

#[actix_web::test]
async fn queue_routes_are_for_the_clinics_own_staff() {
    let world = World::new().await;
    let visit = |action: &str, state| {
        route(
            Method::POST,
            format!("/api/v1/staff/visits/{{id}}/{action}"),
            Need::Visit(state),
            RUNS_ANA,
        )
    };
    world
        .check(&[
            route(Method::GET, "/api/v1/staff/sessions?date=2026-12-01", Need::Session, ALL)
                .ana_only("Poli Anak"),
            route(Method::GET, "/api/v1/staff/sessions/{id}/queue", Need::Session, SEES_ANA),
            route(Method::POST, "/api/v1/staff/sessions/{id}/call-next", Need::Session, RUNS_ANA),
            visit("recall", "called"),
            visit("skip", "called"),
            visit("return", "skipped"),
            visit("start", "called"),
            visit("finish", "serving"),
            visit("cancel", "waiting").body(json!({"reason": "Pasien pulang"})),
            visit("priority", "waiting").body(json!({"priority": true, "reason": "lansia"})),
            route(
                Method::POST,
                "/api/v1/staff/visits/{id}/check-in",
                Need::Visit("booked"),
                SEES_ANA,
            ),
            route(Method::POST, "/api/v1/staff/registrations", Need::Registration, COUNTER),
        ])
        .await;
}

#[actix_web::test]
async fn schedule_routes_are_for_the_clinics_own_staff() {
    let world = World::new().await;
    world
        .check(&[
            route(Method::GET, "/api/v1/staff/schedules", Need::Nothing, ALL).ana_only("Poli Anak"),
            route(Method::POST, "/api/v1/staff/schedules", Need::NewSchedule, [201, 201, 403, 403]),
            route(Method::PUT, "/api/v1/staff/schedules/{id}", Need::Schedule("ANA"), RUNS_ANA),
            route(Method::PUT, "/api/v1/staff/schedules/{id}", Need::Schedule("INT"), ADMIN_ONLY)
                .note("(moved to INT)"),
            route(Method::DELETE, "/api/v1/staff/schedules/{id}", Need::Schedule("ANA"), RUNS_ANA),
        ])
        .await;
}

/// A clinic account may plan or remove a leave or closure only for the doctors and clinics
/// it is assigned to (a doctor belongs to the clinics of their weekly schedules), whether
/// or not a session exists on that date yet. The "leave of an INT doctor, no session" rows
/// guard against a hole where only the sessions a leave touched were checked: with none
/// on that date, Poli Anak's staff could plan or remove another clinic's doctor's leave.
#[actix_web::test]
async fn leave_and_closure_only_for_ones_own_doctors_and_clinics() {
    let world = World::new().await;
    let post = |exc, expect| {
        route(Method::POST, "/api/v1/staff/exceptions", Need::NewException(exc), expect)
    };
    let delete = |exc, expect| {
        route(Method::DELETE, "/api/v1/staff/exceptions/{id}", Need::Exception(exc), expect)
    };
    const OWN_ANA: [u16; 4] = [201, 201, 403, 403];
    const OWN_INT: [u16; 4] = [201, 403, 201, 403];
    const RUNS_INT: [u16; 4] = [200, 403, 200, 403];
    world
        .check(&[
            route(Method::GET, "/api/v1/staff/exceptions", Need::Nothing, ALL),
            post(Exc::LeaveAna, OWN_ANA).note("(leave of an ANA doctor)"),
            post(Exc::LeaveIntWeekday, OWN_INT).note("(leave of an INT doctor, session exists)"),
            post(Exc::LeaveIntNoSession, OWN_INT).note("(leave of an INT doctor, no session yet)"),
            post(Exc::ClosureAna, OWN_ANA).note("(closure of ANA)"),
            post(Exc::ClosureIntNoSession, OWN_INT).note("(closure of INT, no session)"),
            post(Exc::ExtraAna, OWN_ANA).note("(extra session at ANA)"),
            delete(Exc::LeaveAna, RUNS_ANA).note("(leave of an ANA doctor)"),
            delete(Exc::LeaveIntWeekday, RUNS_INT).note("(leave of an INT doctor, session exists)"),
            delete(Exc::LeaveIntNoSession, RUNS_INT).note("(leave of an INT doctor, no session)"),
            delete(Exc::ClosureAna, RUNS_ANA).note("(closure of ANA)"),
            delete(Exc::ClosureIntNoSession, RUNS_INT).note("(closure of INT, no session)"),
            delete(Exc::ExtraAna, RUNS_ANA).note("(extra session at ANA)"),
        ])
        .await;
}

#[actix_web::test]
async fn console_routes_board_text_notifications_and_bpjs() {
    let world = World::new().await;
    world
        .check(&[
            route(Method::PUT, "/api/v1/staff/display-message", Need::Nothing, RUNS_ANA)
                .body(json!({"clinic": "ANA", "message": "Dokter datang pukul 09.00"}))
                .note("(one clinic's boards)"),
            route(Method::PUT, "/api/v1/staff/display-message", Need::Nothing, ADMIN_ONLY)
                .body(json!({"message": "Selamat datang di RSUD Mimika"}))
                .note("(every board)"),
            route(Method::GET, "/api/v1/staff/notifications", Need::DeadJob, [200, 200, 200, 403])
                .ana_only("\"ticket\":\"B-"),
            // Another clinic's message is hidden (404), not refused.
            route(
                Method::POST,
                "/api/v1/staff/notifications/{id}/retry",
                Need::DeadJob,
                [200, 200, 404, 403],
            ),
            route(Method::GET, "/api/v1/staff/bpjs/tasks", Need::Nothing, ADMIN_ONLY),
        ])
        .await;
}

#[actix_web::test]
async fn national_platform_routes_are_for_admins() {
    let world = World::new().await;
    world
        .check(&[
            route(Method::GET, "/api/v1/staff/satusehat", Need::Nothing, ADMIN_ONLY),
            route(Method::PUT, "/api/v1/staff/satusehat/doctors/D003", Need::Nothing, ADMIN_ONLY)
                .body(json!({"nik": "9109014501800002"})),
            route(Method::PUT, "/api/v1/staff/satusehat/clinics/ANA", Need::Nothing, ADMIN_ONLY)
                .body(json!({"location_id": "b017aa54-f1df-4ec2"})),
            route(Method::GET, "/api/v1/staff/hfis/updates", Need::Nothing, ADMIN_ONLY),
        ])
        .await;
}
