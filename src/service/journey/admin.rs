//! Stations as the admin console edits them.
use serde::Deserialize;

use crate::db::stations::{self, Station};
use crate::domain::journey::StationKind;
use crate::domain::staff::{Role, StaffIdentity};
use crate::error::{AppError, AppResult};
use crate::service::{Access, AppState};

/// A station as the admin console edits it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StationInput {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub kind: String,
    pub prefix: String,
    pub desks: i32,
}

/// Create a station or change the one with its code (admins): code `A-Z0-9_` (2–16),
/// ticket prefix 1–3 letters, desks 1–50. Every field problem at once, nothing written.
pub async fn save_station(
    st: &AppState,
    staff: &StaffIdentity,
    input: StationInput,
) -> AppResult<Station> {
    staff.require(&[Role::Admin])?;
    let code = input.code.trim().to_ascii_uppercase();
    let prefix = input.prefix.trim().to_ascii_uppercase();
    let mut problems: Vec<(&'static str, crate::domain::Invalid)> = Vec::new();
    let bad = |code, id, en| crate::domain::Invalid { code, id, en };
    if !(2..=16).contains(&code.len())
        || !code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        problems.push((
            "code",
            bad("invalid_code", "Kode 2–16 huruf/angka.", "Code: 2–16 letters/digits."),
        ));
    }
    if input.name.trim().is_empty() {
        problems.push(("name", bad("required", "Nama wajib diisi.", "The name is required.")));
    }
    let kind = StationKind::parse(input.kind.trim());
    if kind.is_none() || kind == Some(StationKind::Clinic) {
        problems.push((
            "kind",
            bad(
                "invalid_kind",
                "Jenis: registration, pharmacy, cashier, lab atau radiology.",
                "Kind: registration, pharmacy, cashier, lab or radiology.",
            ),
        ));
    }
    if !(1..=3).contains(&prefix.len()) || !prefix.chars().all(|c| c.is_ascii_uppercase()) {
        problems.push((
            "prefix",
            bad("invalid_prefix", "Awalan tiket 1–3 huruf.", "Ticket prefix: 1–3 letters."),
        ));
    }
    if !(1..=50).contains(&input.desks) {
        problems.push(("desks", bad("invalid_desks", "Jumlah loket 1–50.", "Desks: 1–50.")));
    }
    let Some(kind) = kind.filter(|_| problems.is_empty()) else {
        return Err(AppError::fields(problems));
    };
    crate::db::run(&st.pool, move |conn| {
        stations::upsert(
            conn,
            &stations::NewStation {
                code: &code,
                name: input.name.trim(),
                name_en: input.name_en.trim(),
                kind,
                prefix: &prefix,
                desks: input.desks,
            },
        )
    })
    .await
}
