use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Report;

/// 自评材料包: everything a department submits for one assessment round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub department: Department,
    /// 评价年度: the budget year evaluated (2024 for reports written in 2025).
    pub year: i32,
    /// 自评通知; absent when the department did not submit one.
    #[serde(default)]
    pub notice: Option<Notice>,
    /// 工作小组文件: the document establishing the self-evaluation working group.
    #[serde(default)]
    pub working_group: Option<WorkingGroupDocument>,
    /// 单位自查清单: which units had to self-check and whether they did.
    #[serde(default)]
    pub self_check: Option<SelfCheckList>,
    /// 自评报告 with its attached tables.
    #[serde(default)]
    pub report: Option<Report>,
    /// 佐证材料: evidence files referred to by the package.
    #[serde(default)]
    pub evidence: Vec<EvidenceRef>,
    /// When the finance bureau received the report. Set by the server, never by the department.
    #[serde(default)]
    pub submitted_at: Option<DateTime<Utc>>,
}

/// 预算部门, as a package names it. (Named apart in the OpenAPI document from the registered
/// department of the /departments routes, which would otherwise overwrite it.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PackageDepartment)]
pub struct Department {
    /// 部门编码, e.g. "430611001".
    #[serde(default)]
    pub code: Option<String>,
    pub name: String,
    pub level: DepartmentLevel,
}

/// 部门层级: decides whether a regional transfer-payment summary is part of the self-check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DepartmentLevel {
    /// 市级预算部门
    Municipal,
    /// 县、区级主管部门
    County,
}

/// 自评通知
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    #[serde(default)]
    pub title: Option<String>,
    /// 文号, e.g. "岳财绩〔2025〕3号".
    #[serde(default)]
    pub document_number: Option<String>,
    /// 印发日期
    #[serde(default)]
    pub issued_on: Option<NaiveDate>,
    /// The notice's full text, headings included.
    pub text: String,
    /// 附件: titles of the attachments the notice carries.
    #[serde(default)]
    pub attachments: Vec<String>,
    /// 盖章: whether the copy submitted bears the seal.
    #[serde(default)]
    pub sealed: Option<bool>,
    /// 扫描件，未能识读: the copy is a scan (or a photo) whose text could not be read; the items
    /// that rest on its text wait for a reviewer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scanned_unread: bool,
}

/// 工作小组文件: 预算绩效管理领导小组 / 绩效评价工作小组 document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkingGroupDocument {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub document_number: Option<String>,
    #[serde(default)]
    pub issued_on: Option<NaiveDate>,
    pub text: String,
    #[serde(default)]
    pub sealed: Option<bool>,
    /// 扫描件，未能识读 (see [`Notice::scanned_unread`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scanned_unread: bool,
}

/// 单位自查清单
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfCheckList {
    pub units: Vec<SelfCheckUnit>,
}

/// One unit that had to self-check (or, for a county department, the regional summary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfCheckUnit {
    pub kind: SelfCheckUnitKind,
    pub name: String,
    /// Whether the unit carried out its self-check (or the summary was made).
    pub done: bool,
    /// Where the proof is: an evidence file name or a page reference.
    #[serde(default)]
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SelfCheckUnitKind {
    /// 部门本级
    Own,
    /// 所属单位
    Subordinate,
    /// 转移支付项目单位
    TransferPayment,
    /// 县、区级主管部门汇总本区域转移支付情况
    RegionalSummary,
}

/// 佐证材料: a file the package refers to; its bytes live in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRef {
    pub name: String,
    /// What the file is evidence of, e.g. "notice", "working_group", "self_check".
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
}
