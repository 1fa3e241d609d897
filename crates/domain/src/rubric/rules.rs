//! The scoring rule of each item, with every parameter the rubric file sets.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::decimal;

/// How an item is scored; `kind` in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Full marks when a document was submitted (and, if `keywords` is not empty, mentions one).
    DocumentPresent {
        document: DocumentKind,
        #[serde(default)]
        keywords: Vec<String>,
        /// Without the document, the 自评通知 stands in for it when it holds one of `keywords`
        /// and every one of these words (the notice setting up the group: 组长, 成员); spaces
        /// inside words are ignored ("组 长"). Empty: the notice never stands in.
        #[serde(default)]
        in_notice_with: Vec<String>,
    },
    /// Required elements of the 自评通知, each found by a heading or a sentence.
    NoticeElements {
        #[serde(with = "decimal::lenient")]
        #[schema(value_type = String)]
        per_missing: Decimal,
        elements: Vec<NoticeElement>,
    },
    /// Units that had to self-check.
    SelfCheck {
        #[serde(with = "decimal::lenient")]
        #[schema(value_type = String)]
        per_missing: Decimal,
        /// What a package without a self-check list scores.
        when_list_missing: MissingListPolicy,
    },
    /// Working days late.
    Timeliness {
        #[serde(with = "decimal::lenient")]
        #[schema(value_type = String)]
        per_working_day: Decimal,
    },
    /// Required parts of the report body, found by heading aliases.
    BodyParts {
        #[serde(with = "decimal::lenient")]
        #[schema(value_type = String)]
        per_missing: Decimal,
        parts: Vec<BodyPartRule>,
    },
    /// Required attached tables.
    Attachments {
        #[serde(with = "decimal::lenient")]
        #[schema(value_type = String)]
        per_missing: Decimal,
        parts: Vec<AttachmentRule>,
    },
    /// First-level weights of every 自评表 against accepted schemes; score in proportion.
    IndicatorWeights {
        decimals: u32,
        /// The key the funds line's 分值 (预算执行率) goes under.
        execution_rate_key: String,
        first_level: Vec<FirstLevelName>,
        schemes: Vec<WeightScheme>,
    },
    /// Share of indicator rows refined to a third level.
    IndicatorLevels { decimals: u32 },
    /// Reviewer sub-scores, with hints.
    IndicatorQuality {
        sub_scores: Vec<SubScore>,
        vague_terms: Vec<String>,
        comparison_terms: Vec<String>,
    },
    /// Reviewer judgment within bands: 反映问题情况.
    ProblemBands {
        #[serde(flatten)]
        bands: BandRules,
        areas: Vec<Area>,
        cause_keywords: Vec<String>,
        funds_shortage_keywords: Vec<String>,
        suggest: Vec<ProblemSuggestRule>,
    },
    /// Reviewer judgment within bands: 建议情况.
    SuggestionBands {
        #[serde(flatten)]
        bands: BandRules,
        funding_keywords: Vec<String>,
        /// Shared two-character terms for a suggestion to count as answering a problem.
        min_shared_terms: usize,
        /// Two-character terms too common to show that a suggestion answers a problem.
        stop_terms: Vec<String>,
        suggest: Vec<SuggestionSuggestRule>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 自评通知
    Notice,
    /// 工作小组文件
    WorkingGroup,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeElement {
    pub name: String,
    /// Words that show the element when a heading holds them ("评价范围" in "一、评价范围"),
    /// never when they only stand in a sentence ("重要依据"). `synonyms` in older files.
    #[serde(alias = "synonyms")]
    pub headings: Vec<String>,
    /// Regular expressions for a sentence that fulfils the element without a heading, e.g. the
    /// basis in the opening sentence: "根据《…》…要求".
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub sentences: Vec<super::Pattern>,
    /// The element is also met by the notice listing attachments of its own.
    #[serde(default)]
    pub met_by_attachments: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissingListPolicy {
    /// Nothing shows any unit self-checked: the item scores 0.
    Zero,
    /// The item waits for a reviewer.
    AwaitReview,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyPartRule {
    /// The part as the outline names it, e.g. 存在的问题及原因分析.
    pub name: String,
    /// Heading texts that count as this part (numbering and punctuation ignored). A heading
    /// may cover several parts, e.g. 存在的主要问题及改进建议 is an alias of two.
    pub aliases: Vec<String>,
}

impl BodyPartRule {
    /// Whether one of the (normalised) headings is this part: it contains one of the aliases.
    /// The readers use it to find the body, the checks to find what is missing.
    pub fn is_among(&self, normalized_headings: &[String]) -> bool {
        self.aliases
            .iter()
            .map(|a| crate::text::normalize(a))
            .any(|alias| normalized_headings.iter().any(|h| h.contains(&alias)))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRule {
    pub name: String,
    pub table: AttachmentTable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentTable {
    /// 部门整体支出绩效评价基础数据表
    BasicData,
    /// 部门整体支出绩效自评表
    DepartmentTable,
    /// 项目支出绩效自评表 (at least one)
    ProjectTables,
}

/// A first-level indicator key and the names it goes by in tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FirstLevelName {
    pub key: String,
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightScheme {
    pub name: String,
    /// Keys whose weight the scheme fixes.
    #[serde(with = "decimal::map")]
    #[schema(value_type = BTreeMap<String, String>)]
    pub weights: BTreeMap<String, Decimal>,
    /// Keys whose weights the department splits as it sees fit within a fixed total: some
    /// rules fix only the sum (四川: 绩效指标 90 shared by 产出, 效益, 满意度). Not serialised when
    /// empty, so the rubrics without groups read and print as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<WeightGroup>,
}

/// First-level keys that together carry `total`, split freely; a key may be left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightGroup {
    /// What the rule calls the group, e.g. 绩效指标.
    pub name: String,
    pub keys: Vec<String>,
    #[serde(with = "decimal::lenient")]
    #[schema(value_type = String)]
    pub total: Decimal,
}

impl WeightScheme {
    /// Whether a table's weights (by key) follow the scheme: every fixed key at its weight,
    /// every group's keys adding up to its total, and no key the scheme does not name. Without
    /// groups this is equality of the two maps.
    pub fn accepts(&self, table: &BTreeMap<String, Decimal>) -> bool {
        let fixed = self.weights.iter().all(|(k, w)| table.get(k) == Some(w));
        let named = table.keys().all(|k| {
            self.weights.contains_key(k) || self.groups.iter().any(|g| g.keys.contains(k))
        });
        // saturating: weights come from departments' files and may be absurd
        let shared = self.groups.iter().all(|g| {
            g.keys
                .iter()
                .filter_map(|k| table.get(k))
                .fold(Decimal::ZERO, |a, b| a.saturating_add(*b))
                == g.total
        });
        fixed && named && shared
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubScore {
    pub name: String,
    #[serde(with = "decimal::lenient")]
    #[schema(value_type = String)]
    pub max: Decimal,
}

/// The bands of a judgment item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BandRules {
    pub bands: Vec<Band>,
    /// 其他情况酌情扣分: a score outside every band is allowed with a longer reason.
    pub discretionary: bool,
    /// Characters a reason for a discretionary score must have at least.
    pub discretionary_reason_min_chars: usize,
    /// Scores are multiples of this step.
    #[serde(with = "decimal::lenient")]
    #[schema(value_type = String)]
    pub step: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub label: String,
    #[serde(with = "decimal::pair")]
    #[schema(value_type = Vec<String>)]
    pub range: [Decimal; 2],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Area {
    pub name: String,
    pub keywords: Vec<String>,
}

/// Which band the problem hints point to; the first rule that matches wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemSuggestRule {
    #[serde(default)]
    pub max_problems: Option<usize>,
    #[serde(default)]
    pub min_areas: Option<usize>,
    #[serde(default)]
    pub causes: Option<bool>,
    #[serde(with = "decimal::pair")]
    #[schema(value_type = Vec<String>)]
    pub band: [Decimal; 2],
    pub reason: String,
}

/// Which band the suggestion hints point to; the first rule that matches wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestionSuggestRule {
    #[serde(default)]
    pub max_suggestions: Option<usize>,
    #[serde(default)]
    pub min_suggestions: Option<usize>,
    /// Percent of the problems answered by some suggestion.
    #[serde(default)]
    pub min_answered_percent: Option<u32>,
    #[serde(with = "decimal::pair")]
    #[schema(value_type = Vec<String>)]
    pub band: [Decimal; 2],
    pub reason: String,
}

/// Parameters of the consistency findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyRules {
    /// A printed total may differ from the sum of its printed parts by this much (rounding).
    #[serde(with = "decimal::lenient")]
    #[schema(value_type = String)]
    pub sum_tolerance: Decimal,
    /// Figures told in the body text, compared with the tables.
    pub figures: Vec<FigureRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FigureRule {
    pub figure: Figure,
    /// Labels that introduce the figure in the text, e.g. 基本支出.
    pub text_labels: Vec<String>,
}

/// A figure that appears both in the body and in a table.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    /// 基本支出
    BasicExpenditure,
    /// 项目支出
    ProjectExpenditure,
    /// 人员经费
    PersonnelExpenditure,
    /// 公用经费
    PublicExpenditure,
    /// 整体支出 / 全年执行数
    TotalExpenditure,
}

impl Figure {
    pub fn label(self) -> &'static str {
        match self {
            Figure::BasicExpenditure => "基本支出",
            Figure::ProjectExpenditure => "项目支出",
            Figure::PersonnelExpenditure => "人员经费",
            Figure::PublicExpenditure => "公用经费",
            Figure::TotalExpenditure => "整体支出",
        }
    }
}
