//! Scale data: any number of realistic departments and their packages, deterministic from a seed,
//! for the load scripts, the benchmarks and the tests (issue 7).
//!
//! Every package is derived from one of the two real packages of `tests/fixtures` (汨罗市 most of
//! the time, so sizes stay around the 汨罗市 report the targets speak of) and varied the way real
//! submissions differ: a missing or thin 自评通知, no 工作小组 document, units that did not
//! self-check, body parts dropped, more or fewer problems and suggestions, indicator rows added or
//! removed, a figure that no longer adds up, and reports received late. The variation is what
//! makes a 10,000-department ranking realistic: totals spread over tens of points, some ties,
//! some late, some not submitted.
//!
//! Pure: no I/O, no clock. Department `i` depends only on the seed and `i`
//! ([`Generator::department`]), so any subset can be generated in any order, on any thread, and a
//! load script and a test that ask for department 1234 get the same package.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use rust_decimal::Decimal;

use crate::calendar::{CalendarError, WorkCalendar};
use crate::model::{
    Department, DepartmentLevel, IndicatorRow, Judgment, Notice, Package, ScoreSheet,
    SelfCheckList, SelfCheckUnit, SelfCheckUnitKind, SelfEvalTable, SuggestedBand,
    WorkingGroupDocument,
};
use crate::rubric::{Rubric, Rule};
use crate::scoring::{self, JudgmentError, ScoringInput};

const JUNSHAN: &str = include_str!("../../../tests/fixtures/junshan-2024.json");
const MILUO: &str = include_str!("../../../tests/fixtures/miluo-2024.json");

/// splitmix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough for test data; owned here so
/// the output never changes with a dependency's version.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0). The modulo bias is below 2^-40 for the small `n`
    /// used here.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // usize is at most 64 bits, so both conversions are lossless
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

/// What the generator varies, and around which deadline.
#[derive(Debug, Clone)]
pub struct ScaleConfig {
    pub seed: u64,
    /// The round's deadline: on-time packages arrive up to three weeks before it, late ones 1–5
    /// working days after it (China's calendar). 2025-04-30 is when 2024's reports were due.
    pub deadline: NaiveDate,
    /// Share of departments, in percent, whose package arrives late.
    pub late_percent: u32,
    /// Share of departments, in percent, that never submit (未报送).
    pub absent_percent: u32,
    /// Share of packages, in percent, derived from the 汨罗市 package (about 68 KB of JSON); the
    /// rest from the 君山区 one (about 24 KB).
    pub miluo_percent: u32,
}

impl Default for ScaleConfig {
    fn default() -> Self {
        ScaleConfig {
            seed: 1,
            deadline: NaiveDate::from_ymd_opt(2025, 4, 30).unwrap_or_default(),
            late_percent: 20,
            absent_percent: 2,
            miluo_percent: 85,
        }
    }
}

/// One generated department with its package.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedDepartment {
    /// 0-based position; the code and the file name use `index + 1`.
    pub index: usize,
    /// "99" and seven digits: no real 部门编码 starts with 99, so generated departments never
    /// clash with real ones in a shared database.
    pub code: String,
    pub name: String,
    /// 市直, 县区 or 事业单位.
    pub category: String,
    /// Whether the department submits at all; the package exists either way.
    pub submits: bool,
    /// Working days after the deadline the package is received; 0 when on time.
    pub working_days_late: u32,
    /// When the finance bureau receives the package (also the package's `submitted_at`).
    pub received_at: DateTime<Utc>,
    pub package: Package,
}

