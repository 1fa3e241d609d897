//! Store tests: pragmas, departments, rounds, tokens, submissions, evidence and idempotency.

use super::*;

// ---------------------------------------------------------------------------------------------
// 3. SQLite pragmas on pooled connections.

#[derive(QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}

#[derive(QueryableByName)]
struct ForeignKeys {
    #[diesel(sql_type = Integer)]
    foreign_keys: i32,
}

#[derive(QueryableByName)]
struct BusyTimeout {
    #[diesel(sql_type = Integer)]
    timeout: i32,
}

fn sqlite_pragmas(store: &Store) {
    let DbPool::Sqlite(pool) = &store.pool else {
        panic!("not SQLite")
    };
    // several connections held at once, so each one is a separately customised connection
    let mut conns: Vec<_> = (0..3).map(|_| pool.get().unwrap()).collect();
    for conn in &mut conns {
        let c = &mut **conn;
        let mode: JournalMode = diesel::sql_query("PRAGMA journal_mode")
            .get_result(c)
            .unwrap();
        assert_eq!(mode.journal_mode.to_ascii_lowercase(), "wal");
        let fk: ForeignKeys = diesel::sql_query("PRAGMA foreign_keys")
            .get_result(c)
            .unwrap();
        assert_eq!(fk.foreign_keys, 1);
        let busy: BusyTimeout = diesel::sql_query("PRAGMA busy_timeout")
            .get_result(c)
            .unwrap();
        assert!(busy.timeout >= 5000, "busy_timeout is {} ms", busy.timeout);
    }
    drop(conns);
    // and foreign keys are really enforced
    migrated(store);
    let err = store
        .insert_token("h", "department", Some("NOPE"), None, now())
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                _
            ))
        ),
        "{err:?}"
    );
}

#[test]
fn sqlite_pragmas_on_pooled_connections() {
    run_sqlite(sqlite_pragmas)
}

// ---------------------------------------------------------------------------------------------
// 4. Departments.

fn departments(store: &Store) {
    migrated(store);
    let new = new_department("D02", None);
    let row = store.create_department(new.clone()).unwrap();
    assert!(row.id > 0);
    assert_eq!(
        (
            &row.code,
            &row.name,
            &row.category,
            &row.parent_code,
            row.created_at
        ),
        (
            &new.code,
            &new.name,
            &new.category,
            &new.parent_code,
            new.created_at
        )
    );
    assert_eq!(store.department("D02").unwrap(), Some(row.clone()));
    assert_eq!(store.department("D99").unwrap(), None);

    match store.create_department(new_department("D02", None)) {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("D02"), "{msg}"),
        other => panic!("duplicate code: {other:?}"),
    }
    match store.create_department(new_department("D03", Some("NOPE"))) {
        Err(StoreError::Missing(msg)) => assert!(msg.contains("NOPE"), "{msg}"),
        other => panic!("unknown parent: {other:?}"),
    }
    assert_eq!(store.department("D03").unwrap(), None);

    let child = store
        .create_department(new_department("D02-1", Some("D02")))
        .unwrap();
    assert_eq!(child.parent_code.as_deref(), Some("D02"));
    store
        .create_department(new_department("D10", None))
        .unwrap();
    store
        .create_department(new_department("D01", None))
        .unwrap();
    let listed: Vec<String> = store
        .departments()
        .unwrap()
        .into_iter()
        .map(|d| d.code)
        .collect();
    assert_eq!(listed, ["D01", "D02", "D02-1", "D10"]);
    assert_eq!(store.departments().unwrap()[1], row);
}

on_both!(departments => departments_sqlite, departments_postgres);

// ---------------------------------------------------------------------------------------------
// 5. Rounds.

