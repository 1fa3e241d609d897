//! The sheets a publication writes, prepared on every core straight from scoring: each
//! department's final sheet is anonymised, summarised for the snapshot and encoded as it is
//! scored, so a round of ten thousand departments never holds ten thousand parsed sheets.

use std::collections::HashMap;

use super::appeals::not_fully_scored;
use super::review::pending;
use super::submissions::anonymous;
use super::{Round, Service, ServiceResult};
use kaoping_domain::ranking::{self, PublishedDepartment};

/// A submitted department's part of a publication.
pub(super) struct PreparedSheet {
    /// What the snapshot says of it.
    pub department: PublishedDepartment,
    /// The reason each item's score has when people set it (judgment or override), for the
    /// difference from the version before.
    pub reasons: Vec<(String, String)>,
    /// The published sheet as stored: anonymised, with every deduction and reason.
    pub json: String,
}

impl Service {
    /// Every submitted department's prepared sheet by code; NotFullyScored when an item of any
    /// sheet still has no score. `names` gives each code's name and category.
    pub(super) fn prepared_sheets(
        &self,
        round: &Round,
        names: &HashMap<String, (String, String)>,
    ) -> ServiceResult<HashMap<String, PreparedSheet>> {
        let scored = self.score_each_as(round, true, |r| {
            let missing = pending(&r);
            if !missing.is_empty() {
                return Ok(Err(missing));
            }
            let code = r.submission.department_code;
            let sheet = anonymous(r.result.sheet);
            let (name, category) = names
                .get(&code)
                .map(|(n, c)| (n.as_str(), c.as_str()))
                .unwrap_or_default();
            let department = PublishedDepartment::new(&code, name, category, Some(&sheet), r.late);
            let reasons = sheet
                .items
                .iter()
                .filter_map(|i| ranking::reason_of(i).map(|why| (i.code.clone(), why)))
                .collect();
            let json = serde_json::to_string(&sheet)?;
            Ok(Ok((
                code,
                PreparedSheet {
                    department,
                    reasons,
                    json,
                },
            )))
        })?;
        let mut prepared = HashMap::with_capacity(scored.len());
        let mut missing = Vec::new();
        for s in scored {
            match s {
                Ok((code, p)) => {
                    prepared.insert(code, p);
                }
                Err(m) => missing.extend(m),
            }
        }
        not_fully_scored(round.id, missing)?;
        Ok(prepared)
    }
}
