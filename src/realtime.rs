//! Live updates: PostgreSQL `LISTEN sipoli_events` → an in-process broadcast hub → Server-Sent
//! Events.
//!
//! Every visit transition inserts a `visit_events` row, and a trigger announces it with
//! `pg_notify` in the same transaction. Each node keeps ONE listening connection
//! (tokio-postgres, reconnecting with backoff); each notice carries the event's public facts
//! (ticket, clinic, kind, status — never a name; a notice too long for that carries the id
//! only and the facts are read back), which go to every SSE client of the node through a
//! `tokio::sync::broadcast` channel, relayed by one task per worker thread to that thread's
//! clients ([`fanout`]). A client reconnecting with
//! `Last-Event-ID` is first sent what it missed, read from `visit_events`.
//!
//! Streams: `/api/v1/sessions/{id}/events` (one clinic session),
//! `/api/v1/displays/events?clinics=ANA,INT` (a TV board), `/api/v1/bookings/{code}/events`
//! (the session of one booking: a patient's position moves when others are called).
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::Duration;

use actix_web::http::header::{self, ContentEncoding};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use futures_util::StreamExt;

use tokio::sync::broadcast;

use crate::app::AppState;
use crate::db::{self, PgConnection, events};
use crate::error::{AppError, AppResult};
use crate::service::queue;
use crate::service::standing_cache::StandingCache;
use fanout::{Fanout, Heard, Member};

/// How many events a slow client may fall behind before its stream is closed (it then
/// reconnects with `Last-Event-ID` and catches up from the database).
const HUB_CAPACITY: usize = 1024;
/// Comment lines keep proxies from closing idle streams: each stream is looked at once this
/// interval ([`fanout`] spreads them) and pinged when it was sent nothing for half of it, so
/// none stays silent for 15 s.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// Missed events are read back in pages of this size, at most this many pages.
const REPLAY_LIMIT: i64 = 500;
const REPLAY_PAGES: usize = 10;
/// `application_name` of the listening connection (seen in `pg_stat_activity`).
pub const LISTENER_NAME: &str = "sipoli-listen";
/// Browsers wait this long before reconnecting a dropped stream.
const RETRY_MS: u32 = 3000;
/// The longest pause between attempts to reopen a lost LISTEN connection: live updates
/// resume within a few seconds of PostgreSQL coming back (`tests/api/recovery.rs`).
pub const LISTEN_RETRY_MAX: Duration = Duration::from_secs(2);

pub use crate::db::events::{EVENT_SELECT, LiveEvent};
pub use stations::{STEPS_CHANNEL, StepHub, StepNotice, station_stream};

pub mod fanout;
mod stations;

/// The first bytes of every stream: how long the browser waits before reconnecting.
fn opening() -> Bytes {
    Bytes::from(format!("retry: {RETRY_MS}\n: sipoli\n\n"))
}

/// The node's fan-out point. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    events: Fanout<Arc<Published>>,
    listening: Arc<AtomicBool>,
    /// The node's status projection, kept fresh by this hub's events.
    standing: Arc<StandingCache>,
    /// Station boards' change notices (`sipoli_steps`).
    steps: StepHub,
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

