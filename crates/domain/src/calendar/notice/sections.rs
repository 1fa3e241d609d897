//! An arrangement notice: its sections "一、元旦：…" to "七、国庆节：…".

use std::collections::BTreeSet;

use super::draft::{chinese_number, At, Draft};
use super::patterns::{pattern, HEADING, LISTED};
use super::sentences::read_sentences;

/// A section: its heading ("二、春节") and its text up to the next heading.
struct Section<'t> {
    numeral: &'t str,
    name: &'t str,
    body: &'t str,
}

fn sections(text: &str) -> Result<Vec<Section<'_>>, String> {
    let headings: Vec<(usize, usize, &str, &str)> = pattern(&HEADING)?
        .captures_iter(text)
        .filter_map(|c| {
            let all = c.get(0)?;
            Some((
                all.start(),
                all.end(),
                c.get(1)?.as_str(),
                c.get(2)?.as_str(),
            ))
        })
        .collect();
    Ok(headings
        .iter()
        .enumerate()
        .map(|(i, &(_, end, numeral, name))| {
            let next = headings.get(i + 1).map_or(text.len(), |h| h.0);
            Section {
                numeral,
                name,
                body: text.get(end..next).unwrap_or(""),
            }
        })
        .collect())
}

pub(super) fn read_arrangement(text: &str, year: i32) -> Result<Draft, String> {
    let mut draft = Draft::new(year)?;
    let sections = sections(text)?;
    if sections.is_empty() {
        return Err("未找到任何节日分节（应有“一、元旦：……”这样的段落）".to_owned());
    }
    for (i, s) in sections.iter().enumerate() {
        let expected = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if chinese_number(s.numeral) != Some(expected) {
            return Err(format!(
                "分节序号不连续：第{expected}节写作“{}、{}”",
                s.numeral, s.name
            ));
        }
    }
    check_listed(text, &sections)?;
    for s in &sections {
        let place = format!("{}、{}", s.numeral, s.name);
        let parsed = read_sentences(s.body, &place, &draft)?;
        let whole = At {
            place: &place,
            sentence: s.body,
        };
        if parsed.blocks.is_empty() {
            return Err(whole.fail("没有找到放假日期"));
        }
        if !parsed.extensions.is_empty() {
            return Err(whole.fail("节假日安排通知中出现了延长假期的句子"));
        }
        if parsed.no_workdays && !parsed.workdays.is_empty() {
            return Err(whole.fail("写明“不调休”，却又安排了上班日"));
        }
        for block in &parsed.blocks {
            let at = At {
                place: &place,
                sentence: &block.sentence,
            };
            for d in block.days() {
                draft.add_holiday(d, s.name, at)?;
            }
        }
        for (d, sentence) in &parsed.workdays {
            draft.add_workday(
                *d,
                At {
                    place: &place,
                    sentence,
                },
            )?;
        }
    }
    Ok(draft)
}

/// The holidays the opening sentence lists must be the ones the headings name: a section lost
/// in copying (or a heading mistyped) shows here.
fn check_listed(text: &str, sections: &[Section]) -> Result<(), String> {
    let Some(list) = pattern(&LISTED)?
        .captures(text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
    else {
        return Ok(());
    };
    let listed: BTreeSet<&str> = list.split(['、', '和']).filter(|s| !s.is_empty()).collect();
    let headed: BTreeSet<&str> = sections.iter().flat_map(|s| s.name.split('、')).collect();
    if listed != headed {
        let headings: Vec<String> = sections
            .iter()
            .map(|s| format!("{}、{}", s.numeral, s.name))
            .collect();
        return Err(format!(
            "开头列出的节日（{list}）与各节标题（{}）不一致",
            headings.join(" ")
        ));
    }
    Ok(())
}