#[derive(Debug, thiserror::Error)]
pub enum ScaleError {
    #[error("a fixture package does not parse: {0}")]
    Template(#[from] serde_json::Error),
    #[error("the deadline {deadline} is too close to the working-day calendar's edges: {source}")]
    Calendar {
        deadline: NaiveDate,
        #[source]
        source: CalendarError,
    },
}

/// The generator: the parsed templates and the receipt dates around the deadline, computed once.
#[derive(Debug, Clone)]
pub struct Generator {
    config: ScaleConfig,
    junshan: Package,
    miluo: Package,
    /// Working days of the three weeks up to the deadline.
    on_time_days: Vec<NaiveDate>,
    /// `late_days[k - 1]` is received exactly k working days late.
    late_days: Vec<NaiveDate>,
}

/// 县区: the county-level places of 岳阳市.
const COUNTIES: &[&str] = &[
    "岳阳楼区",
    "云溪区",
    "君山区",
    "岳阳县",
    "华容县",
    "湘阴县",
    "平江县",
    "汨罗市",
    "临湘市",
    "屈原管理区",
    "南湖新区",
    "岳阳经济技术开发区",
];

const BUREAUS: &[&str] = &[
    "财政局",
    "教育局",
    "科学技术局",
    "工业和信息化局",
    "公安局",
    "民政局",
    "司法局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化旅游广电体育局",
    "卫生健康委员会",
    "退役军人事务局",
    "应急管理局",
    "审计局",
    "市场监督管理局",
    "统计局",
    "医疗保障局",
    "林业局",
    "城市管理和综合执法局",
    "数据局",
    "机关事务管理局",
    "信访局",
    "发展和改革委员会",
    "档案馆",
    "供销合作社",
    "粮食和物资储备局",
    "国有资产监督管理委员会",
    "乡村振兴局",
    "人民防空办公室",
    "地方金融监督管理局",
    "行政审批服务局",
    "总工会",
    "妇女联合会",
    "残疾人联合会",
];

/// 事业单位 of the city.
const CENTERS: &[&str] = &[
    "大数据中心",
    "公共资源交易中心",
    "疾病预防控制中心",
    "不动产登记中心",
    "住房公积金管理中心",
    "社会保险服务中心",
    "就业服务中心",
    "水文水资源勘测中心",
    "农业技术推广中心",
    "博物馆",
    "图书馆",
    "政务服务中心",
];

/// Problems as departments write them, each with the suggestion that answers it (they share
/// terms, which is what the suggestion hints look for).
const PROBLEMS: &[(&str, &str)] = &[
    (
        "预算编制不够精准，部分项目年中追加调整较多，主要原因是前期调研论证不充分。",
        "提高预算编制的精准度，加强项目前期调研论证，减少年中追加调整。",
    ),
    (
        "绩效目标设置不够科学，部分绩效指标难以量化，导致绩效评价结果区分度不高。",
        "细化量化绩效目标和绩效指标，提高绩效评价结果的区分度。",
    ),
    (
        "预算执行进度不均衡，上半年支出进度偏慢，由于项目招标周期较长。",
        "加快预算执行进度，提前启动项目招标，均衡全年支出。",
    ),
    (
        "专项资金使用管理不够规范，个别项目资金拨付滞后，造成资金沉淀。",
        "规范专项资金使用管理，及时拨付项目资金，盘活沉淀资金。",
    ),
    (
        "固定资产管理有待加强，资产账实不符，原因是资产清查不及时。",
        "定期开展固定资产清查，确保资产账实相符，健全资产管理制度。",
    ),
    (
        "财务审批流程不够严格，部分报销单据审核把关不严。",
        "严格财务审批流程，加强报销单据审核把关。",
    ),
    (
        "政府采购计划性不强，存在零星采购较多的情况，导致采购成本偏高。",
        "增强政府采购计划性，归集零星采购需求，降低采购成本。",
    ),
    (
        "部门履职效能有待提升，基层服务群众的办事效率不高。",
        "提升部门履职效能，优化服务流程，提高服务群众的办事效率。",
    ),
    (
        "内部控制制度执行不到位，会计核算不够规范。",
        "完善内部控制制度并严格执行，规范会计核算。",
    ),
    (
        "绩效自评工作重视程度不够，自评报告对绩效评价结果应用不足。",
        "提高对绩效自评工作的重视程度，强化绩效评价结果应用。",
    ),
    (
        "财务人员业务能力不足，对预算绩效管理政策理解不深。",
        "加强财务人员业务培训，提升预算绩效管理能力。",
    ),
    (
        "项目资金监控不及时，由于缺乏信息化手段，对项目支出进度掌握不准。",
        "建立项目资金监控信息化平台，及时掌握项目支出进度。",
    ),
];

/// What weak reports say: a shortage of money, and more money as the answer.
const FUNDS_ONLY_PROBLEM: &str = "资金不足，经费紧张。";
const FUNDS_ONLY_SUGGESTION: &str = "加大资金投入，争取更多资金支持。";

/// Suffixes of indicator rows a department added to its tables.
const ROW_SUFFIXES: &[&str] = &[
    "（新增）",
    "（农村地区）",
    "（重点项目）",
    "（下半年）",
    "（城区）",
];

/// The notice's sections, each under a heading the rubric's synonyms recognise.
const NOTICE_SECTIONS: &[(&str, &str)] = &[
    (
        "自评范围",
        "本部门及所属单位2024年度部门整体支出和项目支出。",
    ),
    (
        "自评依据",
        "《中华人民共和国预算法》及预算绩效管理有关规定。",
    ),
    (
        "自评内容",
        "预算执行情况、绩效目标完成情况、资金使用和管理情况。",
    ),
    (
        "工作安排",
        "3月底前布置，4月中旬前完成单位自查，4月底前报送自评报告。",
    ),
    ("有关要求", "高度重视，按时报送，确保数据真实准确。"),
];

impl Generator {
    /// Parses the templates and works out the receipt dates; fails only when the deadline is too
    /// close to the edges of the working-day calendar for the late receipt dates.
    pub fn new(config: ScaleConfig) -> Result<Generator, ScaleError> {
        let calendar = WorkCalendar::embedded();
        let deadline = config.deadline;
        let calendar_error = |source| ScaleError::Calendar { deadline, source };
        let effective = calendar
            .next_working_day_on_or_after(deadline)
            .map_err(calendar_error)?;
        let late_days = (1..=5)
            .map(|k| calendar.add_working_days(effective, k))
            .collect::<Result<Vec<_>, _>>()
            .map_err(calendar_error)?;
        let start = deadline.checked_sub_days(Days::new(20)).unwrap_or(deadline);
        let mut on_time_days = Vec::new();
        for day in start.iter_days().take_while(|d| *d <= deadline) {
            if calendar.is_working_day(day).map_err(calendar_error)? {
                on_time_days.push(day);
            }
        }
        if on_time_days.is_empty() {
            on_time_days.push(deadline);
        }
        Ok(Generator {
            junshan: serde_json::from_str(JUNSHAN)?,
            miluo: serde_json::from_str(MILUO)?,
            config,
            on_time_days,
            late_days,
        })
    }

