//! Paragraph styles (word/styles.xml): which are headings, and which carry list numbering.

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::xml::{attr, val, Depth, PartError};

/// How far a `w:basedOn` chain is followed (it may loop in a damaged file).
const MAX_CHAIN: usize = 16;

#[derive(Debug, Clone, Default)]
struct Style {
    name: Option<String>,
    based_on: Option<String>,
    /// `w:outlineLvl`: 0 for a level-1 heading … 8; 9 is body text.
    outline: Option<u8>,
    num_id: Option<i64>,
    ilvl: Option<u8>,
}

#[derive(Debug, Default)]
pub(super) struct Styles {
    paragraph: HashMap<String, Style>,
    default_paragraph: Option<String>,
}

impl Styles {
    pub(super) fn parse<R: BufRead>(reader: &mut Reader<R>) -> Result<Styles, PartError> {
        let mut out = Styles::default();
        let mut buf = Vec::new();
        let mut current: Option<(String, Style)> = None;
        let mut in_ppr = false;
        let mut in_numpr = false;
        let mut depth = Depth::default();
        loop {
            let event = reader.read_event_into(&mut buf)?;
            let empty = matches!(event, Event::Empty(_));
            depth.track(&event)?;
            match event {
                Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                    "style" => {
                        let is_paragraph = attr(&e, "type").is_none_or(|t| t == "paragraph");
                        let id = attr(&e, "styleId");
                        if let (true, Some(id)) = (is_paragraph, id) {
                            if attr(&e, "default").is_some_and(|d| d == "1" || d == "true") {
                                out.default_paragraph = Some(id.clone());
                            }
                            if empty {
                                out.paragraph.insert(id, Style::default());
                            } else {
                                current = Some((id, Style::default()));
                            }
                        }
                    }
                    "pPr" => in_ppr = !empty && current.is_some(),
                    "numPr" => in_numpr = in_ppr && !empty,
                    name => {
                        if let Some((_, style)) = current.as_mut() {
                            match name {
                                "name" => style.name = val(&e),
                                "basedOn" => style.based_on = val(&e),
                                "outlineLvl" if in_ppr => {
                                    style.outline = val(&e).and_then(|v| v.trim().parse().ok())
                                }
                                "numId" if in_numpr => {
                                    style.num_id = val(&e).and_then(|v| v.trim().parse().ok())
                                }
                                "ilvl" if in_numpr => {
                                    style.ilvl = val(&e).and_then(|v| v.trim().parse().ok())
                                }
                                _ => {}
                            }
                        }
                    }
                },
                Event::End(e) => match e.local_name().as_ref() {
                    "style" => {
                        if let Some((id, style)) = current.take() {
                            out.paragraph.insert(id, style);
                        }
                        in_ppr = false;
                    }
                    "pPr" => in_ppr = false,
                    "numPr" => in_numpr = false,
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        Ok(out)
    }

    /// The style a paragraph has: its `w:pStyle`, else the default paragraph style.
    pub(super) fn effective<'a>(&'a self, style: Option<&'a str>) -> Option<&'a str> {
        style.or(self.default_paragraph.as_deref())
    }

    /// The styles of a chain: the style, what it is based on, and so on.
    fn chain<'a>(&'a self, style: &'a str) -> impl Iterator<Item = (&'a str, &'a Style)> + 'a {
        let mut next = Some(style);
        std::iter::from_fn(move || {
            let id = next?;
            let style = self.paragraph.get(id)?;
            next = style.based_on.as_deref();
            Some((id, style))
        })
        .take(MAX_CHAIN)
    }

    /// A heading's level (1 for 标题 1 / Heading 1 …) from the style's outline level, else
    /// from its name or id; None for body text.
    pub(super) fn heading_level(&self, style: &str) -> Option<u8> {
        if !self.paragraph.contains_key(style) {
            return heading_from_name(style);
        }
        for (id, s) in self.chain(style) {
            if let Some(outline) = s.outline {
                return heading_from_outline(outline);
            }
            if let Some(level) = s.name.as_deref().and_then(heading_from_name) {
                return Some(level);
            }
            if let Some(level) = heading_from_name(id) {
                return Some(level);
            }
        }
        None
    }

    /// The list numbering a style gives its paragraphs: (numId, ilvl).
    pub(super) fn numbering(&self, style: &str) -> (Option<i64>, Option<u8>) {
        let mut num_id = None;
        let mut ilvl = None;
        for (_, s) in self.chain(style) {
            num_id = num_id.or(s.num_id);
            ilvl = ilvl.or(s.ilvl);
        }
        (num_id, ilvl)
    }
}

/// `w:outlineLvl` 0 is a level-1 heading … 8 level 9; 9 (and anything else) is body text.
pub(super) fn heading_from_outline(outline: u8) -> Option<u8> {
    outline.checked_add(1).filter(|&level| level <= 9)
}

/// "heading 1", "Heading1", "标题 1", "标题1" → 1.
fn heading_from_name(name: &str) -> Option<u8> {
    let lower = name.trim().to_lowercase();
    let rest = lower
        .strip_prefix("heading")
        .or_else(|| lower.strip_prefix("标题"))?;
    let level: u8 = rest.trim().parse().ok()?;
    (1..=9).contains(&level).then_some(level)
}

#[cfg(test)]
mod tests {
    use super::heading_from_name;

    #[test]
    fn heading_names() {
        assert_eq!(heading_from_name("heading 2"), Some(2));
        assert_eq!(heading_from_name("Heading1"), Some(1));
        assert_eq!(heading_from_name("标题 3"), Some(3));
        assert_eq!(heading_from_name("标题"), None);
        assert_eq!(heading_from_name("Heading 10"), None);
        assert_eq!(heading_from_name("Normal"), None);
    }
}
