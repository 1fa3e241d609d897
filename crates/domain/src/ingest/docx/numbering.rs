//! Word's automatic numbering (word/numbering.xml): list definitions, per-list counters, and
//! rendering a level's text ("%1、", "（%1）", "%1.%2") as it would print.

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::numfmt::{format_number, Fmt};
use super::xml::{attr, on_off, val, val_int, Depth, PartError};

/// Word has nine list levels, 0 to 8.
pub(super) const LEVELS: usize = 9;
/// A level text longer than this is cut: Word's own are a few characters.
const MAX_LEVEL_TEXT: usize = 64;

/// What Word puts between the number and the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Suffix {
    #[default]
    Tab,
    Space,
    Nothing,
}

#[derive(Debug, Clone, Default)]
struct Level {
    start: Option<i64>,
    fmt: Option<Fmt>,
    /// A `custom` format that was not understood: a later (fallback) numFmt replaces it.
    fmt_provisional: bool,
    text: Option<String>,
    restart: Option<i64>,
    legal: bool,
    style: Option<String>,
    suffix: Suffix,
}

#[derive(Debug, Clone, Default)]
struct Num {
    abstract_id: Option<i64>,
    start_override: [Option<i64>; LEVELS],
    level_override: [Option<Level>; LEVELS],
}

/// The list definitions of word/numbering.xml.
#[derive(Debug, Default)]
pub(super) struct Numbering {
    abstracts: HashMap<i64, Vec<Option<Level>>>,
    nums: HashMap<i64, Num>,
}

/// The counters of each list while the document is read in order. Word counts per abstract
/// list: every `w:num` of one `w:abstractNum` shares its counters (LibreOffice and WPS write a
/// `w:num` per heading when they save), and a `w:num` with a `w:startOverride` restarts that
/// level where it is first used.
#[derive(Debug, Default)]
pub(super) struct Counters {
    values: HashMap<CounterKey, [Option<i64>; LEVELS]>,
    /// The `w:num`s already used (their start overrides applied).
    used: std::collections::HashSet<i64>,
}

/// Whose counters: the abstract list's, or a `w:num`'s own when it names no abstract list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum CounterKey {
    Abstract(i64),
    Num(i64),
}

/// Where a `w:lvl` being read belongs.
enum LevelOwner {
    Abstract(i64),
    Override(i64, usize),
}

fn level_index(e: &BytesStart) -> Option<usize> {
    attr(e, "ilvl")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&i| i < LEVELS)
}

impl Numbering {
    pub(super) fn parse<R: BufRead>(reader: &mut Reader<R>) -> Result<Numbering, PartError> {
        let mut out = Numbering::default();
        let mut buf = Vec::new();
        let mut abstract_id: Option<i64> = None;
        let mut num: Option<(i64, Num)> = None;
        let mut override_level: Option<usize> = None;
        let mut level: Option<(LevelOwner, usize, Level)> = None;
        let mut depth = Depth::default();
        loop {
            let event = reader.read_event_into(&mut buf)?;
            depth.track(&event)?;
            let (e, empty) = match &event {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::End(e) => {
                    match e.local_name().as_ref() {
                        "lvl" => out.store_level(level.take(), &mut num),
                        "lvlOverride" => override_level = None,
                        "abstractNum" => abstract_id = None,
                        "num" => {
                            if let Some((id, n)) = num.take() {
                                out.nums.insert(id, n);
                            }
                        }
                        _ => {}
                    }
                    buf.clear();
                    continue;
                }
                Event::Eof => break,
                _ => {
                    buf.clear();
                    continue;
                }
            };
            match e.local_name().as_ref() {
                "abstractNum" => {
                    abstract_id = val_int(e, "abstractNumId");
                    if let Some(id) = abstract_id {
                        out.abstracts.insert(id, vec![None; LEVELS]);
                    }
                }
                "num" if !empty => num = val_int(e, "numId").map(|id| (id, Num::default())),
                "abstractNumId" => {
                    if let Some((_, n)) = num.as_mut() {
                        n.abstract_id = val(e).and_then(|v| v.trim().parse().ok());
                    }
                }
                "lvlOverride" => override_level = level_index(e),
                "startOverride" => {
                    if let (Some((_, n)), Some(i)) = (num.as_mut(), override_level) {
                        n.start_override[i] = val(e).and_then(|v| v.trim().parse().ok());
                    }
                }
                "lvl" => {
                    let owner = match (override_level, abstract_id, &num) {
                        (Some(i), _, Some((id, _))) => Some((LevelOwner::Override(*id, i), i)),
                        (None, Some(id), _) => {
                            level_index(e).map(|i| (LevelOwner::Abstract(id), i))
                        }
                        _ => None,
                    };
                    level = owner.map(|(o, i)| (o, i, Level::default()));
                    if empty {
                        out.store_level(level.take(), &mut num);
                    }
                }
                name => {
                    if let Some((_, _, lvl)) = level.as_mut() {
                        read_level_property(lvl, name, e);
                    }
                }
            }
            buf.clear();
        }
        Ok(out)
    }

    fn store_level(
        &mut self,
        level: Option<(LevelOwner, usize, Level)>,
        num: &mut Option<(i64, Num)>,
    ) {
        match level {
            Some((LevelOwner::Abstract(id), i, lvl)) => {
                if let Some(slot) = self.abstracts.get_mut(&id).and_then(|v| v.get_mut(i)) {
                    *slot = Some(lvl);
                }
            }
            Some((LevelOwner::Override(id, i), _, lvl)) => {
                if let Some((num_id, n)) = num.as_mut() {
                    if *num_id == id {
                        n.level_override[i] = Some(lvl);
                    }
                }
            }
            None => {}
        }
    }