    pub fn config(&self) -> &ScaleConfig {
        &self.config
    }

    /// Departments `0..n`, generated one by one (a 10,000-department round does not fit in
    /// memory at 60 KB a package only because nobody holds them all).
    pub fn departments(&self, n: usize) -> impl Iterator<Item = GeneratedDepartment> + '_ {
        (0..n).map(|i| self.department(i))
    }

    /// Department `index`'s code, name and category without its package: cheap, for
    /// registering departments and issuing tokens.
    pub fn identity(&self, index: usize) -> DepartmentIdentity {
        let (name, category, _) = identity(index);
        DepartmentIdentity {
            code: code_of(index),
            name,
            category: category.to_string(),
        }
    }

    /// Department `index`: a function of the seed and the index alone.
    pub fn department(&self, index: usize) -> GeneratedDepartment {
        let mut rng = SplitMix64::new(
            self.config.seed ^ (index as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03),
        );
        rng.next_u64();
        let (name, category, level) = identity(index);
        let code = code_of(index);
        let submits = !rng.chance(self.config.absent_percent);
        let working_days_late = if rng.chance(self.config.late_percent) {
            rng.between(1, self.late_days.len()) as u32
        } else {
            0
        };
        let day = if working_days_late == 0 {
            rng.pick(&self.on_time_days).copied()
        } else {
            self.late_days.get(working_days_late as usize - 1).copied()
        }
        .unwrap_or(self.config.deadline);
        // 08:30 to 17:29 in Asia/Shanghai, which is UTC+8 all year
        let minute = 8 * 60 + 30 + rng.below(9 * 60) as i64;
        let local = day.and_time(NaiveTime::MIN) + TimeDelta::minutes(minute);
        let received_at = Utc.from_utc_datetime(&(local - TimeDelta::hours(8)));
        let template = if rng.chance(self.config.miluo_percent) {
            &self.miluo
        } else {
            &self.junshan
        };
        let mut package = template.clone();
        package.department = Department {
            code: Some(code.clone()),
            name: name.clone(),
            level,
        };
        package.submitted_at = Some(received_at);
        vary(&mut rng, &mut package, &name, level, self.config.deadline);
        GeneratedDepartment {
            index,
            code,
            name,
            category: category.to_string(),
            submits,
            working_days_late,
            received_at,
            package,
        }
    }
}

