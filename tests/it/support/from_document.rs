//! A document written out as a real .docx: its paragraphs, and its tables with each short row's
//! last cell spanning the rest of the grid, as Word lays them out. Used by the round-trip test and
//! the benchmark.

use kaoping::ingest::{Block, Document};

use super::docx_gen;

/// A .docx holding the document's paragraphs and tables, cell by cell.
pub fn to_docx(doc: &Document) -> Vec<u8> {
    let mut body = String::new();
    for block in &doc.blocks {
        match block {
            Block::Paragraph(p) => body.push_str(&docx_gen::p(&p.text)),
            Block::Table(t) => {
                let columns = t.rows.iter().map(Vec::len).max().unwrap_or(1).max(1);
                // as Word does, a row with fewer cells than the grid lets its last cell span the rest
                let rows: Vec<String> = t
                    .rows
                    .iter()
                    .map(|row| {
                        let cells: Vec<String> = row
                            .iter()
                            .enumerate()
                            .map(|(i, c)| match columns - row.len() {
                                extra if extra > 0 && i + 1 == row.len() => {
                                    docx_gen::tc_span(extra + 1, &c.text)
                                }
                                _ => docx_gen::tc(&c.text),
                            })
                            .collect();
                        docx_gen::tr(&cells)
                    })
                    .collect();
                body.push_str(&docx_gen::tbl(columns, &rows));
            }
        }
    }
    docx_gen::docx(&body)
}
