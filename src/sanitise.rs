//! Making untrusted text safe to store and to show: [`cell`] for results-CSV
//! cells (single line, no spreadsheet formulas), [`uncell`] to read such a cell
//! back, [`terminal`] for server text printed on stderr (no escape
//! sequences), and [`escaped`] for what a manifest or an instances file says
//! (names, values, paths), whose control characters are shown as `\u{1b}`:
//! a third-party manifest must not rewrite the terminal or plant a hidden
//! OSC 8 hyperlink, and the person fixing it should see what is there.
//!
//! Text reaches these functions from users (manifest IDs, instance names) and
//! from servers (error bodies), so it may carry newlines that would break a
//! line-oriented file, formulas a spreadsheet would run when the file is
//! opened (CSV injection), or terminal escapes that would rewrite the screen.
//!
//! The cell rule, chosen so that every value round-trips exactly:
//! 1. every control character (C0, DEL, C1), the Unicode line and paragraph
//!    separators, and the bidi embeddings, overrides and isolates (which make
//!    a viewer show text reversed) become a space, so a cell is always one
//!    line and reads as stored;
//! 2. a `'` is put in front when the text, ignoring leading spaces, starts with
//!    `=`, `+`, `-` or `@` (tab and CR, the other OWASP triggers, are spaces by
//!    now), and also when the text itself starts with `'`.
//!
//! [`uncell`] strips one leading `'`. Because rule 2 also escapes a leading
//! `'`, a stored cell starts with `'` exactly when the writer added one, so a
//! MAX group ID `-10000000000000` is stored as `'-10000000000000` and read
//! back unchanged. Rule 1 is lossy, but validated IDs never contain control
//! characters; only free text such as error messages is changed by it.

use std::borrow::Cow;

/// The characters that make a spreadsheet evaluate a cell as a formula.
const FORMULA_STARTS: [char; 4] = ['=', '+', '-', '@'];

