// Diesel table definitions, kept by hand in step with `migrations/`.
diesel::table! {
    clinics (id) {
        id -> Int4,
        code -> Text,
        name -> Text,
        name_en -> Text,
        prefix -> Text,
        bpjs_code -> Nullable<Text>,
        room -> Text,
        active -> Bool,
    }
}

diesel::table! {
    doctors (id) {
        id -> Int4,
        code -> Text,
        name -> Text,
        bpjs_code -> Nullable<Int4>,
        active -> Bool,
    }
}

diesel::table! {
    practice_schedules (id) {
        id -> Int4,
        doctor_id -> Int4,
        clinic_id -> Int4,
        weekday -> Int2,
        starts_at -> Time,
        ends_at -> Time,
        quota_jkn -> Int4,
        quota_non_jkn -> Int4,
        online_limit -> Int4,
        service_minutes -> Int4,
        valid_from -> Date,
        valid_until -> Nullable<Date>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    schedule_exceptions (id) {
        id -> Int4,
        kind -> Text,
        doctor_id -> Nullable<Int4>,
        clinic_id -> Nullable<Int4>,
        date -> Date,
        starts_at -> Nullable<Time>,
        ends_at -> Nullable<Time>,
        quota_jkn -> Int4,
        quota_non_jkn -> Int4,
        online_limit -> Int4,
        service_minutes -> Int4,
        reason -> Text,
        created_by -> Nullable<Int4>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    clinic_sessions (id) {
        id -> Int4,
        clinic_id -> Int4,
        doctor_id -> Int4,
        schedule_id -> Nullable<Int4>,
        exception_id -> Nullable<Int4>,
        service_date -> Date,
        starts_at -> Time,
        ends_at -> Time,
        quota_jkn -> Int4,
        quota_non_jkn -> Int4,
        online_limit -> Int4,
        service_minutes -> Int4,
        taken_jkn -> Int4,
        taken_non_jkn -> Int4,
        taken_online -> Int4,
        status -> Text,
        cancel_reason -> Text,
    }
}

diesel::table! {
    ticket_counters (clinic_id, service_date) {
        clinic_id -> Int4,
        service_date -> Date,
        last_number -> Int4,
    }
}

diesel::table! {
    patients (id) {
        id -> Int8,
        nik -> Nullable<Text>,
        bpjs_no -> Nullable<Text>,
        medical_record_no -> Nullable<Text>,
        name -> Text,
        birth_date -> Date,
        sex -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        language -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    visits (id) {
        id -> Int8,
        session_id -> Int4,
        clinic_id -> Int4,
        service_date -> Date,
        patient_id -> Nullable<Int8>,
        payer -> Text,
        channel -> Text,
        booking_code -> Text,
        queue_number -> Int4,
        ticket -> Text,
        status -> Text,
        priority -> Bool,
        priority_reason -> Text,
        sort_key -> Float8,
        call_count -> Int4,
        visit_type -> Nullable<Int2>,
        referral_number -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        language -> Text,
        room -> Text,
        estimated_at -> Timestamptz,
        checked_in_at -> Nullable<Timestamptz>,
        called_at -> Nullable<Timestamptz>,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        cancelled_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        priority_category -> Nullable<Text>,
        referred_from -> Nullable<Int8>,
        priority_confirmed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    visit_events (id) {
        id -> Int8,
        visit_id -> Int8,
        session_id -> Int4,
        kind -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor -> Text,
        staff_id -> Nullable<Int4>,
        detail -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    staff_users (id) {
        id -> Int4,
        username -> Text,
        full_name -> Text,
        password_hash -> Text,
        role -> Text,
        active -> Bool,
        failed_logins -> Int4,
        locked_until -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        printer -> Nullable<Text>,
    }
}

diesel::table! {
    staff_clinics (staff_id, clinic_id) {
        staff_id -> Int4,
        clinic_id -> Int4,
    }
}

diesel::table! {
    login_sessions (token_hash) {
        token_hash -> Text,
        staff_id -> Int4,
        csrf_token -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_records (scope, key) {
        scope -> Text,
        key -> Text,
        request_hash -> Text,
        status_code -> Int2,
        response_body -> Jsonb,
        created_at -> Timestamptz,
    }
}

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

diesel::table! {
    display_messages (scope) {
        scope -> Text,
        message -> Text,
        updated_by -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    stations (id) {
        id -> Int4,
        code -> Text,
        name -> Text,
        name_en -> Text,
        kind -> Text,
        prefix -> Text,
        desks -> Int4,
        active -> Bool,
    }
}

diesel::table! {
    station_counters (station_id, service_date) {
        station_id -> Int4,
        service_date -> Date,
        last_number -> Int4,
    }
}

diesel::table! {
    staff_stations (staff_id, station_id) {
        staff_id -> Int4,
        station_id -> Int4,
    }
}

diesel::table! {
    visit_steps (id) {
        id -> Int8,
        visit_id -> Nullable<Int8>,
        station_id -> Int4,
        lane -> Nullable<Text>,
        service_date -> Date,
        number -> Int4,
        ticket -> Text,
        status -> Text,
        priority -> Bool,
        sort_key -> Float8,
        desk -> Nullable<Int4>,
        call_count -> Int4,
        created_at -> Timestamptz,
        called_at -> Nullable<Timestamptz>,
        started_at -> Nullable<Timestamptz>,
        ready_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
        code -> Nullable<Text>,
        payer -> Nullable<Text>,
        priority_category -> Nullable<Text>,
        early_events -> Jsonb,
        patient_id -> Nullable<Int8>,
        priority_confirmed_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(clinic_sessions -> clinics (clinic_id));
diesel::joinable!(clinic_sessions -> doctors (doctor_id));
diesel::joinable!(practice_schedules -> clinics (clinic_id));
diesel::joinable!(practice_schedules -> doctors (doctor_id));
diesel::joinable!(visits -> clinic_sessions (session_id));
diesel::joinable!(visits -> patients (patient_id));
diesel::joinable!(visit_events -> visits (visit_id));
diesel::joinable!(staff_clinics -> staff_users (staff_id));
diesel::joinable!(staff_clinics -> clinics (clinic_id));
diesel::joinable!(login_sessions -> staff_users (staff_id));
diesel::joinable!(bpjs_tasks -> visits (visit_id));
diesel::joinable!(notification_jobs -> visits (visit_id));
diesel::joinable!(station_counters -> stations (station_id));
diesel::joinable!(staff_stations -> staff_users (staff_id));
diesel::joinable!(staff_stations -> stations (station_id));
diesel::joinable!(visit_steps -> visits (visit_id));
diesel::joinable!(visit_steps -> stations (station_id));
diesel::joinable!(visit_steps -> patients (patient_id));

diesel::allow_tables_to_appear_in_same_query!(
    clinics,
    doctors,
    practice_schedules,
    schedule_exceptions,
    clinic_sessions,
    ticket_counters,
    patients,
    visits,
    visit_events,
    staff_users,
    staff_clinics,
    login_sessions,
    idempotency_records,
    bpjs_tasks,
    notification_jobs,
    display_messages,
    stations,
    station_counters,
    staff_stations,
    visit_steps,
);

diesel::table! {
    kiosk_devices (id) {
        id -> Int4,
        name -> Text,
        clinics -> Array<Text>,
        token_hash -> Nullable<Text>,
        pairing_code_hash -> Nullable<Text>,
        pairing_expires_at -> Nullable<Timestamptz>,
        paired_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Int4>,
        created_at -> Timestamptz,
        printer -> Nullable<Text>,
        printer_problem -> Nullable<Text>,
        printer_checked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    guess_counters (scope, key) {
        scope -> Text,
        key -> Text,
        failures -> Int4,
        window_started -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    visit_confirmations (visit_id) {
        visit_id -> Int8,
        confirmed_at -> Timestamptz,
        via -> Text,
    }
}

diesel::table! {
    waitlist_entries (id) {
        id -> Int8,
        code -> Text,
        session_id -> Int4,
        payer -> Text,
        patient_id -> Int8,
        contact_phone -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        language -> Text,
        status -> Text,
        offer_token -> Nullable<Text>,
        offer_expires_at -> Nullable<Timestamptz>,
        visit_id -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    holidays (date) {
        date -> Date,
        name -> Text,
        created_by -> Nullable<Int4>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    complaints (id) {
        id -> Int8,
        code -> Text,
        category -> Text,
        body -> Text,
        channel -> Text,
        visit_id -> Nullable<Int8>,
        clinic_id -> Nullable<Int4>,
        contact -> Nullable<Text>,
        language -> Text,
        status -> Text,
        received_at -> Timestamptz,
        due_at -> Timestamptz,
        resolved_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        escalated_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Int4>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    complaint_responses (id) {
        id -> Int8,
        complaint_id -> Int8,
        author_id -> Nullable<Int4>,
        author_name -> Text,
        body -> Text,
        from_status -> Text,
        to_status -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    feedback (id) {
        id -> Int8,
        visit_id -> Int8,
        clinic_id -> Int4,
        service_date -> Date,
        rating -> Int2,
        categories -> Array<Text>,
        comment -> Nullable<Text>,
        wait_minutes -> Nullable<Float8>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(complaints -> clinics (clinic_id));
diesel::joinable!(complaints -> visits (visit_id));
diesel::joinable!(complaint_responses -> complaints (complaint_id));
diesel::joinable!(feedback -> visits (visit_id));
diesel::joinable!(feedback -> clinics (clinic_id));

diesel::allow_tables_to_appear_in_same_query!(holidays, complaints, complaint_responses, feedback);
diesel::allow_tables_to_appear_in_same_query!(complaints, clinics);
diesel::allow_tables_to_appear_in_same_query!(complaints, visits);
diesel::allow_tables_to_appear_in_same_query!(feedback, clinics);
diesel::allow_tables_to_appear_in_same_query!(feedback, visits);

diesel::table! {
    staff_audit (id) {
        id -> Int8,
        at -> Timestamptz,
        staff_id -> Nullable<Int4>,
        action -> Text,
        detail -> Jsonb,
    }
}

diesel::joinable!(staff_audit -> staff_users (staff_id));
diesel::allow_tables_to_appear_in_same_query!(staff_audit, staff_users);

// National platforms (SATUSEHAT, HFIS, reconciliation): migration 2026-11-24-000012.
diesel::table! {
    satusehat_doctors (doctor_id) {
        doctor_id -> Int4,
        nik -> Text,
        ihs_number -> Nullable<Text>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    satusehat_clinics (clinic_id) {
        clinic_id -> Int4,
        location_id -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    satusehat_patients (patient_id) {
        patient_id -> Int8,
        ihs_number -> Text,
        found_at -> Timestamptz,
    }
}

diesel::table! {
    satusehat_jobs (id) {
        id -> Int8,
        visit_id -> Int8,
        encounter_status -> Text,
        at -> Timestamptz,
        status -> Text,
        attempts -> Int4,
        run_at -> Timestamptz,
        last_error -> Nullable<Text>,
        reason -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    satusehat_encounters (visit_id) {
        visit_id -> Int8,
        encounter_id -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    hfis_updates (id) {
        id -> Int8,
        clinic_id -> Int4,
        doctor_id -> Int4,
        payload -> Jsonb,
        status -> Text,
        attempts -> Int4,
        run_at -> Timestamptz,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        decided_by -> Nullable<Date>,
        decided_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    bpjs_reconciliations (service_date) {
        service_date -> Date,
        result -> Jsonb,
        checked_at -> Timestamptz,
    }
}

diesel::joinable!(satusehat_doctors -> doctors (doctor_id));
diesel::joinable!(satusehat_clinics -> clinics (clinic_id));
diesel::joinable!(satusehat_patients -> patients (patient_id));
diesel::joinable!(satusehat_jobs -> visits (visit_id));
diesel::joinable!(satusehat_encounters -> visits (visit_id));
diesel::joinable!(hfis_updates -> clinics (clinic_id));
diesel::joinable!(hfis_updates -> doctors (doctor_id));

diesel::allow_tables_to_appear_in_same_query!(
    satusehat_doctors,
    satusehat_clinics,
    satusehat_patients,
    satusehat_jobs,
    satusehat_encounters,
    hfis_updates,
    bpjs_reconciliations,
);

diesel::table! {
    bpjs_references (kind) {
        kind -> Text,
        list -> Jsonb,
        fetched_at -> Timestamptz,
    }
}
