//! SIPOLI: outpatient queue and appointment service for RSUD Mimika.
//!
//! The map of the code is in the README. In short: `domain` holds the pure rules, `db` the
//! queries (each taking `&mut PgConnection`), `api` the JSON handlers, `app` builds the
//! server that `main` and the tests start.
pub mod api;
pub mod app;
pub mod assets;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod i18n;
pub mod jkn;
pub mod jobs;
pub mod limits;
pub mod maintenance;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod pages;
pub mod realtime;
pub mod satusehat;
pub mod screens;
pub mod security;
pub mod service;
pub mod shutdown;
pub mod state;
pub mod telemetry;
