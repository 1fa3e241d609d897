//! Diesel's view of the tables in migrations/. A test compares it with the migrated database.

diesel::table! {
    departments (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        category -> Text,
        parent_code -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    rounds (id) {
        id -> BigInt,
        year -> Integer,
        title -> Text,
        deadline -> Text,
        rubric_id -> Text,
        rubric_source -> Text,
        state -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
        reviewers_per_submission -> Integer,
        appeal_days -> Integer,
        released_at -> Nullable<BigInt>,
        appeal_deadline -> Nullable<Text>,
        public_results -> Bool,
        calendar_revision -> BigInt,
    }
}

diesel::table! {
    round_departments (round_id, department_code) {
        round_id -> BigInt,
        department_code -> Text,
        extended_deadline -> Nullable<Text>,
        receipt_seq -> Nullable<Integer>,
        received_at -> Nullable<BigInt>,
        received_via -> Nullable<Text>,
    }
}

diesel::table! {
    tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        role -> Text,
        department_code -> Nullable<Text>,
        label -> Nullable<Text>,
        created_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
        reviewer_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    submissions (id) {
        id -> BigInt,
        round_id -> BigInt,
        department_code -> Text,
        seq -> Integer,
        is_current -> Bool,
        submitted_at -> BigInt,
        late -> Bool,
        package -> Text,
        score_sheet -> Text,
        total_scaled -> BigInt,
        complete -> Bool,
        submitted_by -> BigInt,
        source_name -> Nullable<Text>,
        scored_with -> Text,
    }
}

diesel::table! {
    evidence (id) {
        id -> BigInt,
        submission_id -> BigInt,
        name -> Text,
        content_type -> Text,
        sha256 -> Text,
        size -> BigInt,
        content -> Binary,
    }
}

diesel::table! {
    idempotency_keys (token_id, idem_key) {
        token_id -> BigInt,
        idem_key -> Text,
        request_hash -> Text,
        status -> Integer,
        body -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    reviewers (id) {
        id -> BigInt,
        name -> Text,
        department_code -> Nullable<Text>,
        lead -> Bool,
        created_at -> BigInt,
    }
}

diesel::table! {
    reviewer_conflicts (reviewer_id, department_code) {
        reviewer_id -> BigInt,
        department_code -> Text,
        reason -> Text,
        declared_at -> BigInt,
    }
}

diesel::table! {
    assignments (round_id, department_code, reviewer_id) {
        round_id -> BigInt,
        department_code -> Text,
        reviewer_id -> BigInt,
        assigned_at -> BigInt,
    }
}

diesel::table! {
    review_items (round_id, department_code, item) {
        round_id -> BigInt,
        department_code -> Text,
        item -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    judgments (round_id, department_code, item, reviewer_id) {
        round_id -> BigInt,
        department_code -> Text,
        item -> Text,
        reviewer_id -> BigInt,
        score -> Text,
        sub_scores -> Nullable<Text>,
        reason -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    resolutions (round_id, department_code, item) {
        round_id -> BigInt,
        department_code -> Text,
        item -> Text,
        kind -> Text,
        score -> Text,
        sub_scores -> Nullable<Text>,
        reason -> Text,
        by_name -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    appeals (id) {
        id -> BigInt,
        round_id -> BigInt,
        department_code -> Text,
        item -> Text,
        reason -> Text,
        state -> Text,
        filed_at -> BigInt,
        filed_by -> BigInt,
        score_before -> Nullable<Text>,
        score_after -> Nullable<Text>,
        decision_reason -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    appeal_files (id) {
        id -> BigInt,
        appeal_id -> BigInt,
        name -> Text,
        content_type -> Text,
        sha256 -> Text,
        size -> BigInt,
        content -> Binary,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        round_id -> BigInt,
        department_code -> Nullable<Text>,
        item -> Nullable<Text>,
        action -> Text,
        actor -> Text,
        actor_token -> Nullable<BigInt>,
        at -> BigInt,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    publications (round_id, version) {
        round_id -> BigInt,
        version -> Integer,
        published_at -> BigInt,
        published_by -> Text,
        reason -> Text,
        snapshot -> Text,
        sha256 -> Text,
        departments -> Integer,
        ranked -> Integer,
        diff -> Nullable<Text>,
    }
}

diesel::table! {
    published_sheets (round_id, version, department_code) {
        round_id -> BigInt,
        version -> Integer,
        department_code -> Text,
        sheet -> Text,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        secret -> Text,
        description -> Nullable<Text>,
        active -> Bool,
        created_at -> BigInt,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        round_id -> BigInt,
        version -> Integer,
        event -> Text,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        locked_until -> Nullable<BigInt>,
        created_at -> BigInt,
        delivered_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempt -> Integer,
        at -> BigInt,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

diesel::table! {
    calendar_changes (revision) {
        revision -> BigInt,
        year -> Integer,
        action -> Text,
        arrangement -> Text,
        content_hash -> Text,
        source -> Text,
        reason -> Text,
        actor -> Text,
        actor_token -> Nullable<BigInt>,
        at -> BigInt,
    }
}

diesel::table! {
    rubric_versions (content_hash) {
        content_hash -> Text,
        rubric_id -> Text,
        title -> Text,
        source -> Text,
        uploaded_at -> BigInt,
        actor -> Text,
    }
}

diesel::joinable!(round_departments -> rounds (round_id));
diesel::joinable!(submissions -> rounds (round_id));
diesel::joinable!(evidence -> submissions (submission_id));
diesel::joinable!(assignments -> rounds (round_id));
diesel::joinable!(assignments -> reviewers (reviewer_id));
diesel::joinable!(appeal_files -> appeals (appeal_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::allow_tables_to_appear_in_same_query!(
    departments,
    rounds,
    round_departments,
    tokens,
    submissions,
    evidence,
    idempotency_keys,
    reviewers,
    reviewer_conflicts,
    assignments,
    review_items,
    judgments,
    resolutions,
    appeals,
    appeal_files,
    audit_log,
    publications,
    published_sheets,
    webhooks,
    webhook_deliveries,
    webhook_attempts,
    calendar_changes,
    rubric_versions,
);
