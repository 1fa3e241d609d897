//! Document to store rows, after every check: references, uniqueness, files' sizes and hashes.

use base64::Engine as _;

use super::*;

/// Refuses a reference to something the archive does not hold.
fn must_hold<T: std::hash::Hash + Eq + std::fmt::Display>(
    set: &HashSet<T>,
    key: &T,
    what: &str,
    whose: impl FnOnce() -> String,
) -> Result<(), ArchiveError> {
    if set.contains(key) {
        Ok(())
    } else {
        Err(ArchiveError::Inconsistent(format!(
            "{} names {what} {key}, which the archive does not hold",
            whose()
        )))
    }
}

/// Refuses two rows of one kind with the same id.
fn unique<T: std::hash::Hash + Eq + std::fmt::Display + Copy>(
    ids: impl IntoIterator<Item = T>,
    what: &str,
) -> Result<HashSet<T>, ArchiveError> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(ArchiveError::Inconsistent(format!(
                "two {what}s have the id {id}"
            )));
        }
    }
    Ok(seen)
}

/// A file's bytes, refused unless they are valid base64 of the stated size and SHA-256.
fn file_bytes(f: &FileDoc, whose: &str) -> Result<Vec<u8>, ArchiveError> {
    let bytes = BASE64.decode(&f.content).map_err(|why| {
        ArchiveError::Inconsistent(format!(
            "the content of {whose} file {} ({}) is not base64: {why}",
            f.id, f.name
        ))
    })?;
    if i64::try_from(bytes.len()).ok() != Some(f.size) {
        return Err(ArchiveError::Inconsistent(format!(
            "{whose} file {} ({}) has {} bytes, not the stated {}",
            f.id,
            f.name,
            bytes.len(),
            f.size
        )));
    }
    let actual = crate::sha256_hex(&bytes);
    if !actual.eq_ignore_ascii_case(&f.sha256) {
        return Err(ArchiveError::Inconsistent(format!(
            "{whose} file {} ({}) hashes to {actual}, not the stated sha256 {}",
            f.id, f.name, f.sha256
        )));
    }
    Ok(bytes)
}

/// The departments' recorded timings, each naming a department of the round once, a date, and a
/// receipt whole (time, method and the seq of one of that department's submissions) or not at all.
fn timings(a: &Archive) -> Result<Vec<DepartmentTimingRow>, ArchiveError> {
    let round: HashSet<&String> = a.round.departments.iter().collect();
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(a.round.department_timings.len());
    for t in &a.round.department_timings {
        let bad = |what: &str| {
            ArchiveError::Inconsistent(format!("the timing of department {} {what}", t.department))
        };
        if !round.contains(&t.department) {
            return Err(bad("names a department that is not in the round"));
        }
        if !seen.insert(&t.department) {
            return Err(bad("is listed twice"));
        }
        if let Some(d) = &t.extended_deadline {
            d.parse::<chrono::NaiveDate>()
                .map_err(|_| bad("has an extended deadline that is not a date"))?;
        }
        match (t.receipt_seq, t.received_at, t.received_via.as_deref()) {
            (None, None, None) => {}
            (Some(seq), Some(_), Some(via)) => {
                if kaoping_domain::scoring::ReceiptMethod::parse(via).is_none() {
                    return Err(bad("has an unknown receipt method"));
                }
                if !a
                    .submissions
                    .iter()
                    .any(|s| s.department_code == t.department && s.seq == seq)
                {
                    return Err(bad("records a receipt for a submission not in the archive"));
                }
            }
            _ => return Err(bad("has a receipt with a part missing")),
        }
        out.push(DepartmentTimingRow {
            department_code: t.department.clone(),
            extended_deadline: t.extended_deadline.clone(),
            receipt_seq: t.receipt_seq,
            received_at: t.received_at,
            received_via: t.received_via.clone(),
        });
    }
    Ok(out)
}

