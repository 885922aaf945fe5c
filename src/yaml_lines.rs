//! Where things are in a YAML text: the line of each item of a block sequence
//! and of a key in a block mapping.
//!
//! yaml_serde reports positions only in its errors, never for values that
//! parsed, so diagnostics about an item would have no line. This is a cheap
//! scan of the source for the common block style (`- ` items, `key:` lines).
//! It never decides anything by itself: callers use its answer only when the
//! number of items it finds equals the number the parser found, and fall
//! back to a coarser line (the list's key, the enclosing item) otherwise, so
//! flow style or unusual layouts cost precision, never correctness.

use std::ops::Range;

/// The physical lines of a YAML text, without their line breaks.
pub(crate) struct Lines<'a> {
    lines: Vec<&'a str>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(src: &'a str) -> Lines<'a> {
        let src = src.strip_prefix('\u{feff}').unwrap_or(src);
        Lines {
            lines: src
                .split('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l))
                .collect(),
        }
    }

    /// Number of physical lines.
    pub(crate) fn len(&self) -> usize {
        self.lines.len()
    }

    /// The indentation and content of line `i`, or `None` for a blank or
    /// comment-only line.
    fn significant(&self, i: usize) -> Option<(usize, &'a str)> {
        let line = self.lines[i];
        let body = line.trim_start_matches(' ');
        if body.trim().is_empty() || body.starts_with('#') {
            return None;
        }
        Some((line.len() - body.len(), body))
    }

    /// The indentation of the first significant line from `from` on.
    pub(crate) fn first_indent(&self, from: usize) -> Option<usize> {
        (from..self.len()).find_map(|i| self.significant(i).map(|(ind, _)| ind))
    }

    /// The lines of the items of a block sequence that starts after line
    /// `after` (or at the top when `None`), indented at least `min_indent`,
    /// and the line where the sequence ends. `None` when the next significant
    /// line is not a `- ` item.
    pub(crate) fn block_items(
        &self,
        after: Option<usize>,
        end: usize,
        min_indent: usize,
    ) -> Option<(Vec<usize>, usize)> {
        let mut i = after.map_or(0, |a| a + 1);
        let mut items = Vec::new();
        let mut indent = None;
        while i < end {
            let Some((ind, body)) = self.significant(i) else {
                i += 1;
                continue;
            };
            if after.is_none()
                && indent.is_none()
                && (body.starts_with("---") || body.starts_with('%'))
            {
                i += 1;
                continue;
            }
            let is_item = body == "-" || body.starts_with("- ");
            match indent {
                None if ind >= min_indent && is_item => {
                    indent = Some(ind);
                    items.push(i);
                }
                None => return None,
                Some(at) if ind < at || (ind == at && !is_item) => break,
                Some(at) if ind == at => items.push(i),
                Some(_) => {}
            }
            i += 1;
        }
        indent.map(|_| (items, i))
    }

    /// The column where the mapping of the item starting at line `item` begins
    /// (just after `- `).
    pub(crate) fn item_content_column(&self, item: usize) -> usize {
        let line = self.lines[item];
        let dash = line.len() - line.trim_start_matches(' ').len();
        let after = &line[dash + 1..];
        dash + 1 + (after.len() - after.trim_start_matches(' ').len())
    }

    /// The line of `key:` at column `col` within `range` (the first line of the
    /// range may hold it after the item's `- `), with the rest of that line.
    pub(crate) fn key(
        &self,
        range: Range<usize>,
        col: usize,
        key: &str,
    ) -> Option<(usize, &'a str)> {
        let first = range.start;
        let spellings = [key.to_owned(), format!("\"{key}\""), format!("'{key}'")];
        for i in range {
            let line = self.lines[i];
            if line.len() <= col || !line.is_char_boundary(col) {
                continue;
            }
            let (indent, body) = line.split_at(col);
            // Only the item's first line has its `- ` before the key.
            if !indent
                .bytes()
                .all(|b| b == b' ' || (i == first && b == b'-'))
            {
                continue;
            }
            for spelled in &spellings {
                if let Some(rest) = body.strip_prefix(spelled.as_str()) {
                    let rest = rest.trim_start_matches(' ');
                    if let Some(value) = rest.strip_prefix(':')
                        && (value.is_empty() || value.starts_with(' '))
                    {
                        return Some((i, value.trim()));
                    }
                }
            }
        }
        None
    }
}

/// 1-based line number of a 0-based index.
pub(crate) fn line_no(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\u{feff}# top\ninstance: default\nprotect:\n  - 1@c.us\noperations:\n  - action: remove\n    chat_id: g\n    participants:\n      - a\n      # c\n\n      - b\n  -   action: add\n      participants: [a, b]\nother: 1\n";

    #[test]
    fn finds_items_and_keys() {
        let l = Lines::new(DOC);
        let (ops, _) = l.key(0..l.len(), 0, "operations").unwrap();
        assert_eq!(ops, 4);
        let (items, end) = l.block_items(Some(ops), l.len(), 0).unwrap();
        assert_eq!(items, vec![5, 12]);
        assert_eq!(end, 14);
        let col = l.item_content_column(5);
        assert_eq!(col, 4);
        assert_eq!(l.key(5..12, col, "action"), Some((5, "remove")));
        let (p, rest) = l.key(5..12, col, "participants").unwrap();
        assert_eq!((p, rest), (7, ""));
        assert_eq!(l.block_items(Some(p), 12, col).unwrap().0, vec![8, 11]);
        assert_eq!(l.item_content_column(12), 6);
        assert_eq!(l.key(12..14, 6, "participants"), Some((13, "[a, b]")));
    }

    #[test]
    fn flow_style_is_not_a_block_sequence() {
        let l = Lines::new("operations: [{action: remove}]\n");
        assert_eq!(l.block_items(Some(0), l.len(), 0), None);
        let l = Lines::new("- a\n- b\n");
        assert_eq!(l.block_items(None, l.len(), 0).unwrap().0, vec![0, 1]);
    }
}
