//! JSON API v1: one module per resource. Routes are listed in [`configure`].
pub mod account;
pub mod auth;
pub mod bookings;
pub mod clinics;
pub mod complaints;
pub mod counter;
pub mod health;
pub mod kiosk;
pub mod kiosks;
pub mod open;
pub mod schedules;
pub mod self_service;
pub mod sessions;
pub mod staff_queue;
pub mod stations;

use actix_web::{HttpResponse, web};

use crate::error::{AppError, AppResult};
pub use crate::http::{MAX_BODY, idempotent, parse_json, parse_json_or_default, views};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .service(
            web::scope("/api/v1")
                .route("/clinics", web::get().to(clinics::list_clinics))
                .route("/sessions", web::get().to(sessions::list_sessions))
                .route("/sessions/{id}/queue", web::get().to(sessions::session_queue))
                .configure(self_service::routes)
                .route("/bookings", web::post().to(bookings::book_visit))
                .route("/bookings/{code}", web::get().to(bookings::booking_status))
                .route("/bookings/{code}/cancel", web::post().to(bookings::cancel_booking))
                .route("/bookings/{code}/check-in", web::post().to(bookings::check_in_booking))
                .route("/stations", web::get().to(stations::list_stations))
                .route("/kiosk/tickets", web::post().to(kiosk::take_ticket))
                .route("/kiosk/pair", web::post().to(kiosks::pair_kiosk))
                .route("/staff/kiosks", web::get().to(kiosks::list_kiosks))
                .route("/staff/kiosks", web::post().to(kiosks::register_kiosk))
                .route("/staff/kiosks/{id}", web::delete().to(kiosks::revoke_kiosk))
                .route("/staff/kiosks/{id}/printer", web::put().to(kiosks::set_kiosk_printer))
                .route("/staff/password", web::post().to(account::change_password))
                .route("/auth/login", web::post().to(auth::login))
                .route("/auth/logout", web::post().to(auth::logout))
                .route("/auth/me", web::get().to(auth::me))
                .route("/staff/sessions", web::get().to(staff_queue::today_sessions))
                .route("/staff/sessions/{id}/queue", web::get().to(staff_queue::session_list))
                .route("/staff/sessions/{id}/call-next", web::post().to(staff_queue::call_next))
                .route("/staff/registrations", web::post().to(staff_queue::register_walk_in))
                .route("/staff/visits/{id}/{action}", web::post().to(staff_queue::visit_action))
                .route("/staff/stations/{code}/queue", web::get().to(stations::station_queue))
                .route("/staff/stations/{code}/call-next", web::post().to(stations::call_next))
                .route("/staff/steps/{id}/{action}", web::post().to(stations::step_action))
                .route(
                    "/staff/visits/{id}/priority-category/{decision}",
                    web::post().to(stations::decide_category),
                )
                .route("/staff/schedules", web::get().to(schedules::list_schedules))
                .route("/staff/schedules", web::post().to(schedules::create_schedule))
                .route("/staff/schedules/{id}", web::put().to(schedules::update_schedule))
                .route("/staff/schedules/{id}", web::delete().to(schedules::end_schedule))
                .route("/staff/exceptions", web::get().to(schedules::list_exceptions))
                .route("/staff/exceptions", web::post().to(schedules::create_exception))
                .route("/staff/exceptions/{id}", web::delete().to(schedules::delete_exception))
                .configure(patient_voice)
                .configure(counter::routes)
                .default_service(web::to(not_found)),
        );
}

/// Complaints, feedback and open data (issue 17).
fn patient_voice(cfg: &mut web::ServiceConfig) {
    cfg.route("/complaints", web::post().to(complaints::file_complaint))
        .route("/complaints/{code}", web::get().to(complaints::complaint_status))
        .route("/feedback", web::post().to(complaints::give_feedback))
        .route("/open/daily", web::get().to(open::daily_json))
        .route("/open/daily.csv", web::get().to(open::daily_csv))
        .route("/open/today", web::get().to(open::today))
        .route("/staff/complaints", web::get().to(complaints::list_complaints))
        .route("/staff/complaints", web::post().to(complaints::enter_complaint))
        .route("/staff/complaints-summary", web::get().to(complaints::complaint_summary))
        .route("/staff/complaints/{code}", web::get().to(complaints::complaint_detail))
        .route(
            "/staff/complaints/{code}/responses",
            web::post().to(complaints::respond_to_complaint),
        )
        .route("/staff/holidays", web::get().to(complaints::list_holidays))
        .route("/staff/holidays", web::post().to(complaints::put_holiday))
        .route("/staff/holidays/{date}", web::delete().to(complaints::delete_holiday))
        .route("/staff/feedback", web::get().to(complaints::clinic_feedback));
}

async fn not_found() -> AppResult<HttpResponse> {
    Err(AppError::not_found("not_found", "Alamat tidak ditemukan.", "No such address."))
}
