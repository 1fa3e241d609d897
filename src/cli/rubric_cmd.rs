//! `kaoping rubric upload | list | trial`: rubric versions of a database, for the operator on
//! the server (the same rules as `/api/v1/rubrics`).

use std::path::Path;

use super::calendar_cmd::{operator, service};
use super::{read, CliError, DbArgs};
use crate::service::{trial_csv, RubricUpload};

pub fn upload(file: &Path, db: &DbArgs) -> Result<String, CliError> {
    let v = service(db)?.upload_rubric(
        &operator(),
        RubricUpload {
            source: read(file)?,
        },
    )?;
    Ok(format!("{} {}（{}）", v.content_hash, v.id, v.title))
}

pub fn list(db: &DbArgs) -> Result<String, CliError> {
    let versions = service(db)?.rubric_versions(&operator())?;
    Ok(versions
        .iter()
        .map(|v| {
            let origin = match (&v.uploaded_at, &v.uploaded_by) {
                (Some(at), Some(by)) => format!("上传于 {at}，{by}"),
                _ => "内置".to_string(),
            };
            format!("{} {}（{}；{origin}）", v.content_hash, v.id, v.title)
        })
        .collect::<Vec<_>>()
        .join("\n"))
}

/// A score or rank, or a dash when there is none.
fn show<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "—".to_string(), |d| d.to_string())
}

pub fn trial(round: i64, hash: &str, format: &str, db: &DbArgs) -> Result<String, CliError> {
    let t = service(db)?.try_rubric(&operator(), round, hash)?;
    match format {
        "json" => serde_json::to_string_pretty(&t).map_err(CliError::Output),
        "csv" => Ok(String::from_utf8_lossy(&trial_csv(&t)).into_owned()),
        _ => {
            let mut out = format!(
                "轮次 {round}：{} → {}；总分变化的部门 {} 个\n",
                t.rubric_before,
                t.rubric_after,
                t.changed.len()
            );
            for d in t
                .departments
                .iter()
                .filter(|d| !d.items.is_empty() || d.error.is_some())
            {
                out.push_str(&format!(
                    "  {} {}：{} → {}，排名 {} → {}",
                    d.department,
                    d.name,
                    show(d.total_before),
                    show(d.total_after),
                    show(d.rank_before),
                    show(d.rank_after)
                ));
                for i in &d.items {
                    out.push_str(&format!(
                        "；{} {}→{}",
                        i.item,
                        show(i.before),
                        show(i.after)
                    ));
                }
                if let Some(e) = &d.error {
                    out.push_str(&format!("；无法评分：{e}"));
                }
                out.push('\n');
            }
            Ok(out.trim_end().to_string())
        }
    }
}