impl Hub {
    pub fn new() -> Hub {
        Hub {
            events: Fanout::new(HUB_CAPACITY, HEARTBEAT, Published::local_copy),
            listening: Arc::new(AtomicBool::new(false)),
            standing: Arc::new(StandingCache::new()),
            steps: StepHub::new(),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.events.subscribe()
    }

    /// Hand an event to every client of this node.
    pub fn publish(&self, event: LiveEvent) {
        self.standing.touch(event.session_id);
        // Serialised once for every client; no receivers is not an error: nobody watches.
        let frame = frame(&event);
        self.events.send(Arc::new(Published { event, frame }));
    }

    /// The node's status projection (`GET /api/v1/bookings/{code}`).
    pub fn standing(&self) -> &Arc<StandingCache> {
        &self.standing
    }

    /// SSE clients connected to this node now.
    pub fn clients(&self) -> usize {
        self.events.clients()
    }

    /// Is the LISTEN connection up?
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Relaxed)
    }

    /// Start the node's LISTEN loop on the current runtime (once per node).
    pub fn listen(&self, database_url: String) {
        let hub = self.clone();
        tokio::spawn(async move { hub.listen_forever(database_url).await });
    }

    async fn listen_forever(self, url: String) {
        let mut backoff = Duration::from_millis(500);
        // The last event handed out: after a reconnect, what came meanwhile is read back.
        let mut last_seen: Option<i64> = None;
        loop {
            match self.listen_once(&url, &mut last_seen).await {
                Ok(()) => backoff = Duration::from_millis(500),
                Err(e) => tracing::warn!(error = %e, "LISTEN connection failed"),
            }
            self.listening.store(false, Ordering::Relaxed);
            self.standing.set_live(false);
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(LISTEN_RETRY_MAX);
        }
    }

    /// One connection's life: LISTEN, catch up, then relay notices until it drops.
    async fn listen_once(
        &self,
        url: &str,
        last_seen: &mut Option<i64>,
    ) -> Result<(), tokio_postgres::Error> {
        let mut config: tokio_postgres::Config = url.parse()?;
        config.application_name(LISTENER_NAME);
        let (client, mut connection) = config.connect(tokio_postgres::NoTls).await?;
        let (notices, mut incoming) = tokio::sync::mpsc::unbounded_channel();
        let steps = self.steps.clone();
        let driver = tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(message) = messages.next().await {
                match message {
                    Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                        if n.channel() == STEPS_CHANNEL {
                            steps.notice(n.payload());
                            continue;
                        }
                        if notices.send(n.payload().to_string()).is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "LISTEN connection lost");
                        break;
                    }
                }
            }
        });
        let mut recent = RecentIds::default();
        let relay = async {
            client.batch_execute("LISTEN sipoli_events").await?;
            client.batch_execute(stations::STEPS_LISTEN).await?;
            // Boards refetch: what changed while this node was not listening is shown now.
            self.steps.resync();
            self.listening.store(true, Ordering::Relaxed);
            self.standing.set_live(true);
            tracing::info!("listening for visit events");
            match *last_seen {
                Some(last) => {
                    let sql = format!("{EVENT_SELECT} WHERE e.id > $1 ORDER BY e.id LIMIT 10000");
                    for row in client.query(&sql, &[&last]).await? {
                        let event = event_from_row(&row)?;
                        *last_seen = Some(event.id);
                        recent.insert(event.id);
                        self.publish(event);
                    }
                }
                None => {
                    let row = client
                        .query_one("SELECT coalesce(max(id), 0) FROM visit_events", &[])
                        .await?;
                    *last_seen = Some(row.try_get(0)?);
                }
            }
            let sql = format!("{EVENT_SELECT} WHERE e.id = $1");
            while let Some(payload) = incoming.recv().await {
                let Some(notice) = Notice::read(&payload) else {
                    tracing::warn!(payload, "unreadable visit event notice");
                    continue;
                };
                // A notice that came in during the catch-up may repeat what it sent.
                if !recent.insert(notice.id) {
                    continue;
                }
                // The notice carries the event's public facts (no read back); a notice
                // with the ids only (a long clinic name, say) is read as before.
                let event = match notice.into_event() {
                    Ok(event) => event,
                    Err(id) => match client.query_opt(&sql, &[&id]).await? {
                        Some(row) => event_from_row(&row)?,
                        None => continue,
                    },
                };
                *last_seen = Some(last_seen.map_or(event.id, |l| l.max(event.id)));
                self.publish(event);
            }
            Ok(())
        };
        let result = relay.await;
        driver.abort();
        result
    }
}

/// An event as handed to the node's clients: the event and its SSE frame, serialised once
/// (every client's stream sends the same shared bytes).
#[derive(Debug)]
pub struct Published {
    pub event: LiveEvent,
    pub frame: Bytes,
}

impl Published {
    /// A worker's own copy (see [`Fanout::new`]): the frame is a few hundred bytes.
    fn local_copy(shared: &Arc<Published>) -> Arc<Published> {
        Arc::new(Published {
            event: shared.event.clone(),
            frame: Bytes::copy_from_slice(&shared.frame),
        })
    }
}

/// The last few event ids handed out, so that none goes out twice.
#[derive(Default)]
struct RecentIds {
    order: std::collections::VecDeque<i64>,
    seen: HashSet<i64>,
}

