//! 结果公布: publishing a round's results as immutable versions, and reading them back:
//! versions and their differences, rankings, exports, a department's own published sheet.

use super::text::FreeText as _;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use serde_json::json;
use sha2::{Digest, Sha256};

use super::audit::{entry, AuditBuild};
use super::publish_head::Head;
use super::publish_views::{
    Export, PublicationDetail, PublicationView, PublishIn, PublishedSheetView, RankingQuery,
    RankingView, Ties,
};
use super::views::RoundState;
use super::{hex, Caller, Role, Service, ServiceError, ServiceResult};
use kaoping_domain::ranking::{
    self, ItemInfo, PublishedDepartment, RankedRow, Snapshot, Summary, VersionDiff,
};
use kaoping_domain::review::AuditAction;
use kaoping_domain::rubric::TieRule;
use kaoping_store::{
    from_micros, micros, NewPublication, PublicationMeta, PublicationRow, RoundChange,
};

/// The webhook event of every publication.
pub const PUBLISHED_EVENT: &str = "round.published";
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;
/// Versions kept parsed in memory; each holds its rankings as they are asked for.
const CACHED_VERSIONS: usize = 32;

/// A version's rankings by tie rule and category (None: all).
type Rankings = HashMap<(TieRule, Option<String>), Arc<Ranked>>;

/// A published version, parsed once, with its rankings computed on first use.
pub struct Published {
    pub snapshot: Snapshot,
    pub diff: Option<VersionDiff>,
    pub meta: PublicationMeta,
    /// Every category of the round, sorted.
    pub categories: Vec<String>,
    rankings: Mutex<Rankings>,
    /// Rankings pages as served (JSON), so dashboards polling a version cost a lookup.
    pages: Mutex<HashMap<PageKey, Bytes>>,
}

/// A rankings page: tie rule, category, offset, limit, and the latest version it names.
type PageKey = (TieRule, Option<String>, usize, usize, i32);
/// Pages kept per version before the cache starts again.
const CACHED_PAGES: usize = 256;

/// One ranking of a version and its summary.
pub struct Ranked {
    pub rows: Vec<RankedRow>,
    pub summary: Summary,
}

impl Published {
    fn from_row(row: PublicationRow) -> ServiceResult<Self> {
        let snapshot: Snapshot = serde_json::from_str(&row.snapshot)?;
        let categories: BTreeSet<&str> = snapshot
            .departments
            .iter()
            .map(|d| d.category.as_str())
            .collect();
        let categories = categories.into_iter().map(str::to_string).collect();
        Ok(Published {
            categories,
            pages: Mutex::default(),
            snapshot,
            diff: row.diff.as_deref().map(serde_json::from_str).transpose()?,
            meta: PublicationMeta {
                round_id: row.round_id,
                version: row.version,
                published_at: row.published_at,
                published_by: row.published_by,
                reason: row.reason,
                sha256: row.sha256,
                departments: row.departments,
                ranked: row.ranked,
            },
            rankings: Mutex::default(),
        })
    }

    /// The ranking under `rule` of `category` (all when None), computed once.
    pub fn ranked(&self, rule: TieRule, category: Option<&str>) -> Arc<Ranked> {
        let key = (rule, category.map(str::to_string));
        if let Some(r) = self.rankings.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return r;
        }
        let rows = ranking::rank(&self.snapshot, rule, category);
        let summary = ranking::summarize(&self.snapshot, &rows);
        let r = Arc::new(Ranked { rows, summary });
        if let Ok(mut m) = self.rankings.lock() {
            m.insert(key, r.clone());
        }
        r
    }
}

/// Parsed versions by (round, version).
pub(super) type PublishedCache = Arc<std::sync::RwLock<HashMap<(i64, i32), Arc<Published>>>>;

fn view(meta: &PublicationMeta) -> PublicationView {
    PublicationView {
        round_id: meta.round_id,
        version: meta.version,
        published_at: from_micros(meta.published_at),
        published_by: meta.published_by.clone(),
        reason: meta.reason.clone(),
        sha256: meta.sha256.clone(),
        departments: meta.departments,
        ranked: meta.ranked,
        not_submitted: meta.departments - meta.ranked,
        rankings_url: format!(
            "/api/v1/rounds/{}/rankings?version={}",
            meta.round_id, meta.version
        ),
    }
}

/// Which page of which ranking a rankings response is (its ETag is made from this).
pub struct RankingPage {
    pub version: i32,
    pub latest_version: i32,
    pub tie_rule: TieRule,
    pub category: Option<String>,
    pub offset: usize,
    pub limit: usize,
}

