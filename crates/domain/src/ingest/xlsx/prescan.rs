//! The parts calamine reads whole when it opens a workbook — the shared strings, the styles and
//! the list of sheets — streamed once through quick-xml before calamine sees them, counting
//! against the [`ReadLimits`]: calamine would build all of them in memory before kaoping could
//! look at a single one. The stream holds one XML event at a time.

use std::io::{BufReader, Cursor};

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::ingest::limits::{Budget, Exceeded, Limit, ReadLimits};
use crate::ingest::IngestError;

/// What one part is counted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `si` entries, and the text in each and in all.
    SharedStrings,
    /// `xf` and `numFmt` entries.
    Styles,
    /// `sheet` entries.
    Workbook,
    /// `c` cells, all worksheets together: calamine takes a few microseconds for each, so a
    /// sheet of millions is refused before it starts.
    Worksheet,
}

fn kind_of(entry: &str) -> Option<Kind> {
    let lower = entry.trim_start_matches('/').to_ascii_lowercase();
    if !lower.starts_with("xl/") {
        return None;
    }
    if lower.ends_with("sharedstrings.xml") {
        Some(Kind::SharedStrings)
    } else if lower.ends_with("styles.xml") {
        Some(Kind::Styles)
    } else if lower == "xl/workbook.xml" {
        Some(Kind::Workbook)
    } else if lower.starts_with("xl/worksheets/") && lower.ends_with(".xml") {
        Some(Kind::Worksheet)
    } else {
        None
    }
}

/// Streams the shared strings, styles and workbook parts, failing at the first budget passed.
/// A part that cannot be read is left for calamine to report as it does.
pub(super) fn check(bytes: &[u8], name: &str, limits: &ReadLimits) -> Result<(), IngestError> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let mut cells = 0usize;
    for index in 0..zip.len() {
        let Ok(entry) = zip.by_index(index) else {
            continue;
        };
        let Some(kind) = kind_of(&String::from_utf8_lossy(entry.name_raw())) else {
            continue;
        };
        let mut reader = Reader::from_reader(BufReader::new(entry));
        scan(&mut reader, kind, limits, &mut cells).map_err(|e| e.into_error(name))?;
    }
    Ok(())
}

