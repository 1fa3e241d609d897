//! Store tests: concurrent submissions and connecting.

use super::*;

// ---------------------------------------------------------------------------------------------
// 8. Concurrent submissions through one Store.

fn concurrent_submissions(store: &Store) {
    const THREADS: i64 = 8;
    const EACH: i64 = 10;
    let (round, by) = round_fixture(store);
    let results: Vec<Result<i32, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let store = store.clone();
                s.spawn(move || {
                    (0..EACH)
                        .map(|i| {
                            store
                                .insert_submission(
                                    new_submission(round, "D01", by, t * EACH + i),
                                    vec![],
                                    None,
                                    respond,
                                    |_| vec![],
                                )
                                .map(|(row, _, _)| row.seq)
                                .map_err(|e| {
                                    let unique = if e.is_unique_violation() {
                                        "unique violation: "
                                    } else {
                                        ""
                                    };
                                    format!("{unique}{e}: {:?}", std::error::Error::source(&e))
                                })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} concurrent submissions failed ({} unique violations), first: {:?}",
        failures.len(),
        results.len(),
        failures
            .iter()
            .filter(|f| f.starts_with("unique violation"))
            .count(),
        failures.first()
    );
    let mut returned: Vec<i32> = results.into_iter().map(Result::unwrap).collect();
    returned.sort_unstable();
    let expected: Vec<i32> = (1..=(THREADS * EACH) as i32).collect();
    assert_eq!(returned, expected, "each insert got its own seq");

    let history = store.submission_history(round, "D01").unwrap();
    let seqs: Vec<i32> = history.iter().map(|(r, _)| r.seq).collect();
    assert_eq!(seqs, expected);
    let current: Vec<i32> = history
        .iter()
        .filter(|(r, _)| r.is_current)
        .map(|(r, _)| r.seq)
        .collect();
    assert_eq!(
        current,
        [(THREADS * EACH) as i32],
        "exactly one current submission, the last"
    );
}

on_both!(concurrent_submissions => concurrent_submissions_sqlite, concurrent_submissions_postgres);

// ---------------------------------------------------------------------------------------------
// 9. Connecting.

fn ping(store: &Store) {
    store.ping().unwrap();
    migrated(store);
    store.ping().unwrap();
}

on_both!(ping => ping_sqlite, ping_postgres);

#[test]
fn connect_rejects_other_schemes() {
    for url in ["mysql://x", "http://localhost/db", ""] {
        match Store::connect(url) {
            Err(StoreError::BadUrl(u)) => assert_eq!(u, url),
            Err(e) => panic!("{url:?}: {e:?}"),
            Ok(_) => panic!("{url:?} connected"),
        }
    }
}

#[test]
fn connect_reports_libpq_message() {
    match Store::connect("postgres://postgres@127.0.0.1:1/nope") {
        Err(e @ StoreError::Connect(_)) => {
            let source = std::error::Error::source(&e)
                .expect("Connect has a source")
                .to_string();
            assert!(
                source.contains("127.0.0.1") && source.contains("port 1"),
                "libpq's message: {source}"
            );
            assert!(kaoping_domain::error_chain(&e).contains(&source));
        }
        Err(e) => panic!("expected Connect: {e:?}"),
        Ok(_) => panic!("connected to port 1"),
    }
}

#[test]
fn connect_reports_postgres_message() {
    let Some(server) = pg_server() else { return };
    let missing = unique_name();
    match Store::connect(&with_database(&server, &missing)) {
        Err(e @ StoreError::Connect(_)) => {
            let text = kaoping_domain::error_chain(&e);
            assert!(
                text.contains(&format!("database \"{missing}\" does not exist")),
                "PostgreSQL's message: {text}"
            );
        }
        Err(e) => panic!("expected Connect: {e:?}"),
        Ok(_) => panic!("connected to a database that does not exist"),
    }
}

#[test]
fn with_database_keeps_everything_but_the_name() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgresql://u:p@h/db?sslmode=disable", "x"),
        "postgresql://u:p@h/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h:5432", "x"),
        "postgres://h:5432/x"
    );
    assert_eq!(
        with_database("postgres://h?sslmode=disable", "x"),
        "postgres://h/x?sslmode=disable"
    );
}