impl RecentIds {
    const KEEP: usize = 1024;

    /// `false` when `id` was handed out already.
    fn insert(&mut self, id: i64) -> bool {
        if !self.seen.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > Self::KEEP
            && let Some(old) = self.order.pop_front()
        {
            self.seen.remove(&old);
        }
        true
    }
}

fn event_from_row(row: &tokio_postgres::Row) -> Result<LiveEvent, tokio_postgres::Error> {
    Ok(LiveEvent {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        status: row.try_get("status")?,
        session_id: row.try_get("session_id")?,
        ticket: row.try_get("ticket")?,
        clinic: row.try_get("clinic")?,
        clinic_name: row.try_get("clinic_name")?,
        room: row.try_get("room")?,
        call_count: row.try_get("call_count")?,
    })
}

/// A `sipoli_events` notice: the event's ids, and (since migration
/// `2026-11-24-000016_event_facts_in_notice`) its public facts, as `EVENT_SELECT` reads them.
#[derive(Debug, serde::Deserialize)]
struct Notice {
    id: i64,
    session_id: Option<i32>,
    kind: Option<String>,
    status: Option<String>,
    ticket: Option<String>,
    clinic: Option<String>,
    clinic_name: Option<String>,
    room: Option<String>,
    call_count: Option<i32>,
}

impl Notice {
    fn read(payload: &str) -> Option<Notice> {
        serde_json::from_str(payload).ok()
    }

    /// The event, when the notice carries all of it; else its id, to read it back.
    fn into_event(self) -> Result<LiveEvent, i64> {
        match self {
            Notice {
                id,
                session_id: Some(session_id),
                kind: Some(kind),
                status: Some(status),
                ticket: Some(ticket),
                clinic: Some(clinic),
                clinic_name: Some(clinic_name),
                room: Some(room),
                call_count: Some(call_count),
            } => Ok(LiveEvent {
                id,
                kind,
                status,
                session_id,
                ticket,
                clinic,
                clinic_name,
                room,
                call_count,
            }),
            Notice { id, .. } => Err(id),
        }
    }
}

/// The event id in a `sipoli_events` notice (`{"id": 1, "session_id": …}`).
pub fn notice_id(payload: &str) -> Option<i64> {
    serde_json::from_str::<serde_json::Value>(payload).ok()?.get("id")?.as_i64()
}

/// Which events a stream carries.
#[derive(Debug, Clone)]
pub enum Filter {
    Session(i32),
    Clinics(HashSet<String>),
}

impl Filter {
    pub fn accepts(&self, e: &LiveEvent) -> bool {
        match self {
            Filter::Session(id) => e.session_id == *id,
            Filter::Clinics(codes) => codes.contains(&e.clinic),
        }
    }
}

/// Events after `after` that match `filter`, oldest first (at most [`REPLAY_LIMIT`]).
pub fn missed_events(
    conn: &mut PgConnection,
    filter: &Filter,
    after: i64,
) -> AppResult<Vec<LiveEvent>> {
    match filter {
        Filter::Session(id) => events::of_session_after(conn, *id, after, REPLAY_LIMIT),
        Filter::Clinics(codes) => {
            let codes: Vec<String> = codes.iter().cloned().collect();
            events::of_clinics_after(conn, &codes, after, REPLAY_LIMIT)
        }
    }
}

/// One SSE frame.
fn frame(event: &LiveEvent) -> Bytes {
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
    Bytes::from(format!("id: {}\ndata: {data}\n\n", event.id))
}

/// Parse `?clinics=ANA,INT` into upper-case codes; at least one is required.
pub fn parse_clinics(list: Option<&str>) -> AppResult<HashSet<String>> {
    let codes: HashSet<String> = list
        .unwrap_or_default()
        .split(',')
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty() && c.len() <= 8 && c.chars().all(|ch| ch.is_ascii_alphanumeric()))
        .collect();
    if codes.is_empty() {
        return Err(AppError::bad_request(
            "clinics_required",
            "Sebutkan kode poli, misalnya ?clinics=ANA,INT.",
            "Name the clinics, for example ?clinics=ANA,INT.",
        ));
    }
    Ok(codes)
}

