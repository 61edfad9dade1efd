//! Pure domain rules: no database, no clock of their own. Each module is unit-tested here.
pub mod announcement;
pub mod booking_code;
pub mod calendar;
pub mod complaints;
pub mod identity;
pub mod journey;
pub mod kinds;
pub mod printer;
pub mod queue;
pub mod rules;
pub mod staff;
pub mod ticket;
pub mod unconfirmed;
pub mod visit_status;
pub mod waits;

/// A value or request that breaks a rule: a stable code and the message in both languages.
/// Field validation turns into 422; see [`Refusal`] for a request that conflicts with the
/// state of things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub id: &'static str,
    pub en: &'static str,
}

impl Invalid {
    pub const fn new(code: &'static str, id: &'static str, en: &'static str) -> Self {
        Invalid { code, id, en }
    }
}

/// A text field holding a NUL or another control character (line breaks and tabs aside).
pub const CONTROL_CHARACTER: Invalid = Invalid::new(
    "control_character",
    "Isian mengandung karakter kendali yang tidak diizinkan.",
    "The field contains a control character that is not allowed.",
);

/// A well-formed request refused because of the state of things (a closed window, a visit
/// in the wrong state): answered with 409.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal(pub Invalid);

impl Refusal {
    pub const fn new(code: &'static str, id: &'static str, en: &'static str) -> Self {
        Refusal(Invalid::new(code, id, en))
    }
}
