//! Budgets (读取上限) every reader is held to while it reads: a small file must never become a
//! large amount of memory or time. Each reader charges what it unpacks and extracts as it goes
//! and stops at the first budget passed, before the rest is materialised.

use serde::Serialize;

/// What may be read out of one file. The defaults are far above any department's report (a
/// few MB unpacked, a few hundred KB of text, a few thousand cells) and far below what would
/// hurt the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Bytes the XML parts of a .docx/.xlsx may unpack to, all parts together (解压后大小).
    pub unzipped_bytes: u64,
    /// Bytes of text taken out of the file, all paragraphs and cells together (提取文本);
    /// a shared string is charged for every cell that shows it.
    pub text_bytes: usize,
    /// Bytes of one paragraph, cell, line of a text file or shared string (单段文本).
    /// Excel holds at most 32,767 characters in a cell.
    pub paragraph_bytes: usize,
    /// Paragraphs and lines of a document (段落数).
    pub paragraphs: usize,
    /// Cells (单元格): grid positions of a workbook, table cells of a text file.
    pub cells: usize,
    /// Entries of an .xlsx shared-string table (共享字符串).
    pub strings: usize,
    /// Cell formats and number formats of an .xlsx style sheet (样式).
    pub styles: usize,
    /// Sheets of a workbook (工作表).
    pub sheets: usize,
    /// How deep XML elements may nest (嵌套层数).
    pub depth: usize,
    /// Pages of a PDF (页数).
    pub pages: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits::DEFAULT
    }
}

impl ReadLimits {
    /// The defaults, as a constant (for command-line defaults).
    pub const DEFAULT: ReadLimits = ReadLimits {
        unzipped_bytes: 64 * 1024 * 1024,
        text_bytes: 8 * 1024 * 1024,
        paragraph_bytes: 256 * 1024,
        paragraphs: 200_000,
        cells: 200_000,
        strings: 200_000,
        styles: 100_000,
        sheets: 256,
        depth: 512,
        pages: 2_000,
    };
}

/// Which budget a file went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    UnzippedBytes,
    TextBytes,
    ParagraphBytes,
    Paragraphs,
    Cells,
    Strings,
    Styles,
    Sheets,
    Depth,
    Pages,
}

impl Limit {
    /// The stable name clients see in `details.limit`.
    pub fn key(self) -> &'static str {
        match self {
            Limit::UnzippedBytes => "unzipped_bytes",
            Limit::TextBytes => "text_bytes",
            Limit::ParagraphBytes => "paragraph_bytes",
            Limit::Paragraphs => "paragraphs",
            Limit::Cells => "cells",
            Limit::Strings => "strings",
            Limit::Styles => "styles",
            Limit::Sheets => "sheets",
            Limit::Depth => "depth",
            Limit::Pages => "pages",
        }
    }

    /// What is counted, and its unit, in Chinese: "解压后文本" + "字节".
    pub fn zh(self) -> (&'static str, &'static str) {
        match self {
            Limit::UnzippedBytes => ("解压后大小", "字节"),
            Limit::TextBytes => ("解压后文本", "字节"),
            Limit::ParagraphBytes => ("单个段落或单元格的文本", "字节"),
            Limit::Paragraphs => ("段落数", "段"),
            Limit::Cells => ("单元格数", "个"),
            Limit::Strings => ("共享字符串数", "个"),
            Limit::Styles => ("单元格样式数", "个"),
            Limit::Sheets => ("工作表数", "张"),
            Limit::Depth => ("XML 元素嵌套层数", "层"),
            Limit::Pages => ("页数", "页"),
        }
    }

    /// This budget's value in `limits`.
    pub fn of(self, limits: &ReadLimits) -> u64 {
        let n = match self {
            Limit::UnzippedBytes => return limits.unzipped_bytes,
            Limit::TextBytes => limits.text_bytes,
            Limit::ParagraphBytes => limits.paragraph_bytes,
            Limit::Paragraphs => limits.paragraphs,
            Limit::Cells => limits.cells,
            Limit::Strings => limits.strings,
            Limit::Styles => limits.styles,
            Limit::Sheets => limits.sheets,
            Limit::Depth => limits.depth,
            Limit::Pages => limits.pages,
        };
        u64::try_from(n).unwrap_or(u64::MAX)
    }
}

