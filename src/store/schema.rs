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
    }
}

diesel::table! {
    round_departments (round_id, department_code) {
        round_id -> BigInt,
        department_code -> Text,
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

diesel::joinable!(round_departments -> rounds (round_id));
diesel::joinable!(submissions -> rounds (round_id));
diesel::joinable!(evidence -> submissions (submission_id));

diesel::allow_tables_to_appear_in_same_query!(
    departments,
    rounds,
    round_departments,
    tokens,
    submissions,
    evidence,
    idempotency_keys,
);
