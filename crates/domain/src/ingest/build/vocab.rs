//! The printed vocabulary of the rubric's tables: the labels and column headings of the
//! 基础数据表 and the 绩效自评表 as the templates of different provinces print them.
//!
//! The table readers find their columns by these words, and tables printed without tabs
//! ([`super::untabbed`]) are recognised by them. Every function takes a cleaned cell
//! ([`super::clean::cell`]).

/// A column of the 年度资金 block of a 绩效自评表.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundsColumn {
    /// 年初预算数
    Initial,
    /// 全年预算数, 调整后预算数
    FullYear,
    /// 全年执行数, 预算执行数
    Executed,
    /// 分值, 权重, 分值权重
    Weight,
    /// 执行率, 预算执行率
    Rate,
    /// 得分, 自评得分
    Score,
    /// 原因: a note on the figures, not a figure.
    Note,
}

/// The 年度资金 columns in the order of the Hunan template, for a table whose headings were not
/// found.
pub const FUNDS_COLUMNS: [FundsColumn; 6] = [
    FundsColumn::Initial,
    FundsColumn::FullYear,
    FundsColumn::Executed,
    FundsColumn::Weight,
    FundsColumn::Rate,
    FundsColumn::Score,
];

/// Which 年度资金 column a heading names.
pub fn funds_column(h: &str) -> Option<FundsColumn> {
    if h.chars().count() > 10 {
        return None;
    }
    let column = if h.contains("执行率") {
        FundsColumn::Rate
    } else if h.starts_with("年初") {
        FundsColumn::Initial
    } else if h.starts_with("全年预算") || h.starts_with("调整后") {
        FundsColumn::FullYear
    } else if h.contains("执行数") {
        FundsColumn::Executed
    } else if h.contains("分值") || h.contains("权重") {
        FundsColumn::Weight
    } else if h.contains("得分") {
        FundsColumn::Score
    } else if h == "原因" || h == "偏差原因" {
        FundsColumn::Note
    } else {
        return None;
    };
    Some(column)
}

/// The label of the first 年度资金 row.
pub fn is_funds_total(c: &str) -> bool {
    c.contains("年度资金总额") || c == "资金总额" || c == "总额"
}

/// Words of the labels of 年度资金 rows (其中：当年财政拨款, 上年结转资金, 其他资金 …).
pub fn is_funds_label(c: &str) -> bool {
    c.chars().count() <= 20
        && ["资金", "拨款", "其中", "结转", "收入", "总额"]
            .iter()
            .any(|w| c.contains(w))
}

/// A column of the 绩效指标 block of a 绩效自评表.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndicatorColumn {
    Level1,
    Level2,
    Level3,
    /// 指标性质: =, ≥, ≤ printed apart from the value.
    Nature,
    Target,
    /// 度量单位 printed apart from the value.
    Unit,
    Actual,
    Weight,
    Score,
    Deviation,
    /// A heading of the templates the model has no field for (指标值设置依据, 上年完成值,
    /// 指标赋分规则, 佐证资料, 完成率).
    Other,
}

/// Which 绩效指标 column a heading names; None for a cell that is no heading.
pub fn indicator_column(h: &str) -> Option<IndicatorColumn> {
    use IndicatorColumn as C;
    if h.chars().count() > 12 {
        return None;
    }
    let column = match h {
        h if h.starts_with("一级") => C::Level1,
        h if h.starts_with("二级") => C::Level2,
        h if h.starts_with("三级") => C::Level3,
        h if ["依据", "规则", "佐证"].iter().any(|w| h.contains(w))
            || h.starts_with("上年")
            || h == "完成率" =>
        {
            C::Other
        }
        h if h.contains("性质") => C::Nature,
        h if h.contains("单位") => C::Unit,
        h if h.contains("指标值") || h.contains("目标值") => C::Target,
        h if h.contains("实际") || h.contains("完成值") => C::Actual,
        h if h == "分值" || h.contains("权重") => C::Weight,
        h if h.contains("得分") => C::Score,
        h if h.contains("偏差") || h.contains("原因") => C::Deviation,
        _ => return None,
    };
    Some(column)
}

