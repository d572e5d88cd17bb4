//! Minimal, dependency-free date handling: ISO 8601 dates and date-times to epoch milliseconds.
//!
//! Every input is untrusted (trait values, rule operands, query strings), so parsing works on
//! bytes, never slices a `str` at a computed offset, and accepts only real calendar days
//! (`2026-02-31` is refused) in years 0000–9999, so nothing can panic or overflow.

pub const DAY_MS: i64 = 86_400_000;

/// Days since 1970-01-01 for a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days in month `m` (1–12) of year `y`.
fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The value of a run of ASCII digits (at most 9, so it cannot overflow); `None` for
/// anything else, including an empty run.
fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
}

/// Parses a strict `YYYY-MM-DD` (a real calendar day) into days since 1970-01-01.
pub fn parse_day(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff…]]` with `Z` or `±HH[:]MM`. Returns epoch ms.
pub fn parse_date_ms(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let day = parse_day(std::str::from_utf8(b.get(..10)?).ok()?)?;
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(day * DAY_MS);
    }
    let rest = match rest[0] {
        b'T' | b't' | b' ' => &rest[1..],
        _ => return None,
    };
    // The zone: `Z`, or a sign after the `HH:MM` part.
    let (time, offset_ms) = if let Some(t) = rest.strip_suffix(b"Z").or_else(|| rest.strip_suffix(b"z")) {
        (t, 0)
    } else if let Some(i) = rest.iter().rposition(|&c| c == b'+' || c == b'-').filter(|&i| i >= 5) {
        let sign = if rest[i] == b'-' { -1 } else { 1 };
        let off: Vec<u8> = rest[i + 1..].iter().copied().filter(|&c| c != b':').collect();
        if off.len() != 4 {
            return None;
        }
        let (oh, om) = (digits(&off[0..2])?, digits(&off[2..4])?);
        if oh > 23 || om > 59 {
            return None;
        }
        (&rest[..i], sign * (oh * 3_600_000 + om * 60_000))
    } else {
        (rest, 0)
    };
    let mut parts = time.split(|&c| c == b':');
    let h = digits(parts.next()?)?;
    let mi = digits(parts.next()?)?;
    let (sec, frac) = match parts.next() {
        None => (0, 0),
        Some(sf) => {
            let (sec, f) = match sf.iter().position(|&c| c == b'.') {
                Some(i) => (&sf[..i], &sf[i + 1..]),
                None => (sf, &[][..]),
            };
            if !f.iter().all(u8::is_ascii_digit) || (f.is_empty() && sf.len() > sec.len()) {
                return None;
            }
            // Milliseconds from the first three fraction digits, padded with zeros.
            let ms = (0..3).fold(0, |n, i| n * 10 + f.get(i).map_or(0, |d| i64::from(d - b'0')));
            (digits(sec)?, ms)
        }
    };
    if parts.next().is_some() || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some(day * DAY_MS + h * 3_600_000 + mi * 60_000 + sec * 1000 + frac - offset_ms)
}

/// Formats epoch ms as `YYYY-MM-DD` (or with a UTC time when not midnight).
pub fn format_ms(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let rem = ms.rem_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(days);
    if rem == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        let s = rem / 1000;
        format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_dates() {
        for s in ["1970-01-01", "2000-02-29", "2026-11-23", "1969-12-31", "2026-03-01T10:20:30Z"] {
            let ms = parse_date_ms(s).unwrap();
            assert_eq!(format_ms(ms), s);
        }
        assert_eq!(parse_date_ms("1970-01-02"), Some(DAY_MS));
        assert_eq!(parse_date_ms("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_date_ms("1970-01-01T00:00:00.5Z"), Some(500));
        assert_eq!(parse_date_ms("1970-01-01T00:00:00.123456Z"), Some(123));
        assert_eq!(parse_date_ms("2024-02-29"), parse_day("2024-02-29").map(|d| d * DAY_MS));
        for bad in [
            "",
            "2026",
            "2026-13-01",
            "20261-01-01",
            "2026-01-01T25:00",
            "hello world",
            "2026-02-31",
            "2026-02-29",
            "2026-01-0é",
            "2026-é1-01",
            "2026-01-01Té0:00",
            "2026-01-01T10:00+0é:00",
            "2026-01-01T10:00:0.",
            "+999-01-01",
        ] {
            assert_eq!(parse_date_ms(bad), None, "{bad}");
        }
    }
}
