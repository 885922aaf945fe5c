//! Every way a token's echo was seen to leak, and the property the issue
//! asks for: after any of them, no stretch of [`WINDOW`] characters of the
//! token, in any of its forms, is left in the masked text.

use base64::Engine as _;

use super::*;

const TOKEN: &str = "d75b3a66374942c5b3c019c698abc2067e151558acbd412345";

fn known() {
    learn(TOKEN);
}

/// The forms of `piece` a leak check looks for, in the view's alphabet.
fn forms(piece: &str) -> Vec<Vec<u8>> {
    let mut out = vec![normalised(piece.as_bytes())];
    out.push(normalised(
        &piece
            .bytes()
            .flat_map(|b| format!("{b:02x}").into_bytes())
            .collect::<Vec<_>>(),
    ));
    out
}

/// Whether `text` still holds `WINDOW` characters of the token, raw (any
/// case, anything between them) or in hex, or decoded.
fn leaks(text: &str) -> bool {
    let units = raw_units(text.as_bytes());
    let decoded_units = {
        let u = decoded(&units, entity);
        let u = decoded(&u, entity);
        let u = decoded(&u, backslash);
        let u = decoded(&u, percent);
        decoded(&u, percent)
    };
    let views: Vec<Vec<u8>> = [units, decoded_units]
        .iter()
        .map(|u| {
            u.iter()
                .filter(|x| x.byte.is_ascii_alphanumeric())
                .map(|x| x.byte.to_ascii_lowercase())
                .collect()
        })
        .collect();
    let mut needles = forms(TOKEN);
    for skip in 0..3 {
        let b = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&TOKEN.as_bytes()[skip..]);
        needles.push(normalised(&b.as_bytes()[..b.len() - 3]));
    }
    views.iter().any(|view| {
        needles.iter().any(|n| {
            n.windows(WINDOW)
                .any(|w| view.windows(WINDOW).any(|v| v == w))
        })
    })
}

fn transformations(token: &str) -> Vec<(String, String)> {
    let (a, b) = token.split_at(25);
    let mut out: Vec<(String, String)> = Vec::new();
    for sep in [
        "\x1b[0m", "\u{202e}", "\n", "\t", "\r\n", " ", "\u{0}", "\u{fffd}", "\",\"",
    ] {
        out.push((format!("split by {sep:?}"), format!("{a}{sep}{b}")));
    }
    for len in [12, 13, 24, 30, 40, 49] {
        out.push((format!("cut at {len}"), token[..len].to_owned()));
        out.push((
            format!("tail of {len}"),
            token[token.len() - len..].to_owned(),
        ));
    }
    out.push(("upper".into(), token.to_uppercase()));
    let pct: String = token.bytes().map(|b| format!("%{b:02X}")).collect();
    out.push(("percent".into(), pct.clone()));
    out.push(("percent twice".into(), pct.replace('%', "%25")));
    out.push((
        "json \\u".into(),
        token.bytes().map(|b| format!("\\u{b:04x}")).collect(),
    ));
    out.push((
        "html decimal".into(),
        token.bytes().map(|b| format!("&#{b};")).collect(),
    ));
    out.push((
        "html hex, escaped once more".into(),
        token.bytes().map(|b| format!("&amp;#x{b:x};")).collect(),
    ));
    out.push((
        "hex".into(),
        token.bytes().map(|b| format!("{b:02x}")).collect(),
    ));
    for prefix in ["", "x", "xy"] {
        let b = base64::engine::general_purpose::STANDARD.encode(format!("{prefix}{token}"));
        out.push((format!("base64 after {prefix:?}"), b));
    }
    out.push((
        "utf-16le".into(),
        String::from_utf8_lossy(
            &token
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<Vec<u8>>(),
        )
        .into_owned(),
    ));
    out.push((
        "json array of halves".into(),
        format!("{{\"error\":[\"{a}\",\"{b}\"]}}"),
    ));
    out
}

#[test]
fn no_piece_of_the_token_survives_any_transformation() {
    known();
    for (what, echoed) in transformations(TOKEN) {
        let text = format!("HTTP 401 Cannot POST /waInstance1101000001/getGroupData/{echoed} end");
        assert!(leaks(&text), "{what}: the check itself must see the echo");
        let masked = mask(&text);
        assert!(!leaks(&masked), "{what}: {masked:?}");
        assert!(
            masked.starts_with("HTTP 401 Cannot POST"),
            "{what}: {masked:?}"
        );
        assert!(masked.ends_with(" end"), "{what}: {masked:?}");
        // What the views do afterwards cannot rejoin what was masked.
        let shown = crate::sanitise::terminal(&masked);
        assert!(!leaks(&shown), "{what}, then sanitised: {shown:?}");
    }
}

#[test]
fn random_cuts_and_splits_never_leak() {
    known();
    let mut rng = fastrand::Rng::with_seed(20);
    let glue = [
        "\x1b[1m", "\n", "\t", "\u{202e}", "%0A", "\\n", " ", "\u{7f}",
    ];
    for _ in 0..2000 {
        let from = rng.usize(0..TOKEN.len() - WINDOW);
        let to = rng.usize(from + WINDOW..=TOKEN.len());
        let piece = &TOKEN[from..to];
        let mut text = String::from("error: ");
        let mut at = 0;
        while at < piece.len() {
            let step = rng.usize(1..=piece.len() - at);
            text.push_str(&piece[at..at + step]);
            text.push_str(glue[rng.usize(..glue.len())]);
            at += step;
        }
        if rng.bool() {
            text = text.to_uppercase();
        }
        let masked = mask(&text);
        let shown = crate::sanitise::terminal(&masked);
        assert!(!leaks(&shown), "{text:?} -> {shown:?}");
    }
}

#[test]
fn ordinary_text_is_left_alone() {
    known();
    for text in [
        "HTTP 500 Internal Server Error",
        "removeGroupParticipant 79001234565@c.us in 120363043968066561@g.us",
        "short d75b3a66374",
        "",
    ] {
        assert!(matches!(mask(text), Cow::Borrowed(_)), "{text}");
    }
}