/// A version read: which one, whether it is the latest, whether anyone may read it.
pub struct Target {
    pub published: Arc<Published>,
    pub latest: i32,
    pub public: bool,
    /// A version was named, so the response never changes.
    pub pinned: bool,
}

impl Service {
    /// Publishes the round's results as a new version (admin): every submitted sheet must be
    /// fully scored; a version with nothing changed is refused; webhooks are told.
    pub fn publish(
        &self,
        caller: &Caller,
        round_id: i64,
        input: PublishIn,
    ) -> ServiceResult<PublicationView> {
        caller.require(&[Role::Admin])?;
        input.check_text()?;
        let round = self.round(caller, round_id)?;
        if round.state == RoundState::Open {
            return Err(ServiceError::Conflict(format!(
                "round {round_id} is open: close it and have it judged before publishing"
            )));
        }
        let started = std::time::Instant::now();
        let names = self.department_names()?;
        let mut prepared = self.prepared_sheets(&round, &names)?;
        let scored = started.elapsed();
        let rubric = self.pinned_rubric(round_id)?;
        let previous = match self.store.latest_version(round_id)? {
            Some(v) => Some(self.published(round_id, v)?),
            None => None,
        };
        let reason = input
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let reason = match (reason, &previous) {
            (Some(r), _) => r.to_string(),
            (None, None) => "首次公布".to_string(),
            (None, Some(_)) => {
                return Err(ServiceError::invalid(
                    "reason",
                    "a new version needs the reason for it, e.g. the appeal upheld or the correction made",
                ))
            }
        };
        let now = self.now();
        let departments: Vec<PublishedDepartment> = round
            .departments
            .iter()
            .map(|code| match prepared.get(code) {
                Some(p) => p.department.clone(),
                None => {
                    let (name, category) = names.get(code).cloned().unwrap_or_default();
                    PublishedDepartment::new(code, &name, &category, None, false)
                }
            })
            .collect();
        let version = previous.as_ref().map_or(1, |p| p.meta.version + 1);
        let snapshot = Snapshot {
            round_id,
            year: round.year,
            title: round.title.clone(),
            version,
            published_at: now,
            published_by: caller.actor(),
            reason: reason.clone(),
            rubric: rubric.id.clone(),
            cutoffs: rubric.grades.clone(),
            tie_rule: rubric.ranking.tie_rule,
            items: rubric.items.iter().map(ItemInfo::from).collect(),
            departments,
        };
        if let Some(p) = previous
            .as_ref()
            .filter(|p| ranking::same_results(&p.snapshot, &snapshot))
        {
            return Err(ServiceError::Conflict(format!(
                "nothing changed since version {} of round {round_id}: no new version",
                p.meta.version
            )));
        }
        let diff = previous.as_ref().map(|p| {
            ranking::diff(&p.snapshot, &snapshot, |code, item| {
                let reasons = &prepared.get(code)?.reasons;
                reasons
                    .iter()
                    .find(|(i, _)| i == item)
                    .map(|(_, why)| why.clone())
            })
        });
        let built = started.elapsed();
        let snapshot_json = serde_json::to_string(&snapshot)?;
        // in the snapshot's order, which the checksum follows
        let sheet_rows: Vec<(String, String)> = snapshot
            .departments
            .iter()
            .filter_map(|d| {
                let p = prepared.remove(&d.code)?;
                Some((d.code.clone(), p.json))
            })
            .collect();
        let mut hasher = Sha256::new();
        hasher.update(snapshot_json.as_bytes());
        for (_, text) in &sheet_rows {
            hasher.update(text.as_bytes());
        }
        let sha256 = hex(&hasher.finalize());
        let total = snapshot.departments.len();
        let ranked = sheet_rows.len();
        let payload = json!({
            "event": PUBLISHED_EVENT,
            "round_id": round_id,
            "year": round.year,
            "title": round.title,
            "version": version,
            "previous_version": previous.as_ref().map(|p| p.meta.version),
            "published_at": now,
            "reason": reason,
            "sha256": sha256,
            "departments": total,
            "ranked": ranked,
            "not_submitted": total - ranked,
            "rankings_url": format!("/api/v1/rounds/{round_id}/rankings?version={version}"),
            "csv_url": format!("/api/v1/rounds/{round_id}/rankings.csv?version={version}"),
            "xlsx_url": format!("/api/v1/rounds/{round_id}/rankings.xlsx?version={version}"),
            "diff": diff,
        })
        .to_string();
        let mut change = if round.released_at.is_none() {
            self.release_change(&round)?
        } else {
            RoundChange::default()
        };
        change.state = Some(RoundState::Published.as_str().to_string());
        change.updated_at = Some(micros(now));
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        let at = micros(now);
        let audit = entry(caller, at, round_id, AuditAction::Published)
            .after(&json!({ "version": version, "sha256": sha256, "departments": total, "ranked": ranked }))
            .reason(&reason);
        let encoded = started.elapsed();
        let meta = self.store.publish(NewPublication {
            row: PublicationRow {
                round_id,
                version,
                published_at: at,
                published_by: caller.actor(),
                reason,
                snapshot: snapshot_json,
                sha256,
                departments: count(total),
                ranked: count(ranked),
                diff: diff.as_ref().map(serde_json::to_string).transpose()?,
            },
            sheets: sheet_rows,
            from_states: &["closed", "released", "published"],
            round_change: change,
            event: PUBLISHED_EVENT,
            payload,
            audit: vec![audit],
        })?;
        self.forget_head(round_id);
        tracing::info!(
            round_id,
            version,
            departments = total,
            scored_ms = scored.as_millis(),
            built_ms = built.as_millis(),
            encoded_ms = encoded.as_millis(),
            stored_ms = started.elapsed().as_millis(),
            "published"
        );
        self.notify_webhooks();
        Ok(view(&meta))
    }

