//! Reviewers, conflicts of interest (回避), assignments and each reviewer's queue.

use super::text::FreeText as _;
use std::collections::BTreeMap;

use super::audit::{entry, AuditBuild};
use super::review_views::{
    AssignmentIn, AssignmentView, AutoAssignIn, AutoAssignResult, ConflictIn, ConflictView, Me,
    QueueEntry, QueueItem, QueueTask, ReviewerIn, ReviewerView, Unfilled,
};
use super::views::RoundState;
use super::{Caller, Role, Service, ServiceError, ServiceResult};
use kaoping_domain::model::ItemStatus;
use kaoping_domain::review::Organisation;
use kaoping_domain::review::{AuditAction, ItemProgress, JudgmentEntry, ReviewerEntry};
use kaoping_store::{from_micros, micros, AssignmentRow, ConflictRow, ReviewerRow};

fn reviewer_view(row: ReviewerRow, conflicts: &[ConflictRow]) -> ReviewerView {
    ReviewerView {
        conflicts: conflicts
            .iter()
            .filter(|c| c.reviewer_id == row.id)
            .map(|c| ConflictView {
                department: c.department_code.clone(),
                reason: c.reason.clone(),
                declared_at: from_micros(c.declared_at),
            })
            .collect(),
        id: row.id,
        name: row.name,
        department: row.department_code,
        lead: row.lead,
        created_at: from_micros(row.created_at),
    }
}

fn assignment_view(a: &AssignmentRow, name: &str) -> AssignmentView {
    AssignmentView {
        round_id: a.round_id,
        department: a.department_code.clone(),
        reviewer_id: a.reviewer_id,
        reviewer: name.to_string(),
        assigned_at: from_micros(a.assigned_at),
    }
}

impl Service {
    pub(super) fn new_reviewer(
        &self,
        name: &str,
        department: Option<&str>,
        lead: bool,
    ) -> ServiceResult<ReviewerRow> {
        if name.trim().is_empty() {
            return Err(ServiceError::invalid("name", "name 不能为空"));
        }
        if let Some(code) = department {
            if self.store.department(code)?.is_none() {
                return Err(ServiceError::invalid(
                    "department",
                    format!("部门 {code} 不存在"),
                ));
            }
        }
        Ok(self
            .store
            .create_reviewer(name.trim(), department, lead, micros(self.now()))?)
    }

    /// Registers a reviewer (admin).
    pub fn create_reviewer(
        &self,
        caller: &Caller,
        input: ReviewerIn,
    ) -> ServiceResult<ReviewerView> {
        caller.require(&[Role::Admin])?;
        input.check_text()?;
        let row = self.new_reviewer(&input.name, input.department.as_deref(), input.lead)?;
        Ok(reviewer_view(row, &[]))
    }

    /// Every reviewer with their conflicts (admin).
    pub fn reviewers(&self, caller: &Caller) -> ServiceResult<Vec<ReviewerView>> {
        caller.require(&[Role::Admin])?;
        let conflicts = self.store.conflicts()?;
        Ok(self
            .store
            .reviewers()?
            .into_iter()
            .map(|r| reviewer_view(r, &conflicts))
            .collect())
    }

    /// The reviewer a reviewer token stands for.
    pub(super) fn me_reviewer(&self, caller: &Caller) -> ServiceResult<ReviewerRow> {
        let id = caller
            .reviewer
            .ok_or_else(|| ServiceError::Forbidden("the token stands for no reviewer".into()))?;
        self.store
            .reviewer(id)?
            .ok_or_else(|| ServiceError::Forbidden(format!("评审专家 {id} 不存在")))
    }

    /// Refuses a reviewer whose own unit is the department, above or below it in the
    /// department tree (within the round's rubric's `conflict_depth`), or who declared a
    /// conflict with it.
    pub(super) fn refuse_conflict(
        &self,
        me: &ReviewerRow,
        round_id: i64,
        code: &str,
    ) -> ServiceResult<()> {
        let depth = self.pinned_rubric(round_id)?.review.conflict_depth;
        // a single check needs only the units above the two departments, not the whole table
        let mut chains = Vec::new();
        for start in me.department_code.iter().map(String::as_str).chain([code]) {
            let mut at = start.to_string();
            for _ in 0..depth {
                let Some(parent) = self.store.department(&at)?.and_then(|d| d.parent_code) else {
                    break;
                };
                chains.push((at, Some(parent.clone())));
                at = parent;
            }
        }
        let organisation = Organisation::new(chains);
        self.refuse_conflict_in(me, &organisation, depth, code, &self.store.conflicts()?)
    }

    /// The whole department tree, for checking many reviewers against many departments.
    pub(super) fn organisation(&self) -> ServiceResult<Organisation> {
        Ok(Organisation::new(
            self.store
                .departments()?
                .into_iter()
                .map(|d| (d.code, d.parent_code)),
        ))
    }

