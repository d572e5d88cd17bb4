//! Keeps the tree consistent with its own documents: no stray notes inside crates, one
//! embed stub everywhere it is pasted, and the loader's version equal to the crates'.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// Files under `dir` (recursively) whose name ends with `suffix`, skipping build output.
fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if !matches!(name.as_str(), "target" | "node_modules" | ".git" | "dist" | "data") {
                out.extend(files(&p, suffix));
            }
        } else if name.ends_with(suffix) {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

/// Collects every problem of one area, then fails once with all of them.
fn check(area: &str, problems: Vec<String>) {
    assert!(problems.is_empty(), "{area}:\n  {}", problems.join("\n  "));
}

#[test]
fn no_markdown_inside_crates_but_readmes() {
    let root = root();
    let problems = files(&root.join("crates"), ".md")
        .into_iter()
        .filter(|p| p.file_name().is_none_or(|n| n != "README.md") || p.parent().and_then(Path::parent) != Some(&root.join("crates")))
        .map(|p| format!("{}: notes belong in ARCHITECTURE.md or a crate README", rel(&p)))
        .collect();
    check("markdown inside crates/", problems);
}

/// The embed stub, from its one source.
fn stub() -> Vec<String> {
    let text = fs::read_to_string(root().join("crates/web/js/stub.js")).expect("crates/web/js/stub.js");
    text.lines().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect()
}

/// Problems with the stub copies in `text`: every copy must equal `stub` line for line.
fn stub_problems(name: &str, text: &str, stub: &[String]) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut problems = Vec::new();
    for (i, _) in lines.iter().enumerate().filter(|(_, l)| l.contains("w.Guidepost=w.Guidepost")) {
        let copy = lines.get(i..i + stub.len()).unwrap_or_default();
        if copy != stub {
            let diff = copy.iter().zip(stub).position(|(a, b)| a != b).unwrap_or(copy.len());
            problems.push(format!("{name}:{}: the stub differs from crates/web/js/stub.js at its line {}", i + 1, diff + 1));
        }
    }
    problems
}

#[test]
fn one_stub_everywhere() {
    let root = root();
    let stub = stub();
    let mut pages = files(&root.join("www"), ".html");
    pages.extend(files(&root.join("tests"), ".html"));
    pages.extend([root.join("README.md"), root.join("crates/web/js/snippet.html")]);
    let mut problems = Vec::new();
    for p in &pages {
        let text = fs::read_to_string(p).unwrap_or_default();
        problems.extend(stub_problems(&rel(p), &text, &stub));
    }
    for must in ["README.md", "crates/web/js/snippet.html", "www/index.html"] {
        let text = fs::read_to_string(root.join(must)).unwrap_or_default();
        if !text.contains(&stub[0]) {
            problems.push(format!("{must}: has no copy of the stub"));
        }
    }
    check("embed stub", problems);
}

#[test]
fn a_changed_stub_copy_is_caught() {
    // The check itself can fail: a copy with one character changed is reported.
    let stub = stub();
    let mut text = stub.join("\n");
    text = text.replacen("identify", "identfy", 1);
    assert_eq!(stub_problems("page.html", &text, &stub).len(), 1);
    assert!(stub_problems("page.html", &stub.join("\n"), &stub).is_empty());
}

#[test]
fn loader_version_is_the_crates_version() {
    let root = root();
    let cargo = fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    let section = cargo.split("[workspace.package]").nth(1).expect("[workspace.package]");
    let version = quoted_after(section, "version").expect("workspace version");
    let loader = fs::read_to_string(root.join("crates/web/js/loader.js")).expect("loader.js");
    // The API object's `version: "x.y.z"` (not `version: api.version`).
    let at = loader.find("version: \"").expect("the loader's `version: \"...\"` field");
    let loader_version = quoted_after(&loader[at..], "version").expect("a quoted version");
    assert_eq!(loader_version, version, "crates/web/js/loader.js says version {loader_version}, Cargo.toml {version}");
}

/// The first double-quoted string after `key`.
fn quoted_after<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let rest = &text[text.find(key)? + key.len()..];
    let start = rest.find('"')? + 1;
    let len = rest[start..].find('"')?;
    Some(&rest[start..start + len])
}
