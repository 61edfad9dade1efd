//! SIPOLI: outpatient queue and appointment service for RSUD Mimika.
pub mod db;
pub mod domain;
