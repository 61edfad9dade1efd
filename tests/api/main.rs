//! Integration tests: one binary, real PostgreSQL, one database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod authz;
mod bad_input;
mod bookings;
mod browser;
mod console;
mod helpers;
mod jkn;
mod journey;
mod journey_steps;
mod kiosks;
mod limits;
mod live;
mod live_browser;
mod notifications;
mod pages;
mod pages_browser;
mod plans;
mod queue;
mod schedules;
mod smtp_server;
mod staff;
