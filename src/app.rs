//! Build the web application from settings: used by `main` and by the tests.
use std::net::TcpListener;

use actix_web::{App, HttpServer, dev::Server, middleware, web};

pub use crate::state::AppState;

/// Routes and middleware of one node.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // Before the API: its `/api/v1` scope answers 404 for anything it does not know.
    crate::metrics::configure(cfg);
    crate::openapi::configure(cfg);
    crate::screens::configure(cfg);
    crate::jobs::configure(cfg);
    crate::jkn::configure(cfg);
    crate::satusehat::configure(cfg);
    crate::jkn::national::configure(cfg);
    crate::api::configure(cfg);
    crate::pages::configure(cfg);
    crate::http::extract::configure(cfg);
}

/// A running server and the port it listens on.
pub struct Application {
    pub port: u16,
    pub server: Server,
}

/// Connections the kernel holds for the node before it accepts them. A node that restarts,
/// or the hospital's network coming back, brings every board and phone back within seconds;
/// a connect beyond the queue is dropped and retried by the client's kernel only a second or
/// more later. (`TcpListener::bind` asks for 128; Linux caps this at `net.core.somaxconn`.)
pub const ACCEPT_QUEUE: i32 = 2048;

/// Bind and build the HTTP server (port 0 picks a free port).
pub fn build(state: AppState, listener: TcpListener) -> std::io::Result<Application> {
    let port = listener.local_addr()?.port();
    // Listening again on a listening socket only sets its queue's length.
    socket2::SockRef::from(&listener).listen(ACCEPT_QUEUE)?;
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(middleware::from_fn(crate::limits::limit_requests))
            .wrap(middleware::from_fn(crate::i18n::localise_errors))
            .wrap(middleware::Compress::default())
            .wrap(middleware::Logger::new("%r %s %Dms").log_target("sipoli::http"))
            .wrap(middleware::from_fn(crate::security::headers))
            .wrap(middleware::from_fn(crate::metrics::observe))
            .configure(configure)
    })
    // Small frames (SSE events, heartbeats) leave at once instead of waiting for the
    // acknowledgement of the one before (Nagle's algorithm).
    .tcp_nodelay(true)
    .listen(listener)?
    .shutdown_timeout(5)
    .run();
    Ok(Application { port, server })
}
