//! A document as paragraphs and tables, whatever file it came from. Text exports, Word and
//! Excel files are all read into this first; `build` turns it into the package model.

use serde::Serialize;

/// The file's blocks in reading order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Document {
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    Paragraph(Paragraph),
    Table(Table),
}

/// A paragraph: one line of a text export, one `w:p` of a Word file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Paragraph {
    pub text: String,
    /// Heading level from Word's styles (1 for 标题 1 …); None for text exports and body text.
    pub heading_level: Option<u8>,
    /// Word's automatic numbering as it would print ("一、", "（一）", "1."), when the paragraph
    /// is numbered by a list rather than by typed characters.
    pub numbering: Option<String>,
}

/// A table as rows of cells. From Word and Excel the rows are grid rows with merges resolved
/// (a merged cell's text stands in its first grid position; the positions it spans are marked);
/// from a text export rows have the cells that were printed, no more.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Table {
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Cell {
    /// The cell's text, its lines joined with '\n'.
    pub text: String,
    pub merge: Merge,
}

/// Whether a grid position is a cell of its own or part of a merged cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Merge {
    #[default]
    None,
    /// Covered by the cell to its left (Word gridSpan, Excel merged range).
    FromLeft,
    /// Covered by the cell above (Word vMerge, Excel merged range).
    FromAbove,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            merge: Merge::None,
        }
    }
}

impl Paragraph {
    pub fn new(text: impl Into<String>) -> Self {
        Paragraph {
            text: text.into(),
            ..Paragraph::default()
        }
    }
}
