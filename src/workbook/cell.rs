//! What a workbook cell holds, as the text a manifest row is made of, and
//! the numbers a spreadsheet may have changed, refused rather than
//! guessed.
//!
//! A spreadsheet turns `79001234565` typed into a "General" cell into the
//! number 7.9001234565E10: read back as an integer it is exactly what was
//! typed. Excel keeps 15 significant digits (it stores
//! 1234567890123456 as 1234567890123450), so a float that is an exact
//! integer is trusted only up to 15 digits, well below 2^53 where floats
//! stop holding every integer; a longer one (an 18-digit group number), a
//! fraction, a date or an error is refused with the fix. Text that *looks*
//! like E-notation (`7.9001234565E+10`, what a CSV export of such a cell
//! says) lost its digits before it reached us: the validator refuses it
//! with [`E_NOTATION_HINT`].

use std::borrow::Cow;

use calamine::Data;

use super::Problem;

/// The fix for a number a spreadsheet changed.
pub(crate) const E_NOTATION_HINT: &str = "a spreadsheet stored this ID as a number and may have lost digits: format the column as Text and type the number again";

/// The largest integer a float cell is read as: 15 digits, all that Excel
/// keeps of a number (and below 2^53, so the float holds it exactly).
const MAX_EXACT: f64 = 999_999_999_999_999.0;

/// Whether a cell holds nothing (an empty string counts as nothing).
pub(crate) fn is_blank(cell: &Data) -> bool {
    match cell {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// The cell as text; `Err` for what no manifest field can be (a fraction,
/// a number too long to have kept its digits, a date, an error).
pub(crate) fn text(cell: &Data) -> Result<Cow<'_, str>, Problem> {
    let refused = |message: String| Problem {
        message,
        hint: E_NOTATION_HINT.to_owned(),
    };
    match cell {
        Data::Empty => Ok(Cow::Borrowed("")),
        Data::String(s) => Ok(Cow::Borrowed(s)),
        Data::Int(i) => Ok(Cow::Owned(i.to_string())),
        Data::Float(f) if f.fract() == 0.0 && f.abs() <= MAX_EXACT => {
            // Exact: the integer part of a float this small is the integer.
            Ok(Cow::Owned(format!("{}", *f as i64)))
        }
        Data::Float(f) if f.is_finite() && f.fract() == 0.0 => Err(refused(format!(
            "holds the number {f:E}, longer than the 15 digits a spreadsheet keeps of a number; its last digits may be lost"
        ))),
        Data::Float(f) => Err(Problem {
            message: format!("holds the number {f}, which is no ID"),
            hint: E_NOTATION_HINT.to_owned(),
        }),
        Data::Bool(b) => Ok(Cow::Borrowed(if *b { "TRUE" } else { "FALSE" })),
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => Err(Problem {
            message: "holds a date or a time, which the spreadsheet made of what was typed"
                .to_owned(),
            hint: "format the column as Text and type the value again".to_owned(),
        }),
        Data::Error(e) => Err(Problem {
            message: format!("holds the error {e}"),
            hint: "fix the formula, or type the value itself".to_owned(),
        }),
    }
}

/// Whether `text` is a number in E-notation (`7.9001234565E+10`,
/// `1.2E17`): how a spreadsheet writes a long number, digits lost.
pub(crate) fn is_e_notation(text: &str) -> bool {
    let t = text.trim();
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let Some((mantissa, exponent)) = t.split_once(['e', 'E']) else {
        return false;
    };
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    !whole.is_empty()
        && digits(whole)
        && digits(fraction)
        && !exponent.is_empty()
        && digits(exponent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_integer_float_reads_back_exactly() {
        assert_eq!(text(&Data::Float(7.9001234565E10)).unwrap(), "79001234565");
        assert_eq!(text(&Data::Float(-1.0e14)).unwrap(), "-100000000000000");
        assert_eq!(text(&Data::Float(MAX_EXACT)).unwrap(), "999999999999999");
        assert_eq!(text(&Data::Int(42)).unwrap(), "42");
    }

    #[test]
    fn what_a_float_may_have_changed_is_refused() {
        // An 18-digit group number: the float cannot say which it was.
        let long = text(&Data::Float(1.2036304396806656E17)).unwrap_err();
        assert!(long.message.contains("1.2036304396806656E17"), "{long:?}");
        assert!(long.hint.contains("format the column as Text"), "{long:?}");
        // 16 digits: below 2^53, but Excel kept only 15 of them.
        assert!(text(&Data::Float(1_234_567_890_123_450.0)).is_err());
        assert!(
            text(&Data::Float(12.5))
                .unwrap_err()
                .message
                .contains("12.5")
        );
        assert!(text(&Data::Float(f64::NAN)).is_err());
        assert!(text(&Data::Float(f64::INFINITY)).is_err());
    }

    #[test]
    fn e_notation_is_told_from_ids() {
        for e in ["7.9001234565E+10", "1.2E17", "-3e-2", " 7E10 "] {
            assert!(is_e_notation(e), "{e}");
        }
        for not in [
            "79001234565",
            "E10",
            "7.9E",
            "1e5@c.us",
            "remove",
            "1.5",
            "",
        ] {
            assert!(!is_e_notation(not), "{not}");
        }
    }
}