    /// [`Service::refuse_conflict`] against a tree and conflicts already read.
    fn refuse_conflict_in(
        &self,
        me: &ReviewerRow,
        organisation: &Organisation,
        depth: u8,
        code: &str,
        conflicts: &[ConflictRow],
    ) -> ServiceResult<()> {
        if let Some(why) = me
            .department_code
            .as_deref()
            .and_then(|unit| organisation.relation(unit, code, depth))
        {
            return Err(ServiceError::ConflictOfInterest(format!(
                "评审专家 {} 须回避 {code}：{why}",
                me.name
            )));
        }
        if let Some(c) = conflicts
            .iter()
            .find(|c| c.reviewer_id == me.id && c.department_code == code)
        {
            return Err(ServiceError::ConflictOfInterest(format!(
                "评审专家 {} 已申报与 {code} 存在利害关系，须回避：{}",
                me.name, c.reason
            )));
        }
        Ok(())
    }

    /// Who the caller is.
    pub fn me(&self, caller: &Caller) -> ServiceResult<Me> {
        let reviewer = match caller.reviewer {
            Some(_) => {
                let row = self.me_reviewer(caller)?;
                Some(reviewer_view(row, &self.store.conflicts()?))
            }
            None => None,
        };
        Ok(Me {
            role: caller.role,
            department: caller.department.clone(),
            reviewer,
        })
    }

    /// Declares a conflict of interest (admin, or the reviewer themself): the reviewer is
    /// withdrawn from that department in rounds not yet released, with their judgments there.
    pub fn declare_conflict(
        &self,
        caller: &Caller,
        reviewer_id: i64,
        input: ConflictIn,
    ) -> ServiceResult<ReviewerView> {
        match caller.role {
            Role::Admin => {}
            Role::Reviewer if caller.reviewer == Some(reviewer_id) => {}
            _ => {
                return Err(ServiceError::Forbidden(
                    "only an admin or the reviewer themself declares a conflict".into(),
                ))
            }
        }
        input.check_text()?;
        let reviewer = self
            .store
            .reviewer(reviewer_id)?
            .ok_or_else(|| ServiceError::NotFound(format!("评审专家 {reviewer_id} 不存在")))?;
        if input.reason.trim().is_empty() {
            return Err(ServiceError::invalid(
                "reason",
                "reason 不能为空：请写明理由",
            ));
        }
        if self.store.department(&input.department)?.is_none() {
            return Err(ServiceError::invalid(
                "department",
                format!("部门 {} 不存在", input.department),
            ));
        }
        let now = micros(self.now());
        let reason = format!("回避：{}", input.reason.trim());
        let who = ReviewerEntry {
            reviewer_id,
            reviewer: reviewer.name.clone(),
        };
        self.store.declare_conflict(
            ConflictRow {
                reviewer_id,
                department_code: input.department.clone(),
                reason: input.reason.trim().to_string(),
                declared_at: now,
            },
            |a, judgments| {
                let mut out = vec![
                    entry(caller, now, a.round_id, AuditAction::ConflictDeclared)
                        .department(&a.department_code)
                        .after(&who)
                        .reason(&reason),
                ];
                out.extend(
                    judgments
                        .iter()
                        .map(|j| removed_judgment(caller, now, j, &reviewer.name).reason(&reason)),
                );
                out.push(
                    entry(caller, now, a.round_id, AuditAction::AssignmentRemoved)
                        .department(&a.department_code)
                        .before(&who)
                        .reason(&reason),
                );
                out
            },
        )?;
        let row = self
            .store
            .reviewer(reviewer_id)?
            .ok_or_else(|| ServiceError::NotFound(format!("评审专家 {reviewer_id} 不存在")))?;
        Ok(reviewer_view(row, &self.store.conflicts()?))
    }

    fn assignable_round(&self, caller: &Caller, round_id: i64) -> ServiceResult<super::Round> {
        caller.require(&[Role::Admin])?;
        let round = self.round(caller, round_id)?;
        if matches!(round.state, RoundState::Released | RoundState::Published) {
            return Err(ServiceError::Conflict(format!(
                "round {round_id} is {}: its reviewers are fixed",
                round.state.as_str()
            )));
        }
        Ok(round)
    }