/// A generated department as registered: code, name, category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentIdentity {
    pub code: String,
    pub name: String,
    pub category: String,
}

/// "99" and seven digits of `index + 1`.
fn code_of(index: usize) -> String {
    format!("99{:07}", index + 1)
}

/// `list[k]`, numbered when the list wraps around, so names stay unique at any scale.
fn numbered(list: &[&str], k: usize) -> String {
    let len = list.len().max(1);
    let base = list.get(k % len).copied().unwrap_or("单位");
    if k < len {
        base.to_string()
    } else {
        format!("{base}（{}）", k / len + 1)
    }
}

/// Name, category and level of department `i`: half 市直, four in ten 县区, one in ten
/// 事业单位, in a fixed pattern so every name is unique.
fn identity(i: usize) -> (String, &'static str, DepartmentLevel) {
    let (block, slot) = (i / 10, i % 10);
    match slot {
        0..=4 => (
            format!("岳阳市{}", numbered(BUREAUS, block * 5 + slot)),
            "市直",
            DepartmentLevel::Municipal,
        ),
        5..=8 => {
            let k = block * 4 + (slot - 5);
            let place = COUNTIES.get(k % COUNTIES.len()).copied().unwrap_or("县");
            (
                format!("{place}{}", numbered(BUREAUS, k / COUNTIES.len())),
                "县区",
                DepartmentLevel::County,
            )
        }
        _ => (
            format!("岳阳市{}", numbered(CENTERS, block)),
            "事业单位",
            DepartmentLevel::Municipal,
        ),
    }
}

/// Applies the variation to a template's copy.
fn vary(
    rng: &mut SplitMix64,
    package: &mut Package,
    name: &str,
    level: DepartmentLevel,
    deadline: NaiveDate,
) {
    let issued = deadline.checked_sub_days(Days::new(30 + rng.below(20) as u64));
    package.notice = (!rng.chance(12)).then(|| notice(rng, issued));
    package.working_group = (!rng.chance(12)).then(|| WorkingGroupDocument {
        title: Some("关于成立预算绩效管理领导小组的通知".into()),
        document_number: None,
        issued_on: issued,
        text: format!("成立{name}预算绩效管理领导小组，主要负责人任组长，分管负责人任副组长。"),
        sealed: Some(true),
        scanned_unread: false,
    });
    package.self_check = (!rng.chance(8)).then(|| self_check(rng, level));
    let Some(report) = package.report.as_mut() else {
        return;
    };
    if let Some(title) = report.title.as_mut() {
        *title = format!("2024年度{name}整体支出绩效自评报告");
    }
    drop_some(rng, &mut report.body, 7, 1);
    problems_and_suggestions(rng, &mut report.problems, &mut report.suggestions);
    if rng.chance(4) {
        report.basic_data = None;
    }
    if rng.chance(4) {
        report.department_table = None;
    }
    if let Some(table) = report.department_table.as_mut() {
        table.name = name.to_string();
        vary_table(rng, table);
        if rng.chance(10) {
            // a figure that no longer matches the text: a consistency finding for the reviewer
            if let Some(line) = table.funds.first_mut() {
                line.executed = line.executed.map(|v| v + Decimal::new(2, 2));
            }
        }
    }
    if rng.chance(5) {
        report.project_tables.clear();
    } else {
        drop_some(rng, &mut report.project_tables, 10, 0);
        if rng.chance(30) {
            if let Some(mut extra) = rng.pick(&report.project_tables).cloned() {
                extra.name = format!("{}（二期）", extra.name);
                report.project_tables.push(extra);
            }
        }
        for table in &mut report.project_tables {
            vary_table(rng, table);
        }
    }
    drop_some(rng, &mut report.project_reports, 15, 0);
}

