mod support;
use support::*;
mod api_helpers;
use api_helpers::*;
use futures_util::future::join_all;

on_both!(race, |app| {
    let (dept, round) = junshan_round(&app, AHEAD).await;
    submit_ok(&app, round, &dept, JUNSHAN).await;
    for _ in 0..5 {
        let small = r#"{"department": {"code": "430611001", "name": "x", "level": "county"}, "year": 2024}"#;
        let requests = (0..30).map(|_| submit(&app, round, &dept, small));
        for r in join_all(requests).await {
            let status = r.status();
            let text = r.text().await.expect("body");
            if status != 201 {
                eprintln!("{status} {text}");
            }
        }
    }
    let h = history(&app, round, JUNSHAN_CODE).await;
    eprintln!("history {}", h.len());
    app.stop().await;
});
