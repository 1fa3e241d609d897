//! Crash safety (issue 8, item 1), on SQLite and on PostgreSQL: the real binary is killed with
//! SIGKILL while departments stream submissions (JSON, and multipart with evidence files) and,
//! in a second phase after the round closes, while reviewers stream judgments under If-Match.
//! Restarted on the same database, every acknowledged write is there exactly as acknowledged;
//! a write whose answer was lost is there whole or not at all; nothing is half-written (evidence
//! rows, the current submission, idempotency keys, item versions); the audit log has one entry
//! per write and none without its write; the restarted server is ready and takes new writes.
//!
//! The requests each client sends and the moment of the kill (after the n-th acknowledged write,
//! with requests in flight) come from a seed: KAOPING_TEST_SEED replays another one.

use crate::support;
use support::{Backend, TestDb, ADMIN, JUNSHAN};

use crate::support::serve_process;
use serve_process::*;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kaoping::store::Store;
use reqwest::blocking::multipart::{Form, Part};
use serde_json::{json, Value};

const DEPARTMENTS: usize = 4;
/// Clients submitting for each department at once (they race for the next seq).
const SUBMITTERS_PER_DEPARTMENT: usize = 2;
const REVIEWERS: usize = 4;
const ITEMS: [&str; 3] = ["problems", "suggestions", "indicator_quality"];
/// Kills in each phase (the server is restarted and checked after each).
const KILLS_PER_PHASE: usize = 2;
/// The kill comes after this many acknowledged writes (drawn from the seed).
const KILL_AFTER: (u64, u64) = (25, 60);
/// How long a storm may take to reach the moment of the kill.
const STORM_TIMEOUT: Duration = Duration::from_secs(60);

#[test]
fn sigkill_mid_stream_loses_no_acknowledged_write_sqlite() {
    run(Backend::Sqlite, 0x5eed_0001);
}

#[test]
fn sigkill_mid_stream_loses_no_acknowledged_write_postgres() {
    run(Backend::Postgres, 0x5eed_0002);
}

struct Dept {
    code: String,
    name: String,
    token: String,
}

struct Reviewer {
    id: i64,
    name: String,
    token: String,
}

/// What became of a request.
#[derive(Debug, Clone)]
enum Outcome<A> {
    /// A 2xx answer, with what it acknowledged.
    Acked(A),
    /// Any other answer: nothing may have been written.
    Refused(u16, Value),
    /// No answer (the server died under it): written whole or not at all.
    Lost(String),
}

