//! The staff console at `/staff`: login, today's sessions, the queue screen of a session
//! (the doctor's finish with its forward choices), check-in by booking code; counter
//! registration is in [`super::counter`]. Every form
//! carries the login session's CSRF token; every action goes through the same functions
//! (and role checks) as the JSON API.
use actix_web::{
    HttpRequest, HttpResponse,
    cookie::{Cookie, SameSite},
    http::StatusCode,
    web,
};
use askama::Template;
use serde::Deserialize;

use super::extract::{CsrfOnly, StaffForm, StaffPage, csrf_field, csrf_refused};
use super::text::{channel_label, clock_time, long_date, payer_label, status_label};
use super::{Ctx, OrPage, PageError, PageResult, render, see_other};
use crate::app::AppState;
use crate::auth::session_cookie;
use crate::auth::{Role, SESSION_COOKIE, Staff, random_token, token_of};
use crate::db::models::Visit;
use crate::domain::kinds::SessionStatus;
use crate::domain::visit_status::Action;
use crate::domain::visit_status::VisitStatus;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::service::queue::parse_code;
use crate::service::queue::{self, StaffAction, act_on_visit, call_next_as};
use crate::service::visits::{self, SessionBoard};

/// The cookie that carries the login form's own CSRF token (there is no session yet).
const LOGIN_CSRF_COOKIE: &str = "sipoli_login_csrf";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff", web::get().to(today))
        .route("/staff/masuk", web::get().to(login_form))
        .route("/staff/masuk", web::post().to(login))
        .route("/staff/keluar", web::post().to(logout))
        .route("/staff/sesi/{id}", web::get().to(queue_screen))
        .route("/staff/sesi/{id}/panggil", web::post().to(call_next))
        .route("/staff/kunjungan/{id}/{action}", web::post().to(visit_action))
        .route("/staff/checkin", web::post().to(check_in));
    super::counter::configure(cfg);
}

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage {
    c: Ctx,
    username: String,
    token: String,
    error: String,
}

fn login_page(c: Ctx, status: StatusCode, username: String, error: String) -> HttpResponse {
    let token = random_token();
    let page = LoginPage { c, username, token: token.clone(), error };
    let mut res = render(&page.c, status, &page);
    let cookie = Cookie::build(LOGIN_CSRF_COOKIE, token)
        .path("/staff")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    let _ = res.add_cookie(&cookie);
    res
}

/// `GET /staff/masuk`
async fn login_form(req: HttpRequest) -> HttpResponse {
    login_page(Ctx::of(&req), StatusCode::OK, String::new(), String::new())
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub csrf: String,
}

/// `POST /staff/masuk` — the API's login (lockout after repeated failures included).
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> PageResult {
    let c = Ctx::of(&req);
    let LoginForm { username, password, csrf } = form.into_inner();
    let expected = req.cookie(LOGIN_CSRF_COOKIE).map(|k| k.value().to_string());
    if csrf.is_empty() || expected.as_deref() != Some(csrf.as_str()) {
        let msg = csrf_refused().message(c.lang.is_en()).to_string();
        return Ok(login_page(c, StatusCode::FORBIDDEN, username, msg));
    }
    let client = crate::limits::address_of(&req);
    match crate::service::staff::login(&state, username.clone(), password, client).await {
        Ok((token, _)) => {
            let mut res = see_other("/staff");
            res.add_cookie(&session_cookie(&state, &token))
                .map_err(AppError::internal)
                .or_page(c.lang)?;
            Ok(res)
        }
        Err(e) if e.status.is_client_error() => {
            let msg = e.message(c.lang.is_en()).to_string();
            Ok(login_page(c, e.status, username, msg))
        }
        Err(e) => Err(PageError::new(c.lang, e)),
    }
}

csrf_field!(ActionForm, CheckInForm);

/// `POST /staff/keluar`
async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    StaffForm { c, .. }: StaffForm<CsrfOnly>,
) -> PageResult {
    if let Some((token, _)) = token_of(&req) {
        crate::service::staff::logout(&state, token).await.or_page(c.lang)?;
    }
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    let mut res = see_other("/staff/masuk");
    let _ = res.add_cookie(&gone);
    Ok(res)
}

/// A session line on the console's first page.
pub struct SessionLine {
    pub id: i32,
    pub clinic_code: String,
    pub clinic: String,
    pub doctor: String,
    pub hours: String,
    pub status: String,
    pub booked: i64,
    pub waiting: i64,
    pub called: i64,
    pub done: i64,
    pub no_show: i64,
    pub current: String,
}