fn scan<R: std::io::BufRead>(
    reader: &mut Reader<R>,
    kind: Kind,
    limits: &ReadLimits,
    cells: &mut usize,
) -> Result<(), Exceeded> {
    let mut budget = Budget::new(*limits);
    let mut buf = Vec::new();
    // cells are counted over all worksheets, the rest per part
    let mut entries_here = 0usize;
    let entries = if kind == Kind::Worksheet {
        cells
    } else {
        &mut entries_here
    };
    let (mut depth, mut in_entry, mut entry_text) = (0usize, false, 0usize);
    loop {
        // a damaged part is calamine's to report, with its own message
        let Ok(event) = reader.read_event_into(&mut buf) else {
            return Ok(());
        };
        // whether an element starts here, and whether it is an entry counted
        let (start, empty) = match &event {
            Event::Start(e) => (Some(counted(kind, e.local_name().as_ref())), false),
            Event::Empty(e) => (Some(counted(kind, e.local_name().as_ref())), true),
            _ => (None, false),
        };
        // calamine reserves room for as many strings as <sst uniqueCount> declares before it
        // reads one: a 7 GB allocation from a few bytes unless the declaration is held to the
        // same budget as the strings themselves
        if let (Event::Start(e) | Event::Empty(e), Kind::SharedStrings) = (&event, kind) {
            if e.local_name().as_ref() == "sst" {
                if let Ok(Some(declared)) = e.try_get_attribute("uniqueCount") {
                    let digits = declared.value.trim().to_string();
                    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                        budget.count(Limit::Strings, digits.parse().unwrap_or(usize::MAX))?;
                    }
                }
            }
        }
        if let Some(counted) = start {
            if !empty {
                depth += 1;
                budget.count(Limit::Depth, depth)?;
            }
            if counted {
                *entries += 1;
                let limit = match kind {
                    Kind::SharedStrings => Limit::Strings,
                    Kind::Styles => Limit::Styles,
                    Kind::Workbook => Limit::Sheets,
                    Kind::Worksheet => Limit::Cells,
                };
                budget.count(limit, *entries)?;
                in_entry = !empty && kind == Kind::SharedStrings;
                entry_text = 0;
            }
        }
        match &event {
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                if e.local_name().as_ref() == "si" {
                    in_entry = false;
                }
            }
            Event::Text(t) if in_entry => {
                entry_text = entry_text.saturating_add(t.len());
                budget.check_piece(entry_text)?;
                budget.text(t.len())?;
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

fn counted(kind: Kind, local: &str) -> bool {
    match kind {
        Kind::SharedStrings => local == "si",
        Kind::Styles => local == "xf" || local == "numFmt",
        Kind::Workbook => local == "sheet",
        Kind::Worksheet => local == "c",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: Kind, xml: &str, limits: &ReadLimits) -> Result<(), Exceeded> {
        scan(&mut Reader::from_str(xml), kind, limits, &mut 0)
    }

    #[test]
    fn shared_strings_are_counted_and_measured() {
        let limits = ReadLimits {
            strings: 2,
            paragraph_bytes: 5,
            text_bytes: 8,
            ..ReadLimits::default()
        };
        let sst =
            |n: usize, s: &str| format!("<sst>{}</sst>", format!("<si><t>{s}</t></si>").repeat(n));
        assert!(run(Kind::SharedStrings, &sst(2, "abcd"), &limits).is_ok());
        let too_many = run(Kind::SharedStrings, &sst(3, "a"), &limits).unwrap_err();
        assert_eq!(too_many.limit, Limit::Strings);
        let too_long = run(Kind::SharedStrings, &sst(1, "abcdef"), &limits).unwrap_err();
        assert_eq!(too_long.limit, Limit::ParagraphBytes);
        // rich text: the runs of one entry add up
        // a declared count past the budget is refused before calamine reserves room for it
        let declared = run(
            Kind::SharedStrings,
            r#"<sst uniqueCount="295846614"><si><t>a</t></si></sst>"#,
            &limits,
        );
        assert!(declared.is_err(), "{declared:?}");
        assert!(run(
            Kind::SharedStrings,
            r#"<sst uniqueCount="2"></sst>"#,
            &limits
        )
        .is_ok());
        let runs = "<sst><si><r><t>abc</t></r><r><t>def</t></r></si></sst>";
        assert_eq!(
            run(Kind::SharedStrings, runs, &limits).unwrap_err().limit,
            Limit::ParagraphBytes
        );
        let limits = ReadLimits {
            strings: 10,
            ..limits
        };
        let all = run(Kind::SharedStrings, &sst(3, "abcd"), &limits).unwrap_err();
        assert_eq!(all.limit, Limit::TextBytes);
    }

    #[test]
    fn styles_sheets_and_depth_have_budgets() {
        let limits = ReadLimits {
            styles: 2,
            sheets: 1,
            depth: 3,
            ..ReadLimits::default()
        };
        let styles = "<styleSheet><cellXfs><xf/><xf/><xf/></cellXfs></styleSheet>";
        assert_eq!(
            run(Kind::Styles, styles, &limits).unwrap_err().limit,
            Limit::Styles
        );
        let sheets = "<workbook><sheets><sheet/><sheet/></sheets></workbook>";
        assert_eq!(
            run(Kind::Workbook, sheets, &limits).unwrap_err().limit,
            Limit::Sheets
        );
        let deep = "<a><b><c><d/></c></b></a>";
        assert!(run(Kind::Styles, deep, &limits).is_ok());
        let deeper = "<a><b><c><d></d></c></b></a>";
        assert_eq!(
            run(Kind::Styles, deeper, &limits).unwrap_err().limit,
            Limit::Depth
        );
    }
}
