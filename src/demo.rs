//! `kaoping serve --demo`: a round with the two real reports of shared/reports and a few
//! departments generated from them, so a newcomer sees a working system with one command.

use chrono::{Days, NaiveDate};

use crate::calendar::shanghai_date;
use crate::model::{
    Notice, Package, SelfCheckList, SelfCheckUnit, SelfCheckUnitKind, WorkingGroupDocument,
};
use crate::service::{
    sha256_hex, Caller, DepartmentIn, Role, RoundIn, Service, ServiceError, ServiceResult,
    SubmitRequest,
};

const JUNSHAN: &str = include_str!("../tests/fixtures/junshan-2024.json");
const MILUO: &str = include_str!("../tests/fixtures/miluo-2024.json");

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

/// The demo departments: code, name, category and their package.
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
    for (code, name, _) in &packages {
        if service.store.department(code)?.is_none() {
            service.create_department(
                &admin,
                DepartmentIn {
                    code: code.clone(),
                    name: name.clone(),
                    category: "县区".into(),
                    parent: None,
                },
            )?;
        }
    }
    // a week from today, inside the working-day calendar, so the demo submissions are on time
    let (_, end) = service.calendar.coverage();
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
            rubric: crate::rubric::DEFAULT_RUBRIC.into(),
            departments: packages.iter().map(|(c, _, _)| c.clone()).collect(),
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
    Ok(Seeded {
        round_id: round.id,
        admin_token: admin_token.token,
        departments,
    })
}
