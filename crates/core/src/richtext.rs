//! The rich-text subset authors may use in step bodies.
//!
//! Supported: paragraphs (blank line), line breaks, `- ` / `* ` lists, `**bold**`,
//! `*italic*` / `_italic_`, `` `code` `` and `[text](url)` with http(s), mailto or
//! relative URLs. Everything else, HTML included, stays literal text: the output is a
//! tree of text runs that the overlay renders as text nodes, never as markup.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Inline {
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bold: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub italic: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub code: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// A line break before this run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub br: bool,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", content = "content", rename_all = "snake_case")]
pub enum Block {
    Paragraph(Vec<Inline>),
    List(Vec<Vec<Inline>>),
}

/// Only these URL forms become links; anything else (e.g. `javascript:`) stays text.
pub fn safe_url(url: &str) -> bool {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    if u.is_empty() || u.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        // Browsers read `\` as `/` in URLs, so `/\evil.example` is protocol-relative too.
        || (u.starts_with('/') && !u.starts_with("//") && !u.contains('\\'))
        || u.starts_with('#')
}

/// Parses a body into blocks.
pub fn parse(body: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let mut list: Vec<&str> = Vec::new();
    let flush_para = |para: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !para.is_empty() {
            let mut runs = Vec::new();
            for (i, line) in para.iter().enumerate() {
                let mut r = inline(line.trim());
                if i > 0 {
                    if let Some(first) = r.first_mut() {
                        first.br = true;
                    }
                }
                runs.extend(r);
            }
            blocks.push(Block::Paragraph(runs));
            para.clear();
        }
    };
    let flush_list = |list: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !list.is_empty() {
            blocks.push(Block::List(list.iter().map(|l| inline(l.trim())).collect()));
            list.clear();
        }
    };
    for line in body.lines() {
        let t = line.trim_start();
        if t.trim().is_empty() {
            flush_para(&mut para, &mut blocks);
            flush_list(&mut list, &mut blocks);
        } else if let Some(item) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
            flush_para(&mut para, &mut blocks);
            list.push(item);
        } else {
            flush_list(&mut list, &mut blocks);
            para.push(line);
        }
    }
    flush_para(&mut para, &mut blocks);
    flush_list(&mut list, &mut blocks);
    blocks
}

/// The single-character delimiters `inline` looks ahead for, by index; `DSTAR` is `**`.
const MARKS: [char; 6] = ['`', '*', '_', ']', ')', '*'];
const BACKTICK: usize = 0;
const STAR: usize = 1;
const UNDERSCORE: usize = 2;
const CLOSE_BRACKET: usize = 3;
const CLOSE_PAREN: usize = 4;
const DSTAR: usize = 5;

/// Parses inline markup into runs.
pub fn inline(s: &str) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::new();
    let mut style = Inline::default();
    let mut buf = String::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let push = |out: &mut Vec<Inline>, buf: &mut String, style: &Inline| {
        if !buf.is_empty() {
            out.push(Inline { text: std::mem::take(buf), ..style.clone() });
        }
    };
    // Where each delimiter next occurs at or after a position, computed once from the end,
    // so looking ahead for a closing mark is O(1) (rescanning took 3.2 s for 100k `[`).
    let n = chars.len();
    let mut next = [vec![n; n + 1], vec![n; n + 1], vec![n; n + 1], vec![n; n + 1], vec![n; n + 1], vec![n; n + 1]];
    for j in (0..n).rev() {
        for (k, t) in next.iter_mut().enumerate() {
            let hit = match k {
                DSTAR => chars[j] == '*' && chars.get(j + 1) == Some(&'*'),
                _ => chars[j] == MARKS[k],
            };
            t[j] = if hit { j } else { t[j + 1] };
        }
    }
    let find = |from: usize, mark: usize| -> Option<usize> { next[mark].get(from).copied().filter(|&j| j < n) };
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            buf.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == '`' {
            if let Some(end) = find(i + 1, BACKTICK) {
                push(&mut out, &mut buf, &style);
                out.push(Inline { text: chars[i + 1..end].iter().collect(), code: true, ..style.clone() });
                i = end + 1;
                continue;
            }
        }
        if c == '*' && chars.get(i + 1) == Some(&'*') && (style.bold || find(i + 2, DSTAR).is_some()) {
            push(&mut out, &mut buf, &style);
            style.bold = !style.bold;
            i += 2;
            continue;
        }
        if (c == '*' || c == '_') && (style.italic || find(i + 1, if c == '*' { STAR } else { UNDERSCORE }).is_some()) {
            let word_inner = c == '_' && i > 0 && chars[i - 1].is_alphanumeric();
            if !word_inner {
                push(&mut out, &mut buf, &style);
                style.italic = !style.italic;
                i += 1;
                continue;
            }
        }
        if c == '[' {
            if let Some(close) = find(i + 1, CLOSE_BRACKET) {
                if chars.get(close + 1) == Some(&'(') {
                    if let Some(end) = find(close + 2, CLOSE_PAREN) {
                        let text: String = chars[i + 1..close].iter().collect();
                        let url: String = chars[close + 2..end].iter().collect();
                        push(&mut out, &mut buf, &style);
                        let link = safe_url(&url).then(|| url.trim().to_string());
                        let shown = if link.is_some() { text } else { format!("{text} ({url})") };
                        out.push(Inline { text: shown, link, ..style.clone() });
                        i = end + 1;
                        continue;
                    }
                }
            }
        }
        buf.push(c);
        i += 1;
    }
    push(&mut out, &mut buf, &style);
    out
}

/// The plain text of a body (for aria-describedby fallbacks, search and validation).
pub fn plain_text(body: &str) -> String {
    parse(body)
        .iter()
        .map(|b| match b {
            Block::Paragraph(r) => r.iter().map(|i| i.text.as_str()).collect::<String>(),
            Block::List(items) => {
                items.iter().map(|r| r.iter().map(|i| i.text.as_str()).collect::<String>()).collect::<Vec<_>>().join("\n")
            }
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}
