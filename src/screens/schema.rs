//! Diesel table of the TV boards' running text (migration `2026-11-22-000004_displays`).
diesel::table! {
    display_messages (scope) {
        scope -> Text,
        message -> Text,
        updated_by -> Int4,
        updated_at -> Timestamptz,
    }
}
