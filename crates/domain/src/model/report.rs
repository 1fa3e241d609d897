use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{BasicDataTable, SelfEvalTable};

/// 部门整体支出绩效自评报告: the body (正文) and its attachments (附件).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The report's title as printed, lines joined.
    #[serde(default)]
    pub title: Option<String>,
    /// 正文: the top-level parts in document order.
    #[serde(default)]
    pub body: Vec<BodyPart>,
    /// 存在的问题: one entry per problem the department raises (its own, not its projects').
    #[serde(default)]
    pub problems: Vec<String>,
    /// 改进措施 / 建议: one entry per suggestion.
    #[serde(default)]
    pub suggestions: Vec<String>,
    /// 附件清单: the list of attachment titles printed at the end of the body. A title here is not
    /// an attachment: the table itself must be present.
    #[serde(default)]
    pub attachment_list: Vec<String>,
    /// 附件: 部门整体支出绩效评价基础数据表
    #[serde(default)]
    pub basic_data: Option<BasicDataTable>,
    /// 附件: 部门整体支出绩效自评表
    #[serde(default)]
    pub department_table: Option<SelfEvalTable>,
    /// 附件: 项目支出绩效自评表, one per project.
    #[serde(default)]
    pub project_tables: Vec<SelfEvalTable>,
    /// 项目支出绩效评价报告 bound into the same document; kept apart so that their problems and
    /// suggestions are not taken for the department's.
    #[serde(default)]
    pub project_reports: Vec<ProjectReport>,
}

/// One top-level part of the body: its heading as printed (numbering included) and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyPart {
    pub heading: String,
    /// The part's text, sub-headings included, one printed line per line.
    #[serde(default)]
    pub text: String,
}

/// 项目支出绩效评价报告
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectReport {
    pub title: String,
    /// 项目名称, when the report names it.
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub body: Vec<BodyPart>,
    #[serde(default)]
    pub problems: Vec<String>,
    #[serde(default)]
    pub suggestions: Vec<String>,
}
