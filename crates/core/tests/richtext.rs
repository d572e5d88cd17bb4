//! The rich-text subset: markup becomes styled runs; HTML and unsafe links stay text.

use guidepost_core::richtext::{parse, plain_text, Block, Inline};

fn run(text: &str) -> Inline {
    Inline { text: text.into(), ..Default::default() }
}

/// Parses `body` and checks the blocks, written compactly as JSON.
fn check(body: &str, want: serde_json::Value) {
    let got = serde_json::to_value(parse(body)).unwrap();
    assert_eq!(got, want, "{body}");
}

#[test]
fn emphasis_code_and_links() {
    check(
        "Click **Export** or *press* `E`",
        serde_json::json!([{"type": "paragraph", "content": [
        {"text": "Click "}, {"text": "Export", "bold": true}, {"text": " or "}, {"text": "press", "italic": true},
        {"text": " "}, {"text": "E", "code": true}]}]),
    );
    check(
        "[Docs](https://example.com/a)",
        serde_json::json!([{"type": "paragraph", "content": [{"text": "Docs", "link": "https://example.com/a"}]}]),
    );
}

#[test]
fn html_is_kept_as_text() {
    let b = parse("<img src=x onerror=alert(1)> <b>hi</b>");
    assert_eq!(b, vec![Block::Paragraph(vec![run("<img src=x onerror=alert(1)> <b>hi</b>")])]);
}

#[test]
fn unsafe_links_are_not_links() {
    for url in ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "//evil.example", "vbscript:x"] {
        let b = parse(&format!("[x]({url})"));
        let Block::Paragraph(runs) = &b[0] else { panic!() };
        assert!(runs.iter().all(|r| r.link.is_none()), "{url} became a link");
        assert!(runs[0].text.contains(url));
    }
}

#[test]
fn paragraphs_lists_and_breaks() {
    let b = parse("One\ntwo\n\n- a\n- **b**\n\nEnd");
    assert_eq!(b.len(), 3);
    let Block::Paragraph(p) = &b[0] else { panic!() };
    assert!(p[1].br && p[1].text == "two");
    let Block::List(items) = &b[1] else { panic!() };
    assert_eq!(items.len(), 2);
    assert!(items[1][0].bold);
    assert_eq!(plain_text("**a** [b](/x)"), "a b");
}

#[test]
fn unclosed_markers_stay_literal() {
    check("2 * 3 = 6 and a_b_c", serde_json::json!([{"type": "paragraph", "content": [{"text": "2 * 3 = 6 and a_b_c"}]}]));
    check("\\*not italic\\*", serde_json::json!([{"type": "paragraph", "content": [{"text": "*not italic*"}]}]));
}
