//! Diesel table definitions of the bridge's own tables.
diesel::table! {
    bpjs_tasks (id) {
        id -> Int8,
        visit_id -> Int8,
        kind -> Text,
        taskid -> Nullable<Int2>,
        waktu -> Int8,
        payload -> Jsonb,
        status -> Text,
        attempts -> Int4,
        run_at -> Timestamptz,
        last_error -> Nullable<Text>,
        response -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        dedupe_key -> Text,
    }
}

use crate::db::schema::visits;

diesel::joinable!(bpjs_tasks -> visits (visit_id));
diesel::allow_tables_to_appear_in_same_query!(bpjs_tasks, visits);