/// Drops each element with probability `percent`, keeping at least `keep` of them.
fn drop_some<T>(rng: &mut SplitMix64, items: &mut Vec<T>, percent: u32, keep: usize) {
    let mut kept = 0usize;
    let total = items.len();
    let mut seen = 0usize;
    items.retain(|_| {
        seen += 1;
        // the last elements are kept when dropping more would leave fewer than `keep`
        let must_keep = total - seen < keep.saturating_sub(kept);
        let keep_it = must_keep || !rng.chance(percent);
        kept += usize::from(keep_it);
        keep_it
    });
}

fn notice(rng: &mut SplitMix64, issued_on: Option<NaiveDate>) -> Notice {
    let numbers = ["一", "二", "三", "四", "五"];
    let thin = rng.chance(30);
    let mut text = String::new();
    let mut n = 0;
    for (heading, body) in NOTICE_SECTIONS {
        if thin && rng.chance(40) {
            continue;
        }
        let number = numbers.get(n).copied().unwrap_or("五");
        text.push_str(&format!("{number}、{heading}\n{body}\n"));
        n += 1;
    }
    Notice {
        title: Some("关于开展2024年度部门整体支出绩效自评工作的通知".into()),
        document_number: None,
        issued_on,
        text,
        attachments: if rng.chance(80) {
            vec!["部门整体支出绩效自评表".into(), "项目支出绩效自评表".into()]
        } else {
            Vec::new()
        },
        sealed: Some(!rng.chance(5)),
        scanned_unread: false,
    }
}

fn self_check(rng: &mut SplitMix64, level: DepartmentLevel) -> SelfCheckList {
    let mut units = vec![SelfCheckUnit {
        kind: SelfCheckUnitKind::Own,
        name: "本级".into(),
        done: !rng.chance(3),
        evidence: None,
    }];
    let subordinates = [
        "事务中心",
        "服务中心",
        "监测站",
        "执法大队",
        "培训中心",
        "信息中心",
    ];
    for name in subordinates.iter().take(rng.below(subordinates.len() + 1)) {
        units.push(SelfCheckUnit {
            kind: SelfCheckUnitKind::Subordinate,
            name: (*name).into(),
            done: !rng.chance(12),
            evidence: None,
        });
    }
    for n in 0..rng.below(4) {
        units.push(SelfCheckUnit {
            kind: SelfCheckUnitKind::TransferPayment,
            name: format!("转移支付项目单位{}", n + 1),
            done: !rng.chance(15),
            evidence: None,
        });
    }
    if level == DepartmentLevel::County {
        units.push(SelfCheckUnit {
            kind: SelfCheckUnitKind::RegionalSummary,
            name: "本区域转移支付情况汇总".into(),
            done: !rng.chance(15),
            evidence: None,
        });
    }
    SelfCheckList { units }
}

fn problems_and_suggestions(
    rng: &mut SplitMix64,
    problems: &mut Vec<String>,
    suggestions: &mut Vec<String>,
) {
    problems.clear();
    suggestions.clear();
    if rng.chance(4) {
        // the weakest reports: money is the only problem and the only answer
        problems.push(FUNDS_ONLY_PROBLEM.into());
        suggestions.push(FUNDS_ONLY_SUGGESTION.into());
        return;
    }
    let count = rng.between(0, 6);
    let mut pool: Vec<usize> = (0..PROBLEMS.len()).collect();
    for _ in 0..count {
        let i = pool.remove(rng.below(pool.len()));
        let Some((problem, suggestion)) = PROBLEMS.get(i) else {
            continue;
        };
        problems.push((*problem).into());
        if rng.chance(75) {
            suggestions.push((*suggestion).into());
        }
    }
    if rng.chance(15) {
        suggestions.push(FUNDS_ONLY_SUGGESTION.into());
    }
}

