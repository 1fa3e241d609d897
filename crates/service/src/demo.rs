//! `kaoping serve --demo`: a round with the two real reports of shared/reports and a few
//! departments generated from them, so a newcomer sees a working system with one command.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use crate::{
    in_parallel, sha256_hex, AssignmentIn, Caller, DepartmentIn, JudgmentIn, PublishIn, ReviewerIn,
    Role, RoundIn, RoundSettingsIn, Service, ServiceError, ServiceResult, SubmitRequest,
};
use kaoping_domain::calendar::shanghai_date;
use kaoping_domain::model::{
    Notice, Package, SelfCheckList, SelfCheckUnit, SelfCheckUnitKind, WorkingGroupDocument,
};

const JUNSHAN: &str = include_str!("../../../tests/fixtures/junshan-2024.json");
const MILUO: &str = include_str!("../../../tests/fixtures/miluo-2024.json");

/// What the demo created, to print.
pub struct Seeded {
    pub round_id: i64,
    pub admin_token: String,
    pub departments: Vec<(String, String, String)>,
}

impl Seeded {
    pub fn describe(&self, base: &str) -> String {
        let mut out = format!(
            "Demo round {} is ready. Admin token (shown once):\n\n    {}\n\nScore sheets:\n",
            self.round_id, self.admin_token
        );
        for (code, name, total) in &self.departments {
            out.push_str(&format!(
                "  {name}（{code}）总分{total}: {base}/api/v1/rounds/{}/departments/{code}/score-sheet\n",
                self.round_id
            ));
        }
        out.push_str(&format!(
            "Try: curl -H 'Authorization: Bearer <token>' {base}/api/v1/rounds/{}/departments/430611001/score-sheet\n",
            self.round_id
        ));
        out.push_str(&format!(
            "Published rankings (public, no token): {base}/api/v1/rounds/{0}/rankings\n\
             Dashboard: {base}/dashboard?round={0}\n",
            self.round_id
        ));
        out
    }
}

fn fixture(text: &str) -> ServiceResult<Package> {
    Ok(serde_json::from_str(text)?)
}

fn notice(complete: bool) -> Notice {
    let mut text = String::from(
        "一、自评范围\n本部门及所属单位2024年度部门整体支出。\n二、自评依据\n《预算法》及绩效管理有关规定。\n\
         三、自评内容\n预算执行、绩效目标完成情况。\n四、工作安排\n4月15日前完成自评，4月30日前报送。\n",
    );
    if complete {
        text.push_str("五、有关要求\n按时报送，确保数据真实。\n");
    }
    Notice {
        title: Some("关于开展2024年度部门整体支出绩效自评工作的通知".into()),
        document_number: None,
        issued_on: NaiveDate::from_ymd_opt(2025, 3, 20),
        text,
        attachments: if complete {
            vec!["部门整体支出绩效自评表".into()]
        } else {
            Vec::new()
        },
        sealed: Some(true),
        scanned_unread: false,
    }
}

fn self_check(all_done: bool) -> SelfCheckList {
    let unit = |kind, name: &str, done| SelfCheckUnit {
        kind,
        name: name.into(),
        done,
        evidence: None,
    };
    SelfCheckList {
        units: vec![
            unit(SelfCheckUnitKind::Own, "本级", true),
            unit(SelfCheckUnitKind::Subordinate, "政务服务中心", true),
            unit(SelfCheckUnitKind::Subordinate, "大数据中心", all_done),
        ],
    }
}

/// Takes part in the demo round but never submits: listed as 未报送 in the rankings.
const ABSENT: (&str, &str) = ("430600903", "示例市未报送局");

/// 县区 for the county-level departments, 市直 for the city's own.
fn category(code: &str) -> &'static str {
    if code.starts_with("4306009") {
        "市直"
    } else {
        "县区"
    }
}