/// The rows to write, after checking that every reference resolves inside the archive and every
/// file is what it says; and one revoked placeholder per original token.
pub(super) fn to_dump(
    a: &Archive,
    now: i64,
    calendar_revision: i64,
) -> Result<(RoundDump, Vec<PlaceholderToken>), ArchiveError> {
    let round_id = a.source.round_id;
    let codes: HashSet<String> = a.departments.iter().map(|d| d.code.clone()).collect();
    if codes.len() != a.departments.len() {
        return Err(ArchiveError::Inconsistent(
            "a department code is listed twice".into(),
        ));
    }
    let department =
        |code: &String, whose: &dyn Fn() -> String| must_hold(&codes, code, "department", whose);
    let token_ids = unique(a.tokens.iter().map(|t| t.id), "token")?;
    let reviewer_ids = unique(a.reviewers.iter().map(|r| r.id), "reviewer")?;
    unique(a.submissions.iter().map(|s| s.id), "submission")?;
    unique(
        a.submissions
            .iter()
            .flat_map(|s| s.evidence.iter().map(|f| f.id)),
        "evidence file",
    )?;
    unique(a.appeals.iter().map(|x| x.id), "appeal")?;
    unique(
        a.appeals.iter().flat_map(|x| x.files.iter().map(|f| f.id)),
        "appeal file",
    )?;
    unique(a.audit_log.iter().map(|e| e.id), "audit entry")?;
    unique(
        a.publications.iter().map(|p| p.version),
        "publication version",
    )?;

    for d in &a.departments {
        if let Some(p) = &d.parent_code {
            department(p, &|| format!("department {}", d.code))?;
        }
    }
    for code in &a.round.departments {
        department(code, &|| "the round".to_string())?;
    }
    let timings = timings(a)?;
    for t in &a.tokens {
        if let Some(code) = &t.department_code {
            department(code, &|| format!("token {}", t.id))?;
        }
        if let Some(r) = &t.reviewer_id {
            must_hold(&reviewer_ids, r, "reviewer", || format!("token {}", t.id))?;
        }
    }
    for r in &a.reviewers {
        if let Some(code) = &r.department_code {
            department(code, &|| format!("reviewer {}", r.id))?;
        }
    }
    for k in &a.reviewer_conflicts {
        must_hold(&reviewer_ids, &k.reviewer_id, "reviewer", || {
            "a conflict of interest".to_string()
        })?;
        department(&k.department_code, &|| {
            format!("reviewer {}'s conflict of interest", k.reviewer_id)
        })?;
    }
    let mut submissions = Vec::with_capacity(a.submissions.len());
    for s in &a.submissions {
        let whose = || format!("submission {}", s.id);
        department(&s.department_code, &whose)?;
        must_hold(&token_ids, &s.submitted_by, "token", whose)?;
        let mut evidence = Vec::with_capacity(s.evidence.len());
        for f in &s.evidence {
            evidence.push(EvidenceRow {
                id: f.id,
                submission_id: s.id,
                name: f.name.clone(),
                content_type: f.content_type.clone(),
                sha256: f.sha256.clone(),
                size: f.size,
                content: file_bytes(f, &format!("submission {}'s evidence", s.id))?,
            });
        }
        submissions.push(SubmissionDump {
            row: SubmissionRow {
                id: s.id,
                round_id,
                department_code: s.department_code.clone(),
                seq: s.seq,
                is_current: s.is_current,
                submitted_at: s.submitted_at,
                late: s.late,
                package: s.package.clone(),
                score_sheet: s.score_sheet.clone(),
                scored_with: s.scored_with.clone(),
                total_scaled: s.total_scaled,
                complete: s.complete,
                submitted_by: s.submitted_by,
                source_name: s.source_name.clone(),
            },
            evidence,
        });
    }
    for x in &a.assignments {
        let whose = || format!("an assignment to {}", x.department_code);
        department(&x.department_code, &whose)?;
        must_hold(&reviewer_ids, &x.reviewer_id, "reviewer", whose)?;
    }
    for v in &a.review_items {
        department(&v.department_code, &|| format!("item version {}", v.item))?;
    }
    for j in &a.judgments {
        let whose = || format!("a judgment of {} {}", j.department_code, j.item);
        department(&j.department_code, &whose)?;
        must_hold(&reviewer_ids, &j.reviewer_id, "reviewer", whose)?;
    }
    for x in &a.resolutions {
        department(&x.department_code, &|| {
            format!("a resolution of {} {}", x.department_code, x.item)
        })?;
    }
    for e in &a.audit_log {
        if let Some(t) = &e.actor_token {
            must_hold(&token_ids, t, "token", || format!("audit entry {}", e.id))?;
        }
    }
    let mut appeals = Vec::with_capacity(a.appeals.len());
    for x in &a.appeals {
        let whose = || format!("appeal {}", x.id);
        department(&x.department_code, &whose)?;
        must_hold(&token_ids, &x.filed_by, "token", whose)?;
        let mut files = Vec::with_capacity(x.files.len());
        for f in &x.files {
            files.push(AppealFileRow {
                id: f.id,
                appeal_id: x.id,
                name: f.name.clone(),
                content_type: f.content_type.clone(),
                sha256: f.sha256.clone(),
                size: f.size,
                content: file_bytes(f, &format!("appeal {}'s", x.id))?,
            });
        }
        appeals.push(AppealDump {
            row: AppealRow {
                id: x.id,
                round_id,
                department_code: x.department_code.clone(),
                item: x.item.clone(),
                reason: x.reason.clone(),
                state: x.state.clone(),
                filed_at: x.filed_at,
                filed_by: x.filed_by,
                score_before: x.score_before.clone(),
                score_after: x.score_after.clone(),
                decision_reason: x.decision_reason.clone(),
                decided_by: x.decided_by.clone(),
                decided_at: x.decided_at,
            },
            files,
        });
    }

    let placeholders = a
        .tokens
        .iter()
        .map(|t| PlaceholderToken {
            source_id: t.id,
            // not the hex SHA-256 of anything: no presented token can hash to it
            token_hash: format!("imported:{}:{}", a.sha256, t.id),
            role: t.role.clone(),
            department_code: t.department_code.clone(),
            reviewer_id: t.reviewer_id,
            label: Some(match &t.label {
                Some(l) if l.starts_with(PLACEHOLDER_LABEL) => l.clone(),
                Some(l) => format!("{PLACEHOLDER_LABEL}: {l}"),
                None => PLACEHOLDER_LABEL.to_string(),
            }),
            created_at: t.created_at,
            revoked_at: t.revoked_at.unwrap_or(now),
        })
        .collect();

    let r = &a.round;
    let dump = RoundDump {
        round: RoundRow {
            id: round_id,
            year: r.year,
            title: r.title.clone(),
            deadline: r.deadline.clone(),
            rubric_id: r.rubric_id.clone(),
            rubric_source: r.rubric_source.clone(),
            state: r.state.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            reviewers_per_submission: r.reviewers_per_submission,
            appeal_days: r.appeal_days,
            released_at: r.released_at,
            appeal_deadline: r.appeal_deadline.clone(),
            public_results: r.public_results,
            // scored here with this database's calendar as it is now
            calendar_revision,
        },
        round_departments: r.departments.clone(),
        timings,
        departments: a
            .departments
            .iter()
            .map(|d| DepartmentRow {
                id: 0,
                code: d.code.clone(),
                name: d.name.clone(),
                category: d.category.clone(),
                parent_code: d.parent_code.clone(),
                created_at: d.created_at,
            })
            .collect(),
        tokens: a
            .tokens
            .iter()
            .map(|t| TokenRef {
                id: t.id,
                role: t.role.clone(),
                department_code: t.department_code.clone(),
                label: t.label.clone(),
                created_at: t.created_at,
                revoked_at: t.revoked_at,
                reviewer_id: t.reviewer_id,
            })
            .collect(),
        reviewers: a
            .reviewers
            .iter()
            .map(|p| ReviewerRow {
                id: p.id,
                name: p.name.clone(),
                department_code: p.department_code.clone(),
                lead: p.lead,
                created_at: p.created_at,
            })
            .collect(),
        conflicts: a
            .reviewer_conflicts
            .iter()
            .map(|k| ConflictRow {
                reviewer_id: k.reviewer_id,
                department_code: k.department_code.clone(),
                reason: k.reason.clone(),
                declared_at: k.declared_at,
            })
            .collect(),
        submissions,
        assignments: a
            .assignments
            .iter()
            .map(|x| AssignmentRow {
                round_id,
                department_code: x.department_code.clone(),
                reviewer_id: x.reviewer_id,
                assigned_at: x.assigned_at,
            })
            .collect(),
        review_items: a
            .review_items
            .iter()
            .map(|v| ReviewItemRow {
                round_id,
                department_code: v.department_code.clone(),
                item: v.item.clone(),
                version: v.version,
            })
            .collect(),
        judgments: a
            .judgments
            .iter()
            .map(|j| JudgmentRow {
                round_id,
                department_code: j.department_code.clone(),
                item: j.item.clone(),
                reviewer_id: j.reviewer_id,
                score: j.score.clone(),
                sub_scores: j.sub_scores.clone(),
                reason: j.reason.clone(),
                at: j.at,
            })
            .collect(),
        resolutions: a
            .resolutions
            .iter()
            .map(|x| ResolutionRow {
                round_id,
                department_code: x.department_code.clone(),
                item: x.item.clone(),
                kind: x.kind.clone(),
                score: x.score.clone(),
                sub_scores: x.sub_scores.clone(),
                reason: x.reason.clone(),
                by_name: x.by_name.clone(),
                at: x.at,
            })
            .collect(),
        appeals,
        audit: a
            .audit_log
            .iter()
            .map(|e| AuditRow {
                id: e.id,
                round_id,
                department_code: e.department_code.clone(),
                item: e.item.clone(),
                action: e.action.clone(),
                actor: e.actor.clone(),
                actor_token: e.actor_token,
                at: e.at,
                before: e.before.clone(),
                after: e.after.clone(),
                reason: e.reason.clone(),
            })
            .collect(),
        publications: a
            .publications
            .iter()
            .map(|p| PublicationDump {
                row: PublicationRow {
                    round_id,
                    version: p.version,
                    published_at: p.published_at,
                    published_by: p.published_by.clone(),
                    reason: p.reason.clone(),
                    snapshot: p.snapshot.clone(),
                    sha256: p.sha256.clone(),
                    departments: p.departments,
                    ranked: p.ranked,
                    diff: p.diff.clone(),
                },
                sheets: p
                    .sheets
                    .iter()
                    .map(|s| PublishedSheetRow {
                        round_id,
                        version: p.version,
                        department_code: s.department_code.clone(),
                        sheet: s.sheet.clone(),
                    })
                    .collect(),
            })
            .collect(),
    };
    Ok((dump, placeholders))
}
