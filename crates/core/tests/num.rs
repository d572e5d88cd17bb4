//! Numbers as text (`guidepost_core::num`): what traces, reasons and CSS show, and what
//! trait strings read as. One `check` helper per function; the text is the expectation.

use guidepost_core::num::{fixed, parse, rounded, show};

fn check_show(x: f64, text: &str) {
    assert_eq!(show(x), text, "show({x:?})");
}

fn check_parse(text: &str, expected: Option<f64>) {
    assert_eq!(parse(text), expected, "parse({text:?})");
}

#[test]
fn whole_numbers_have_no_fraction_and_others_are_shortest() {
    for (x, text) in [
        (3.0, "3"),
        (-42.0, "-42"),
        (0.0, "0"),
        (-0.0, "0"),
        (1280.0, "1280"),
        (0.1, "0.1"),
        (-0.5, "-0.5"),
        (12.25, "12.25"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e21, "1e+21"),
        (1e-7, "1e-7"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
    ] {
        check_show(x, text);
    }
}

#[test]
fn rounded_drops_trailing_zeros() {
    for (x, places, text) in [(12.345, 1, "12.3"), (2.0, 2, "2"), (10.126, 2, "10.13"), (-1.23456, 3, "-1.235"), (99.999, 2, "100")] {
        assert_eq!(rounded(x, places), text, "rounded({x}, {places})");
    }
}

#[test]
fn fixed_keeps_every_place() {
    for (x, places, text) in [
        (2.5, 2, "2.50"),
        (42.1749, 2, "42.17"),
        (0.05, 1, "0.1"),
        (-1.25, 1, "-1.3"),
        (-0.004, 2, "0.00"),
        (7.0, 0, "7"),
        (1e300, 2, "1e+300"),
    ] {
        assert_eq!(fixed(x, places), text, "fixed({x}, {places})");
    }
}

#[test]
fn numbers_read_the_way_json_writes_them() {
    check_parse("42", Some(42.0));
    check_parse("  -3.5 ", Some(-3.5));
    check_parse("1e3", Some(1000.0));
    check_parse("0.30000000000000004", Some(0.1 + 0.2));
    for not_a_number in ["", " ", "+1", ".5", "1.", "inf", "NaN", "abc", "1.5.2", "[1]", "\"5\"", "1e999", "--1"] {
        check_parse(not_a_number, None);
    }
}

#[test]
fn what_show_writes_parse_reads_back() {
    for x in [0.0, 1.0, -7.0, 0.1, 1.0 / 3.0, 2.5e-8, 123456.789, 9_007_199_254_740_993.0, -1e21, f64::MAX, f64::MIN_POSITIVE] {
        assert_eq!(parse(&show(x)), Some(x), "{}", show(x));
    }
}
