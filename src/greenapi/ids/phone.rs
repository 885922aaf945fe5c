//! Phone numbers as the telephone world keeps them: which strings of digits
//! are possible international numbers, and what a number written the
//! national way most likely meant. The facts are libphonenumber's metadata
//! (through the `phonenumber` crate), not rules written here: a country
//! code's existence and the lengths of its numbers change, and the metadata
//! follows them.
//!
//! "Possible" is libphonenumber's word: the country calling code exists and
//! the rest has a length that country's numbers have. Lengths that are only
//! dialled locally (without an area code) do not count, since a WhatsApp ID
//! is always the whole international number.

mod lengths;

/// For each country calling code (index 1 to 999), the lengths its national
/// numbers may have, as a bit mask (bit `n` set: `n` digits); zero for a
/// code no country has. Built at compile time from [`lengths::BY_CODE`]:
/// loading the crate's whole database takes 80 ms (it checks thousands of
/// patterns), which every WhatsApp manifest would pay for one table.
static LENGTHS: [u32; 1000] = {
    let mut table = [0u32; 1000];
    let mut i = 0;
    while i < lengths::BY_CODE.len() {
        let (code, list) = lengths::BY_CODE[i];
        let mut j = 0;
        while j < list.len() {
            table[code as usize] |= 1 << list[j];
            j += 1;
        }
        i += 1;
    }
    table
};

/// Whether `digits` (ASCII digits, country code first, no `+`) is a
/// possible number in some country. Country codes are prefix-free, so the
/// first of its 1-, 2- and 3-digit prefixes that is a code is the code.
/// A table lookup: this runs for every WhatsApp person of a manifest.
pub(super) fn is_possible(digits: &str) -> bool {
    let table = &LENGTHS;
    let bytes = digits.as_bytes();
    let mut code = 0usize;
    for (used, &b) in bytes.iter().enumerate().take(3) {
        code = code * 10 + usize::from(b - b'0');
        let mask = table[code];
        if mask != 0 {
            let rest = bytes.len() - used - 1;
            return rest < 32 && mask & (1 << rest) != 0;
        }
    }
    false
}

/// `8` and ten digits that make a valid Russian (or Kazakh) number after
/// `+7`: the trunk prefix 8 those countries dial before a national number.
/// The international form, written the way the metadata formats it
/// (`+7 900 123-45-65`).
pub(super) fn russian_trunk(digits: &str) -> Option<String> {
    let rest = digits.strip_prefix('8').filter(|r| r.len() == 10)?;
    let number = phonenumber::parse(None, format!("+7{rest}")).ok()?;
    number.is_valid().then(|| {
        number
            .format()
            .mode(phonenumber::Mode::International)
            .to_string()
    })
}

/// The hint for a number written with spaces, dashes, parentheses or dots
/// but no `+` or `00`: which country it belongs to cannot be known, so the
/// hint names a form only where the digits themselves suggest one.
pub(super) fn national_hint(written: &str, digits: &str) -> String {
    if let Some(international) = russian_trunk(digits) {
        return format!("write it with its country code: {international}");
    }
    if let Some(rest) = written.strip_prefix('0') {
        return format!(
            "write it with its country code in place of the trunk prefix 0: +<country code> {}",
            rest.trim_start()
        );
    }
    if is_possible(digits) {
        return format!(
            "write it with its country code, `+` first: +{written}, if it starts with its country code"
        );
    }
    "write it with its country code, `+` first: like +7 900 123-45-65 for 8 900 123-45-65"
        .to_owned()
}

