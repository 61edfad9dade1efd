//! Integration tests: one binary, real PostgreSQL, one database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accessibility;
mod authz;
mod boards;
mod bookings;
mod browser;
mod console;
mod console_words;
mod escpos_printer;
mod helpers;
mod jkn;
mod journey;
mod kiosk_screen;
mod live;
mod live_browser;
mod notifications;
mod pages;
mod pages_browser;
mod printing;
mod queue;
mod schedules;
mod smtp_server;
mod staff;