fn rounds(store: &Store) {
    migrated(store);
    store
        .create_department(new_department("D01", None))
        .unwrap();
    store
        .create_department(new_department("D02", None))
        .unwrap();

    match store.create_round(new_round("open"), &codes(&["D01", "NOPE"]), |_| vec![]) {
        Err(StoreError::Missing(msg)) => assert!(msg.contains("NOPE"), "{msg}"),
        other => panic!("unknown department: {other:?}"),
    }
    assert_eq!(
        store.rounds().unwrap(),
        vec![],
        "nothing stored for a refused round"
    );
    // a failure after the round row is written (the same department twice breaks the link
    // table's primary key) rolls the round back too
    assert!(store
        .create_round(new_round("open"), &codes(&["D01", "D01"]), |_| vec![])
        .is_err());
    assert_eq!(
        store.rounds().unwrap(),
        vec![],
        "the round insert was rolled back"
    );
    assert_eq!(count(store, "round_departments"), 0);

    let new = new_round("open");
    let (row, linked) = store
        .create_round(new.clone(), &codes(&["D02", "D01"]), |_| vec![])
        .unwrap();
    assert_eq!(
        (
            row.year,
            &row.title,
            &row.deadline,
            &row.rubric_id,
            &row.rubric_source,
            &row.state
        ),
        (
            new.year,
            &new.title,
            &new.deadline,
            &new.rubric_id,
            &new.rubric_source,
            &new.state
        )
    );
    assert_eq!(
        (row.created_at, row.updated_at),
        (new.created_at, new.updated_at)
    );
    assert_eq!(linked, ["D02", "D01"]);
    assert_eq!(
        store.round(row.id).unwrap(),
        Some((row.clone(), codes(&["D01", "D02"])))
    );
    assert_eq!(store.rounds().unwrap(), vec![row.clone()]);
    assert_eq!(store.round(row.id + 1000).unwrap(), None);
    assert_eq!(
        store.round_for_department(row.id, "D02").unwrap(),
        Some((row.clone(), true))
    );
    assert_eq!(
        store.round_for_department(row.id, "D03").unwrap(),
        Some((row.clone(), false))
    );
    assert_eq!(
        store.round_for_department(row.id + 1000, "D01").unwrap(),
        None
    );

    let later = now() + 1_000_000;
    let closed = store
        .set_round_state(row.id, "open", "closed", later)
        .unwrap();
    assert_eq!(
        (closed.id, closed.state.as_str(), closed.updated_at),
        (row.id, "closed", later)
    );
    assert_eq!(closed.created_at, row.created_at);
    assert_eq!(store.round(row.id).unwrap().unwrap().0, closed);

    match store.set_round_state(row.id, "open", "closed", later + 1) {
        Err(StoreError::Conflict(msg)) => {
            assert!(msg.contains("closed"), "names the current state: {msg}")
        }
        other => panic!("second transition: {other:?}"),
    }
    assert_eq!(
        store.round(row.id).unwrap().unwrap().0.updated_at,
        later,
        "a refused move changes nothing"
    );
    match store.set_round_state(row.id + 1000, "open", "closed", later) {
        Err(StoreError::Missing(msg)) => {
            assert!(msg.contains(&(row.id + 1000).to_string()), "{msg}")
        }
        other => panic!("unknown round: {other:?}"),
    }

    // rounds() lists the newest first
    let (second, _) = store
        .create_round(new_round("draft"), &codes(&["D01"]), |_| vec![])
        .unwrap();
    let ids: Vec<i64> = store.rounds().unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(ids, [second.id, row.id]);
}

on_both!(rounds => rounds_sqlite, rounds_postgres);

// ---------------------------------------------------------------------------------------------
// 6. Tokens.

fn tokens(store: &Store) {
    migrated(store);
    store
        .create_department(new_department("D01", None))
        .unwrap();
    let t = now();
    let admin = store
        .insert_token("hash-a", "admin", None, Some("first admin"), t)
        .unwrap();
    assert!(admin.id > 0);
    assert_eq!(
        (
            admin.token_hash.as_str(),
            admin.role.as_str(),
            admin.department_code.as_deref()
        ),
        ("hash-a", "admin", None)
    );
    assert_eq!(
        (admin.label.as_deref(), admin.created_at, admin.revoked_at),
        (Some("first admin"), t, None)
    );
    let admin2 = store
        .insert_token("hash-b", "admin", None, None, t)
        .unwrap();
    let dept = store
        .insert_token("hash-d", "department", Some("D01"), None, t)
        .unwrap();
    assert_eq!(dept.department_code.as_deref(), Some("D01"));
    assert!(store
        .insert_token("hash-a", "admin", None, None, t)
        .unwrap_err()
        .is_unique_violation());

    assert_eq!(store.token_by_hash("hash-a").unwrap(), Some(admin.clone()));
    assert_eq!(store.token_by_hash("hash-d").unwrap(), Some(dept.clone()));
    assert_eq!(store.token_by_hash("nope").unwrap(), None);
    assert_eq!(
        store.live_admin_tokens().unwrap(),
        2,
        "the department token is not counted"
    );

    assert!(store.revoke_token(admin.id, t + 1).unwrap());
    assert_eq!(
        store.token_by_hash("hash-a").unwrap(),
        None,
        "a revoked token is not found"
    );
    assert!(
        !store.revoke_token(admin.id, t + 2).unwrap(),
        "revoking twice"
    );
    assert!(
        !store.revoke_token(dept.id + 1000, t).unwrap(),
        "unknown id"
    );
    assert_eq!(store.live_admin_tokens().unwrap(), 1);
    assert!(store.revoke_token(dept.id, t).unwrap());
    assert_eq!(
        store.live_admin_tokens().unwrap(),
        1,
        "revoking a department token"
    );
    assert!(store.revoke_token(admin2.id, t).unwrap());
    assert_eq!(store.live_admin_tokens().unwrap(), 0);
}