impl<A> Outcome<A> {
    fn acked(&self) -> Option<&A> {
        match self {
            Outcome::Acked(a) => Some(a),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The storm: clients write until the server is killed

#[derive(Default)]
struct Storm {
    stop: AtomicBool,
    acked: AtomicUsize,
    in_flight: AtomicUsize,
}

impl Storm {
    /// Sends one write, counted in flight while it waits for its answer.
    fn send<T>(&self, f: impl FnOnce() -> T) -> T {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let out = f();
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        out
    }
}

/// A client of the storm: writes until told to stop, and returns what it sent.
type Client<'a, A> = Box<dyn FnOnce(&Storm) -> Vec<A> + Send + 'a>;

/// Runs `workers` against the server and SIGKILLs it once `kill_after` writes were acknowledged
/// and at least one more is in flight; returns what each worker recorded.
fn storm<A: Send>(server: &mut Server, kill_after: usize, workers: Vec<Client<'_, A>>) -> Vec<A> {
    let s = Storm::default();
    let (sent, acked, in_flight) = std::thread::scope(|scope| {
        let handles: Vec<_> = workers
            .into_iter()
            .map(|w| {
                let s = &s;
                scope.spawn(move || w(s))
            })
            .collect();
        let deadline = Instant::now() + STORM_TIMEOUT;
        let in_flight = loop {
            let (acked, in_flight) = (
                s.acked.load(Ordering::SeqCst),
                s.in_flight.load(Ordering::SeqCst),
            );
            if acked >= kill_after && in_flight > 0 {
                break in_flight;
            }
            if Instant::now() > deadline || handles.iter().all(|h| h.is_finished()) {
                s.stop.store(true, Ordering::SeqCst);
                server.sigkill();
                panic!(
                    "{}: the clients reached {acked} of {kill_after} acknowledged writes in {STORM_TIMEOUT:?}\n{}",
                    server.name,
                    server.stderr_text()
                );
            }
            std::thread::sleep(Duration::from_micros(200));
        };
        // no client starts another request; the ones under way lose their server
        s.stop.store(true, Ordering::SeqCst);
        server.sigkill();
        let acked = s.acked.load(Ordering::SeqCst);
        let sent: Vec<A> = handles
            .into_iter()
            .flat_map(|h| h.join().expect("a client panicked"))
            .collect();
        (sent, acked, in_flight)
    });
    eprintln!(
        "{}: SIGKILL after {acked} acknowledged writes, {in_flight} in flight",
        server.name
    );
    sent
}

// ---------------------------------------------------------------------------------------------
// Phase 1: submissions

#[derive(Debug, Clone)]
struct Evidence {
    name: String,
    sha256: String,
    bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
enum Body {
    Json(String),
    Multipart {
        report: String,
        evidence: Vec<Evidence>,
    },
}

#[derive(Debug, Clone)]
struct SubmitAck {
    id: i64,
    seq: i64,
    evidence: Vec<String>,
    score_sheet: Value,
}

#[derive(Debug, Clone)]
struct SubmitAttempt {
    marker: String,
    dept: usize,
    body: Body,
    outcome: Outcome<SubmitAck>,
}

impl SubmitAttempt {
    fn evidence(&self) -> Vec<&Evidence> {
        match &self.body {
            Body::Json(_) => Vec::new(),
            Body::Multipart { evidence, .. } => evidence.iter().collect(),
        }
    }
}

/// A submission under its marker as Idempotency-Key, so a retry after the crash is safe.
fn send_submission(
    api: &Api,
    round: i64,
    token: &str,
    marker: &str,
    body: &Body,
) -> Result<Reply, reqwest::Error> {
    let req = api
        .client
        .post(api.url(&submissions_path(round)))
        .bearer_auth(token)
        .header("Idempotency-Key", marker);
    let req = match body {
        Body::Json(text) => req
            .header("content-type", "application/json")
            .body(text.clone()),
        Body::Multipart { report, evidence } => {
            let fixture: Value = serde_json::from_str(JUNSHAN).expect("fixture");
            let json_part = |v: &Value, name: &str| {
                Part::bytes(v.to_string().into_bytes())
                    .file_name(name.to_string())
                    .mime_str("application/json")
                    .expect("mime")
            };
            let mut form = Form::new().part(
                "report",
                Part::bytes(report.clone().into_bytes())
                    .file_name("report.json")
                    .mime_str("application/json")
                    .expect("mime"),
            );
            // the package's other documents, as far as the fixture has them
            for doc in ["notice", "working_group", "self_check"] {
                if !fixture[doc].is_null() {
                    form = form.part(doc, json_part(&fixture[doc], &format!("{doc}.json")));
                }
            }
            for e in evidence {
                form = form.part(
                    "evidence",
                    Part::bytes(e.bytes.clone())
                        .file_name(e.name.clone())
                        .mime_str("application/pdf")
                        .expect("mime"),
                );
            }
            req.multipart(form)
        }
    };
    api.send(req)
}

fn submit_ack(r: &Reply) -> SubmitAck {
    let s = &r.body["submission"];
    SubmitAck {
        id: s["id"].as_i64().expect("submission id"),
        seq: s["seq"].as_i64().expect("seq"),
        evidence: s["evidence"]
            .as_array()
            .expect("evidence list")
            .iter()
            .map(|e| e["sha256"].as_str().expect("sha256").to_string())
            .collect(),
        score_sheet: r.body["score_sheet"].clone(),
    }
}

/// One department's client: submits again and again, JSON or multipart with 0–3 evidence files.
fn submitter(
    api: Api,
    round: i64,
    dept: usize,
    d: &Dept,
    who: String,
    seed: u64,
) -> impl FnOnce(&Storm) -> Vec<SubmitAttempt> + Send + '_ {
    move |s: &Storm| {
        let mut rng = Rng::new(seed);
        let mut out = Vec::new();
        for n in 0.. {
            if s.stop.load(Ordering::SeqCst) {
                break;
            }
            let marker = format!("{who}-{n}");
            let package = package(&d.code, &d.name, &marker);
            let body = if rng.range(0, 1) == 0 {
                Body::Json(package.to_string())
            } else {
                let evidence = (0..rng.range(0, 3))
                    .map(|i| {
                        let size = rng.range(1, 96 * 1024) as usize;
                        let bytes = rng.bytes(size);
                        Evidence {
                            name: format!("佐证材料-{marker}-{i}.pdf"),
                            sha256: sha256_hex(&bytes),
                            bytes,
                        }
                    })
                    .collect();
                Body::Multipart {
                    report: package["report"].to_string(),
                    evidence,
                }
            };
            let sent = s.send(|| send_submission(&api, round, &d.token, &marker, &body));
            let outcome = match sent {
                Ok(r) if r.status == 201 => {
                    s.acked.fetch_add(1, Ordering::SeqCst);
                    Outcome::Acked(submit_ack(&r))
                }
                Ok(r) => Outcome::Refused(r.status, r.body),
                Err(e) => Outcome::Lost(e.to_string()),
            };
            out.push(SubmitAttempt {
                marker,
                dept,
                body,
                outcome,
            });
        }
        out
    }
}

/// The marker in a stored package's report title.
fn marker_of(package: &Value) -> String {
    let title = package["report"]["title"].as_str().unwrap_or("");
    title
        .split_once('（')
        .and_then(|(_, rest)| rest.strip_suffix('）'))
        .unwrap_or_else(|| panic!("a stored package without a marker: {title:?}"))
        .to_string()
}

/// Everything the database holds of the round's submissions, checked against what was sent.
/// Returns the stored submission id of each marker.
fn check_submissions(
    api: &Api,
    db: &TestDb,
    round: i64,
    depts: &[Dept],
    attempts: &[SubmitAttempt],
) -> HashMap<String, i64> {
    for a in attempts {
        if let Outcome::Refused(status, body) = &a.outcome {
            panic!(
                "{}: a valid submission was refused: {status} {body}",
                a.marker
            );
        }
    }
    let store = Store::connect(&db.url()).expect("open the database");
    let sent: HashMap<&str, &SubmitAttempt> =
        attempts.iter().map(|a| (a.marker.as_str(), a)).collect();
    let mut stored: HashMap<String, i64> = HashMap::new();
    let mut rows_total = 0usize;
    let mut evidence_total = 0usize;
    let mut rows_by_id: HashMap<i64, (String, i64)> = HashMap::new();
    for (i, d) in depts.iter().enumerate() {
        let history = api
            .get(
                &format!("/api/v1/rounds/{round}/departments/{}/submissions", d.code),
                ADMIN,
            )
            .expect(200, "history");
        let history = history.as_array().expect("history list").clone();
        let rows = store
            .submission_history(round, &d.code)
            .expect("read submissions");
        assert_eq!(
            history.iter().map(|h| h["id"].as_i64()).collect::<Vec<_>>(),
            rows.iter().map(|(r, _)| Some(r.id)).collect::<Vec<_>>(),
            "{}: the API lists the stored submissions",
            d.code
        );
        let seqs: Vec<i32> = rows.iter().map(|(r, _)| r.seq).collect();
        let expected: Vec<i32> = (1..=rows.len() as i32).collect();
        assert_eq!(seqs, expected, "{}: seqs without gaps or repeats", d.code);
        if !rows.is_empty() {
            let current: Vec<i32> = rows
                .iter()
                .filter(|(r, _)| r.is_current)
                .map(|(r, _)| r.seq)
                .collect();
            assert_eq!(
                current,
                vec![rows.len() as i32],
                "{}: exactly one current submission, the last one",
                d.code
            );
        }
        for ((row, metas), view) in rows.iter().zip(&history) {
            let package: Value = serde_json::from_str(&row.package).expect("stored package");
            let marker = marker_of(&package);
            let a = sent.get(marker.as_str()).unwrap_or_else(|| {
                panic!("submission {} ({marker}) matches no request sent", row.id)
            });
            assert_eq!(a.dept, i, "{marker} stored under {}", d.code);
            assert_eq!(package["department"]["code"], json!(d.code));
            assert!(
                stored.insert(marker.clone(), row.id).is_none(),
                "{marker} is stored twice"
            );
            rows_by_id.insert(row.id, (d.code.clone(), i64::from(row.seq)));
            if let Outcome::Refused(status, body) = &a.outcome {
                panic!("{marker} was refused ({status} {body}) yet stored");
            }
            // evidence: every file, whole, in order
            let want = a.evidence();
            assert_eq!(
                metas
                    .iter()
                    .map(|m| (m.name.as_str(), m.sha256.as_str(), m.size))
                    .collect::<Vec<_>>(),
                want.iter()
                    .map(|e| (e.name.as_str(), e.sha256.as_str(), e.bytes.len() as i64))
                    .collect::<Vec<_>>(),
                "{marker}: its evidence rows"
            );
            for (m, e) in metas.iter().zip(&want) {
                let r = api
                    .send(
                        api.client
                            .get(api.url(&format!(
                                "/api/v1/rounds/{round}/departments/{}/evidence/{}",
                                d.code, m.id
                            )))
                            .bearer_auth(ADMIN),
                    )
                    .expect("download evidence");
                assert_eq!(r.status, 200);
                let (file, _) = store.evidence_file(m.id).expect("evidence row");
                assert_eq!(file.content, e.bytes, "{marker}: evidence {} bytes", m.name);
            }
            assert_eq!(
                view["evidence"].as_array().map(Vec::len),
                Some(metas.len()),
                "{marker}: the API shows its evidence"
            );
            evidence_total += metas.len();
            rows_total += 1;
            if let Outcome::Acked(ack) = &a.outcome {
                assert_eq!(
                    (ack.id, ack.seq),
                    (row.id, i64::from(row.seq)),
                    "{marker}: stored as acknowledged"
                );
                assert_eq!(
                    ack.evidence,
                    metas.iter().map(|m| m.sha256.clone()).collect::<Vec<_>>(),
                    "{marker}: acknowledged evidence"
                );
                let sheet: Value = serde_json::from_str(&row.score_sheet).expect("stored sheet");
                assert_eq!(
                    sheet, ack.score_sheet,
                    "{marker}: the acknowledged score sheet"
                );
            }
        }
    }
    for a in attempts {
        if let Outcome::Acked(ack) = &a.outcome {
            assert_eq!(
                stored.get(&a.marker),
                Some(&ack.id),
                "acknowledged submission {} (id {}) is missing after the crash",
                a.marker,
                ack.id
            );
        }
    }
    // nothing outside what the API shows: no orphan evidence, no stray submissions
    assert_eq!(
        count(&db.url(), "SELECT COUNT(*) AS n FROM submissions") as usize,
        rows_total,
        "every submission row belongs to the round's history"
    );
    assert_eq!(
        count(&db.url(), "SELECT COUNT(*) AS n FROM evidence") as usize,
        evidence_total,
        "every evidence row belongs to a stored submission"
    );
    // one idempotency key per submission, holding the answer that was (or would have been) sent
    let keys = idempotency_keys(&db.url());
    assert_eq!(keys.len(), rows_total, "one idempotency key per submission");
    for (key, body) in &keys {
        let body: Value = serde_json::from_str(body).expect("stored answer");
        assert_eq!(
            stored.get(key).copied(),
            body["submission"]["id"].as_i64(),
            "the key {key} replays its own submission"
        );
    }
    // the audit log: one submission entry per stored submission, none without one
    let audit = api.audit(round);
    let mut logged: HashMap<i64, usize> = HashMap::new();
    for e in audit.iter().filter(|e| e["action"] == "submission") {
        let id = e["after"]["submission_id"].as_i64().expect("submission_id");
        let (code, seq) = rows_by_id.get(&id).unwrap_or_else(|| {
            panic!("an audit entry for submission {id}, which is not stored: {e}")
        });
        assert_eq!(e["department"], json!(code), "{e}");
        assert_eq!(e["after"]["seq"], json!(seq), "{e}");
        *logged.entry(id).or_default() += 1;
    }
    for id in rows_by_id.keys() {
        assert_eq!(
            logged.get(id),
            Some(&1),
            "submission {id} has exactly one audit entry"
        );
    }
    stored
}

// ---------------------------------------------------------------------------------------------
// Phase 2: judgments

#[derive(Debug, Clone)]
struct JudgeAck {
    etag: String,
}

#[derive(Debug, Clone)]
struct JudgeAttempt {
    marker: String,
    reviewer: usize,
    dept: usize,
    item: &'static str,
    /// The score as stored (the sum of sub-scores for indicator_quality).
    score: String,
    outcome: Outcome<JudgeAck>,
}

/// A valid judgment of `item` and its total.
fn judgment(rng: &mut Rng, item: &str, marker: &str) -> (Value, String) {
    match item {
        "problems" => {
            let s = rng.range(13, 18).to_string();
            (json!({ "score": s, "reason": marker }), s)
        }
        "suggestions" => {
            let s = rng.range(11, 12).to_string();
            (json!({ "score": s, "reason": marker }), s)
        }
        _ => {
            let first = rng.range(2, 4);
            let subs = [first.to_string(), "2".into(), "1".into()];
            (
                json!({ "sub_scores": subs, "reason": marker }),
                (first + 3).to_string(),
            )
        }
    }
}

/// One reviewer's client: reads an item's ETag and judges it under If-Match, again and again,
/// across every department (so reviewers race each other for items: 412s happen).
fn judge_client<'a>(
    api: Api,
    round: i64,
    depts: &'a [Dept],
    (reviewer, r): (usize, &'a Reviewer),
    who: String,
    seed: u64,
) -> impl FnOnce(&Storm) -> Vec<JudgeAttempt> + Send + 'a {
    move |s: &Storm| {
        let mut rng = Rng::new(seed);
        let mut out = Vec::new();
        for n in 0.. {
            if s.stop.load(Ordering::SeqCst) {
                break;
            }
            let dept = rng.range(0, depts.len() as u64 - 1) as usize;
            let item = *rng.pick(&ITEMS);
            let marker = format!("{who}-{n}");
            let (body, score) = judgment(&mut rng, item, &marker);
            let path = judgment_path(round, &depts[dept].code, item);
            let Ok(read) = api.send(api.client.get(api.url(&path)).bearer_auth(&r.token)) else {
                // only the kill takes the server away
                assert!(s.stop.load(Ordering::SeqCst), "GET {path} failed");
                break;
            };
            assert_eq!(read.status, 200, "GET {path}: {}", read.body);
            let tag = read.etag.expect("ETag");
            let sent = s.send(|| api.put_item(&path, &r.token, &tag, &body));
            let outcome = match sent {
                Ok(a) if a.status == 200 => {
                    s.acked.fetch_add(1, Ordering::SeqCst);
                    Outcome::Acked(JudgeAck {
                        etag: a.etag.expect("a write answers with the ETag"),
                    })
                }
                Ok(a) => Outcome::Refused(a.status, a.body),
                Err(e) => Outcome::Lost(e.to_string()),
            };
            out.push(JudgeAttempt {
                marker,
                reviewer,
                dept,
                item,
                score,
                outcome,
            });
        }
        out
    }
}

/// Everything the database holds of the round's judgments, checked against what was sent: the
/// audit log entry by entry, item versions, and each reviewer's standing judgment of each item.
fn check_judgments(
    api: &Api,
    db: &TestDb,
    round: i64,
    depts: &[Dept],
    reviewers: &[Reviewer],
    attempts: &[JudgeAttempt],
) {
    for a in attempts {
        if let Outcome::Refused(status, body) = &a.outcome {
            assert_eq!(
                *status, 412,
                "{}: only a stale ETag refuses a judgment here: {body}",
                a.marker
            );
        }
    }
    let sent: HashMap<&str, &JudgeAttempt> =
        attempts.iter().map(|a| (a.marker.as_str(), a)).collect();
    // the audit log: one judgment_set entry per write, none without its write
    let audit = api.audit(round);
    let mut logged: HashSet<String> = HashSet::new();
    // (dept, item) → entries; (dept, item, reviewer) → the last entry's marker
    let mut per_item: HashMap<(usize, &str), i64> = HashMap::new();
    let mut last: HashMap<(usize, &str, usize), String> = HashMap::new();
    for e in audit.iter().filter(|e| e["action"] == "judgment_set") {
        let marker = e["reason"].as_str().expect("reason").to_string();
        let a = sent
            .get(marker.as_str())
            .unwrap_or_else(|| panic!("an audit entry for a judgment never sent: {e}"));
        assert!(logged.insert(marker.clone()), "{marker} logged twice");
        assert!(
            !matches!(a.outcome, Outcome::Refused(..)),
            "{marker} was refused yet logged: {e}"
        );
        assert_eq!(e["department"], json!(depts[a.dept].code), "{e}");
        assert_eq!(e["item"], json!(a.item), "{e}");
        assert_eq!(
            e["after"]["reviewer_id"],
            json!(reviewers[a.reviewer].id),
            "{e}"
        );
        assert_eq!(e["after"]["judgment"]["score"], json!(a.score), "{e}");
        *per_item.entry((a.dept, a.item)).or_default() += 1;
        last.insert((a.dept, a.item, a.reviewer), marker);
    }
    eprintln!(
        "  of the judgments without an answer, {} had been stored",
        attempts
            .iter()
            .filter(|a| matches!(a.outcome, Outcome::Lost(_)) && logged.contains(&a.marker))
            .count()
    );
    for a in attempts.iter().filter(|a| a.outcome.acked().is_some()) {
        assert!(
            logged.contains(&a.marker),
            "acknowledged judgment {} has no audit entry",
            a.marker
        );
    }
    let store = Store::connect(&db.url()).expect("open the database");
    let rows = store.review_rows(round, None).expect("review rows");
    let versions: HashMap<(String, String), i64> = rows
        .versions
        .iter()
        .map(|(d, i, v)| ((d.clone(), i.clone()), *v))
        .collect();
    let mut judged = 0;
    for (di, d) in depts.iter().enumerate() {
        for item in ITEMS {
            let r = api.get(&judgment_path(round, &d.code, item), ADMIN);
            assert_eq!(r.status, 200, "{}", r.body);
            let v = etag_version(r.etag.as_deref().expect("ETag"));
            let writes = per_item.get(&(di, item)).copied().unwrap_or(0);
            assert_eq!(
                v, writes,
                "{} {item}: the item's version counts its logged writes",
                d.code
            );
            assert_eq!(
                versions
                    .get(&(d.code.clone(), item.to_string()))
                    .copied()
                    .unwrap_or(0),
                v,
                "{} {item}: review_items holds the version served",
                d.code
            );
            let sub = r
                .etag
                .as_deref()
                .unwrap_or("")
                .split('.')
                .next()
                .map(str::to_string);
            for a in attempts
                .iter()
                .filter(|a| a.dept == di && a.item == item)
                .filter_map(|a| a.outcome.acked())
            {
                assert!(
                    etag_version(&a.etag) <= v,
                    "{} {item}: acknowledged ETag {} is ahead of the stored version {v}",
                    d.code,
                    a.etag
                );
                assert_eq!(
                    a.etag.split('.').next().map(str::to_string),
                    sub,
                    "{} {item}: the same submission",
                    d.code
                );
            }
            let stored = r.body["judgments"].as_array().expect("judgments").clone();
            for (ri, rv) in reviewers.iter().enumerate() {
                let mine: Vec<&JudgeAttempt> = attempts
                    .iter()
                    .filter(|a| a.reviewer == ri && a.dept == di && a.item == item)
                    .collect();
                let last_acked = mine.iter().rposition(|a| a.outcome.acked().is_some());
                // the last acknowledged write, or one sent after it whose answer was lost
                let allowed: Vec<&JudgeAttempt> = mine
                    .iter()
                    .enumerate()
                    .filter(|(n, a)| {
                        Some(*n) == last_acked
                            || (last_acked.is_none_or(|l| *n > l)
                                && matches!(a.outcome, Outcome::Lost(_)))
                    })
                    .map(|(_, a)| *a)
                    .collect();
                let held: Vec<&Value> = stored.iter().filter(|j| j["by"] == rv.name).collect();
                match held.as_slice() {
                    [] => assert!(
                        last_acked.is_none(),
                        "{} {item}: {}'s acknowledged judgment {} is lost",
                        d.code,
                        rv.name,
                        mine[last_acked.unwrap_or(0)].marker
                    ),
                    [j] => {
                        judged += 1;
                        let reason = j["reason"].as_str().unwrap_or("");
                        let a = allowed
                            .iter()
                            .find(|a| a.marker == reason)
                            .unwrap_or_else(|| {
                                panic!(
                                    "{} {item}: {} holds {reason}, expected one of {:?}",
                                    d.code,
                                    rv.name,
                                    allowed.iter().map(|a| &a.marker).collect::<Vec<_>>()
                                )
                            });
                        assert_eq!(j["score"], json!(a.score), "{reason}: the score");
                        assert_eq!(
                            last.get(&(di, item, ri)).map(String::as_str),
                            Some(reason),
                            "{} {item}: the log's last judgment by {} is the one stored",
                            d.code,
                            rv.name
                        );
                    }
                    more => panic!("{} {item}: {} judged twice: {more:?}", d.code, rv.name),
                }
            }
        }
    }
    assert_eq!(
        rows.judgments.len(),
        judged,
        "no judgment row outside what the API shows"
    );
    assert_eq!(
        rows.versions.iter().map(|(_, _, v)| v).sum::<i64>(),
        logged.len() as i64,
        "every item version comes with its audit entry"
    );
}

// ---------------------------------------------------------------------------------------------

/// The whole test on one backend: setup, then each phase's storms, kills, restarts and checks.
fn run(backend: Backend, default_seed: u64) {
    let Some(db) = TestDb::create(backend) else {
        return;
    };
    let started = Instant::now();
    let seed = seed(default_seed);
    let mut rng = Rng::new(seed);
    let url = db.url();

    // setup over HTTP
    let mut server = Server::start("first start", &url, &[]);
    let api = server.api();
    let depts: Vec<Dept> = (0..DEPARTMENTS)
        .map(|i| {
            let code = format!("4306{i:02}901");
            let name = format!("岳阳市测试部门{i}");
            let token = api.department(&code, &name);
            Dept { code, name, token }
        })
        .collect();
    let codes: Vec<&str> = depts.iter().map(|d| d.code.as_str()).collect();
    let round = api.round(&codes);

    // phase 1: submissions, killed mid-stream, KILLS_PER_PHASE times
    let mut all: Vec<SubmitAttempt> = Vec::new();
    for cycle in 0..KILLS_PER_PHASE {
        let api = server.api();
        let kill_after = rng.range(KILL_AFTER.0, KILL_AFTER.1) as usize;
        let workers: Vec<Client<'_, SubmitAttempt>> = (0..DEPARTMENTS)
            .flat_map(|d| (0..SUBMITTERS_PER_DEPARTMENT).map(move |c| (d, c)))
            .map(|(d, c)| {
                let who = format!("s{cycle}.{d}-{c}");
                let w = submitter(api.clone(), round, d, &depts[d], who, rng.next_u64());
                Box::new(w) as Client<'_, SubmitAttempt>
            })
            .collect();
        let sent = storm(&mut server, kill_after, workers);
        let lost: Vec<SubmitAttempt> = sent
            .iter()
            .filter(|a| matches!(a.outcome, Outcome::Lost(_)))
            .cloned()
            .collect();
        eprintln!(
            "submissions, kill {}: {} sent, {} acknowledged, {} without an answer",
            cycle + 1,
            sent.len(),
            sent.iter().filter(|a| a.outcome.acked().is_some()).count(),
            lost.len()
        );
        if let Some(Outcome::Lost(e)) = lost.first().map(|a| &a.outcome) {
            eprintln!("  e.g. {}: {e}", lost[0].marker);
        }
        all.extend(sent);

        server = Server::start(&format!("restart {}", cycle + 1), &url, &[]);
        let api = server.api();
        assert!(api.ready(), "/readyz after the restart");
        let stored = check_submissions(&api, &db, round, &depts, &all);
        // the client retries what got no answer, with the same key: what was stored is
        // replayed, the rest stored now — each exactly once
        eprintln!(
            "  of those without an answer, {} had been stored",
            lost.iter()
                .filter(|a| stored.contains_key(&a.marker))
                .count()
        );
        for a in lost {
            let r = send_submission(&api, round, &depts[a.dept].token, &a.marker, &a.body)
                .unwrap_or_else(|e| panic!("retry {}: {e}", a.marker));
            assert_eq!(r.status, 201, "retry {}: {}", a.marker, r.body);
            let replayed = r.headers.get("idempotent-replayed").map(String::as_str) == Some("true");
            let ack = submit_ack(&r);
            match stored.get(&a.marker) {
                Some(id) => {
                    assert!(replayed, "{} was stored: the retry replays it", a.marker);
                    assert_eq!(ack.id, *id, "{}: the replay names the stored one", a.marker);
                }
                None => assert!(
                    !replayed,
                    "{} was not stored: the retry stores it",
                    a.marker
                ),
            }
            let e = all
                .iter_mut()
                .find(|x| x.marker == a.marker)
                .expect("attempt");
            e.outcome = Outcome::Acked(ack);
        }
        // new writes: one more submission from every department
        for (i, d) in depts.iter().enumerate() {
            let marker = format!("after-kill-{cycle}-{i}");
            let body = Body::Json(package(&d.code, &d.name, &marker).to_string());
            let r = send_submission(&api, round, &d.token, &marker, &body).expect("submit");
            assert_eq!(r.status, 201, "a submission after the restart: {}", r.body);
            all.push(SubmitAttempt {
                marker,
                dept: i,
                body,
                outcome: Outcome::Acked(submit_ack(&r)),
            });
        }
        check_submissions(&api, &db, round, &depts, &all);
    }

    // phase 2: judgments under If-Match, killed mid-stream, KILLS_PER_PHASE times
    let api = server.api();
    let reviewers: Vec<Reviewer> = (0..REVIEWERS)
        .map(|i| {
            let name = format!("评审专家{i}");
            let (id, token) = api.reviewer(&name);
            Reviewer { id, name, token }
        })
        .collect();
    for d in &depts {
        for r in &reviewers {
            api.assign(round, &d.code, r.id);
        }
    }
    api.close(round);
    let mut judgments: Vec<JudgeAttempt> = Vec::new();
    for cycle in 0..KILLS_PER_PHASE {
        let api = server.api();
        let kill_after = rng.range(KILL_AFTER.0, KILL_AFTER.1) as usize;
        let workers: Vec<Client<'_, JudgeAttempt>> = reviewers
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let who = format!("r{cycle}.{i}");
                let w = judge_client(api.clone(), round, &depts, (i, r), who, rng.next_u64());
                Box::new(w) as Client<'_, JudgeAttempt>
            })
            .collect();
        let sent = storm(&mut server, kill_after, workers);
        let tally =
            |f: fn(&Outcome<JudgeAck>) -> bool| sent.iter().filter(|a| f(&a.outcome)).count();
        eprintln!(
            "judgments, kill {}: {} sent, {} acknowledged, {} refused (412), {} without an answer",
            cycle + 1,
            sent.len(),
            tally(|o| matches!(o, Outcome::Acked(_))),
            tally(|o| matches!(o, Outcome::Refused(..))),
            tally(|o| matches!(o, Outcome::Lost(_))),
        );
        judgments.extend(sent);

        server = Server::start(
            &format!("restart {}", KILLS_PER_PHASE + cycle + 1),
            &url,
            &[],
        );
        let api = server.api();
        assert!(api.ready(), "/readyz after the restart");
        check_judgments(&api, &db, round, &depts, &reviewers, &judgments);
        // the submissions are untouched
        check_submissions(&api, &db, round, &depts, &all);
    }