/// `text` made safe for a results-CSV cell; borrowed when nothing changes.
pub fn cell(text: &str) -> Cow<'_, str> {
    let blank = |c: char| breaks_line(c) || is_bidi_control(c);
    let clean = if text.chars().any(blank) {
        Cow::Owned(
            text.chars()
                .map(|c| if blank(c) { ' ' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    };
    let risky = clean.starts_with('\'')
        || clean
            .trim_start_matches(' ')
            .starts_with(FORMULA_STARTS.as_slice());
    if !risky {
        return clean;
    }
    let mut out = String::with_capacity(clean.len() + 1);
    out.push('\'');
    out.push_str(&clean);
    Cow::Owned(out)
}

/// The value a cell written by [`cell`] stood for: one leading `'` removed.
pub fn uncell(stored: &str) -> &str {
    stored.strip_prefix('\'').unwrap_or(stored)
}

/// `text` made safe for a terminal: ANSI escape sequences removed, other
/// control characters turned into spaces (so it stays one line), and bidi
/// overrides that could disguise the text dropped. Borrowed when nothing changes.
pub fn terminal(text: &str) -> Cow<'_, str> {
    masked(terminal_unmasked(text))
}

fn terminal_unmasked(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| breaks_line(c) || is_bidi_control(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => skip_escape(&mut chars),
            c if is_bidi_control(c) => {}
            c if breaks_line(c) => out.push(' '),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` with every control character, Unicode line or paragraph
/// separator and bidi control written as a Rust escape (`\u{1b}`), so the
/// terminal shows them instead of obeying them. Borrowed when nothing changes.
pub fn escaped(text: &str) -> Cow<'_, str> {
    masked(escaped_unmasked(text))
}

fn escaped_unmasked(text: &str) -> Cow<'_, str> {
    let risky = |c: char| breaks_line(c) || is_bidi_control(c);
    if !text.chars().any(risky) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if risky(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`escaped`] line by line: what a multi-line message keeps of its lines.
pub fn escaped_lines(text: &str) -> Cow<'_, str> {
    masked(escaped_lines_unmasked(text))
}

fn escaped_lines_unmasked(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| breaks_line(c) && c != '\n' || is_bidi_control(c))
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.split('\n').map(escaped).collect::<Vec<_>>().join("\n"))
}

/// The first characters of `text`, quoted from a file that may not be what
/// the user meant (a token file, `/proc/self/environ`): at most
/// [`QUOTE_CHARS`], then `…`.
pub fn quote_start(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(QUOTE_CHARS) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
    }
}

/// `text` (a parser's message) with every `"…"` it quotes longer than
/// [`QUOTE_CHARS`] cut to its start: parsers quote a value whole.
pub fn short_quotes(text: &str) -> Cow<'_, str> {
    let parts: Vec<&str> = text.split('"').collect();
    if parts
        .iter()
        .skip(1)
        .step_by(2)
        .all(|q| q.chars().count() <= QUOTE_CHARS)
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (k, part) in parts.iter().enumerate() {
        if k > 0 {
            out.push('"');
        }
        match k % 2 == 1 && k + 1 < parts.len() {
            true => out.push_str(&quote_start(part)),
            false => out.push_str(part),
        }
    }
    Cow::Owned(out)
}

/// How much of a file's first line a message quotes: fewer characters
/// than the shortest piece of a token that is masked ([`crate::secret::WINDOW`]),
/// so even a secret nobody told greenbatch about is not shown.
pub const QUOTE_CHARS: usize = 11;

/// `text` cut to at most `max` bytes, at a character boundary, with `…`
/// added when anything was cut: what keeps one huge value from becoming a
/// huge message, ledger entry or results cell.
pub fn clip(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", &text[..end]))
}

/// `text` with every piece of a known token masked ([`crate::secret::mask`]):
/// the last step of every function here that shows text, since what they
/// remove (an escape, a bidi control, a newline) could glue the pieces of a
/// token that a server echoed split back together.
fn masked(text: Cow<'_, str>) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(t) => crate::secret::mask(t),
        Cow::Owned(t) => match crate::secret::mask(&t) {
            Cow::Borrowed(_) => Cow::Owned(t),
            Cow::Owned(m) => Cow::Owned(m),
        },
    }
}

/// Control characters and the Unicode line breaks that are not controls.
fn breaks_line(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// Embeddings, overrides and isolates: they reorder what a terminal shows.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Consumes the rest of an escape sequence whose ESC was just read, following
/// ECMA-48: CSI runs to a final byte in `@`..=`~`; OSC, DCS, SOS, PM and APC
/// run to BEL or the string terminator ESC `\`; anything else is ESC,
/// optional intermediates (space to `/`), and one final character.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => {
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            while let Some(c) = chars.next() {
                if c == '\x07' {
                    break;
                }
                if c == '\x1b' {
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                    }
                    break;
                }
            }
        }
        Some(' '..='/') => {
            while chars.next_if(|c| (' '..='/').contains(c)).is_some() {}
            chars.next();
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_at_a_character_boundary_and_says_so() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("exactly10!", 10), "exactly10!");
        assert_eq!(clip("abcdefghijk", 10), "abcdefghij…");
        // `é` is two bytes: a cut inside it moves back to before it.
        assert_eq!(clip("aaaaaaaaaé", 10), "aaaaaaaaa…");
    }

    #[test]
    fn bidi_controls_become_spaces_in_cells() {
        assert_eq!(
            cell("false: \u{202e}live\u{2066}x\u{2069}"),
            "false:  live x "
        );
        assert_eq!(cell("\u{202e}=1"), "' =1");
    }

    #[test]
    fn plain_cells_are_borrowed_and_unchanged() {
        for text in [
            "",
            "79001234567@c.us",
            "cleanup.csv:14",
            "instance 1",
            "ünïcode",
        ] {
            assert!(
                matches!(cell(text), Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
    }

    #[test]
    fn formula_starts_get_a_quote() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-10000000000000"), "'-10000000000000");
        assert_eq!(
            cell("\t=1"),
            "' =1",
            "tab is a control, then a trigger behind it"
        );
        assert_eq!(cell("  -1"), "'  -1");
        assert_eq!(cell("'quoted"), "''quoted");
        assert_eq!(cell("a=b"), "a=b");
    }

    #[test]
    fn controls_become_spaces_and_cells_stay_one_line() {
        assert_eq!(cell("bad\r\nrequest\x00!\u{2028}x"), "bad  request ! x");
        assert_eq!(cell("\x1b[31mred"), " [31mred");
        assert_eq!(cell("\u{85}next"), " next");
    }

    #[test]
    fn every_cell_round_trips_through_uncell() {
        let samples = [
            "-10000000000000",
            "'-1",
            "''=",
            "'",
            "",
            "=",
            "plain",
            " @x",
            "'plain",
        ];
        for text in samples {
            assert_eq!(uncell(&cell(text)), text, "{text:?}");
        }
        assert_eq!(uncell("plain"), "plain");
    }

    #[test]
    fn escaped_text_shows_controls_instead_of_obeying_them() {
        assert!(matches!(escaped("m.csv: `x` ünï"), Cow::Borrowed(_)));
        assert_eq!(
            escaped("\x1b]8;;http://x\x1b\\link"),
            "\\u{1b}]8;;http://x\\u{1b}\\link"
        );
        assert_eq!(
            escaped("a\x07b\nc\u{202e}d\u{9b}"),
            "a\\u{7}b\\u{a}c\\u{202e}d\\u{9b}"
        );
        assert_eq!(escaped_lines("one\x1b[2J\ntwo"), "one\\u{1b}[2J\ntwo");
        assert!(matches!(escaped_lines("one\ntwo"), Cow::Borrowed(_)));
    }

    #[test]
    fn terminal_text_loses_escapes_and_controls() {
        assert!(matches!(terminal("bad request"), Cow::Borrowed(_)));
        assert_eq!(terminal("\x1b[1;31mred\x1b[0m text"), "red text");
        assert_eq!(terminal("\x1b]0;title\x07after"), "after");
        assert_eq!(terminal("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"), "link");
        assert_eq!(terminal("\x1bcreset"), "reset");
        assert_eq!(terminal("\x1b(Bascii"), "ascii");
        assert_eq!(terminal("line\nnext\ttab\r"), "line next tab ");
        assert_eq!(terminal("abc\u{202e}fed"), "abcfed");
        assert_eq!(terminal("\u{9b}31m"), " 31m", "a C1 CSI is only a control");
        assert_eq!(terminal("cut\x1b["), "cut");
        assert_eq!(terminal("end\x1b"), "end");
    }
}
