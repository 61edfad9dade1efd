//! Build the web application from settings: used by `main` and by the tests.
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{App, HttpServer, dev::Server, middleware, web};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::db::PgPool;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    pub clock: SharedClock,
    /// Live updates of this node: LISTEN connection and SSE fan-out (`crate::realtime`).
    pub live: crate::realtime::Hub,
}

impl AppState {
    /// Every constructor goes through here (production and tests), so a field added to
    /// the state is set up in one place.
    pub fn new(pool: PgPool, settings: Settings, clock: SharedClock) -> AppState {
        AppState { pool, settings: Arc::new(settings), clock, live: crate::realtime::Hub::new() }
    }
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
    pub fn tz(&self) -> Tz {
        self.settings.timezone
    }
    pub fn local_now(&self) -> DateTime<Tz> {
        self.now().with_timezone(&self.tz())
    }
    /// Today in the hospital's time zone (not UTC, not the server's zone).
    pub fn today(&self) -> NaiveDate {
        self.local_now().date_naive()
    }
}

/// Routes and middleware of one node.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // Before the API: its `/api/v1` scope answers 404 for anything it does not know.
    crate::screens::configure(cfg);
    crate::jobs::configure(cfg);
    crate::jkn::configure(cfg);
    crate::api::configure(cfg);
    crate::pages::configure(cfg);
}

/// A running server and the port it listens on.
pub struct Application {
    pub port: u16,
    pub server: Server,
}

/// Bind and build the HTTP server (port 0 picks a free port).
pub fn build(state: AppState, listener: TcpListener) -> std::io::Result<Application> {
    let port = listener.local_addr()?.port();
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(middleware::from_fn(crate::i18n::localise_errors))
            .wrap(middleware::Compress::default())
            .wrap(middleware::Logger::new("%r %s %Dms").log_target("sipoli::http"))
            .configure(configure)
    })
    .listen(listener)?
    .shutdown_timeout(5)
    .run();
    Ok(Application { port, server })
}
