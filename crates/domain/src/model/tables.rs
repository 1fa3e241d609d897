//! The attached tables: 基础数据表 and 绩效自评表.
//!
//! Cells hold what was printed: text cells with line wraps joined, figures as decimals (万元 for
//! money, percentages as the number before `%`), blank and "——" cells as null.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 部门整体支出绩效评价基础数据表
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BasicDataTable {
    pub title: String,
    /// 财政供养人员情况
    #[serde(default)]
    pub staffing: Option<Staffing>,
    /// 经费控制情况 column headings as printed, e.g. 2023年决算数, 2024年预算数, 2024年决算数.
    #[serde(default)]
    pub columns: Vec<String>,
    /// 经费控制情况 rows in printed order.
    #[serde(default)]
    pub rows: Vec<FundsControlRow>,
    /// 楼堂馆所控制情况 rows (wholly empty rows left out).
    #[serde(default)]
    pub buildings: Vec<BuildingControlRow>,
    /// 厉行节约保障措施
    #[serde(default)]
    pub savings_measures: Option<String>,
    #[serde(default)]
    pub filled: Option<FillerInfo>,
}

/// 财政供养人员情况（人）
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Staffing {
    /// 编制数
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub authorized: Option<Decimal>,
    /// 实际在职人数
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub actual: Option<Decimal>,
    /// 控制率 in percent, as printed (185 for "185%").
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub control_rate: Option<Decimal>,
}

/// One row of 经费控制情况.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundsControlRow {
    /// The row label as printed, numbering kept ("1、业务工作经费").
    pub label: String,
    /// 0 for a heading line (三公经费, 项目支出, 公用经费, 政府采购金额 …), 1 for its lines,
    /// 2 for a line's own lines (汨罗市's projects under 县级专项资金).
    #[serde(default)]
    pub level: u8,
    /// One value per column of `columns`.
    #[serde(default, deserialize_with = "super::plain::signed_values")]
    pub values: Vec<Option<Decimal>>,
}

/// 楼堂馆所控制情况 (完工项目)
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildingControlRow {
    /// 批复规模（㎡）
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub approved_area: Option<Decimal>,
    /// 实际规模（㎡）
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub actual_area: Option<Decimal>,
    /// 规模控制率 (percent)
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub area_control_rate: Option<Decimal>,
    /// 预算投资（万元）
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub budgeted_investment: Option<Decimal>,
    /// 实际投资（万元）
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub actual_investment: Option<Decimal>,
    /// 投资概算控制率 (percent)
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub investment_control_rate: Option<Decimal>,
}

/// The signature block under a table: 填表人, 填报日期, 联系电话, 单位负责人签字.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FillerInfo {
    #[serde(default)]
    pub filled_by: Option<String>,
    #[serde(default)]
    pub filled_on: Option<NaiveDate>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub head_signature: Option<String>,
}

/// Which self-evaluation table this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SelfEvalKind {
    /// 部门整体支出绩效自评表
    Department,
    /// 项目支出绩效自评表
    Project,
}

/// 绩效自评表: 部门整体支出 or 项目支出.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfEvalTable {
    pub kind: SelfEvalKind,
    pub title: String,
    /// 预算部门名称 (department table) or 项目支出名称 (project table).
    pub name: String,
    /// 主管部门
    #[serde(default)]
    pub competent_department: Option<String>,
    /// 实施单位
    #[serde(default)]
    pub implementing_unit: Option<String>,
    /// 年度资金: 年度资金总额 first, then its 其中 lines.
    #[serde(default)]
    pub funds: Vec<FundsLine>,
    /// 按收入性质分 / 按支出性质分 (department table only).
    #[serde(default)]
    pub funds_by_nature: Option<FundsByNature>,
    /// 年度总体目标
    #[serde(default)]
    pub goals: Option<Goals>,
    /// 一级指标 weights as printed in their heading cells, e.g. 产出指标 (50分).
    #[serde(default)]
    pub first_level_weights: Vec<FirstLevelWeight>,
    /// 绩效指标 rows in printed order; cells a row lost (merged or across a page break) are
    /// filled from the row above.
    #[serde(default)]
    pub indicators: Vec<IndicatorRow>,
    /// 总分 row: 分值 total.
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub total_weight: Option<Decimal>,
    /// 总分 row: 得分 total.
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub total_score: Option<Decimal>,
    #[serde(default)]
    pub filled: Option<FillerInfo>,
}

/// One 年度资金 row: 年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundsLine {
    /// 年度资金总额, 其中：当年财政拨款, 上年结转资金, 其他资金 …
    pub label: String,
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub initial_budget: Option<Decimal>,
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub full_year_budget: Option<Decimal>,
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub executed: Option<Decimal>,
    /// 分值 of 预算执行率
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub weight: Option<Decimal>,
    /// 执行率 in percent, as printed.
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub execution_rate: Option<Decimal>,
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub score: Option<Decimal>,
}

/// 按收入性质分 / 按支出性质分 (万元).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundsByNature {
    /// 一般公共预算
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub general_public_budget: Option<Decimal>,
    /// 政府性基金拨款
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub government_funds: Option<Decimal>,
    /// 纳入专户管理的非税收入拨款
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub special_account_non_tax: Option<Decimal>,
    /// 其他资金
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub other_funds: Option<Decimal>,
    /// 基本支出
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub basic_expenditure: Option<Decimal>,
    /// 项目支出
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub project_expenditure: Option<Decimal>,
}

/// 年度总体目标: 预期目标 and 实际完成情况.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Goals {
    #[serde(default)]
    pub expected: String,
    #[serde(default)]
    pub actual: String,
}

/// A first-level indicator and the weight printed with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FirstLevelWeight {
    /// 一级指标 name as printed without the weight, e.g. 产出指标.
    pub indicator: String,
    #[serde(deserialize_with = "super::plain::unsigned_required")]
    pub weight: Decimal,
}

/// One 绩效指标 row.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRow {
    /// 一级指标, e.g. 产出指标
    #[serde(default)]
    pub level1: Option<String>,
    /// 二级指标, e.g. 数量指标
    #[serde(default)]
    pub level2: Option<String>,
    /// 三级指标
    #[serde(default)]
    pub level3: Option<String>,
    /// 年度指标值, as printed (≥30万件, 100%, 提升 …)
    #[serde(default)]
    pub target: Option<String>,
    /// 实际完成值, as printed
    #[serde(default)]
    pub actual: Option<String>,
    /// 分值
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub weight: Option<Decimal>,
    /// 得分
    #[serde(default, deserialize_with = "super::plain::unsigned")]
    pub score: Option<Decimal>,
    /// 偏差原因分析及改进措施
    #[serde(default)]
    pub deviation: Option<String>,
}

impl IndicatorRow {
    /// A row with no cell of its own: printed as an empty line of the table.
    pub fn is_blank(&self) -> bool {
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|t| t.trim().is_empty());
        blank(&self.level3)
            && blank(&self.target)
            && blank(&self.actual)
            && self.weight.is_none()
            && self.score.is_none()
    }
}