    /// A version, parsed once and kept.
    fn published(&self, round_id: i64, version: i32) -> ServiceResult<Arc<Published>> {
        if let Some(p) = self
            .published
            .read()
            .ok()
            .and_then(|m| m.get(&(round_id, version)).cloned())
        {
            return Ok(p);
        }
        let row = self.store.publication(round_id, version)?.ok_or_else(|| {
            ServiceError::NotFound(format!(
                "round {round_id} has no published version {version}"
            ))
        })?;
        let p = Arc::new(Published::from_row(row)?);
        if let Ok(mut m) = self.published.write() {
            if m.len() >= CACHED_VERSIONS {
                m.clear();
            }
            m.insert((round_id, version), p.clone());
        }
        Ok(p)
    }

    /// The round's head: from memory when read less than a second ago, else from the store.
    fn head(&self, round_id: i64) -> ServiceResult<Head> {
        if let Some(h) = self.heads.fresh(round_id) {
            return Ok(h);
        }
        let (public, latest) = self
            .store
            .publication_head(round_id)?
            .ok_or_else(|| ServiceError::NotFound(format!("第 {round_id} 轮不存在")))?;
        let head = Head { public, latest };
        self.heads.put(round_id, head);
        Ok(head)
    }

    /// After a publication or a settings change of the round by this instance.
    pub(super) fn forget_head(&self, round_id: i64) {
        self.heads.forget(round_id);
    }

    /// The version a reader asks for (the latest when None), if the reader may see it: any
    /// token once published, no token when the round's results are public.
    pub fn publication_target(
        &self,
        caller: Option<&Caller>,
        round_id: i64,
        version: Option<i32>,
    ) -> ServiceResult<Target> {
        let head = self.head(round_id)?;
        let access = access(caller, round_id, version, head)?;
        if access.membership {
            if let Some(c) = caller {
                self.round(c, round_id)?;
            }
        }
        Ok(Target {
            published: self.published(round_id, access.version)?,
            latest: access.latest,
            public: head.public,
            pinned: version.is_some(),
        })
    }

    /// [`Service::publication_target`] when it can be decided from memory alone (a fresh head,
    /// the version parsed, no membership to look up); None when the store is needed.
    fn cached_target(
        &self,
        caller: Option<&Caller>,
        round_id: i64,
        version: Option<i32>,
    ) -> Option<ServiceResult<Target>> {
        let head = self.heads.fresh(round_id)?;
        let access = match access(caller, round_id, version, head) {
            Ok(a) if a.membership => return None,
            Ok(a) => a,
            Err(e) => return Some(Err(e)),
        };
        let published = self
            .published
            .read()
            .ok()?
            .get(&(round_id, access.version))
            .cloned()?;
        Some(Ok(Target {
            published,
            latest: access.latest,
            public: head.public,
            pinned: version.is_some(),
        }))
    }

    /// Every published version of the round, oldest first.
    pub fn publications(
        &self,
        caller: Option<&Caller>,
        round_id: i64,
    ) -> ServiceResult<Vec<PublicationView>> {
        self.publication_target(caller, round_id, None)?;
        Ok(self
            .store
            .publications(round_id)?
            .iter()
            .map(view)
            .collect())
    }

