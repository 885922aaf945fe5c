//! A group's `members_file`: one ID per line (blank lines and `#` comments
//! skipped), or a CSV with a header naming `participant_id`, such as the
//! one `greenbatch export` writes, of which the rows of this group are
//! taken when it has a `chat_id` column; or a workbook ([`sheet`]) holding
//! either on its first sheet or the one `members_sheet` names. IDs come back as written (a CSV cell's guard `'` included), with
//! their places; the caller checks them against the group's platform.

mod sheet;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::Source;
use crate::input::InputFormat;
use crate::sanitise::uncell;
use crate::workbook::Problem;

/// The IDs a members file lists, each with its place; `Err` for a workbook
/// cell that cannot be an ID (a long number a spreadsheet may have
/// changed), with the fix.
pub(super) type Listed = Vec<(Result<String, Problem>, Source)>;

/// IDs and their lines, as a text file lists them.
type Lines = Vec<(String, u32)>;

/// Reads `path` (at most `cap` bytes), shown as `file`, and for a
/// workbook its `sheet` (the first without one); `chat` is the group's
/// canonical ID, when valid. The error says what is wrong with the file.
pub(super) fn read(
    path: &Path,
    (file, sheet): (&Arc<str>, Option<&str>),
    chat: Option<&str>,
    cap: u64,
) -> Result<Listed, String> {
    let bytes = bytes(path, cap)?;
    if InputFormat::from_path(path) == Some(InputFormat::Workbook) {
        return sheet::read(&bytes, (file, sheet), chat, cap);
    }
    let at = |line| Source {
        file: file.clone(),
        line,
        cell: None,
    };
    Ok(text(&bytes, chat)?
        .into_iter()
        .map(|(id, line)| (Ok(id), at(line)))
        .collect())
}

/// All of `path`, at most `cap` bytes.
fn bytes(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| format!("cannot be read: {e}");
    let file = std::fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if meta.is_dir() {
        return Err("is a directory, not a file".to_owned());
    }
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > cap {
        return Err(format!(
            "is larger than the limit of {cap} bytes (raise it with --max-manifest-size)"
        ));
    }
    Ok(bytes)
}

/// A text file's IDs: one per line, or an export CSV's.
fn text(bytes: &[u8], chat: Option<&str>) -> Result<Lines, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "is not UTF-8 text".to_owned())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\0') {
        return Err("contains a NUL byte: this looks like a binary file".to_owned());
    }
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    match first {
        Some(header)
            if header
                .split(',')
                .any(|c| column(c) == Some(Column::Participant)) =>
        {
            from_csv(text, chat)
        }
        _ => Ok(one_per_line(text)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Column {
    Participant,
    Chat,
}

/// The column a CSV header cell names, case, quotes, `_`, `-` and spaces aside.
pub(super) fn column(cell: &str) -> Option<Column> {
    let key: String = cell
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '"'))
        .collect::<String>()
        .to_ascii_lowercase();
    match key.as_str() {
        "participantid" | "participantchatid" | "participant" => Some(Column::Participant),
        "chatid" | "groupid" => Some(Column::Chat),
        _ => None,
    }
}

fn one_per_line(text: &str) -> Lines {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let id = line.trim();
            (!id.is_empty() && !id.starts_with('#')).then(|| (id.to_owned(), line_no(i)))
        })
        .collect()
}

fn from_csv(text: &str, chat: Option<&str>) -> Result<Lines, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| format!("is not a readable CSV file: {e}"))?
        .clone();
    let find = |want: Column| headers.iter().position(|h| column(h) == Some(want));
    let participant = find(Column::Participant).expect("the header was checked");
    let chat_col = find(Column::Chat);
    let mut out = Vec::new();
    let mut others = 0usize;
    for record in rdr.records() {
        let record = record.map_err(|e| format!("is not a readable CSV file: {e}"))?;
        let line = record
            .position()
            .map_or(0, |p| u32::try_from(p.line()).unwrap_or(u32::MAX));
        let cell = |i: usize| uncell(record.get(i).unwrap_or("").trim()).trim().to_owned();
        if let (Some(c), Some(chat)) = (chat_col, chat)
            && cell(c) != chat
        {
            others += 1;
            continue;
        }
        // Kept as written: the ID check reads a cell guard through, with
        // a note, as it does in every other file.
        let id = record.get(participant).unwrap_or("").trim().to_owned();
        if !id.is_empty() {
            out.push((id, line));
        }
    }
    none_of_this_group(out.is_empty(), others, chat)?;
    Ok(out)
}

/// An export whose rows are all another group's is the wrong file.
pub(super) fn none_of_this_group(
    empty: bool,
    others: usize,
    chat: Option<&str>,
) -> Result<(), String> {
    if empty && others > 0 {
        let chat = chat.unwrap_or("this group");
        return Err(format!(
            "lists no member of group `{chat}`: its {others} rows are for other groups"
        ));
    }
    Ok(())
}

fn line_no(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `read`, its IDs and lines only (a text file has no cells).
    fn read(path: &Path, chat: Option<&str>, cap: u64) -> Result<Lines, String> {
        let listed = super::read(path, (&Arc::from("f"), None), chat, cap)?;
        Ok(listed
            .into_iter()
            .map(|(id, at)| (id.unwrap(), at.line))
            .collect())
    }

    fn file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("allowed.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn one_id_per_line_with_comments_and_blank_lines() {
        let (_d, path) = file("\u{feff}# allowed\n79001234565@c.us\n\n  +7 900 123-45-66  \n");
        assert_eq!(
            read(&path, None, 1 << 20).unwrap(),
            vec![
                ("79001234565@c.us".to_owned(), 2),
                ("+7 900 123-45-66".to_owned(), 4)
            ]
        );
    }

    #[test]
    fn an_export_csv_gives_this_group_s_rows() {
        let (_d, path) = file(
            "instance,chat_id,participant_id,role\ndefault,1@g.us,7001@c.us,owner\ndefault,2@g.us,7002@c.us,member\nmax,'-100,10000000,member\n",
        );
        assert_eq!(
            read(&path, Some("1@g.us"), 1 << 20).unwrap(),
            vec![("7001@c.us".to_owned(), 2)]
        );
        assert_eq!(
            read(&path, Some("-100"), 1 << 20).unwrap(),
            vec![("10000000".to_owned(), 4)],
            "a cell's leading quote is the export's, not the value's"
        );
        let err = read(&path, Some("3@g.us"), 1 << 20).unwrap_err();
        assert!(err.contains("its 3 rows are for other groups"), "{err}");
        let (_d, bare) = file("participantChatId\n7001@c.us\n");
        assert_eq!(read(&bare, Some("9@g.us"), 1 << 20).unwrap().len(), 1);
    }

    #[test]
    fn missing_big_and_binary_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = read(&dir.path().join("nope.csv"), None, 100).unwrap_err();
        assert!(err.starts_with("cannot be read"), "{err}");
        assert!(
            read(dir.path(), None, 100)
                .unwrap_err()
                .contains("directory")
        );
        let (_d, big) = file(&"7001@c.us\n".repeat(20));
        assert!(read(&big, None, 100).unwrap_err().contains("larger"));
        let (_d, bin) = file("a\0b");
        assert!(read(&bin, None, 100).unwrap_err().contains("NUL"));
    }
}