    // new writes after the crashes: an ETag acknowledged before is stale once the item moved
    // on, the current one is taken
    let api = server.api();
    let mut by_item: BTreeMap<(usize, &str), Vec<&JudgeAttempt>> = BTreeMap::new();
    for a in judgments.iter().filter(|a| a.outcome.acked().is_some()) {
        by_item.entry((a.dept, a.item)).or_default().push(a);
    }
    let ((di, item), acked) = by_item
        .iter()
        .max_by_key(|(_, v)| v.len())
        .expect("some judgment was acknowledged");
    let d = &depts[*di];
    let r = &reviewers[acked[0].reviewer];
    let current = api.item_etag(round, &d.code, item, &r.token);
    let path = judgment_path(round, &d.code, item);
    let mut new_rng = Rng::new(seed ^ 0xa5a5);
    if let Some(stale) = acked
        .iter()
        .filter_map(|a| a.outcome.acked())
        .map(|a| a.etag.clone())
        .find(|t| *t != current)
    {
        let (body, _) = judgment(&mut new_rng, item, "after-crash-stale");
        let refused = api.put_item(&path, &r.token, &stale, &body).expect("PUT");
        assert_eq!(refused.status, 412, "a stale ETag: {}", refused.body);
    }
    let (body, _) = judgment(&mut new_rng, item, "after-crash");
    let ok = api.put_item(&path, &r.token, &current, &body).expect("PUT");
    assert_eq!(ok.status, 200, "a judgment after the restart: {}", ok.body);
    assert_eq!(
        etag_version(ok.etag.as_deref().expect("ETag")),
        etag_version(&current) + 1,
        "the write moved the item one version on"
    );
    let log = api.audit(round);
    assert_eq!(
        log.iter()
            .filter(|e| e["action"] == "judgment_set" && e["reason"] == "after-crash")
            .count(),
        1,
        "the new judgment is logged once"
    );
    drop(server);
    eprintln!("{backend:?}: done in {:?}", started.elapsed());
}
