//! Several instances (issue 8, item 4): two `kaoping serve` processes on one PostgreSQL
//! database, started at the same moment, with reviewers writing through both at once. The ETag
//! rule holds across instances (of N concurrent PUTs with one If-Match, split across the two,
//! exactly one wins and the rest get 412), the final sheet is the last acknowledged write, the
//! audit log has exactly one entry per acknowledged write, and a round published through one
//! instance reaches a webhook exactly once although both run delivery workers.
//!
//! PostgreSQL only (SQLite is one process's file); skipped without KAOPING_TEST_PG outside CI,
//! a failure in CI.

use crate::support;
use support::{Backend, TestDb, ADMIN};

use crate::support::serve_process;
use serve_process::*;

use std::collections::{BTreeMap, HashMap};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use kaoping::webhook::verify;
use serde_json::{json, Value};

const CODE: &str = "430611001";
const NAME: &str = "岳阳市君山区数据局";
const REVIEWERS: usize = 4;
/// Rounds of concurrent writes with one If-Match, and writers in each.
const ROUNDS: usize = 8;
const WRITERS: usize = 8;
const SECRET: &str = "s3cr3t-for-the-dashboard-0123456789";

/// What one contended write sent, and how it was answered.
#[derive(Debug, Clone)]
struct Write {
    writer: usize,
    instance: usize,
    reviewer: usize,
    item: &'static str,
    score: String,
    reason: String,
    status: u16,
    etag: Option<String>,
}