/// The demo departments: code, name and their package.
fn departments() -> ServiceResult<Vec<(String, String, Package)>> {
    let junshan = fixture(JUNSHAN)?;
    let miluo = fixture(MILUO)?;
    let mut model = junshan.clone();
    model.notice = Some(notice(true));
    model.working_group = Some(WorkingGroupDocument {
        title: Some("关于成立预算绩效管理领导小组的通知".into()),
        document_number: None,
        issued_on: None,
        text: "成立预算绩效管理领导小组，局长任组长。".into(),
        sealed: Some(true),
        scanned_unread: false,
    });
    model.self_check = Some(self_check(true));
    let mut thin = junshan.clone();
    thin.notice = Some(notice(false));
    thin.self_check = Some(self_check(false));
    if let Some(r) = thin.report.as_mut() {
        r.body
            .retain(|p| !["三", "四", "五"].iter().any(|n| p.heading.starts_with(n)));
        r.problems = vec!["资金不足，经费紧张。".into()];
        r.suggestions = vec!["加大资金投入。".into()];
        r.project_tables.clear();
    }
    let mut out = vec![
        (
            "430611001".to_string(),
            "岳阳市君山区数据局".to_string(),
            junshan,
        ),
        ("430681001".to_string(), "汨罗市数据局".to_string(), miluo),
        (
            "430600901".to_string(),
            "示例市财政局（示范）".to_string(),
            model,
        ),
        (
            "430600902".to_string(),
            "示例市某局（材料不全）".to_string(),
            thin,
        ),
    ];
    for (code, name, pkg) in &mut out {
        pkg.department.code = Some(code.clone());
        pkg.department.name = name.clone();
    }
    Ok(out)
}

/// Creates the demo departments (if missing), a demo round, one submission per department, and a
/// new admin token.
pub fn seed(service: &Service) -> ServiceResult<Seeded> {
    let admin_token = service.create_token(Role::Admin, None, Some("demo"), None)?;
    let admin = Caller {
        token_id: admin_token.id,
        role: Role::Admin,
        department: None,
        reviewer: None,
        label: Some("demo".into()),
    };
    let packages = departments()?;
    let names = packages
        .iter()
        .map(|(c, n, _)| (c.as_str(), n.as_str()))
        .chain([ABSENT]);
    for (code, name) in names {
        if service.store.department(code)?.is_none() {
            service.create_department(
                &admin,
                DepartmentIn {
                    code: code.to_string(),
                    name: name.to_string(),
                    category: category(code).into(),
                    parent: None,
                },
            )?;
        }
    }
    // a week from today, inside the working-day calendar, so the demo submissions are on time
    let (_, end) = service.current_calendar()?.1.coverage();
    let deadline = shanghai_date(service.now())
        .checked_add_days(Days::new(7))
        .unwrap_or(end)
        .min(end);
    let round = service.create_round(
        &admin,
        RoundIn {
            year: 2024,
            title: "2024年度部门整体支出绩效自评考核（演示）".into(),
            deadline,
            rubric: kaoping_domain::rubric::DEFAULT_RUBRIC.into(),
            rubric_hash: None,
            departments: packages
                .iter()
                .map(|(c, _, _)| c.clone())
                .chain([ABSENT.0.to_string()])
                .collect(),
            reviewers_per_submission: None,
            appeal_days: None,
        },
    )?;
    let mut departments = Vec::new();
    for (code, name, package) in packages {
        let token = service.create_token(Role::Department, Some(&code), Some("demo"), None)?;
        let caller = Caller {
            token_id: token.id,
            role: Role::Department,
            department: Some(code.clone()),
            reviewer: None,
            label: Some("demo".into()),
        };
        let body = serde_json::to_vec(&package)?;
        let stored = service.submit(
            &caller,
            round.id,
            SubmitRequest {
                package,
                source_name: None,
                evidence: Vec::new(),
                idempotency_key: None,
                request_hash: sha256_hex(&body),
                document: None,
                files: Vec::new(),
            },
        )?;
        let v: serde_json::Value = serde_json::from_str(&stored.body)?;
        let total = v["score_sheet"]["total"]
            .as_str()
            .unwrap_or("—")
            .to_string();
        departments.push((code, name, total));
    }
    if departments.is_empty() {
        return Err(ServiceError::Conflict("the demo has no departments".into()));
    }
    judge_and_publish(service, &admin, round.id)?;
    Ok(Seeded {
        round_id: round.id,
        admin_token: admin_token.token,
        departments,
    })
}