    /// One version and what changed from the one before.
    pub fn publication(
        &self,
        caller: Option<&Caller>,
        round_id: i64,
        version: i32,
    ) -> ServiceResult<PublicationDetail> {
        let t = self.publication_target(caller, round_id, Some(version))?;
        Ok(PublicationDetail {
            publication: view(&t.published.meta),
            diff: t.published.diff.clone(),
        })
    }

    /// A page of a version's ranking, with its rule, cut-offs and summary, as served JSON.
    pub fn rankings(
        &self,
        caller: Option<&Caller>,
        round_id: i64,
        q: &RankingQuery,
    ) -> ServiceResult<(Bytes, RankingPage, Target)> {
        let (offset, limit) = page_bounds(q)?;
        let t = self.publication_target(caller, round_id, q.version)?;
        let (key, page) = page_of(q, &t, offset, limit);
        if let Some(bytes) = cached_page(&t, &key) {
            return Ok((bytes, page, t));
        }
        let view = self.ranking_view(round_id, &t, key.0, q.category.as_deref(), offset, limit);
        let bytes = Bytes::from(serde_json::to_vec(&view)?);
        if let Ok(mut m) = t.published.pages.lock() {
            if m.len() >= CACHED_PAGES {
                m.clear();
            }
            m.insert(key, bytes.clone());
        }
        Ok((bytes, page, t))
    }

    /// [`Service::rankings`] when the page is already in memory and the reader's access can be
    /// decided there: no store, no blocking, so a handler may answer on its own thread. None
    /// when the full path is needed.
    pub fn rankings_in_memory(
        &self,
        caller: Option<&Caller>,
        round_id: i64,
        q: &RankingQuery,
    ) -> Option<ServiceResult<(Bytes, RankingPage, Target)>> {
        let (offset, limit) = match page_bounds(q) {
            Ok(b) => b,
            Err(e) => return Some(Err(e)),
        };
        let t = match self.cached_target(caller, round_id, q.version)? {
            Ok(t) => t,
            Err(e) => return Some(Err(e)),
        };
        let (key, page) = page_of(q, &t, offset, limit);
        let bytes = cached_page(&t, &key)?;
        Some(Ok((bytes, page, t)))
    }

    fn ranking_view(
        &self,
        round_id: i64,
        t: &Target,
        rule: TieRule,
        category: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> RankingView {
        let ranked = t.published.ranked(rule, category);
        let s = &t.published.snapshot;
        RankingView {
            round_id,
            year: s.year,
            title: s.title.clone(),
            version: s.version,
            latest_version: t.latest,
            published_at: s.published_at,
            rubric: s.rubric.clone(),
            tie_rule: rule,
            tie_rule_description: rule.describe().to_string(),
            cutoffs: s.cutoffs.clone(),
            category: category.map(str::to_string),
            categories: t.published.categories.clone(),
            items: s.items.clone(),
            summary: ranked.summary.clone(),
            offset,
            limit,
            total_rows: ranked.rows.len(),
            rows: ranked
                .rows
                .iter()
                .skip(offset)
                .take(limit)
                .cloned()
                .collect(),
        }
    }

    /// A version's ranking as CSV (UTF-8 with BOM) or XLSX.
    pub fn export(
        &self,
        caller: Option<&Caller>,
        round_id: i64,
        q: &RankingQuery,
        xlsx: bool,
    ) -> ServiceResult<Export> {
        if q.offset.is_some() || q.limit.is_some() {
            let field = if q.offset.is_some() {
                "offset"
            } else {
                "limit"
            };
            return Err(ServiceError::invalid(
                field,
                "an export holds the whole ranking; page through the JSON rankings instead",
            ));
        }
        let t = self.publication_target(caller, round_id, q.version)?;
        let (rule, category) = (rule_of(q.ties), q.category.as_deref());
        let ranked = t.published.ranked(rule, category);
        let s = &t.published.snapshot;
        let (bytes, ext) = if xlsx {
            let bytes = ranking::export::xlsx(s, &ranked.rows, rule, category)
                .map_err(|e| ServiceError::Conflict(format!("cannot write the workbook: {e}")))?;
            (bytes, "xlsx")
        } else {
            (ranking::export::csv(s, &ranked.rows, rule, category), "csv")
        };
        Ok(Export {
            bytes,
            file_name: format!("rankings-round{round_id}-v{}.{ext}", s.version),
            etag: ranking_etag(round_id, s.version, rule, category, ext),
            public: t.public,
            pinned: t.pinned,
        })
    }

    /// A department's published sheet and rank (any token for any department, except that a
    /// department reads only its own).
    pub fn published_sheet(
        &self,
        caller: &Caller,
        round_id: i64,
        code: &str,
        version: Option<i32>,
    ) -> ServiceResult<PublishedSheetView> {
        if caller.role == Role::Department && caller.department.as_deref() != Some(code) {
            return Err(ServiceError::Forbidden(format!(
                "a department reads only its own published sheet, not {code}'s"
            )));
        }
        let t = self.publication_target(Some(caller), round_id, version)?;
        let p = &t.published;
        let d = p
            .snapshot
            .departments
            .iter()
            .find(|d| d.code == code)
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "department {code} does not take part in round {round_id}"
                ))
            })?;
        let rule = TieRule::StandardCompetition;
        let all = p.ranked(rule, None);
        let within = p.ranked(rule, Some(&d.category));
        let rank_in = |rows: &[RankedRow]| rows.iter().find(|r| r.department == code)?.rank;
        let sheet = match self.store.published_sheet(round_id, p.meta.version, code)? {
            Some(text) => Some(serde_json::from_str(&text)?),
            None => None,
        };
        Ok(PublishedSheetView {
            round_id,
            version: p.meta.version,
            department: d.code.clone(),
            name: d.name.clone(),
            category: d.category.clone(),
            rank: rank_in(&all.rows),
            category_rank: rank_in(&within.rows),
            ranked_of: all.summary.ranked,
            total: d.total,
            grade: d.grade.clone(),
            late: d.late,
            tie_rule: rule,
            sheet,
        })
    }
}

