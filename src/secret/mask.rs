//! The last line of defence: [`mask`] hides every piece of a known token in
//! a text that is about to leave the process, whatever happened to it on
//! the way.
//!
//! A server may echo the token cut short, split by a newline, a tab or an
//! escape sequence, upper-cased, percent-encoded once or twice, as JSON
//! `\u00XX` escapes or HTML entities, as hex, as base64 at any alignment,
//! in UTF-16, or with an invalid byte in the middle; and the tool's own
//! clipping, joining and sanitising may cut it or glue its halves back
//! together. So the check is made on the final text, and it is generous:
//! the text is read as a *view* of its ASCII letters and digits, lower-cased,
//! with escape sequences skipped (and once more with `%XX`, `\uXXXX` and
//! `&#…;` decoded, twice for percent-encoding), and every run of the view
//! in which each [`WINDOW`]-character stretch is a stretch of some form of
//! a token (raw, hex, base64) is replaced, with what lies between its
//! characters in the text, by `***`. A false mask costs a few characters of
//! a message; a leak costs an account.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine as _;

/// The shortest piece of a token that is masked.
pub const WINDOW: usize = 12;

/// The hashes (xxh3) of every [`WINDOW`]-byte stretch of every form of
/// every known token, in the view's alphabet.
static GRAMS: RwLock<Option<HashSet<u64>>> = RwLock::new(None);
/// Whether any token is known: the common case of none costs one load.
static ANY: AtomicBool = AtomicBool::new(false);

fn gram_hash(gram: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(gram)
}

/// The view's alphabet: ASCII letters and digits, lower-cased.
fn normalised(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
        .collect()
}

/// Learns `token`: its raw form, its bytes in hex, and its base64 at each
/// of the three alignments (without the last characters, which depend on
/// what follows it). UTF-16 needs no form of its own: its zero bytes are
/// not in the view.
pub(super) fn learn(token: &str) {
    let bytes = token.as_bytes();
    let mut forms: Vec<Vec<u8>> = vec![bytes.to_vec()];
    forms.push(
        bytes
            .iter()
            .flat_map(|b| format!("{b:02x}").into_bytes())
            .collect(),
    );
    for skip in 0..3.min(bytes.len()) {
        let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&bytes[skip..]);
        let stable = encoded.len().saturating_sub(3);
        forms.push(encoded.as_bytes()[..stable].to_vec());
    }
    let mut grams = GRAMS.write().unwrap_or_else(|e| e.into_inner());
    let set = grams.get_or_insert_with(HashSet::new);
    for form in forms {
        for gram in normalised(&form).windows(WINDOW) {
            set.insert(gram_hash(gram));
        }
    }
    ANY.store(!set.is_empty(), Ordering::Release);
}

/// One byte of a view, and the bytes of the text it stands for.
#[derive(Debug, Clone, Copy)]
struct Unit {
    byte: u8,
    start: usize,
    end: usize,
}

/// The text's bytes, with terminal escape sequences left out.
fn raw_units(text: &[u8]) -> Vec<Unit> {
    let mut units = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] == 0x1b {
            i = after_escape(text, i);
            continue;
        }
        units.push(Unit {
            byte: text[i],
            start: i,
            end: i + 1,
        });
        i += 1;
    }
    units
}

/// Where the escape sequence starting at `at` ends (ECMA-48: CSI to a final
/// byte, OSC and the other strings to BEL or ESC `\`, else two bytes).
fn after_escape(text: &[u8], at: usize) -> usize {
    let Some(&kind) = text.get(at + 1) else {
        return at + 1;
    };
    let mut i = at + 2;
    match kind {
        b'[' => {
            while i < text.len() && !(0x40..=0x7e).contains(&text[i]) {
                i += 1;
            }
            (i + 1).min(text.len())
        }
        b']' | b'P' | b'X' | b'^' | b'_' => {
            while i < text.len() {
                if text[i] == 0x07 {
                    return i + 1;
                }
                if text[i] == 0x1b && text.get(i + 1) == Some(&b'\\') {
                    return i + 2;
                }
                i += 1;
            }
            i
        }
        _ => at + 2,
    }
}

fn hex_value(units: &[Unit]) -> Option<u32> {
    units.iter().try_fold(0u32, |acc, u| {
        Some(acc << 4 | (u.byte as char).to_digit(16)?)
    })
}

/// A code point as the view sees it: itself when ASCII, else a byte
/// outside the view's alphabet.
fn as_byte(code: u32) -> u8 {
    u8::try_from(code).ok().filter(u8::is_ascii).unwrap_or(0xff)
}