/// `Last-Event-ID` header (browsers send it on reconnect) or `?last_event_id=`.
fn last_event_id(req: &HttpRequest) -> Option<i64> {
    req.headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or_else(|| {
            web::Query::<LastQuery>::from_query(req.query_string())
                .ok()
                .and_then(|q| q.last_event_id)
        })
}

#[derive(serde::Deserialize)]
struct LastQuery {
    last_event_id: Option<i64>,
}

/// Build the SSE response: missed events first, then live ones, with heartbeats.
async fn stream(state: &AppState, req: &HttpRequest, filter: Filter) -> AppResult<HttpResponse> {
    // Subscribe before reading the backlog, so nothing falls between the two.
    let live = state.live.events.join();
    let after = last_event_id(req);
    let backlog = match after {
        Some(after) => {
            let f = filter.clone();
            db::run(&state.pool, move |c| {
                // Page through, up to a bound: a board off for a whole day does not need
                // every event (it reloads its state on the first one anyway).
                let mut all: Vec<LiveEvent> = Vec::new();
                let mut from = after;
                for _ in 0..REPLAY_PAGES {
                    let page = missed_events(c, &f, from)?;
                    let full = page.len() as i64 == REPLAY_LIMIT;
                    from = page.last().map_or(from, |e| e.id);
                    all.extend(page);
                    if !full {
                        break;
                    }
                }
                Ok(all)
            })
            .await?
        }
        None => Vec::new(),
    };
    // The client has everything up to its Last-Event-ID: a late NOTIFY of an older event
    // is not sent again.
    let sent_up_to = backlog.last().map(|e| e.id).or(after).unwrap_or(0);
    let mut first = opening().to_vec();
    for e in &backlog {
        first.extend_from_slice(&frame(e));
    }
    Ok(sse(Bytes::from(first), live, move |received| match received {
        Ok(p) if p.event.id > sent_up_to && filter.accepts(&p.event) => Next::Send(p.frame.clone()),
        Ok(_) => Next::Skip,
        // Too far behind or the node is stopping: end the stream; the browser reconnects
        // with Last-Event-ID and catches up.
        Err(_) => Next::End,
    }))
}

/// What a stream makes of one message of its broadcast.
enum Next {
    Send(Bytes),
    Skip,
    End,
}

/// The last frame when the node stops: reconnect soon (through the proxy, to another node).
fn goodbye() -> Bytes {
    Bytes::from(format!("retry: {}\n\n", crate::shutdown::RECONNECT_MS))
}