/// What a reader may read of a round, decided from its head.
struct Access {
    /// The version to read.
    version: i32,
    latest: i32,
    /// A department's token on a round that is not public: it must take part in the round.
    membership: bool,
}

fn access(
    caller: Option<&Caller>,
    round_id: i64,
    version: Option<i32>,
    head: Head,
) -> ServiceResult<Access> {
    if caller.is_none() && !head.public {
        return Err(ServiceError::Unauthenticated);
    }
    // A department reads the results of rounds it takes part in, and of public ones: a token
    // never sees less than no token.
    let membership = caller.is_some_and(|c| c.role == Role::Department) && !head.public;
    let latest = head.latest.ok_or_else(|| {
        ServiceError::NotFound(format!("round {round_id} has not been published"))
    })?;
    let chosen = version.unwrap_or(latest);
    if chosen < 1 || chosen > latest {
        return Err(ServiceError::invalid(
            "version",
            format!("round {round_id} has versions 1 to {latest}"),
        ));
    }
    Ok(Access {
        version: chosen,
        latest,
        membership,
    })
}

fn page_bounds(q: &RankingQuery) -> ServiceResult<(usize, usize)> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ServiceError::invalid(
            "limit",
            format!("between 1 and {MAX_LIMIT}"),
        ));
    }
    Ok((q.offset.unwrap_or(0), limit))
}

fn page_of(q: &RankingQuery, t: &Target, offset: usize, limit: usize) -> (PageKey, RankingPage) {
    let rule = rule_of(q.ties);
    let key: PageKey = (rule, q.category.clone(), offset, limit, t.latest);
    let page = RankingPage {
        version: t.published.meta.version,
        latest_version: t.latest,
        tie_rule: rule,
        category: q.category.clone(),
        offset,
        limit,
    };
    (key, page)
}

fn cached_page(t: &Target, key: &PageKey) -> Option<Bytes> {
    t.published.pages.lock().ok()?.get(key).cloned()
}

fn rule_of(ties: Option<Ties>) -> TieRule {
    ties.map_or(TieRule::StandardCompetition, Ties::rule)
}

/// Versions never change, so the tag is the version and the request's shape.
pub fn ranking_etag(
    round_id: i64,
    version: i32,
    rule: TieRule,
    category: Option<&str>,
    shape: &str,
) -> String {
    let cat = category.map_or_else(String::new, |c| {
        hex(&Sha256::digest(c.as_bytes()))[..12].to_string()
    });
    let rule = match rule {
        TieRule::StandardCompetition => "s",
        TieRule::Dense => "d",
    };
    format!("\"rk{round_id}.{version}.{rule}.{cat}.{shape}\"")
}

impl Service {
    /// Every department's name and category by code.
    pub(super) fn department_names(&self) -> ServiceResult<HashMap<String, (String, String)>> {
        Ok(self
            .store
            .departments()?
            .into_iter()
            .map(|d| (d.code, (d.name, d.category)))
            .collect())
    }
}
