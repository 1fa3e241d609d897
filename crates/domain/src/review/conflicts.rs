//! 回避: a reviewer may not judge their own unit, a unit above or below it in the department
//! tree (within the rubric's `conflict_depth`), or a department they declared a conflict with.

use std::collections::HashMap;

/// The department tree: each code's parent.
#[derive(Debug, Clone, Default)]
pub struct Organisation {
    parents: HashMap<String, String>,
}

impl Organisation {
    /// From (code, parent) pairs.
    pub fn new(units: impl IntoIterator<Item = (String, Option<String>)>) -> Organisation {
        Organisation {
            parents: units
                .into_iter()
                .filter_map(|(code, parent)| parent.map(|p| (code, p)))
                .collect(),
        }
    }

    /// The units above `code`, nearest first, at most `depth` (a cycle in bad data ends it).
    fn above(&self, code: &str, depth: usize) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let mut at = code;
        while out.len() < depth {
            match self.parents.get(at) {
                Some(p) if p != code && !out.contains(&p.as_str()) => {
                    out.push(p);
                    at = p;
                }
                _ => break,
            }
        }
        out
    }

    /// Why `unit` (a reviewer's own) conflicts with `department`, within `depth` levels.
    pub fn relation(&self, unit: &str, department: &str, depth: u8) -> Option<String> {
        let depth = usize::from(depth);
        if unit == department {
            return Some(format!("评审专家所在单位就是 {department}"));
        }
        if self.above(unit, depth).contains(&department) {
            return Some(format!("{department} 是评审专家所在单位 {unit} 的上级单位"));
        }
        if self.above(department, depth).contains(&unit) {
            return Some(format!("{department} 是评审专家所在单位 {unit} 的下属单位"));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Organisation {
        Organisation::new([
            ("430611001".to_string(), None),
            ("430611002".to_string(), Some("430611001".to_string())),
            ("430611003".to_string(), Some("430611002".to_string())),
            ("430681001".to_string(), None),
        ])
    }

    #[test]
    fn parents_and_subordinates_conflict_within_the_depth() {
        let t = tree();
        assert!(t.relation("430611001", "430611001", 1).is_some());
        assert!(t
            .relation("430611001", "430611002", 1)
            .unwrap()
            .contains("下属"));
        assert!(t
            .relation("430611002", "430611001", 1)
            .unwrap()
            .contains("上级"));
        assert_eq!(t.relation("430611001", "430611003", 1), None);
        assert!(t.relation("430611001", "430611003", 2).is_some());
        assert_eq!(t.relation("430611001", "430681001", 3), None);
    }

    #[test]
    fn a_cycle_in_the_data_does_not_loop() {
        let t = Organisation::new([
            ("a".to_string(), Some("b".to_string())),
            ("b".to_string(), Some("a".to_string())),
        ]);
        assert!(t.relation("a", "b", 5).is_some());
        assert_eq!(t.relation("a", "c", 5), None);
    }
}
