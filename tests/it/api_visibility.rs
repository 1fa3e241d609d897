//! Visibility: a department sees only the rounds it takes part in and only its own results;
//! before publication viewers and other departments get 403 on score sheets, histories and
//! evidence; a department submits only for itself; what does not exist is 404.

use crate::support;
use support::*;

use crate::support::api_helpers;
use api_helpers::*;

use serde_json::json;

on_both!(a_department_sees_only_its_rounds, |app| {
    let junshan = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    let miluo = app.department(MILUO_CODE, "汨罗市数据局").await;
    let both = app.round(AHEAD, &[JUNSHAN_CODE, MILUO_CODE]).await;
    let only_miluo = app.round(AHEAD, &[MILUO_CODE]).await;
    let ids = |v: serde_json::Value| -> Vec<i64> {
        let mut ids: Vec<i64> = v
            .as_array()
            .expect("list")
            .iter()
            .map(|r| r["id"].as_i64().expect("id"))
            .collect();
        ids.sort_unstable();
        ids
    };
    let seen = ids(body(app.get("/api/v1/rounds", Some(&junshan)).await).await);
    assert_eq!(seen, vec![both]);
    let seen = ids(body(app.get("/api/v1/rounds", Some(&miluo)).await).await);
    assert_eq!(seen, vec![both, only_miluo]);
    for token in [
        ADMIN.to_string(),
        app.token("reviewer").await,
        app.token("viewer").await,
    ] {
        let seen = ids(body(app.get("/api/v1/rounds", Some(&token)).await).await);
        assert_eq!(seen, vec![both, only_miluo]);
    }
    let r = app
        .get(&format!("/api/v1/rounds/{only_miluo}"), Some(&junshan))
        .await;
    assert_error(r, 404, "not_found").await;
    let r = app
        .get(&format!("/api/v1/rounds/{both}"), Some(&junshan))
        .await;
    assert_eq!(r.status(), 200);
    // the hidden round's results are hidden too (404, as if it did not exist)
    let r = app
        .get(
            &dept_path(only_miluo, JUNSHAN_CODE, "score-sheet"),
            Some(&junshan),
        )
        .await;
    assert_error(r, 404, "not_found").await;
    // submitting to a round the department is not in is forbidden
    let r = submit(&app, only_miluo, &junshan, JUNSHAN).await;
    assert_error(r, 403, "forbidden").await;
    assert!(history(&app, only_miluo, MILUO_CODE).await.is_empty());
    app.stop().await;
});

on_both!(
    results_are_hidden_from_other_departments_and_viewers,
    |app| {
        let s = scene(&app).await;
        let sheet = dept_path(s.round, JUNSHAN_CODE, "score-sheet");
        let hist = dept_path(s.round, JUNSHAN_CODE, "submissions");
        let viewer = app.token("viewer").await;
        for (who, token) in [("汨罗", &s.miluo), ("viewer", &viewer)] {
            for path in [&sheet, &hist, &s.evidence_url] {
                let r = app.get(path, Some(token)).await;
                let v = assert_error(r, 403, "forbidden").await;
                let text = v.to_string();
                assert!(
                    !text.contains("score_sheet") && !text.contains("items"),
                    "{who}: {v}"
                );
            }
        }
        // the viewer does not see 汨罗's (empty) results either
        let r = app
            .get(
                &dept_path(s.round, MILUO_CODE, "submissions"),
                Some(&viewer),
            )
            .await;
        assert_error(r, 403, "forbidden").await;
        // the department itself, reviewers and admins do
        let reviewer = app.token("reviewer").await;
        for token in [&s.junshan, &reviewer, &ADMIN.to_string()] {
            for path in [&sheet, &hist, &s.evidence_url] {
                let r = app.get(path, Some(token)).await;
                assert_eq!(r.status(), 200, "{path}");
            }
        }
        let own = body(app.get(&hist, Some(&s.junshan)).await).await;
        assert_eq!(own.as_array().map(Vec::len), Some(1));
        app.stop().await;
    }
);

on_both!(a_department_submits_only_for_itself, |app| {
    let s = scene(&app).await;
    // 汨罗's token with 君山's package
    let r = submit(&app, s.round, &s.miluo, JUNSHAN).await;
    assert_error(r, 403, "forbidden").await;
    // 君山's token with 汨罗's package
    let r = submit(&app, s.round, &s.junshan, MILUO).await;
    assert_error(r, 403, "forbidden").await;
    assert_eq!(history(&app, s.round, JUNSHAN_CODE).await.len(), 1);
    assert!(history(&app, s.round, MILUO_CODE).await.is_empty());
    // a package without a code is taken as the token's department
    let pkg = edited(MILUO, |p| p["department"]["code"] = json!(null));
    let v = submit_ok(&app, s.round, &s.miluo, &pkg).await;
    assert_eq!(v["submission"]["department"], MILUO_CODE);
    assert_eq!(history(&app, s.round, MILUO_CODE).await.len(), 1);
    assert_eq!(history(&app, s.round, JUNSHAN_CODE).await.len(), 1);
    app.stop().await;
});

on_both!(what_does_not_exist_is_404, |app| {
    let s = scene(&app).await;
    let missing = [
        dept_path(424242, JUNSHAN_CODE, "score-sheet"),
        dept_path(424242, JUNSHAN_CODE, "submissions"),
        dept_path(s.round, "999", "score-sheet"),
        dept_path(s.round, "999", "submissions"),
        dept_path(s.round, JUNSHAN_CODE, "evidence/424242"),
        // 汨罗 takes part but has not submitted
        dept_path(s.round, MILUO_CODE, "score-sheet"),
    ];
    for path in &missing {
        assert_error(app.get(path, Some(ADMIN)).await, 404, "not_found").await;
    }
    // 君山's evidence asked for under 汨罗's path
    let id = s.evidence_url.rsplit('/').next().unwrap();
    let r = app
        .get(
            &dept_path(s.round, MILUO_CODE, &format!("evidence/{id}")),
            Some(&s.miluo),
        )
        .await;
    assert_error(r, 404, "not_found").await;
    // a submission to a round that does not exist
    let r = submit(&app, 424242, &s.junshan, JUNSHAN).await;
    assert_error(r, 404, "not_found").await;
    // 汨罗 has no submissions yet: an empty history, not an error
    let r = app
        .get(
            &dept_path(s.round, MILUO_CODE, "submissions"),
            Some(&s.miluo),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await, json!([]));
    app.stop().await;
});

on_both!(a_department_lists_only_its_own_department, |app| {
    let junshan = app.department(JUNSHAN_CODE, "岳阳市君山区数据局").await;
    app.department(MILUO_CODE, "汨罗市数据局").await;
    let list = body(app.get("/api/v1/departments", Some(&junshan)).await).await;
    let codes: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(codes, vec![JUNSHAN_CODE]);
    app.stop().await;
});
