//! Store rows to document: files as base64, times and stored JSON text as they are.

use base64::Engine as _;

use super::*;

pub(super) fn from_dump(dump: RoundDump, backend: &str, now: DateTime<Utc>) -> Archive {
    let file =
        |id: i64, name: String, content_type: String, sha256: String, size: i64, bytes: &[u8]| {
            FileDoc {
                id,
                name,
                content_type,
                sha256,
                size,
                content: BASE64.encode(bytes),
            }
        };
    // the audit log names tokens without a foreign key: one gone since is not named at all
    let known: HashSet<i64> = dump.tokens.iter().map(|t| t.id).collect();
    let r = dump.round;
    Archive {
        format: FORMAT.to_string(),
        version: VERSION,
        exported_at: now.to_rfc3339_opts(SecondsFormat::Micros, true),
        source: Source {
            backend: backend.to_string(),
            round_id: r.id,
        },
        round: RoundDoc {
            year: r.year,
            title: r.title,
            deadline: r.deadline,
            rubric_id: r.rubric_id,
            rubric_source: r.rubric_source,
            state: r.state,
            created_at: r.created_at,
            updated_at: r.updated_at,
            reviewers_per_submission: r.reviewers_per_submission,
            appeal_days: r.appeal_days,
            released_at: r.released_at,
            appeal_deadline: r.appeal_deadline,
            public_results: r.public_results,
            departments: dump.round_departments,
            department_timings: dump
                .timings
                .into_iter()
                .map(|t| TimingDoc {
                    department: t.department_code,
                    extended_deadline: t.extended_deadline,
                    receipt_seq: t.receipt_seq,
                    received_at: t.received_at,
                    received_via: t.received_via,
                })
                .collect(),
        },
        departments: dump
            .departments
            .into_iter()
            .map(|d| DepartmentDoc {
                code: d.code,
                name: d.name,
                category: d.category,
                parent_code: d.parent_code,
                created_at: d.created_at,
            })
            .collect(),
        tokens: dump
            .tokens
            .into_iter()
            .map(|t| TokenDoc {
                id: t.id,
                role: t.role,
                department_code: t.department_code,
                reviewer_id: t.reviewer_id,
                label: t.label,
                created_at: t.created_at,
                revoked_at: t.revoked_at,
            })
            .collect(),
        reviewers: dump
            .reviewers
            .into_iter()
            .map(|p| ReviewerDoc {
                id: p.id,
                name: p.name,
                department_code: p.department_code,
                lead: p.lead,
                created_at: p.created_at,
            })
            .collect(),
        reviewer_conflicts: dump
            .conflicts
            .into_iter()
            .map(|k| ConflictDoc {
                reviewer_id: k.reviewer_id,
                department_code: k.department_code,
                reason: k.reason,
                declared_at: k.declared_at,
            })
            .collect(),
        submissions: dump
            .submissions
            .into_iter()
            .map(|s| SubmissionDoc {
                evidence: s
                    .evidence
                    .into_iter()
                    .map(|f| file(f.id, f.name, f.content_type, f.sha256, f.size, &f.content))
                    .collect(),
                id: s.row.id,
                department_code: s.row.department_code,
                seq: s.row.seq,
                is_current: s.row.is_current,
                submitted_at: s.row.submitted_at,
                late: s.row.late,
                package: s.row.package,
                score_sheet: s.row.score_sheet,
                scored_with: s.row.scored_with,
                total_scaled: s.row.total_scaled,
                complete: s.row.complete,
                submitted_by: s.row.submitted_by,
                source_name: s.row.source_name,
            })
            .collect(),
        assignments: dump
            .assignments
            .into_iter()
            .map(|a| AssignmentDoc {
                department_code: a.department_code,
                reviewer_id: a.reviewer_id,
                assigned_at: a.assigned_at,
            })
            .collect(),
        review_items: dump
            .review_items
            .into_iter()
            .map(|v| ReviewItemDoc {
                department_code: v.department_code,
                item: v.item,
                version: v.version,
            })
            .collect(),
        judgments: dump
            .judgments
            .into_iter()
            .map(|j| JudgmentDoc {
                department_code: j.department_code,
                item: j.item,
                reviewer_id: j.reviewer_id,
                score: j.score,
                sub_scores: j.sub_scores,
                reason: j.reason,
                at: j.at,
            })
            .collect(),
        resolutions: dump
            .resolutions
            .into_iter()
            .map(|x| ResolutionDoc {
                department_code: x.department_code,
                item: x.item,
                kind: x.kind,
                score: x.score,
                sub_scores: x.sub_scores,
                reason: x.reason,
                by_name: x.by_name,
                at: x.at,
            })
            .collect(),
        appeals: dump
            .appeals
            .into_iter()
            .map(|a| AppealDoc {
                files: a
                    .files
                    .into_iter()
                    .map(|f| file(f.id, f.name, f.content_type, f.sha256, f.size, &f.content))
                    .collect(),
                id: a.row.id,
                department_code: a.row.department_code,
                item: a.row.item,
                reason: a.row.reason,
                state: a.row.state,
                filed_at: a.row.filed_at,
                filed_by: a.row.filed_by,
                score_before: a.row.score_before,
                score_after: a.row.score_after,
                decision_reason: a.row.decision_reason,
                decided_by: a.row.decided_by,
                decided_at: a.row.decided_at,
            })
            .collect(),
        audit_log: dump
            .audit
            .into_iter()
            .map(|e| AuditDoc {
                id: e.id,
                department_code: e.department_code,
                item: e.item,
                action: e.action,
                actor: e.actor,
                actor_token: e.actor_token.filter(|t| known.contains(t)),
                at: e.at,
                before: e.before,
                after: e.after,
                reason: e.reason,
            })
            .collect(),
        publications: dump
            .publications
            .into_iter()
            .map(|p| PublicationDoc {
                sheets: p
                    .sheets
                    .into_iter()
                    .map(|s| SheetDoc {
                        department_code: s.department_code,
                        sheet: s.sheet,
                    })
                    .collect(),
                version: p.row.version,
                published_at: p.row.published_at,
                published_by: p.row.published_by,
                reason: p.row.reason,
                snapshot: p.row.snapshot,
                sha256: p.row.sha256,
                departments: p.row.departments,
                ranked: p.row.ranked,
                diff: p.row.diff,
            })
            .collect(),
        sha256: String::new(),
    }
}
