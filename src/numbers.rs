//! Numbers as seqplan compares and prints them: the tolerance of every
//! comparison of a meter with a level, and the short, stable formatting of
//! values in every output.

/// Absolute tolerance when comparing meters against levels (DESIGN.md).
pub const TOLERANCE: f64 = 1e-6;

/// Formats a number for people and for JSON-stable output: at most six
/// decimals, no trailing zeros, no negative zero.
pub fn fmt_num(value: f64) -> String {
    fmt_decimals(value, 6)
}

/// Formats a meter value for tables: at most two decimals, trimmed.
pub fn fmt_meter(value: f64) -> String {
    fmt_decimals(value, 2)
}

fn fmt_decimals(value: f64, places: usize) -> String {
    let text = format!("{:.places$}", round6(value));
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// Rounds to six decimals (and turns −0 into 0), so tiny floating-point
/// noise never changes the output.
pub fn round6(value: f64) -> f64 {
    let rounded = (value * 1e6).round() / 1e6;
    if rounded == 0.0 {
        0.0
    } else {
        rounded
    }
}

#[cfg(test)]
// Exact values on purpose: the digits show what rounding must do.
#[allow(clippy::unreadable_literal, clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_short_and_stable() {
        assert_eq!(fmt_num(2.0), "2");
        assert_eq!(fmt_num(1.9000000000000001), "1.9");
        assert_eq!(fmt_num(-0.0000001), "0");
        assert_eq!(fmt_num(0.1234567), "0.123457");
        assert_eq!(fmt_meter(3.759875), "3.76");
        assert_eq!(fmt_meter(-0.001), "0");
        assert_eq!(round6(-1e-9), 0.0);
    }
}
