//! Escaping for Markdown, where a results file's text must stay text: an
//! error body holding `[click](…)`, `<img>`, `**` or a `|` must not become a
//! link, markup, emphasis or a new table cell in a ticket. (HTML needs
//! nothing here: maud escapes every interpolated value.)

/// `text` as a Markdown code span fit for a table cell: nothing inside is
/// read as Markdown or HTML, e-mail-like IDs are not turned into links, and
/// `|` is escaped so the cell does not split. Empty text stays empty.
pub(super) fn md_code(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    // A span that starts or ends with a backtick needs a space beside the
    // fence; CommonMark strips one space on each side again.
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('|', "\\|"))
}

/// A group as a Markdown table cell: `Book club \(`120363…@g.us`\)`, the
/// form [`crate::subjects::label`] gives in text, with the subject as
/// escaped prose (a `|` cannot split the cell, a `<script>` stays text)
/// and the ID as a code span; the ID's code span alone without a subject.
pub(super) fn md_group(chat: &str, subject: Option<&str>) -> String {
    match subject.and_then(crate::subjects::shown) {
        Some(subject) => format!("{} \\({}\\)", md_text(&subject), md_code(chat)),
        None => md_code(chat),
    }
}

/// The characters that can start Markdown syntax inside a line: emphasis,
/// code, links and images, HTML and entities, table cells, strikethrough,
/// and the `:` and `@` of autolinked URLs and e-mail addresses.
const MD_SPECIAL: &[char] = &[
    '\\', '`', '*', '_', '[', ']', '<', '>', '!', '|', '~', '&', '(', ')', ':', '@', '#',
];

/// `text` as Markdown prose inside a line: every character that could be
/// read as syntax backslash-escaped.
pub(super) fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if MD_SPECIAL.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(md_code("79001234565@c.us"), "`79001234565@c.us`");
        assert_eq!(md_code("a|b"), "`a\\|b`");
        assert_eq!(md_code("x `y` z"), "``x `y` z``");
        assert_eq!(md_code("`edge"), "`` `edge ``");
        assert_eq!(md_code(""), "");
    }

    #[test]
    fn a_group_cell_keeps_a_hostile_subject_text() {
        let g = "120363169960827018@g.us";
        assert_eq!(md_group(g, None), format!("`{g}`"));
        assert_eq!(
            md_group(g, Some("Book club")),
            format!("Book club \\(`{g}`\\)")
        );
        let cell = md_group(g, Some("a | b <script>x</script> [l](http://x)"));
        assert_eq!(
            cell,
            format!("a \\| b \\<script\\>x\\</script\\> \\[l\\]\\(http\\://x\\) \\(`{g}`\\)")
        );
    }

    #[test]
    fn prose_escapes_what_could_be_syntax() {
        assert_eq!(
            md_text("[a](http://x) <b> *c* a@b"),
            "\\[a\\]\\(http\\://x\\) \\<b\\> \\*c\\* a\\@b"
        );
        assert_eq!(md_text("plain words, 1-2; x."), "plain words, 1-2; x.");
    }
}
