//! Which document of the package a file is — 自评通知, 领导小组文件, 自评报告, 附表 or 佐证 —
//! told by what it holds, never by its name, with the reason said in Chinese so a department
//! can check it (and send the file under its field when kaoping is wrong).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::build::Built;
use super::document::Document;
use super::notice::lines;
use super::sniff::Kind;
use crate::rubric::BodyPartRule;
use crate::text::normalize;

/// The role of a file in the package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 自评通知
    Notice,
    /// 领导小组 / 工作小组文件
    WorkingGroup,
    /// 自评报告
    Report,
    /// 附表: 基础数据表, 自评表 without the report's text
    Tables,
    /// 单位自查清单
    SelfCheck,
    /// 佐证材料
    Evidence,
}

impl Role {
    /// The multipart field a file of this role goes under.
    pub fn field(self) -> &'static str {
        match self {
            Role::Notice => "notice",
            Role::WorkingGroup => "working_group",
            Role::Report => "report",
            Role::Tables => "tables",
            Role::SelfCheck => "self_check",
            Role::Evidence => "evidence",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::Notice => "自评通知",
            Role::WorkingGroup => "工作小组文件",
            Role::Report => "自评报告",
            Role::Tables => "附表",
            Role::SelfCheck => "单位自查清单",
            Role::Evidence => "佐证材料",
        }
    }
}

/// A file's role and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    pub role: Role,
    /// In Chinese: what in the file decided it.
    pub why: String,
}

/// How many body parts make a report.
const REPORT_PARTS: usize = 3;
/// How far from the top a document's title is looked for.
const HEAD_LINES: usize = 12;

/// The longest line taken for a title.
const TITLE_CHARS: usize = 60;

/// What the text of a notice says of itself.
const NOTICE_PHRASES: &[&str] = &["通知如下", "特此通知"];

const GROUP_WORDS: &[&str] = &["领导小组", "工作小组", "评价小组", "自评小组", "工作专班"];

/// The role of a file read into `doc` (and `built`, the package the document holds). A file no
/// reader took (`doc` None: a picture, an archive) is evidence.
pub fn classify(
    kind: Kind,
    read: Option<(&Document, &Built)>,
    standard: &[BodyPartRule],
) -> Classified {
    let Some((doc, built)) = read else {
        return Classified {
            role: Role::Evidence,
            why: format!("{}，作为佐证材料保存", kind.zh()),
        };
    };
    let report = built.package.report.as_ref();
    // the rubric's standard parts the body has (a notice has numbered sections too)
    let headings: Vec<String> = report
        .map(|r| r.body.iter().map(|p| normalize(&p.heading)).collect())
        .unwrap_or_default();
    let parts = standard.iter().filter(|p| p.is_among(&headings)).count();
    let tables: Vec<&str> = report
        .map(|r| {
            let mut t = Vec::new();
            if r.basic_data.is_some() {
                t.push("基础数据表");
            }
            if r.department_table.is_some() {
                t.push("部门整体支出绩效自评表");
            }
            if !r.project_tables.is_empty() {
                t.push("项目支出绩效自评表");
            }
            t
        })
        .unwrap_or_default();
    let lines = lines(doc);
    let head: Vec<&str> = lines.iter().take(HEAD_LINES).map(String::as_str).collect();
    let title_says = |w: &str| head.iter().any(|l| l.contains(w));
    if parts >= REPORT_PARTS || (title_says("自评报告") && parts > 0) {
        return Classified {
            role: Role::Report,
            why: format!("识别出报告正文的{parts}个标准部分"),
        };
    }
    if !tables.is_empty() {
        return Classified {
            role: Role::Tables,
            why: format!("含{}，无报告正文", tables.join("、")),
        };
    }
    if let Some(list) = super::self_check::self_check(doc, "") {
        if !list.units.is_empty() {
            return Classified {
                role: Role::SelfCheck,
                why: format!(
                    "含“单位名称”“是否开展自查”两列的表，{}个单位",
                    list.units.len()
                ),
            };
        }
    }
    // words wrapped over two lines (a scan's OCR, a PDF) are found too
    let text = lines.join("").replace([' ', '\u{3000}'], "");
    let sets_up = text.contains("组长") || text.contains("成立");
    // a title naming the group: "关于成立预算绩效管理领导小组的通知"
    let title_line = head
        .iter()
        .find(|l| is_title(l) && GROUP_WORDS.iter().any(|w| l.contains(w)));
    if let (Some(title), true) = (title_line, sets_up) {
        return Classified {
            role: Role::WorkingGroup,
            why: format!("标题“{}”，正文成立小组", shorten(title)),
        };
    }
    let about_evaluation = text.contains("绩效") || text.contains("自评");
    let notice_title = head.iter().find(|l| l.contains("通知") && is_title(l));
    if let (Some(title), true) = (notice_title, about_evaluation) {
        return Classified {
            role: Role::Notice,
            why: format!("标题“{}”，内容为绩效自评工作部署", shorten(title)),
        };
    }
    // a copy without its title still says what it is: "现将有关事项通知如下", "特此通知"
    if let (Some(phrase), true) = (
        NOTICE_PHRASES.iter().find(|p| text.contains(*p)),
        about_evaluation,
    ) {
        return Classified {
            role: Role::Notice,
            why: format!("正文有“{phrase}”，内容为绩效自评工作部署"),
        };
    }
    // a report of the group's setting up, without a title of its own
    if let (Some(word), true) = (GROUP_WORDS.iter().find(|w| text.contains(*w)), sets_up) {
        return Classified {
            role: Role::WorkingGroup,
            why: format!("正文成立“{word}”"),
        };
    }
    Classified {
        role: Role::Evidence,
        why: "未识别为通知、工作小组文件、报告或附表，作为佐证材料保存".to_string(),
    }
}