/// `units` with one encoding decoded wherever `decode` recognises it at a
/// position (it returns the decoded byte and how many units it used).
fn decoded(units: &[Unit], decode: impl Fn(&[Unit]) -> Option<(u8, usize)>) -> Vec<Unit> {
    let mut out = Vec::with_capacity(units.len());
    let mut i = 0;
    while i < units.len() {
        match decode(&units[i..]) {
            Some((byte, used)) => {
                out.push(Unit {
                    byte,
                    start: units[i].start,
                    end: units[i + used - 1].end,
                });
                i += used;
            }
            None => {
                out.push(units[i]);
                i += 1;
            }
        }
    }
    out
}

/// `%XX`.
fn percent(u: &[Unit]) -> Option<(u8, usize)> {
    (u.first()?.byte == b'%' && u.len() >= 3)
        .then(|| hex_value(&u[1..3]))
        .flatten()
        .map(|v| (v as u8, 3))
}

/// `\uXXXX` (and `\xXX`).
fn backslash(u: &[Unit]) -> Option<(u8, usize)> {
    if u.first()?.byte != b'\\' {
        return None;
    }
    match u.get(1)?.byte {
        b'u' if u.len() >= 6 => hex_value(&u[2..6]).map(|v| (as_byte(v), 6)),
        b'x' if u.len() >= 4 => hex_value(&u[2..4]).map(|v| (as_byte(v), 4)),
        _ => None,
    }
}

/// `&#97;`, `&#x61;` and `&amp;`.
fn entity(u: &[Unit]) -> Option<(u8, usize)> {
    if u.first()?.byte != b'&' {
        return None;
    }
    let end = u.iter().take(10).position(|x| x.byte == b';')?;
    let body: Vec<u8> = u[1..end].iter().map(|x| x.byte).collect();
    let code = match body.as_slice() {
        b"amp" => u32::from(b'&'),
        [b'#', b'x' | b'X', hex @ ..] => {
            u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?
        }
        [b'#', dec @ ..] => std::str::from_utf8(dec).ok()?.parse().ok()?,
        _ => return None,
    };
    Some((as_byte(code), end + 1))
}

/// The text ranges of the runs of `units`' view that are pieces of a token.
fn found(units: &[Unit], grams: &HashSet<u64>, into: &mut Vec<(usize, usize)>) {
    let view: Vec<(u8, usize, usize)> = units
        .iter()
        .filter(|u| u.byte.is_ascii_alphanumeric())
        .map(|u| (u.byte.to_ascii_lowercase(), u.start, u.end))
        .collect();
    if view.len() < WINDOW {
        return;
    }
    let letters: Vec<u8> = view.iter().map(|v| v.0).collect();
    let mut run: Option<(usize, usize)> = None; // view positions [a, b)
    for i in 0..=letters.len() - WINDOW {
        if !grams.contains(&gram_hash(&letters[i..i + WINDOW])) {
            continue;
        }
        run = match run {
            Some((a, b)) if i <= b => Some((a, i + WINDOW)),
            Some((a, b)) => {
                into.push((view[a].1, view[b - 1].2));
                Some((i, i + WINDOW))
            }
            None => Some((i, i + WINDOW)),
        };
    }
    if let Some((a, b)) = run {
        into.push((view[a].1, view[b - 1].2));
    }
}

/// `text` with every piece of a known token of [`WINDOW`] characters or
/// more, in any of the forms the module names, replaced by `***`.
/// Borrowed when there is none.
pub fn mask(text: &str) -> Cow<'_, str> {
    if !ANY.load(Ordering::Acquire) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    if bytes.iter().filter(|b| b.is_ascii_alphanumeric()).count() < WINDOW {
        return Cow::Borrowed(text);
    }
    let guard = GRAMS.read().unwrap_or_else(|e| e.into_inner());
    let Some(grams) = guard.as_ref() else {
        return Cow::Borrowed(text);
    };
    let units = raw_units(bytes);
    let mut ranges = Vec::new();
    found(&units, grams, &mut ranges);
    if bytes.iter().any(|b| matches!(b, b'%' | b'\\' | b'&')) {
        let units = decoded(&units, entity);
        let units = decoded(&units, entity);
        let units = decoded(&units, backslash);
        let units = decoded(&units, percent);
        let units = decoded(&units, percent);
        found(&units, grams, &mut ranges);
    }
    drop(guard);
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, end) in ranges {
        if end <= copied {
            continue;
        }
        let start = start.max(copied);
        out.push_str(&text[copied..start]);
        if !out.ends_with("***") {
            out.push_str("***");
        }
        copied = end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests;
