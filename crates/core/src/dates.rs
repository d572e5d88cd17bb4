//! Minimal, dependency-free date handling: ISO 8601 dates and date-times to epoch milliseconds.

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

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]` with `Z` or `±HH:MM`. Returns epoch ms.
pub fn parse_date_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 10 || s.as_bytes()[4] != b'-' || s.as_bytes()[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(&s[0..4])?, num(&s[5..7])?, num(&s[8..10])?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, m, d) * DAY_MS;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(ms);
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let (time, offset_ms) = if let Some(t) = rest.strip_suffix(['Z', 'z']) {
        (t, 0)
    } else if let Some(i) = rest.rfind(['+', '-']).filter(|&i| i >= 5) {
        let (t, off) = rest.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let off = off[1..].replace(':', "");
        if off.len() != 4 {
            return None;
        }
        (t, sign * (num(&off[0..2])? * 3_600_000 + num(&off[2..4])? * 60_000))
    } else {
        (rest, 0)
    };
    let mut parts = time.split(':');
    let h = num(parts.next()?)?;
    let mi = num(parts.next()?)?;
    let (sec, frac) = match parts.next() {
        None => (0, 0),
        Some(sf) => {
            let (s, f) = sf.split_once('.').unwrap_or((sf, ""));
            let f = if f.is_empty() { 0 } else { num(&format!("{:0<3}", &f[..f.len().min(3)]))? };
            (num(s)?, f)
        }
    };
    if parts.next().is_some() || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    ms += h * 3_600_000 + mi * 60_000 + sec * 1000 + frac;
    Some(ms - offset_ms)
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
        for bad in ["", "2026", "2026-13-01", "20261-01-01", "2026-01-01T25:00", "hello world"] {
            assert_eq!(parse_date_ms(bad), None, "{bad}");
        }
    }
}
