// Diesel table definition of the notification outbox, kept by hand in step with
// `migrations/2026-11-22-000002_notifications`.
use crate::db::schema::visits;

diesel::table! {
    notification_jobs (id) {
        id -> Int8,
        kind -> Text,
        visit_id -> Nullable<Int8>,
        channel -> Text,
        recipient -> Text,
        payload -> Jsonb,
        dedupe_key -> Text,
        run_at -> Timestamptz,
        attempts -> Int4,
        max_attempts -> Int4,
        status -> Text,
        last_error -> Nullable<Text>,
        locked_until -> Nullable<Timestamptz>,
        locked_by -> Nullable<Text>,
        sent_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(notification_jobs -> visits (visit_id));
diesel::allow_tables_to_appear_in_same_query!(notification_jobs, visits);
