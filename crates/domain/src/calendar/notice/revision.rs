//! Revision notices: an adjustment restates one holiday's days (关于调整2019年劳动节假期安排的
//! 通知), an extension runs its block on to a later day (关于延长2020年春节假期的通知).

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

use super::super::Arrangement;
use super::draft::{weekday_zh, At, Draft};
use super::sentences::{read_sentences, Block};
use super::{MAX_BLOCK_DAYS, NEAR_DAYS};

/// Whether an arrangement's holiday name is (or, combined, includes) `holiday`.
fn names(name: &str, holiday: &str) -> bool {
    name == holiday || name.split('、').any(|part| part == holiday)
}

/// The dates `current` names `holiday` on, and the name it uses for them. A combined block
/// ("国庆节、中秋节") counts as either holiday's, and is revised as a whole.
fn old_block(
    current: &Arrangement,
    holiday: &str,
    place: &str,
) -> Result<(BTreeSet<NaiveDate>, String), String> {
    let old: BTreeSet<NaiveDate> = current
        .holidays
        .iter()
        .filter(|(_, n)| names(n, holiday))
        .map(|(d, _)| *d)
        .collect();
    let used: BTreeSet<&str> = current
        .holidays
        .values()
        .filter(|n| names(n, holiday))
        .map(String::as_str)
        .collect();
    if old.is_empty() {
        return Err(format!(
            "{place}：当前的{}年安排中没有{holiday}，无法修订",
            current.year
        ));
    }
    let name = match used.iter().next() {
        Some(only) if used.len() == 1 => (*only).to_owned(),
        _ => holiday.to_owned(),
    };
    Ok((old, name))
}

/// 调整: the holiday's days off replaced by the stated ones, the stated 上班 days added (see
/// `read_notice` for the old 上班 days).
pub(super) fn adjust(text: &str, current: &Arrangement, holiday: &str) -> Result<Draft, String> {
    let place = format!("调整{holiday}假期");
    let mut draft = Draft::from_current(current)?;
    let parsed = read_sentences(text, &place, &draft)?;
    let whole = At {
        place: &place,
        sentence: text,
    };
    if parsed.blocks.is_empty() {
        return Err(whole.fail("调整通知中没有找到放假日期"));
    }
    if !parsed.extensions.is_empty() {
        return Err(whole.fail("调整通知中出现了延长假期的句子"));
    }
    let (old, name) = old_block(current, holiday, &place)?;
    for d in &old {
        draft.holidays.remove(d);
    }
    let new_days: BTreeSet<NaiveDate> = parsed.blocks.iter().flat_map(Block::days).collect();
    let restated: BTreeSet<NaiveDate> = parsed.workdays.iter().map(|(d, _)| *d).collect();
    let unclear = current.workdays.iter().find(|w| {
        !new_days.contains(w)
            && !restated.contains(w)
            && old.iter().any(|o| (**w - *o).num_days().abs() <= NEAR_DAYS)
    });
    if let Some(w) = unclear {
        let at = parsed.blocks.first().map_or(whole, |b| At {
            place: &place,
            sentence: &b.sentence,
        });
        return Err(at.fail(format!(
            "原安排中{}（{}）上班，离原来的{holiday}假期不超过{NEAR_DAYS}天，调整通知没有重新列出它，无法判断该日是否仍需上班",
            draft.date(*w),
            weekday_zh(w.weekday(), "星期")
        )));
    }
    for block in &parsed.blocks {
        let at = At {
            place: &place,
            sentence: &block.sentence,
        };
        for d in block.days() {
            draft.workdays.remove(&d);
            draft.add_holiday(d, &name, at)?;
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
    Ok(draft)
}

/// 延长: every day after the holiday's last day up to the stated one becomes a day off of it.
pub(super) fn extend(text: &str, current: &Arrangement, holiday: &str) -> Result<Draft, String> {
    let place = format!("延长{holiday}假期");
    let mut draft = Draft::from_current(current)?;
    let parsed = read_sentences(text, &place, &draft)?;
    let whole = At {
        place: &place,
        sentence: text,
    };
    let [ext] = parsed.extensions.as_slice() else {
        return Err(whole.fail(format!(
            "延长通知应有一句“延长{}年{holiday}假期至某月某日”，这里有{}句",
            current.year,
            parsed.extensions.len()
        )));
    };
    let at = At {
        place: &place,
        sentence: &ext.sentence,
    };
    if !parsed.blocks.is_empty() || !parsed.workdays.is_empty() {
        return Err(whole.fail("延长通知中还有另外的放假或上班日期，无法一并处理"));
    }
    if ext.year != current.year || ext.holiday != holiday {
        return Err(at.fail(format!(
            "正文延长的是{}年{}假期，与标题（{}年{holiday}假期）不符",
            ext.year, ext.holiday, current.year
        )));
    }
    let (old, name) = old_block(current, holiday, &place)?;
    let Some(&old_last) = old.last() else {
        return Err(at.fail(format!("当前安排中没有{holiday}")));
    };
    let added = (ext.last - old_last).num_days();
    if added < 1 {
        return Err(at.fail(format!(
            "延长至{}，但原来的{holiday}假期已到{}",
            draft.date(ext.last),
            draft.date(old_last)
        )));
    }
    if added > MAX_BLOCK_DAYS {
        return Err(at.fail(format!(
            "延长{added}天，超过{MAX_BLOCK_DAYS}天，不像节日安排"
        )));
    }
    if let Some(resume) = ext.resume {
        if Some(resume) != ext.last.succ_opt() {
            return Err(at.fail(format!(
                "假期延长至{}，恢复上班的日子应为次日，却写作{}",
                draft.date(ext.last),
                draft.date(resume)
            )));
        }
    }
    for d in old_last.iter_days().skip(1).take_while(|d| *d <= ext.last) {
        draft.workdays.remove(&d);
        draft.add_holiday(d, &name, at)?;
    }
    Ok(draft)
}