/// An SSE response: `first` (the `retry:` hint and any replay), then a frame for each
/// message the client hears as `next` decides, a heartbeat comment when it is quiet, and a `retry:`
/// hint when the node stops (reconnect soon, to another node through the proxy).
fn sse<T, F>(first: Bytes, mut live: Member<T>, next: F) -> HttpResponse
where
    T: Clone + 'static,
    F: Fn(Result<T, broadcast::error::RecvError>) -> Next + 'static,
{
    let head = futures_util::stream::once(async move { Ok::<_, actix_web::Error>(first) });
    let mut ended = false;
    let tail = futures_util::stream::poll_fn(move |cx| {
        while !ended {
            let frame = match std::task::ready!(live.poll_heard(cx)) {
                Some(Heard::Message(received)) => match next(received) {
                    Next::Send(frame) => {
                        live.sent();
                        frame
                    }
                    Next::Skip => continue,
                    // Lagging as the node stops: the short retry hint all the same.
                    Next::End if crate::shutdown::is_stopping() => {
                        ended = true;
                        goodbye()
                    }
                    Next::End => break,
                },
                Some(Heard::Beat) => Bytes::from_static(b": ping\n\n"),
                Some(Heard::Stop) => {
                    ended = true;
                    goodbye()
                }
                None => break,
            };
            return Poll::Ready(Some(Ok::<_, actix_web::Error>(frame)));
        }
        ended = true;
        Poll::Ready(None)
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Compression would hold frames back; say there is none so the middleware leaves it.
        .insert_header(ContentEncoding::Identity)
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(head.chain(tail))
}

/// `GET /api/v1/sessions/{id}/events`
#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}/events",
    tag = "displays",
    params(("id" = i32, Path, description = "session id"), ("Last-Event-ID" = Option<i64>, Header, description = "the last event seen")),
    responses(
        (status = 200, description = "Server-sent events (`text/event-stream`); `Last-Event-ID` or `?last_event_id=` replays the missed ones", content_type = "text/event-stream", body = String),
        (status = 404, description = "No such session", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn session_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    db::run(&state.pool, move |c| crate::db::sessions::get(c, id).map(|_| ())).await?;
    stream(&state, &req, Filter::Session(id)).await
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClinicsQuery {
    pub clinics: Option<String>,
}

/// `GET /api/v1/displays/events?clinics=ANA,INT`
#[utoipa::path(
    get,
    path = "/api/v1/displays/events",
    tag = "displays",
    params(crate::realtime::ClinicsQuery, ("Last-Event-ID" = Option<i64>, Header, description = "the last event seen")),
    responses(
        (status = 200, description = "Server-sent events (`text/event-stream`); `Last-Event-ID` or `?last_event_id=` replays the missed ones", content_type = "text/event-stream", body = String)
    ),
)]
pub async fn display_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ClinicsQuery>,
) -> AppResult<HttpResponse> {
    let codes = parse_clinics(query.clinics.as_deref())?;
    stream(&state, &req, Filter::Clinics(codes)).await
}

/// `GET /api/v1/bookings/{code}/events` — the events of the booking's session.
#[utoipa::path(
    get,
    path = "/api/v1/bookings/{code}/events",
    tag = "displays",
    params(("code" = String, Path, description = "booking code (8 characters)"), ("Last-Event-ID" = Option<i64>, Header, description = "the last event seen")),
    responses(
        (status = 200, description = "Server-sent events (`text/event-stream`); `Last-Event-ID` or `?last_event_id=` replays the missed ones", content_type = "text/event-stream", body = String),
        (status = 404, description = "Unknown code", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn booking_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = queue::parse_code(&path)?;
    let visit = db::run(&state.pool, move |c| queue::find_by_code(c, code.as_str())).await?;
    stream(&state, &req, Filter::Session(visit.session_id)).await
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/sessions/{id}/events", web::get().to(session_events))
        .route("/api/v1/displays/events", web::get().to(display_events))
        .route("/api/v1/bookings/{code}/events", web::get().to(booking_events));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_id_of_a_notice() {
        assert_eq!(
            notice_id(r#"{"id": 42, "session_id": 1, "visit_id": 3, "kind": "call"}"#),
            Some(42)
        );
        assert_eq!(notice_id("not json"), None);
    }

    #[test]
    fn a_notice_with_the_facts_needs_no_read_back() {
        let full = r#"{"id": 9, "session_id": 2, "visit_id": 5, "kind": "call", "status": "called",
            "ticket": "A-003", "clinic": "ANA", "clinic_name": "Poli Anak", "room": "Ruang 2",
            "call_count": 1}"#;
        let event = Notice::read(full).unwrap().into_event().unwrap();
        assert_eq!((event.id, event.session_id, event.call_count), (9, 2, 1));
        assert_eq!((event.ticket.as_str(), event.room.as_str()), ("A-003", "Ruang 2"));
        let ids_only = r#"{"id": 10, "session_id": 2, "visit_id": 5, "kind": "call"}"#;
        assert_eq!(Notice::read(ids_only).unwrap().into_event().unwrap_err(), 10);
        assert!(Notice::read("not json").is_none());
    }

    #[test]
    fn an_event_id_goes_out_once() {
        let mut recent = RecentIds::default();
        assert!(recent.insert(7));
        assert!(!recent.insert(7));
        for id in 100..(100 + RecentIds::KEEP as i64) {
            assert!(recent.insert(id));
        }
        assert!(recent.insert(7), "old ids are forgotten, memory stays bounded");
        assert!(recent.seen.len() <= RecentIds::KEEP);
    }

    #[test]
    fn clinic_lists_are_upper_cased_and_required() {
        let codes = parse_clinics(Some("ana, INT,,")).unwrap();
        assert!(codes.contains("ANA") && codes.contains("INT") && codes.len() == 2);
        assert!(parse_clinics(Some(" , ")).is_err());
        assert!(parse_clinics(None).is_err());
        assert!(parse_clinics(Some("A;DROP")).is_err());
    }
}