on_both!(tokens => tokens_sqlite, tokens_postgres);

// ---------------------------------------------------------------------------------------------
// 7. Submissions, evidence and idempotency.

fn submissions(store: &Store) {
    let (round, by) = round_fixture(store);
    let bytes: Vec<u8> = (0..=255u8).chain([0, 0, 0xff, b'\n', b'\r']).collect();
    let file = NewEvidence {
        name: "会议纪要.pdf".to_string(),
        content_type: "application/pdf".to_string(),
        sha256: "ab".repeat(32),
        content: bytes.clone(),
    };

    let mut inserted = Vec::new();
    for n in 1..=3 {
        let files = if n == 2 { vec![file.clone()] } else { vec![] };
        let new = new_submission(round, "D01", by, n);
        let (row, metas, response) = store
            .insert_submission(new.clone(), files, None, respond, |_| vec![])
            .unwrap();
        assert_eq!(row.seq, n as i32);
        assert!(row.is_current);
        assert_eq!(
            (
                row.round_id,
                row.department_code.as_str(),
                row.submitted_at,
                row.late
            ),
            (
                new.round_id,
                new.department_code.as_str(),
                new.submitted_at,
                new.late
            )
        );
        assert_eq!(
            (
                &row.package,
                &row.score_sheet,
                row.total_scaled,
                row.complete,
                row.submitted_by
            ),
            (
                &new.package,
                &new.score_sheet,
                new.total_scaled,
                new.complete,
                new.submitted_by
            )
        );
        assert_eq!(row.source_name, new.source_name);
        assert_eq!(response, respond(&row, &metas).unwrap());
        inserted.push((row, metas));
    }
    let (_, metas2) = &inserted[1];
    assert_eq!(metas2.len(), 1);
    let meta = &metas2[0];
    assert_eq!(meta.submission_id, inserted[1].0.id);
    assert_eq!(
        (
            meta.name.as_str(),
            meta.content_type.as_str(),
            meta.sha256.as_str(),
            meta.size
        ),
        (
            file.name.as_str(),
            file.content_type.as_str(),
            file.sha256.as_str(),
            bytes.len() as i64
        )
    );

    let history = store.submission_history(round, "D01").unwrap();
    assert_eq!(history.len(), 3);
    let seqs: Vec<i32> = history.iter().map(|(r, _)| r.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    let current: Vec<bool> = history.iter().map(|(r, _)| r.is_current).collect();
    assert_eq!(current, [false, false, true]);
    for ((stored, stored_metas), (row, metas)) in history.iter().zip(&inserted) {
        assert_eq!(stored.id, row.id);
        assert_eq!(
            SubmissionRow {
                is_current: true,
                ..stored.clone()
            },
            *row,
            "history keeps what was inserted"
        );
        assert_eq!(stored_metas, metas);
    }

    let (evidence, owner) = store.evidence_file(meta.id).unwrap();
    assert_eq!(evidence.content, bytes, "evidence bytes come back exactly");
    assert_eq!(
        (
            evidence.id,
            evidence.submission_id,
            evidence.size,
            evidence.name.as_str()
        ),
        (meta.id, meta.submission_id, meta.size, meta.name.as_str())
    );
    assert_eq!(owner, history[1].0);
    match store.evidence_file(meta.id + 1000) {
        Err(StoreError::Missing(_)) => {}
        other => panic!("unknown evidence: {other:?}"),
    }

    assert_eq!(
        store.current_submission(round, "D01").unwrap(),
        Some(history[2].0.clone())
    );
    assert_eq!(store.submission_history(round, "D02").unwrap(), vec![]);
    assert_eq!(store.current_submission(round, "D02").unwrap(), None);

    // for scoring: the package only where the stored sheet is stale
    assert_eq!(store.submitted_departments(round).unwrap(), codes(&["D01"]));
    let latest = &history[2].0;
    assert_eq!(
        store
            .current_submissions_for_scoring(round, &codes(&["D01"]), &latest.scored_with)
            .unwrap(),
        vec![SubmissionRow {
            package: String::new(),
            ..latest.clone()
        }]
    );
    assert_eq!(
        store
            .current_submissions_for_scoring(round, &codes(&["D01", "D02"]), "another build")
            .unwrap(),
        vec![latest.clone()]
    );
    assert_eq!(
        store
            .current_submissions_for_scoring(round, &codes(&["D02"]), "another build")
            .unwrap(),
        vec![]
    );

    // another department's submissions are numbered on their own and leave D01's alone
    let (other, _, _) = store
        .insert_submission(
            new_submission(round, "D02", by, 9),
            vec![],
            None,
            respond,
            |_| vec![],
        )
        .unwrap();
    assert_eq!((other.seq, other.is_current), (1, true));
    assert_eq!(
        store.current_submission(round, "D01").unwrap(),
        Some(history[2].0.clone())
    );
}

on_both!(submissions => submissions_sqlite, submissions_postgres);

fn submission_idempotency(store: &Store) {
    let (round, by) = round_fixture(store);
    let key = |k| IdempotencyRecord {
        token_id: by,
        key: k,
        request_hash: "req-hash-1",
        now: now(),
    };
    let (first, _, response) = store
        .insert_submission(
            new_submission(round, "D01", by, 1),
            vec![],
            Some(key("key-1")),
            respond,
            |_| vec![],
        )
        .unwrap();
    let stored = store
        .idempotent_response(by, "key-1")
        .unwrap()
        .expect("key stored");
    assert_eq!((stored.status, stored.body.clone()), response);
    assert_eq!(
        (
            stored.token_id,
            stored.idem_key.as_str(),
            stored.request_hash.as_str()
        ),
        (by, "key-1", "req-hash-1")
    );
    assert_eq!(store.idempotent_response(by, "key-2").unwrap(), None);
    assert_eq!(store.idempotent_response(by + 1000, "key-1").unwrap(), None);

    let file = NewEvidence {
        name: "x.txt".to_string(),
        content_type: "text/plain".to_string(),
        sha256: "00".repeat(32),
        content: b"x".to_vec(),
    };
    let err = store
        .insert_submission(
            new_submission(round, "D01", by, 2),
            vec![file.clone()],
            Some(key("key-1")),
            respond,
            |_| vec![],
        )
        .unwrap_err();
    assert!(
        err.is_unique_violation(),
        "same token and key again: {err:?}"
    );
    let history = store.submission_history(round, "D01").unwrap();
    assert_eq!(history.len(), 1, "the refused submission was rolled back");
    assert_eq!(history[0].0, first, "and the previous one is still current");
    assert_eq!(
        store.current_submission(round, "D01").unwrap(),
        Some(first.clone())
    );
    assert_eq!(count(store, "evidence"), 0, "its evidence was rolled back");
    assert_eq!(
        store.idempotent_response(by, "key-1").unwrap(),
        Some(stored),
        "the stored response is kept"
    );

    // a failing `respond` rolls the whole submission back as well
    let err = store
        .insert_submission(
            new_submission(round, "D01", by, 3),
            vec![file],
            Some(key("key-3")),
            |_, _| Err(StoreError::Conflict("respond failed".into())),
            |_| vec![],
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.submission_history(round, "D01").unwrap().len(), 1);
    assert_eq!(count(store, "evidence"), 0);
    assert_eq!(store.idempotent_response(by, "key-3").unwrap(), None);

    // a new key works, and numbering continues without a gap
    let (second, _, _) = store
        .insert_submission(
            new_submission(round, "D01", by, 4),
            vec![],
            Some(key("key-4")),
            respond,
            |_| vec![],
        )
        .unwrap();
    assert_eq!((second.seq, second.is_current), (2, true));
}

on_both!(submission_idempotency => submission_idempotency_sqlite, submission_idempotency_postgres);
