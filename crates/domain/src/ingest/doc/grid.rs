//! A .doc table's rows laid out on a grid: the cell boundaries of all its rows (from each row's
//! sprmTDefTable) are the grid's column lines, so a cell wider than the columns under it spans
//! them (as `w:gridSpan` would), a row that starts further right has grid positions before it
//! (`w:gridBefore`). The rows then go through the .docx reader's table builder, so merges,
//! padding, header rows and split tables come out exactly as they do from a .docx.

use crate::ingest::document::Block;
use crate::ingest::docx::tables::{
    push_body_table, CellBuilder, Continue, RowBuilder, TableBuilder,
};
use crate::ingest::docx::xml::PartError;

use super::props::RowDef;

/// Boundaries closer than this (twips, 1/20 pt) are one column line: rounding by the writer.
const SNAP: i32 = 10;

/// A row as read: its cells' lines, and its definition when its row-end mark had one.
#[derive(Debug, Default)]
pub(in crate::ingest) struct Row {
    pub cells: Vec<Vec<String>>,
    pub def: Option<RowDef>,
}

/// The column lines of a table: all its rows' boundaries, sorted, near ones taken as one.
fn lines(rows: &[Row]) -> Vec<i32> {
    let mut all: Vec<i32> = rows
        .iter()
        .filter_map(|r| r.def.as_ref())
        .flat_map(|d| d.centers.iter().map(|&c| i32::from(c)))
        .collect();
    all.sort_unstable();
    let mut out: Vec<i32> = Vec::new();
    for x in all {
        if out.last().is_none_or(|&l| x - l > SNAP) {
            out.push(x);
        }
    }
    out
}

/// The index of the column line at `x`.
fn line_of(lines: &[i32], x: i16) -> usize {
    let x = i32::from(x);
    lines
        .iter()
        .position(|&l| (l - x).abs() <= SNAP)
        .unwrap_or_else(|| lines.partition_point(|&l| l < x))
}

/// Lays out one table's rows and appends it to `blocks`. `cells` counts grid positions for the
/// builder's own limit.
pub(in crate::ingest) fn push_table(
    blocks: &mut Vec<Block>,
    last_header: &mut usize,
    rows: Vec<Row>,
    cells: &mut usize,
) -> Result<(), PartError> {
    let grid = lines(&rows);
    let columns = grid.len().saturating_sub(1);
    let mut table = TableBuilder::default();
    for row in rows {
        let def = row.def.unwrap_or_default();
        let centers = &def.centers;
        let first = centers.first().map_or(0, |&c| line_of(&grid, c));
        let last = centers.last().map_or(0, |&c| line_of(&grid, c));
        let mut builder = RowBuilder {
            grid_before: first,
            grid_after: columns.saturating_sub(last.max(first)),
            header: def.header,
            ..RowBuilder::default()
        };
        for (i, lines) in row.cells.into_iter().enumerate() {
            let span = match (centers.get(i), centers.get(i + 1)) {
                (Some(&l), Some(&r)) => line_of(&grid, r).saturating_sub(line_of(&grid, l)),
                _ => 1,
            };
            let cell_def = def.cells.get(i).copied().unwrap_or_default();
            builder.cells.push(CellBuilder {
                lines,
                span: span.max(1),
                vmerge: match cell_def.vert {
                    1 => Continue::Restart,
                    2 => Continue::Yes,
                    _ => Continue::No,
                },
                hmerge: if cell_def.merged {
                    Continue::Yes
                } else {
                    Continue::No
                },
            });
        }
        table.row = Some(builder);
        table.end_row(cells)?;
    }
    let finished = table.finish(cells)?;
    push_body_table(blocks, last_header, finished);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::doc::props::CellDef;
    use crate::ingest::document::{Cell, Merge};

    fn row(texts: &[&str], centers: &[i16], vert: &[u8]) -> Row {
        Row {
            cells: texts.iter().map(|t| vec![t.to_string()]).collect(),
            def: Some(RowDef {
                centers: centers.to_vec(),
                cells: vert
                    .iter()
                    .map(|&v| CellDef {
                        merged: false,
                        vert: v,
                    })
                    .collect(),
                header: false,
            }),
        }
    }

    #[test]
    fn wide_cells_span_and_vertical_merges_mark_the_cell_above() {
        let rows = vec![
            row(&["a", "b", "c"], &[0, 100, 200, 300], &[1, 0, 0]),
            row(&["", "wide"], &[0, 100, 301], &[2, 0]),
            row(&["late"], &[105, 300], &[0]),
        ];
        let mut blocks = Vec::new();
        push_table(&mut blocks, &mut 0, rows, &mut 0).unwrap();
        let Block::Table(t) = &blocks[0] else {
            panic!("no table")
        };
        let marks: Vec<Vec<Merge>> = t
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.merge).collect())
            .collect();
        use Merge::*;
        assert_eq!(
            marks,
            vec![
                vec![None, None, None],
                vec![FromAbove, None, FromLeft],
                vec![None, None, FromLeft]
            ]
        );
        assert_eq!(t.rows[2][1], Cell::new("late"));
    }
}