fn session_line(c: &Ctx, board: SessionBoard) -> SessionLine {
    let SessionBoard { session: s, counts, current } = board;
    let n = |k: &str| counts.iter().find(|(s, _)| s.as_str() == k).map(|(_, n)| *n).unwrap_or(0);
    SessionLine {
        id: s.session.id,
        clinic_code: s.clinic.code.clone(),
        clinic: s.clinic.name.clone(),
        doctor: s.doctor.name.clone(),
        hours: s.hours().replace('-', "–"),
        status: match s.session.status {
            SessionStatus::Cancelled => c.t("Dibatalkan", "Cancelled").to_string(),
            SessionStatus::Closed => c.t("Ditutup", "Closed").to_string(),
            SessionStatus::Open => String::new(),
        },
        booked: n("booked"),
        waiting: n("waiting") + n("skipped"),
        called: n("called") + n("serving"),
        done: n("done"),
        no_show: n("no_show"),
        current: current.unwrap_or_else(|| "–".into()),
    }
}

#[derive(Template)]
#[template(path = "staff/today.html")]
struct TodayPage {
    c: Ctx,
    date: String,
    sessions: Vec<SessionLine>,
    may_register: bool,
    notice: String,
    error: String,
    /// Live updates: the stream of the visible sessions' clinics, from the last event
    /// already on the page.
    live: super::console::LiveLink,
    /// Open complaints past their five working days that this account sees (red line).
    overdue_complaints: i64,
}

#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    pub ok: Option<String>,
    pub t: Option<String>,
    /// After a forward: the ticket at the next station or polyclinic.
    pub n: Option<String>,
}

/// What a redirect after a successful action says: "B-003 dipanggil".
fn notice(lang: Lang, q: &NoticeQuery) -> String {
    let Some(ok) = q.ok.as_deref() else {
        return String::new();
    };
    let clean = |t: Option<&str>| -> String {
        t.unwrap_or_default()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(12)
            .collect()
    };
    let ticket = clean(q.t.as_deref());
    if ok == "forward" {
        let next = clean(q.n.as_deref());
        return match lang {
            Lang::En => format!("{ticket} done, forwarded: {next}."),
            _ => format!("{ticket} selesai, diteruskan: {next}."),
        };
    }
    let what = match ok {
        "call" => lang.pick("dipanggil", "called"),
        "recall" => lang.pick("dipanggil ulang", "called again"),
        "skip" => lang.pick("dilewati", "skipped"),
        "return" => lang.pick("kembali ke antrean", "back in the queue"),
        "start" => lang.pick("mulai dilayani", "being seen"),
        "finish" => lang.pick("selesai dilayani", "done"),
        "cancel" => lang.pick("dibatalkan", "cancelled"),
        "priority" => lang.pick("prioritas diubah", "priority changed"),
        "check-in" => lang.pick("sudah check-in", "checked in"),
        _ => return String::new(),
    };
    format!("{ticket} {what}.")
}

async fn today_sessions(
    state: &AppState,
    c: &Ctx,
    staff: &Staff,
) -> Result<(Vec<SessionLine>, i64), PageError> {
    let (boards, last_event) =
        visits::today(&state.pool, staff, state.today()).await.or_page(c.lang)?;
    Ok((boards.into_iter().map(|b| session_line(c, b)).collect(), last_event))
}

fn today_page(
    c: Ctx,
    state: &AppState,
    staff: &Staff,
    (sessions, last_event): (Vec<SessionLine>, i64),
) -> TodayPage {
    TodayPage {
        live: super::console::LiveLink::today(&sessions, last_event),
        date: long_date(c.lang, state.today()),
        may_register: matches!(staff.role, Role::Admin | Role::Registration),
        sessions,
        notice: String::new(),
        error: String::new(),
        overdue_complaints: 0,
        c,
    }
}

/// `GET /staff` — today's sessions of the clinics this account may see.
async fn today(
    state: web::Data<AppState>,
    q: web::Query<NoticeQuery>,
    StaffPage { staff, c }: StaffPage,
) -> PageResult {
    let list = today_sessions(&state, &c, &staff).await?;
    let overdue = crate::service::complaints::overdue_seen(&state, &staff).await.or_page(c.lang)?;
    let mut page = today_page(c, &state, &staff, list);
    page.notice = notice(page.c.lang, &q);
    page.overdue_complaints = overdue;
    Ok(render(&page.c, StatusCode::OK, &page))
}