/// Closes the demo round, has a demo reviewer judge every item that waits for one (the
/// suggested band's top), publishes the results and makes them public, so the rankings, exports
/// and /dashboard have something to show.
fn judge_and_publish(service: &Service, admin: &Caller, round_id: i64) -> ServiceResult<()> {
    service.close_round(admin, round_id, Some("演示：全部部门已报送"))?;
    judge_waiting(
        service,
        admin,
        round_id,
        &JudgePanel {
            name: "演示评审专家",
            reason_prefix: "演示",
            label: "demo",
            reviewers: 1,
            threads: 1,
        },
    )?;
    service.publish(admin, round_id, PublishIn::default())?;
    service.update_round(
        admin,
        round_id,
        RoundSettingsIn {
            deadline: None,
            appeal_deadline: None,
            reviewers_per_submission: None,
            appeal_days: None,
            public_results: Some(true),
            reason: "演示：公开结果".into(),
        },
    )?;
    Ok(())
}

/// Who judges a closed round's waiting items, and on how many threads.
pub struct JudgePanel<'a> {
    /// The reviewers' name, numbered when there are several.
    pub name: &'a str,
    /// What every reason starts with, e.g. 演示 gives "演示：…".
    pub reason_prefix: &'a str,
    /// The label of the reviewers' tokens.
    pub label: &'a str,
    /// Reviewers to register; the departments are shared out evenly, one reviewer each. A
    /// large round needs many: a judgment reads the reviewer's whole assignment list.
    pub reviewers: usize,
    /// Departments judged at once (each judgment is its own transaction).
    pub threads: usize,
}

/// What [`judge_waiting`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Judged {
    pub departments: usize,
    pub judgments: usize,
}

/// Has a panel of lead reviewers judge every item still waiting in a closed round, through the
/// service as a reviewer would (read the item with its ETag, judge it with If-Match): the band
/// the hints suggest, its top ([`kaoping_domain::scale::suggested_scores`]). Shared by the demo and
/// `kaoping seed-scale`, so both produce rounds that publish.
pub fn judge_waiting(
    service: &Service,
    admin: &Caller,
    round_id: i64,
    panel: &JudgePanel<'_>,
) -> ServiceResult<Judged> {
    let mut judges = Vec::new();
    for n in 1..=panel.reviewers.max(1) {
        let name = if panel.reviewers > 1 {
            format!("{}{n}", panel.name)
        } else {
            panel.name.to_string()
        };
        let reviewer = service.create_reviewer(
            admin,
            ReviewerIn {
                name,
                department: None,
                lead: true,
            },
        )?;
        let token =
            service.create_token(Role::Reviewer, None, Some(panel.label), Some(reviewer.id))?;
        judges.push(Caller {
            token_id: token.id,
            role: Role::Reviewer,
            department: None,
            reviewer: Some(reviewer.id),
            label: Some(panel.label.into()),
        });
    }
    // One assignment per submitted department, round robin. Not `auto_assign`: it writes every
    // assignment and its audit entry in one statement, which PostgreSQL refuses beyond 65,535
    // parameters (a round of some 6,500 departments).
    let departments: Vec<(usize, String)> = service
        .round(admin, round_id)?
        .departments
        .into_iter()
        .enumerate()
        .collect();
    let counts = in_parallel(departments, panel.threads, |(i, code)| {
        let code = code.as_str();
        if service.store.current_submission(round_id, code)?.is_none() {
            return Ok(None);
        }
        let Some(judge) = judges.get(i % judges.len()) else {
            return Ok(None);
        };
        service.assign(
            admin,
            round_id,
            AssignmentIn {
                department: code.to_string(),
                reviewer: judge.reviewer.unwrap_or_default(),
            },
        )?;
        let mut judged = 0;
        for item in service.item_reviews(judge, round_id, code)? {
            if item.score.is_some() {
                continue;
            }
            let sub_maxima: Vec<Decimal> = item.sub_scores.iter().map(|s| s.max).collect();
            let (score, sub_scores) = kaoping_domain::scale::suggested_scores(
                item.max,
                item.suggested.as_ref(),
                &sub_maxima,
            );
            let reason = item.suggested.as_ref().map_or_else(
                || format!("{}：按评分标准评定", panel.reason_prefix),
                |b| format!("{}：{}", panel.reason_prefix, b.reason),
            );
            service.put_judgment(
                judge,
                round_id,
                code,
                &item.item,
                JudgmentIn {
                    score,
                    sub_scores,
                    reason,
                },
                Some(&item.etag),
            )?;
            judged += 1;
        }
        Ok(Some(judged))
    })?;
    Ok(Judged {
        departments: counts.iter().flatten().count(),
        judgments: counts.iter().flatten().sum(),
    })
}