/// Why the WhatsApp person `id` (`digits@c.us`) is doubtful, as a message
/// and a hint; `None` when its digits are a possible number.
pub(super) fn doubt(id: &str, digits: &str) -> Option<(String, String)> {
    if is_possible(digits) {
        return None;
    }
    if let Some(international) = russian_trunk(digits) {
        let meant: String = international.chars().filter(char::is_ascii_digit).collect();
        return Some((
            format!(
                "`{id}` is not a possible international number; it looks like a national number (Russia's trunk prefix 8)"
            ),
            format!("did you mean `{meant}@c.us` ({international})?"),
        ));
    }
    Some((
        format!("`{id}` is not a possible phone number in any country"),
        "a WhatsApp ID is the whole international number, country code first, like `79001234565@c.us`".to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`lengths::BY_CODE`] as the `phonenumber` crate's metadata has it:
    /// each type's possible lengths (local-only ones aside), merged over
    /// the regions that share a code (+7: Russia and Kazakhstan).
    fn from_metadata() -> Vec<(u16, Vec<u16>)> {
        use phonenumber::metadata::DATABASE;
        let mut out = Vec::new();
        for code in 1..1000u16 {
            let mut all = Vec::new();
            for meta in DATABASE.by_code(&code).unwrap_or_default() {
                let d = meta.descriptors();
                let kinds = [
                    Some(d.general()),
                    d.fixed_line(),
                    d.mobile(),
                    d.toll_free(),
                    d.premium_rate(),
                    d.shared_cost(),
                    d.personal_number(),
                    d.voip(),
                    d.pager(),
                    d.uan(),
                    d.voicemail(),
                ];
                for desc in kinds.into_iter().flatten() {
                    all.extend_from_slice(desc.possible_length());
                }
            }
            all.sort_unstable();
            all.dedup();
            if !all.is_empty() {
                out.push((code, all));
            }
        }
        out
    }

    /// The table is the metadata's: after `cargo update -p phonenumber`,
    /// `GREENBATCH_WRITE_PHONE_LENGTHS=1 cargo test --lib phone` rewrites it.
    #[test]
    fn the_length_table_is_the_metadata_s() {
        let want = from_metadata();
        let have: Vec<(u16, Vec<u16>)> = lengths::BY_CODE
            .iter()
            .map(|(c, l)| (*c, l.iter().map(|&n| u16::from(n)).collect()))
            .collect();
        if have == want {
            return;
        }
        if std::env::var_os("GREENBATCH_WRITE_PHONE_LENGTHS").is_some() {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/src/greenapi/ids/phone/lengths.rs"
            );
            std::fs::write(path, lengths_file(&want)).expect("write the table");
        }
        panic!(
            "src/greenapi/ids/phone/lengths.rs differs from the phonenumber crate's metadata; rerun with GREENBATCH_WRITE_PHONE_LENGTHS=1 to rewrite it"
        );
    }

    fn lengths_file(table: &[(u16, Vec<u16>)]) -> String {
        let mut s = String::from(LENGTHS_HEADER);
        s.push_str("pub(super) static BY_CODE: &[(u16, &[u8])] = &[\n");
        for (code, lengths) in table {
            let list: Vec<String> = lengths.iter().map(u16::to_string).collect();
            s.push_str(&format!("    ({code}, &[{}]),\n", list.join(", ")));
        }
        s.push_str("];\n");
        s
    }

    const LENGTHS_HEADER: &str = "\
//! Generated from libphonenumber's metadata (the `phonenumber` crate's
//! database) by the test `the_length_table_is_the_metadata_s`, which fails
//! when the two differ: each country calling code with the lengths its
//! national numbers may have. Do not edit by hand.

";

    #[test]
    fn possible_numbers_follow_the_metadata() {
        for ok in [
            "79001234565",  // Russia, mobile
            "77011234567",  // Kazakhstan, same code
            "12125550100",  // US
            "442079460958", // UK
            "4915123456789",
            "380501234567",
            "8613812345678",
        ] {
            assert!(is_possible(ok), "{ok}");
        }
        for bad in [
            "89001234565", // no country has code 8, 89 or 890
            "7900123456",  // Russia, one digit short
            "790012345651",
            "1000000", // +1 and 6 digits (7 is possible: Canada's 310-xxxx)
            "999123456",
        ] {
            assert!(!is_possible(bad), "{bad}");
        }
    }

    #[test]
    fn the_russian_trunk_prefix_is_recognised_only_before_a_valid_number() {
        assert_eq!(
            russian_trunk("89001234565").as_deref(),
            Some("+7 900 123-45-65")
        );
        assert_eq!(russian_trunk("8900123456"), None, "too short");
        assert_eq!(russian_trunk("80001234565"), None, "+7 000 is no number");
        assert_eq!(russian_trunk("79001234565"), None);
    }

    #[test]
    fn hints_name_a_form_only_when_the_digits_suggest_one() {
        assert_eq!(
            national_hint("8 900 123-45-65", "89001234565"),
            "write it with its country code: +7 900 123-45-65"
        );
        assert_eq!(
            national_hint("020 7946 0958", "02079460958"),
            "write it with its country code in place of the trunk prefix 0: +<country code> 20 7946 0958"
        );
        assert!(national_hint("7 900 123-45-65", "79001234565").contains("+7 900 123-45-65, if"));
        assert!(national_hint("9 99 99", "99999").contains("like +7 900 123-45-65"));
    }

    #[test]
    fn doubts_name_the_likely_national_form() {
        let (message, hint) = doubt("89001234565@c.us", "89001234565").unwrap();
        assert!(message.contains("Russia's trunk prefix 8"), "{message}");
        assert_eq!(hint, "did you mean `79001234565@c.us` (+7 900 123-45-65)?");
        let (message, _) = doubt("99912345@c.us", "99912345").unwrap();
        assert_eq!(
            message,
            "`99912345@c.us` is not a possible phone number in any country"
        );
        assert_eq!(doubt("79001234565@c.us", "79001234565"), None);
    }
}