/// One visit on the queue screen (staff see the name; never on public screens).
pub struct VisitLine {
    pub id: i64,
    pub ticket: String,
    pub name: String,
    pub status: String,
    pub status_label: String,
    pub payer: String,
    pub channel: String,
    pub priority: bool,
    /// The kiosk's priority category (lansia, …), shown to staff; empty without one.
    pub priority_category: String,
    pub priority_confirmed: bool,
    pub estimate: String,
    pub call_count: i32,
    /// A booking whose patient has not answered the H-1 reminder with "YA".
    pub unconfirmed: bool,
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueuePage {
    c: Ctx,
    session_id: i32,
    clinic: String,
    doctor: String,
    date: String,
    hours: String,
    may_run: bool,
    /// Live updates: this session's stream, from the last event already on the page.
    live: super::console::LiveLink,
    current: Option<VisitLine>,
    waiting: Vec<VisitLine>,
    others: Vec<VisitLine>,
    /// Issue 14: who waits for a place in this session.
    waitlist: Vec<crate::service::waitlist::InLine>,
    /// Where the doctor's "Selesai" may send the patient (stations, other polyclinics).
    forward: super::forward::ForwardChoices,
    notice: String,
    error: String,
}

async fn queue_page(
    state: &AppState,
    c: Ctx,
    staff: &Staff,
    session_id: i32,
    status: StatusCode,
    notice: String,
    error: String,
) -> PageResult {
    let lang = c.lang;
    let tz = state.tz();
    let visits::SessionQueue { session, visits: rows, last_event, may_run } =
        visits::session_queue(&state.pool, staff, session_id).await.or_page(lang)?;
    let ids = rows.iter().map(|(v, _)| v.id).collect();
    let extras = crate::service::waitlist::queue_extras(state, staff, session_id, ids)
        .await
        .or_page(lang)?;
    let line = |v: &Visit, name: &Option<String>| VisitLine {
        unconfirmed: v.status == VisitStatus::Booked && !extras.confirmed.contains(&v.id),
        id: v.id,
        ticket: v.ticket.clone(),
        name: name
            .clone()
            .unwrap_or_else(|| lang.pick("(tanpa identitas)", "(no identity)").to_string()),
        status: v.status.as_str().to_string(),
        status_label: status_label(lang, v.status.as_str()).to_string(),
        payer: payer_label(lang, v.payer).to_string(),
        channel: channel_label(lang, v.channel).to_string(),
        priority: v.priority,
        priority_category: v
            .priority_category
            .map(|p| p.label_id().to_string())
            .unwrap_or_default(),
        priority_confirmed: v.priority_confirmed_at.is_some(),
        estimate: clock_time(v.estimated_at, tz),
        call_count: v.call_count,
    };
    let mut current = None;
    let mut waiting = Vec::new();
    let mut others = Vec::new();
    // The most recent call is the one the shortcuts act on.
    let mut latest_call = None;
    for (v, name) in &rows {
        match v.status {
            VisitStatus::Called | VisitStatus::Serving => {
                if latest_call.is_none_or(|at| v.called_at > Some(at)) {
                    latest_call = v.called_at;
                    if let Some(prev) = current.replace(line(v, name)) {
                        others.push(prev);
                    }
                } else {
                    others.push(line(v, name));
                }
            }
            VisitStatus::Waiting => waiting.push(line(v, name)),
            _ => others.push(line(v, name)),
        }
    }
    let forward = if may_run {
        let stations = crate::service::journey::list_stations(state).await.or_page(lang)?;
        super::forward::forward_choices(state, &c, &stations, Some(&session.clinic.code)).await?
    } else {
        Default::default()
    };
    let page = QueuePage {
        forward,
        session_id,
        clinic: session.clinic.name.clone(),
        doctor: session.doctor.name.clone(),
        date: long_date(lang, session.session.service_date),
        hours: session.hours().replace('-', "–"),
        may_run,
        live: super::console::LiveLink::session(session_id, last_event),
        current,
        waiting,
        others,
        waitlist: extras.waitlist,
        notice,
        error,
        c,
    };
    Ok(render(&page.c, status, &page))
}

/// `GET /staff/sesi/{id}` — the queue of one session.
async fn queue_screen(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    q: web::Query<NoticeQuery>,
    StaffPage { staff, c }: StaffPage,
) -> PageResult {
    let msg = notice(c.lang, &q);
    queue_page(&state, c, &staff, path.into_inner(), StatusCode::OK, msg, String::new()).await
}

/// After an action: back to the queue with a notice, or the queue with the refusal.
async fn after_action(
    state: &AppState,
    c: Ctx,
    staff: &Staff,
    session_id: i32,
    done: AppResult<Visit>,
    what: &str,
) -> PageResult {
    match done {
        Ok(v) => Ok(see_other(&format!("/staff/sesi/{}?ok={what}&t={}", v.session_id, v.ticket))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let msg = e.message(c.lang.is_en()).to_string();
            queue_page(state, c, staff, session_id, e.status, String::new(), msg).await
        }
        Err(e) => Err(PageError::new(c.lang, e)),
    }
}

/// `POST /staff/sesi/{id}/panggil`
async fn call_next(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    StaffForm { staff, c, .. }: StaffForm<CsrfOnly>,
) -> PageResult {
    let id = path.into_inner();
    let (st, who) = (state.get_ref().clone(), staff.clone());
    let done =
        crate::service::in_transaction(&state, move |conn| call_next_as(conn, &st, &who, id)).await;
    after_action(&state, c, &staff, id, done, "call").await
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    pub csrf: String,
    /// For `priority`: "1" sets the flag, "0" clears it.
    pub priority: Option<String>,
    #[serde(default)]
    pub reason: String,
    /// For `finish`: where the patient goes next (a forward choice, see
    /// [`super::forward::parse_next`]); empty: done.
    #[serde(default)]
    pub next: String,
}

/// `POST /staff/kunjungan/{id}/{recall|skip|return|start|finish|cancel|priority|check-in}`
async fn visit_action(
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    StaffForm { staff, c, form }: StaffForm<ActionForm>,
) -> PageResult {
    let (id, name) = path.into_inner();
    let action =
        StaffAction::parse(&name, form.priority.as_deref().map(|p| p != "0")).or_page(c.lang)?;
    let reason = form.reason.trim().to_string();
    let (st, who) = (state.get_ref().clone(), staff.clone());
    let session_id = visits::session_of(&state.pool, id).await.or_page(c.lang)?;
    let next = match action {
        StaffAction::Move(Action::Finish) => super::forward::parse_next(&form.next),
        _ => None,
    };
    if let Some(next) = next {
        // The doctor's finish with a forward choice: the API's `finish` with `next`.
        let done = crate::service::in_transaction(&state, move |conn| {
            crate::service::journey::finish_and_forward(conn, &st, &who, id, &reason, &next)
        })
        .await;
        return match done {
            Ok((visit, forwarded)) => Ok(see_other(&format!(
                "/staff/sesi/{}?ok=forward&t={}&n={}",
                visit.session_id,
                visit.ticket,
                forwarded_ticket(&forwarded)
            ))),
            Err(e) => after_action(&state, c, &staff, session_id, Err(e), "finish").await,
        };
    }
    // Cancelling is confirmed with a reason (the service refuses it without one).
    let done = crate::service::in_transaction(&state, move |conn| {
        act_on_visit(conn, &st, &who, id, action, &reason)
    })
    .await;
    let what =
        if action == StaffAction::Move(Action::CancelByStaff) { "cancel" } else { name.as_str() };
    after_action(&state, c, &staff, session_id, done, what).await
}

/// The ticket a forward gave: the step's at the station, or the place's in the polyclinic.
fn forwarded_ticket(forwarded: &crate::service::journey::Forwarded) -> String {
    use crate::service::journey::Forwarded;
    match forwarded {
        Forwarded::Step(step) => step.0.ticket.clone(),
        Forwarded::Clinic(placed) => placed.visit.ticket.clone(),
        Forwarded::Back(visit) => visit.ticket.clone(),
    }
}

#[derive(Debug, Deserialize)]
pub struct CheckInForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub code: String,
}

/// `POST /staff/checkin` — a booking arrives at the counter: check it in by its code.
async fn check_in(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<CheckInForm>,
) -> PageResult {
    let (st, who) = (state.get_ref().clone(), staff.clone());
    let raw = form.code.trim().to_ascii_uppercase();
    let done = crate::service::in_transaction(&state, move |conn| {
        let code = parse_code(&raw)?;
        let visit = queue::find_by_code(conn, code.as_str())?;
        act_on_visit(conn, &st, &who, visit.id, StaffAction::Move(Action::CheckIn), "")
    })
    .await;
    match done {
        Ok(v) => Ok(see_other(&format!("/staff?ok=check-in&t={}", v.ticket))),
        Err(e) if e.status.is_client_error() => {
            let list = today_sessions(&state, &c, &staff).await?;
            let mut page = today_page(c, &state, &staff, list);
            page.error = e.message(page.c.lang.is_en()).to_string();
            Ok(render(&page.c, e.status, &page))
        }
        Err(e) => Err(PageError::new(c.lang, e)),
    }
}
