//! The service layer: every command of SIPOLI, with its rules, role checks and transaction.
//!
//! Adapters (`api/`, `pages/`, `screens/`, `jkn/`) parse a request, call one function here and
//! render its typed answer. Functions here open the transaction, check the acting staff
//! member's role, apply the domain rules, call `db::` query functions, record visit events and
//! write their outboxes. Nothing here knows about HTTP or templates.
pub mod audit;
pub mod catalogue;
pub mod reports;
pub mod visits;
