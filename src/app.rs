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

/// Bind and build the HTTP server (port 0 picks a free port).
pub fn build(state: AppState, listener: TcpListener) -> std::io::Result<Application> {
    let port = listener.local_addr()?.port();
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
    .listen(listener)?
    .shutdown_timeout(5)
    .run();
    Ok(Application { port, server })
}