#[test]
fn two_instances_on_one_postgres_database() {
    let Some(db) = TestDb::create(Backend::Postgres) else {
        return;
    };
    let started = Instant::now();
    let seed = seed(0x1257_a2ce);
    let mut rng = Rng::new(seed);
    let url = db.url();

    // both start at once on a fresh database: migrations and the admin token race
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Server::start("A", &url, &[]));
        let b = s.spawn(|| Server::start("B", &url, &[]));
        (
            a.join().expect("instance A starts"),
            b.join().expect("instance B starts"),
        )
    });
    let apis = [a.api(), b.api()];
    for api in &apis {
        assert!(api.ready(), "{}: /readyz", api.base);
    }

    // setup, every step through whichever instance: they share everything
    let dept = apis[0].department(CODE, NAME);
    let round = apis[1].round(&[CODE]);
    let r = apis[0]
        .send(
            apis[0]
                .client
                .post(apis[0].url(&submissions_path(round)))
                .bearer_auth(&dept)
                .json(&package(CODE, NAME, "双实例")),
        )
        .expect("submit");
    assert_eq!(r.status, 201, "{}", r.body);
    let reviewers: Vec<(i64, String, String)> = (0..REVIEWERS)
        .map(|i| {
            let name = format!("评审专家{i}");
            let (id, token) = apis[i % 2].reviewer(&name);
            apis[(i + 1) % 2].assign(round, CODE, id);
            (id, name, token)
        })
        .collect();
    apis[1].close(round);

    // rounds of WRITERS concurrent PUTs with the same If-Match, alternately through A and B
    let mut writes: Vec<Write> = Vec::new();
    for k in 0..ROUNDS {
        let item: &'static str = if k % 2 == 0 {
            "problems"
        } else {
            "suggestions"
        };
        let tag = apis[k % 2].item_etag(round, CODE, item, ADMIN);
        let planned: Vec<Write> = (0..WRITERS)
            .map(|w| {
                let score = match item {
                    "problems" => rng.range(13, 18),
                    _ => rng.range(11, 12),
                }
                .to_string();
                Write {
                    writer: w,
                    instance: w % 2,
                    reviewer: (w / 2 + k) % REVIEWERS,
                    item,
                    score,
                    reason: format!("第{k}轮-写入{w}"),
                    status: 0,
                    etag: None,
                }
            })
            .collect();
        let barrier = Barrier::new(WRITERS);
        let done: Vec<Write> = std::thread::scope(|s| {
            let handles: Vec<_> = planned
                .into_iter()
                .map(|mut w| {
                    let (apis, tag, barrier, reviewers) = (&apis, &tag, &barrier, &reviewers);
                    s.spawn(move || {
                        let body = json!({ "score": w.score, "reason": w.reason });
                        let path = judgment_path(round, CODE, w.item);
                        barrier.wait();
                        let r = apis[w.instance]
                            .put_item(&path, &reviewers[w.reviewer].2, tag, &body)
                            .unwrap_or_else(|e| panic!("PUT through {}: {e}", w.instance));
                        if r.status == 412 {
                            assert_eq!(
                                r.body["error"]["code"], "precondition_failed",
                                "{}",
                                r.body
                            );
                        }
                        w.status = r.status;
                        w.etag = r.etag;
                        w
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("writer"))
                .collect()
        });
        let codes: Vec<(usize, usize, u16)> = done
            .iter()
            .map(|w| (w.writer, w.instance, w.status))
            .collect();
        assert_eq!(
            done.iter().filter(|w| w.status == 200).count(),
            1,
            "round {k}: exactly one write wins (writer, instance, status): {codes:?}"
        );
        assert_eq!(
            done.iter().filter(|w| w.status == 412).count(),
            WRITERS - 1,
            "round {k}: the others are refused (writer, instance, status): {codes:?}"
        );
        writes.extend(done);
    }
    let won: Vec<&Write> = writes.iter().filter(|w| w.status == 200).collect();
    let wins_through: Vec<usize> = won.iter().map(|w| w.instance).collect();
    eprintln!("the winning writes went through instances {wins_through:?}");

    // both instances serve one state: per item, each reviewer's last acknowledged write
    for item in ["problems", "suggestions"] {
        let mut last: BTreeMap<usize, &Write> = BTreeMap::new();
        for w in won.iter().filter(|w| w.item == item) {
            last.insert(w.reviewer, w);
        }
        let seen: Vec<(Option<String>, Value)> = apis
            .iter()
            .map(|api| {
                let r = api.get(&judgment_path(round, CODE, item), ADMIN);
                assert_eq!(r.status, 200, "{}", r.body);
                (r.etag, r.body["judgments"].clone())
            })
            .collect();
        assert_eq!(seen[0], seen[1], "{item}: A and B serve the same state");
        let (etag, judgments) = &seen[0];
        let judgments = judgments.as_array().expect("judgments");
        let writes_to_item = won.iter().filter(|w| w.item == item).count() as i64;
        assert_eq!(
            etag_version(etag.as_deref().expect("ETag")),
            writes_to_item,
            "{item}: one version per acknowledged write"
        );
        assert_eq!(
            judgments.len(),
            last.len(),
            "{item}: one judgment per reviewer who won a write: {judgments:?}"
        );
        for (reviewer, w) in &last {
            let name = &reviewers[*reviewer].1;
            let j = judgments
                .iter()
                .find(|j| j["by"] == json!(name))
                .unwrap_or_else(|| panic!("{item}: {name}'s judgment is missing"));
            assert_eq!(j["reason"], json!(w.reason), "{item}: {name}'s last write");
            assert_eq!(j["score"], json!(w.score), "{item}: {name}'s last write");
        }
    }
    let sheets: Vec<Reply> = apis
        .iter()
        .map(|api| {
            api.get(
                &format!("/api/v1/rounds/{round}/departments/{CODE}/score-sheet"),
                ADMIN,
            )
        })
        .collect();
    assert_eq!(sheets[0].etag, sheets[1].etag, "one sheet ETag");
    assert_eq!(sheets[0].body, sheets[1].body, "one sheet");

    // the audit log: exactly one judgment_set entry per acknowledged write, in order
    let logged: Vec<String> = apis[1]
        .audit(round)
        .iter()
        .filter(|e| e["action"] == "judgment_set")
        .map(|e| e["reason"].as_str().unwrap_or("").to_string())
        .collect();
    let acknowledged: Vec<String> = won.iter().map(|w| w.reason.clone()).collect();
    assert_eq!(
        logged, acknowledged,
        "one audit entry per acknowledged write, none for a refused one"
    );

    // settle the round (all reviewers agree on every judged item), then publish through A
    for (i, (_, _, token)) in reviewers.iter().enumerate() {
        let api = &apis[i % 2];
        api.judge(
            round,
            CODE,
            "problems",
            token,
            &json!({ "score": "16", "reason": "问题覆盖三个方面" }),
        );
        api.judge(
            round,
            CODE,
            "suggestions",
            token,
            &json!({ "score": "12", "reason": "建议较全面" }),
        );
        api.judge(
            round,
            CODE,
            "indicator_quality",
            token,
            &json!({ "sub_scores": ["4", "2", "2"], "reason": "指标大多可衡量" }),
        );
    }
    let sheet = apis[0]
        .get(
            &format!("/api/v1/rounds/{round}/departments/{CODE}/score-sheet"),
            ADMIN,
        )
        .expect(200, "sheet");
    let open: Vec<String> = sheet["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["score"].is_null())
        .map(|i| i["code"].as_str().unwrap_or("").to_string())
        .collect();
    for item in &open {
        assert_eq!(
            item, "indicator_levels",
            "only this item may await a judgment: {sheet}"
        );
        for (i, (_, _, token)) in reviewers.iter().enumerate() {
            apis[i % 2].judge(
                round,
                CODE,
                item,
                token,
                &json!({ "score": "3", "reason": "部分指标未细化到三级" }),
            );
        }
    }

    let rx = Receiver::start();
    let hook = apis[1]
        .post(
            "/api/v1/webhooks",
            ADMIN,
            &json!({ "url": rx.url, "secret": SECRET, "description": "市财政局绩效看板" }),
        )
        .expect(201, "register webhook");
    let hook = hook["id"].as_i64().expect("webhook id");
    let published = apis[0]
        .post(
            &format!("/api/v1/rounds/{round}/publish"),
            ADMIN,
            &json!({ "reason": "首次公布" }),
        )
        .expect(201, "publish through A");
    assert_eq!(published["version"], 1, "{published}");

    wait_until(
        "the receiver gets the event",
        Duration::from_secs(20),
        || !rx.requests().is_empty(),
    );
    let deliveries_path = format!("/api/v1/webhooks/{hook}/deliveries");
    let mut deliveries = Vec::new();
    wait_until(
        "the delivery is recorded as delivered",
        Duration::from_secs(20),
        || {
            deliveries = apis[1]
                .get(&deliveries_path, ADMIN)
                .expect(200, "deliveries")
                .as_array()
                .cloned()
                .unwrap_or_default();
            deliveries.iter().all(|d| d["state"] == "delivered") && !deliveries.is_empty()
        },
    );
    // both workers poll every second: three polls each would have sent a duplicate by now
    std::thread::sleep(Duration::from_secs(3));
    let reqs = rx.requests();
    assert_eq!(reqs.len(), 1, "the event reaches the receiver exactly once");
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    let d = &deliveries[0];
    assert_eq!(d["attempts"], 1, "{d}");
    assert_eq!(d["round_id"], round, "{d}");
    let req = &reqs[0];
    assert_eq!(req.header("x-kaoping-event"), "round.published");
    assert_eq!(req.header("x-kaoping-delivery"), d["id"].to_string());
    assert!(
        verify(SECRET, &req.body, req.header("x-kaoping-signature-256")),
        "a valid signature"
    );
    let event: Value = serde_json::from_slice(&req.body).expect("the event is JSON");
    assert_eq!(event["round_id"], round);
    assert_eq!(event["version"], 1);
    assert_eq!(
        count(&url, "SELECT COUNT(*) AS n FROM webhook_attempts"),
        1,
        "one attempt recorded"
    );

    // the audit log is complete whichever instance wrote: every kind of entry, once per write
    let log = apis[0].audit(round);
    let mut actions: HashMap<String, usize> = HashMap::new();
    for e in &log {
        *actions
            .entry(e["action"].as_str().unwrap_or("").to_string())
            .or_default() += 1;
    }
    let settled = REVIEWERS * (3 + open.len());
    let expected: HashMap<String, usize> = [
        ("round_created", 1),
        ("submission", 1),
        ("assignment_added", REVIEWERS),
        ("round_state", 1),
        ("judgment_set", ROUNDS + settled),
        ("published", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(actions, expected, "the audit log, by action");
    let ids: Vec<i64> = log.iter().filter_map(|e| e["id"].as_i64()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in order: {ids:?}");
    drop((a, b));
    eprintln!("done in {:?}", started.elapsed());
}