/// A budget went past: which, and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exceeded {
    pub limit: Limit,
    pub value: u64,
}

impl Exceeded {
    pub fn into_error(self, name: &str) -> super::IngestError {
        super::IngestError::TooMuch {
            name: name.to_string(),
            limit: self.limit,
            value: self.value,
        }
    }
}

/// What one file has used of its budgets so far. Readers charge it as they go.
#[derive(Debug, Clone)]
pub struct Budget {
    pub limits: ReadLimits,
    text: usize,
    paragraphs: usize,
    cells: usize,
}

impl Budget {
    pub fn new(limits: ReadLimits) -> Self {
        Budget {
            limits,
            text: 0,
            paragraphs: 0,
            cells: 0,
        }
    }

    fn over(&self, limit: Limit) -> Exceeded {
        Exceeded {
            limit,
            value: limit.of(&self.limits),
        }
    }

    /// Fails when `len` bytes would make one paragraph or cell longer than allowed.
    pub fn check_piece(&self, len: usize) -> Result<(), Exceeded> {
        if len > self.limits.paragraph_bytes {
            return Err(self.over(Limit::ParagraphBytes));
        }
        Ok(())
    }

    /// Charges `len` bytes of extracted text.
    pub fn text(&mut self, len: usize) -> Result<(), Exceeded> {
        self.text = self.text.saturating_add(len);
        if self.text > self.limits.text_bytes {
            return Err(self.over(Limit::TextBytes));
        }
        Ok(())
    }

    /// Charges one paragraph (or line).
    pub fn paragraph(&mut self) -> Result<(), Exceeded> {
        self.paragraphs += 1;
        if self.paragraphs > self.limits.paragraphs {
            return Err(self.over(Limit::Paragraphs));
        }
        Ok(())
    }

    /// Charges `n` cells.
    pub fn cells(&mut self, n: usize) -> Result<(), Exceeded> {
        self.cells = self.cells.saturating_add(n);
        if self.cells > self.limits.cells {
            return Err(self.over(Limit::Cells));
        }
        Ok(())
    }

    /// Fails when `count` things of kind `limit` (strings, styles, sheets, depth, pages) are too
    /// many.
    pub fn count(&self, limit: Limit, count: usize) -> Result<(), Exceeded> {
        if u64::try_from(count).unwrap_or(u64::MAX) > limit.of(&self.limits) {
            return Err(self.over(limit));
        }
        Ok(())
    }

    /// Fails when the parts read unpack to more than allowed.
    pub fn unzipped(&self, bytes: u64) -> Result<(), Exceeded> {
        if bytes > self.limits.unzipped_bytes {
            return Err(self.over(Limit::UnzippedBytes));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_charged_until_the_budget_is_passed() {
        let mut b = Budget::new(ReadLimits {
            text_bytes: 10,
            ..ReadLimits::default()
        });
        assert!(b.text(6).is_ok());
        assert!(b.text(4).is_ok());
        let e = b.text(1).unwrap_err();
        assert_eq!((e.limit, e.value), (Limit::TextBytes, 10));
    }

    #[test]
    fn paragraphs_cells_and_counts_have_their_budgets() {
        let limits = ReadLimits {
            paragraphs: 1,
            cells: 2,
            paragraph_bytes: 3,
            sheets: 1,
            ..ReadLimits::default()
        };
        let mut b = Budget::new(limits);
        assert!(b.paragraph().is_ok());
        assert_eq!(b.paragraph().unwrap_err().limit, Limit::Paragraphs);
        assert!(b.check_piece(3).is_ok());
        assert_eq!(b.check_piece(4).unwrap_err().limit, Limit::ParagraphBytes);
        assert!(b.cells(2).is_ok());
        assert_eq!(b.cells(1).unwrap_err().limit, Limit::Cells);
        assert!(b.count(Limit::Sheets, 1).is_ok());
        assert_eq!(b.count(Limit::Sheets, 2).unwrap_err().value, 1);
    }

    #[test]
    fn the_message_is_chinese_and_names_the_file_and_the_limit() {
        let e = Exceeded {
            limit: Limit::TextBytes,
            value: 8,
        }
        .into_error("报告.docx");
        assert_eq!(
            e.to_string(),
            "文件 报告.docx 过大：解压后文本超过 8 字节的上限"
        );
    }
}