/// A line that reads as a title: short, no sentence in it, not the "…如下：" before a list.
fn is_title(l: &str) -> bool {
    l.chars().count() <= TITLE_CHARS && !l.contains('。') && !l.ends_with(['：', ':'])
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{classify, Role};
    use crate::ingest::{build, sniff::Kind, text};
    use crate::rubric::{Rubric, DEFAULT_RUBRIC};

    fn role_of(t: &str) -> (Role, String) {
        let rubric = Rubric::builtin(DEFAULT_RUBRIC).expect("rubric");
        let doc = text::read(t);
        let built = build::package(&doc, rubric.body_parts());
        let c = classify(Kind::Text, Some((&doc, &built)), rubric.body_parts());
        (c.role, c.why)
    }

    fn fixture(path: &str) -> String {
        let p = format!("{}/../../tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(p).expect("fixture")
    }

    #[test]
    fn each_document_of_a_real_package_is_told_by_its_content() {
        for (file, want) in [
            ("reports/000_4f6cfb20def449c3.txt", Role::Report),
            ("reports/003_dbdc2451ec2e8b0c.txt", Role::Report),
            ("notices/01_hengyangxian_czj_2023_notice.txt", Role::Notice),
            (
                "notices/05_hunan_university_cwc_2021_notice_group.txt",
                Role::Notice,
            ),
            ("notices/11_ahmu_kjc_2018_notice.txt", Role::Notice),
            ("notices/16_btbu_cwc_2023_notice.txt", Role::Notice),
        ] {
            let (role, why) = role_of(&fixture(file));
            assert_eq!(role, want, "{file}: {why}");
        }
        let (role, why) = role_of("关于成立预算绩效管理领导小组的通知\n经研究，决定成立领导小组。\n组长：张三\n成员：李四");
        assert_eq!(role, Role::WorkingGroup, "{why}");
        let list = "单位自查清单\n\t序号\n\t单位名称\n\t是否开展自查\n\n\t1\n\t某局本级\n\t是\n";
        let (role, why) = role_of(list);
        assert_eq!(role, Role::SelfCheck, "{why}");
        // a scan's OCR wraps words over lines
        let (role, why) = role_of(
            "各有关单位:\n现将我校绩效自评材料上报工作相关事宜通\n知如下:\n一、自评项目范围",
        );
        assert_eq!(role, Role::Notice, "{why}");
        let (role, _) = role_of("会议签到表\n张三\n李四");
        assert_eq!(role, Role::Evidence);
        let c = classify(Kind::Png, None, &[]);
        assert_eq!(c.role, Role::Evidence);
        assert!(c.why.contains("PNG 图片"), "{}", c.why);
    }
}