/// Removes up to three indicator rows and adds up to eight, as departments tailor the tables.
fn vary_table(rng: &mut SplitMix64, table: &mut SelfEvalTable) {
    for _ in 0..rng.below(4) {
        if table.indicators.len() > 3 {
            let i = rng.below(table.indicators.len());
            table.indicators.remove(i);
        }
    }
    if !rng.chance(40) {
        return;
    }
    for _ in 0..rng.between(1, 8) {
        let Some(base) = rng.pick(&table.indicators).cloned() else {
            return;
        };
        let suffix = rng.pick(ROW_SUFFIXES).copied().unwrap_or("（新增）");
        let row = IndicatorRow {
            // one added row in ten stops at the second level
            level3: if rng.chance(10) {
                None
            } else {
                base.level3.as_ref().map(|l| format!("{l}{suffix}"))
            },
            ..base
        };
        let at = rng.below(table.indicators.len() + 1);
        table.indicators.insert(at, row);
    }
}

/// The judgment a reviewer following the hints gives: the suggested band's top (the item's
/// maximum without a suggestion), and for an item with sub-scores each sub-score at the same
/// share of its maximum, rounded down. Returns the score or the sub-scores, as a judgment
/// takes them.
pub fn suggested_scores(
    max: Decimal,
    suggested: Option<&SuggestedBand>,
    sub_maxima: &[Decimal],
) -> (Option<Decimal>, Option<Vec<Decimal>>) {
    let band = suggested.map_or(max, |b| b.max);
    if sub_maxima.is_empty() {
        return (Some(band), None);
    }
    let share = if max.is_zero() {
        Decimal::ZERO
    } else {
        band / max
    };
    (
        None,
        Some(sub_maxima.iter().map(|m| (*m * share).floor()).collect()),
    )
}