/// The heading over the expected goals: 预期目标, or 总体目标 / 项目年度目标 in other templates.
pub fn is_expected_goal(h: &str) -> bool {
    matches!(
        h,
        "预期目标" | "总体目标" | "年度目标" | "项目年度目标" | "绩效目标"
    )
}

/// The heading over the goals' results: 实际完成情况, 总体目标完成情况, 年度目标完成情况.
pub fn is_actual_goal(h: &str) -> bool {
    h.starts_with("实际完成")
        || (h.ends_with("完成情况")
            && h.chars().count() <= 10
            && !h.starts_with(|c: char| c.is_ascii_digit()))
}

/// Labels before the name of the project or department, and its units.
pub const PROJECT_NAME_LABELS: [&str; 2] = ["项目支出名称", "项目名称"];
pub const DEPARTMENT_NAME_LABELS: [&str; 3] = ["预算部门名称", "部门名称", "单位名称"];

/// The labels that begin a table: 财政供养人员情况 (基础数据表), the name label (自评表).
pub fn is_table_start(c: &str) -> bool {
    let c = without_note(c);
    c.starts_with("财政供养人员")
        || PROJECT_NAME_LABELS.contains(&c)
        || (DEPARTMENT_NAME_LABELS.iter().any(|l| c.ends_with(l)) && c.chars().count() <= 10)
}

/// A label or heading of the tables: a cell that never holds a value.
pub fn is_label(c: &str) -> bool {
    const LABELS: [&str; 12] = [
        "主管部门",
        "实施单位",
        "年度总体目标",
        "编制数",
        "控制率",
        "财政供养人员",
        "经费控制情况",
        "楼堂馆所",
        "厉行节约",
        "总分",
        "合计",
        "绩效指标",
    ];
    let bare = without_note(c);
    is_table_start(c)
        || LABELS.iter().any(|l| bare.starts_with(l))
        || funds_column(c).is_some()
        || is_funds_total(c)
        || indicator_column(c).is_some()
        || is_expected_goal(c)
        || is_actual_goal(c)
        // an indicator's name: 产出指标, 数量指标, 满意度指标 …
        || (c.ends_with("指标") && c.chars().count() <= 10)
}

/// `实施单位(盖章)` → `实施单位`: a label without the note in brackets after it.
pub fn without_note(c: &str) -> &str {
    c.strip_suffix([')', '）'])
        .and_then(|s| s.rfind(['(', '（']))
        .map_or(c, |open| c[..open].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_of_the_templates() {
        use FundsColumn as F;
        let funds: Vec<_> = [
            "年初预算",
            "调整后预算数",
            "预算执行数",
            "预算执行率",
            "分值权重",
            "自评得分",
            "原因",
        ]
        .iter()
        .map(|h| funds_column(h))
        .collect();
        let want = [
            F::Initial,
            F::FullYear,
            F::Executed,
            F::Rate,
            F::Weight,
            F::Score,
            F::Note,
        ];
        assert_eq!(funds, want.map(Some));
        assert_eq!(funds_column("年度预算申请(万元)"), None);
        assert_eq!(
            indicator_column("指标值设置依据"),
            Some(IndicatorColumn::Other)
        );
        assert_eq!(
            indicator_column("指标实际完成值"),
            Some(IndicatorColumn::Actual)
        );
        assert_eq!(
            indicator_column("指标分值权重"),
            Some(IndicatorColumn::Weight)
        );
        assert_eq!(
            indicator_column("未完成原因分析"),
            Some(IndicatorColumn::Deviation)
        );
        assert_eq!(indicator_column("评分标准"), None);
        assert!(!is_table_start("实施单位(盖章)"));
        assert!(is_table_start("预算部门、单位名称"));
        assert!(is_label("实施单位(盖章)"));
        assert!(is_label("产出指标"));
        assert!(!is_label("阜康市统计局"));
        assert_eq!(without_note("实施单位 (盖章)"), "实施单位");
    }
}