    fn level(&self, num_id: i64, ilvl: usize) -> Option<&Level> {
        let num = self.nums.get(&num_id)?;
        if let Some(lvl) = num.level_override.get(ilvl)?.as_ref() {
            return Some(lvl);
        }
        self.abstracts.get(&num.abstract_id?)?.get(ilvl)?.as_ref()
    }

    fn start(&self, num_id: i64, ilvl: usize) -> i64 {
        let over = self
            .nums
            .get(&num_id)
            .and_then(|n| n.start_override.get(ilvl).copied().flatten());
        over.or_else(|| self.level(num_id, ilvl).and_then(|l| l.start))
            .unwrap_or(0)
    }

    /// The level of list `num_id` tied to paragraph style `style` (`w:lvl/w:pStyle`), if any.
    pub(super) fn level_for_style(&self, num_id: i64, style: &str) -> Option<usize> {
        (0..LEVELS).find(|&i| self.level(num_id, i).and_then(|l| l.style.as_deref()) == Some(style))
    }

    /// Counts a paragraph of list `num_id` at level `ilvl` and renders its number as Word
    /// prints it, with what follows the number. None when the list or level is not defined.
    pub(super) fn next(
        &self,
        counters: &mut Counters,
        num_id: i64,
        ilvl: usize,
    ) -> Option<(String, Suffix)> {
        let level = self.level(num_id, ilvl)?;
        let num = self.nums.get(&num_id);
        let key = match num.and_then(|n| n.abstract_id) {
            Some(a) => CounterKey::Abstract(a),
            None => CounterKey::Num(num_id),
        };
        let values = counters.values.entry(key).or_insert([None; LEVELS]);
        if counters.used.insert(num_id) {
            // first paragraph of this w:num: its start overrides restart their levels
            if let Some(num) = num {
                for (value, over) in values.iter_mut().zip(num.start_override.iter()) {
                    if over.is_some() {
                        *value = None;
                    }
                }
            }
        }
        let current = match values[ilvl] {
            Some(v) => v.saturating_add(1),
            None => self.start(num_id, ilvl),
        };
        values[ilvl] = Some(current);
        for (deeper, value) in values.iter_mut().enumerate().skip(ilvl + 1) {
            let restart = self.level(num_id, deeper).and_then(|l| l.restart);
            let reset = match restart {
                None => true,
                Some(r) => r > 0 && (ilvl as i64) < r,
            };
            if reset {
                *value = None;
            }
        }
        let values = *values;
        let fmt = level.fmt.unwrap_or_default();
        let template = level.text.as_deref().unwrap_or("");
        let mut out = String::new();
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            let digit = chars.peek().and_then(|d| d.to_digit(10));
            match digit {
                Some(d @ 1..=9) if c == '%' => {
                    chars.next();
                    let k = (d - 1) as usize;
                    let value = values[k].unwrap_or_else(|| self.start(num_id, k));
                    let k_fmt = self
                        .level(num_id, k)
                        .and_then(|l| l.fmt)
                        .unwrap_or_default();
                    let k_fmt = if level.legal && k < ilvl && k_fmt != Fmt::None {
                        Fmt::Decimal
                    } else {
                        k_fmt
                    };
                    out.push_str(&format_number(value, k_fmt));
                }
                _ if fmt == Fmt::Bullet => out.push(bullet_char(c)),
                _ => out.push(c),
            }
        }
        Some((out, level.suffix))
    }
}

impl Counters {
    pub(super) fn new() -> Counters {
        Counters::default()
    }
}

fn read_level_property(lvl: &mut Level, name: &str, e: &BytesStart) {
    match name {
        "start" => lvl.start = val(e).and_then(|v| v.trim().parse().ok()),
        "numFmt" => {
            if lvl.fmt.is_some() && !lvl.fmt_provisional {
                return;
            }
            let name = val(e).unwrap_or_default();
            let (fmt, provisional) = if name == "custom" {
                match attr(e, "format").as_deref().and_then(Fmt::parse_custom) {
                    Some(f) => (f, false),
                    None => (Fmt::Decimal, true),
                }
            } else {
                (Fmt::parse(&name).unwrap_or_default(), false)
            };
            lvl.fmt = Some(fmt);
            lvl.fmt_provisional = provisional;
        }
        "lvlText" => {
            lvl.text = val(e).map(|t| t.chars().take(MAX_LEVEL_TEXT).collect());
        }
        "lvlRestart" => lvl.restart = val(e).and_then(|v| v.trim().parse().ok()),
        "isLgl" => lvl.legal = on_off(e),
        "pStyle" => lvl.style = val(e),
        "suff" => {
            lvl.suffix = match val(e).as_deref() {
                Some("space") => Suffix::Space,
                Some("nothing") => Suffix::Nothing,
                _ => Suffix::Tab,
            }
        }
        _ => {}
    }
}

/// Symbol and Wingdings bullets are private-use characters; print them as a plain bullet.
fn bullet_char(c: char) -> char {
    if ('\u{F000}'..='\u{F0FF}').contains(&c) {
        '•'
    } else {
        c
    }
}