/// The sheet once a reviewer has judged every waiting item as the hints suggest
/// ([`suggested_scores`]): what a published round holds, without a database.
pub fn judged_sheet(
    rubric: &Rubric,
    calendar: &WorkCalendar,
    package: &Package,
    deadline: NaiveDate,
) -> Result<ScoreSheet, JudgmentError> {
    let input = || ScoringInput {
        deadline: Some(deadline),
        ..ScoringInput::package(package)
    };
    let first = scoring::score(rubric, calendar, input())?;
    let judgments: Vec<Judgment> = first
        .items
        .iter()
        .filter(|i| i.score.is_none())
        .map(|i| {
            let sub_maxima: Vec<Decimal> = match rubric.item(&i.code).map(|r| &r.rule) {
                Some(Rule::IndicatorQuality { sub_scores, .. }) => {
                    sub_scores.iter().map(|s| s.max).collect()
                }
                _ => Vec::new(),
            };
            let (score, sub_scores) = suggested_scores(i.max, i.suggested.as_ref(), &sub_maxima);
            Judgment {
                item: i.code.clone(),
                score,
                sub_scores,
                reason: i.suggested.as_ref().map_or_else(
                    || "按评分标准评定".to_string(),
                    |b| format!("按提示评定：{}", b.reason),
                ),
                by: "评审专家".into(),
                at: None,
                basis: None,
                reviews: Vec::new(),
            }
        })
        .collect();
    scoring::score(
        rubric,
        calendar,
        ScoringInput {
            judgments: &judgments,
            ..input()
        },
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::rubric::DEFAULT_RUBRIC;

    fn generator(seed: u64) -> Generator {
        Generator::new(ScaleConfig {
            seed,
            ..ScaleConfig::default()
        })
        .expect("generator")
    }

    fn json(g: &Generator, n: usize) -> String {
        let all: Vec<_> = g
            .departments(n)
            .map(|d| {
                serde_json::json!({
                    "code": d.code, "name": d.name, "category": d.category,
                    "submits": d.submits, "late": d.working_days_late,
                    "received_at": d.received_at, "package": d.package,
                })
            })
            .collect();
        serde_json::to_string(&all).expect("json")
    }

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // the first outputs for seed 1234567 of the reference C implementation
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn the_same_seed_gives_the_same_departments() {
        assert_eq!(json(&generator(7), 60), json(&generator(7), 60));
        // and department i alone is the same as department i among others
        let g = generator(7);
        assert_eq!(g.department(41), g.departments(60).nth(41).expect("41"));
    }

    #[test]
    fn another_seed_gives_other_departments() {
        assert_ne!(json(&generator(7), 60), json(&generator(8), 60));
    }

    #[test]
    fn codes_and_names_are_unique_at_scale() {
        let codes: BTreeSet<String> = (0..12_000).map(code_of).collect();
        let names: BTreeSet<String> = (0..12_000).map(|i| identity(i).0).collect();
        assert_eq!((codes.len(), names.len()), (12_000, 12_000));
        let g = generator(1);
        assert_eq!(g.department(0).code, "990000001");
        let d = g.department(9_999);
        assert_eq!(
            g.identity(9_999),
            DepartmentIdentity {
                code: d.code,
                name: d.name,
                category: d.category
            }
        );
    }

    #[test]
    fn every_package_scores_and_the_variety_is_real() {
        let g = generator(2024);
        let rubric = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
        let calendar = WorkCalendar::embedded();
        let deadline = g.config().deadline;
        let (mut totals, mut sizes) = (Vec::new(), Vec::new());
        let (mut late, mut no_notice, mut not_self_checked, mut absent) = (0, 0, 0, 0);
        let mut categories = BTreeSet::new();
        let mut lateness = BTreeSet::new();
        for d in g.departments(200) {
            let sheet = judged_sheet(&rubric, calendar, &d.package, deadline).expect("scores");
            assert!(sheet.complete, "{}: every item judged", d.code);
            let timeliness = sheet
                .items
                .iter()
                .find(|i| i.code == "timeliness")
                .and_then(|i| i.score)
                .expect("timeliness scored");
            assert_eq!(
                timeliness,
                Decimal::from(10 - d.working_days_late),
                "{}: received {} for {deadline}",
                d.code,
                d.received_at
            );
            totals.push(sheet.total);
            sizes.push(serde_json::to_vec(&d.package).expect("json").len());
            late += usize::from(d.working_days_late > 0);
            lateness.insert(d.working_days_late);
            no_notice += usize::from(d.package.notice.is_none());
            absent += usize::from(!d.submits);
            not_self_checked += usize::from(
                d.package
                    .self_check
                    .as_ref()
                    .is_some_and(|s| s.units.iter().any(|u| !u.done)),
            );
            categories.insert(d.category);
        }
        let (lo, hi) = (
            totals.iter().min().copied().unwrap_or_default(),
            totals.iter().max().copied().unwrap_or_default(),
        );
        assert!(hi - lo >= Decimal::from(20), "totals {lo}..{hi}");
        assert!((20..=70).contains(&late), "{late} late of 200");
        assert_eq!(lateness, (0..=5).collect(), "late by 1 to 5 working days");
        assert!(
            (5..=50).contains(&no_notice),
            "{no_notice} without a notice"
        );
        assert!(
            not_self_checked >= 10,
            "{not_self_checked} with units not checked"
        );
        assert!(absent <= 15, "{absent} absent");
        assert_eq!(categories.len(), 3);
        let mean = sizes.iter().sum::<usize>() / sizes.len();
        let miluo = serde_json::to_vec(&g.miluo).expect("json").len();
        assert!(
            mean * 10 >= miluo * 7 && mean * 10 <= miluo * 13,
            "mean package {mean} bytes, 汨罗市 {miluo}"
        );
    }

    #[test]
    fn suggested_scores_follow_the_band() {
        let band = SuggestedBand {
            min: Decimal::from(16),
            max: Decimal::from(18),
            reason: "x".into(),
        };
        assert_eq!(
            suggested_scores(Decimal::from(20), Some(&band), &[]),
            (Some(Decimal::from(18)), None)
        );
        let subs = [Decimal::from(5), Decimal::from(3), Decimal::from(2)];
        let eight = SuggestedBand {
            max: Decimal::from(8),
            ..band
        };
        assert_eq!(
            suggested_scores(Decimal::from(10), Some(&eight), &subs),
            (
                None,
                Some(vec![Decimal::from(4), Decimal::from(2), Decimal::from(1)])
            )
        );
    }
}