    /// Assigns a reviewer to a department's submission (admin); a conflict of interest is
    /// refused.
    pub fn assign(
        &self,
        caller: &Caller,
        round_id: i64,
        input: AssignmentIn,
    ) -> ServiceResult<AssignmentView> {
        let round = self.assignable_round(caller, round_id)?;
        input.check_text()?;
        if !round.departments.contains(&input.department) {
            return Err(ServiceError::NotFound(format!(
                "department {} does not take part in round {round_id}",
                input.department
            )));
        }
        let reviewer = self.store.reviewer(input.reviewer)?.ok_or_else(|| {
            ServiceError::NotFound(format!("reviewer {} does not exist", input.reviewer))
        })?;
        self.refuse_conflict(&reviewer, round_id, &input.department)?;
        let row = AssignmentRow {
            round_id,
            department_code: input.department.clone(),
            reviewer_id: reviewer.id,
            assigned_at: micros(self.now()),
        };
        self.store.add_assignments(
            std::slice::from_ref(&row),
            &[added(caller, &row, &reviewer.name)],
        )?;
        Ok(assignment_view(&row, &reviewer.name))
    }

    /// Tops every department of the round up to `per_submission` reviewers, least-loaded
    /// reviewers first, never one with a conflict of interest (admin).
    pub fn auto_assign(
        &self,
        caller: &Caller,
        round_id: i64,
        input: AutoAssignIn,
    ) -> ServiceResult<AutoAssignResult> {
        let round = self.assignable_round(caller, round_id)?;
        let wanted = input
            .per_submission
            .unwrap_or(round.reviewers_per_submission);
        if !(1..=5).contains(&wanted) {
            return Err(ServiceError::invalid("per_submission", "between 1 and 5"));
        }
        let wanted = usize::try_from(wanted).unwrap_or(2);
        let reviewers = self.store.reviewers()?;
        let conflicts = self.store.conflicts()?;
        let organisation = self.organisation()?;
        let depth = self.pinned_rubric(round_id)?.review.conflict_depth;
        let existing = self.store.assignments(round_id, None)?;
        let mut load: BTreeMap<i64, usize> = reviewers.iter().map(|r| (r.id, 0)).collect();
        for (a, _) in &existing {
            *load.entry(a.reviewer_id).or_default() += 1;
        }
        let now = micros(self.now());
        let (mut rows, mut audit, mut created, mut unfilled) = (vec![], vec![], vec![], vec![]);
        for code in &round.departments {
            let mut have: Vec<i64> = existing
                .iter()
                .filter(|(a, _)| &a.department_code == code)
                .map(|(a, _)| a.reviewer_id)
                .collect();
            while have.len() < wanted {
                let pick = reviewers
                    .iter()
                    .filter(|r| !have.contains(&r.id))
                    .filter(|r| {
                        self.refuse_conflict_in(r, &organisation, depth, code, &conflicts)
                            .is_ok()
                    })
                    .min_by_key(|r| (load.get(&r.id).copied().unwrap_or(0), r.id));
                let Some(r) = pick else { break };
                *load.entry(r.id).or_default() += 1;
                have.push(r.id);
                let row = AssignmentRow {
                    round_id,
                    department_code: code.clone(),
                    reviewer_id: r.id,
                    assigned_at: now,
                };
                audit.push(added(caller, &row, &r.name));
                created.push(assignment_view(&row, &r.name));
                rows.push(row);
            }
            if have.len() < wanted {
                unfilled.push(Unfilled {
                    department: code.clone(),
                    assigned: have.len(),
                    wanted,
                });
            }
        }
        self.store.add_assignments(&rows, &audit)?;
        Ok(AutoAssignResult { created, unfilled })
    }

    /// Withdraws a reviewer from a submission with their judgments of it (admin, with a reason).
    pub fn unassign(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
        reviewer_id: i64,
        reason: &str,
    ) -> ServiceResult<()> {
        self.assignable_round(caller, round_id)?;
        if reason.trim().is_empty() {
            return Err(ServiceError::invalid(
                "reason",
                "say why the reviewer is withdrawn (?reason=…)",
            ));
        }
        let name = self
            .store
            .reviewer(reviewer_id)?
            .map(|r| r.name)
            .unwrap_or_default();
        let now = micros(self.now());
        self.store
            .remove_assignment(round_id, code, reviewer_id, |judgments| {
                let mut out: Vec<_> = judgments
                    .iter()
                    .map(|j| removed_judgment(caller, now, j, &name).reason(reason.trim()))
                    .collect();
                out.push(
                    entry(caller, now, round_id, AuditAction::AssignmentRemoved)
                        .department(code)
                        .before(&ReviewerEntry {
                            reviewer_id,
                            reviewer: name.clone(),
                        })
                        .reason(reason.trim()),
                );
                out
            })?;
        Ok(())
    }

    /// The round's assignments: all (admin), or the caller's own (reviewer).
    pub fn assignments(
        &self,
        caller: &Caller,
        round_id: i64,
    ) -> ServiceResult<Vec<AssignmentView>> {
        caller.require(&[Role::Admin, Role::Reviewer])?;
        self.round(caller, round_id)?;
        let only = match caller.role {
            Role::Reviewer => Some(self.me_reviewer(caller)?.id),
            _ => None,
        };
        Ok(self
            .store
            .assignments(round_id, only)?
            .iter()
            .map(|(a, n)| assignment_view(a, n))
            .collect())
    }

    /// A reviewer's queue: every submission assigned to them, with the items they judge.
    pub fn queue(&self, caller: &Caller) -> ServiceResult<Vec<QueueEntry>> {
        caller.require(&[Role::Reviewer])?;
        let me = self.me_reviewer(caller)?;
        let mut out = Vec::new();
        for a in self.store.reviewer_assignments(me.id)? {
            let round = self.round(caller, a.round_id)?;
            let department_name = self
                .store
                .department(&a.department_code)?
                .map(|d| d.name)
                .unwrap_or_default();
            let mut entry = QueueEntry {
                round_id: a.round_id,
                round_title: round.title.clone(),
                department: a.department_code.clone(),
                department_name,
                submitted: false,
                items: Vec::new(),
                done: false,
            };
            if self
                .store
                .current_submission(a.round_id, &a.department_code)?
                .is_some()
            {
                let r = self.reviewed(caller, a.round_id, &a.department_code)?;
                entry.submitted = true;
                entry.items = r
                    .result
                    .sheet
                    .items
                    .iter()
                    .filter(|i| {
                        !matches!(
                            r.result.progress.get(&i.code),
                            None | Some(ItemProgress::Automatic)
                        )
                    })
                    .map(|i| QueueItem {
                        item: i.code.clone(),
                        name: i.name.clone(),
                        judged: r
                            .rows
                            .judgments
                            .iter()
                            .any(|(j, _)| j.item == i.code && j.reviewer_id == me.id),
                        etag: r.item_etag(&i.code),
                        task: QueueTask::Judge,
                    })
                    .collect();
                entry.done = entry.items.iter().all(|i| i.judged);
            }
            out.push(entry);
        }
        if me.lead {
            out.extend(self.reconciliations(caller, &me)?);
        }
        Ok(out)
    }

    /// A lead reviewer's part of the queue (裁定): in every closed round, the items whose
    /// judgments differ by more than the rubric's threshold, unless the lead judged the item
    /// or conflicts with the department — another lead or an admin decides those.
    fn reconciliations(&self, caller: &Caller, me: &ReviewerRow) -> ServiceResult<Vec<QueueEntry>> {
        let mut out = Vec::new();
        for round in self.rounds(caller)? {
            if round.state != RoundState::Closed {
                continue;
            }
            let found = self.score_each(&round, |r| {
                let code = &r.submission.department_code;
                let items: Vec<QueueItem> = r
                    .result
                    .sheet
                    .items
                    .iter()
                    .filter(|i| i.status == ItemStatus::AwaitingReconciliation)
                    .filter(|i| {
                        !r.rows
                            .judgments
                            .iter()
                            .any(|(j, _)| j.item == i.code && j.reviewer_id == me.id)
                    })
                    .map(|i| QueueItem {
                        item: i.code.clone(),
                        name: i.name.clone(),
                        judged: false,
                        etag: r.item_etag(&i.code),
                        task: QueueTask::Reconcile,
                    })
                    .collect();
                Ok((!items.is_empty()).then(|| (code.clone(), items)))
            })?;
            for (code, items) in found.into_iter().flatten() {
                if self.refuse_conflict(me, round.id, &code).is_err() {
                    continue;
                }
                let department_name = self
                    .store
                    .department(&code)?
                    .map(|d| d.name)
                    .unwrap_or_default();
                out.push(QueueEntry {
                    round_id: round.id,
                    round_title: round.title.clone(),
                    department: code,
                    department_name,
                    submitted: true,
                    items,
                    done: false,
                });
            }
        }
        Ok(out)
    }
}

fn added(caller: &Caller, row: &AssignmentRow, name: &str) -> kaoping_store::NewAudit {
    entry(
        caller,
        row.assigned_at,
        row.round_id,
        AuditAction::AssignmentAdded,
    )
    .department(&row.department_code)
    .after(&ReviewerEntry {
        reviewer_id: row.reviewer_id,
        reviewer: name.to_string(),
    })
}

fn removed_judgment(
    caller: &Caller,
    now: i64,
    j: &kaoping_store::JudgmentRow,
    name: &str,
) -> kaoping_store::NewAudit {
    let before = super::review::review_score(j, name)
        .ok()
        .map(|judgment| JudgmentEntry {
            reviewer_id: j.reviewer_id,
            judgment,
        });
    entry(caller, now, j.round_id, AuditAction::JudgmentRemoved)
        .department(&j.department_code)
        .item(&j.item)
        .before(&before)
}
