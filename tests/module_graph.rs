//! The crate's shape, checked: the top-level modules form no cycle, so the layers
//! in `src/lib.rs` really read top to bottom, and outside `src/providers/` no code
//! names a provider (the registry is the one table of them).
//!
//! The check reads the sources: every path through `crate::` (in `use` trees and
//! inline) and every `super::` that climbs to the crate root counts as an edge from
//! the file's top-level module to the one named. Comments and `#[cfg(test)]`
//! code do not count: tests may reach anywhere.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The file's module path below the crate root, e.g. `["service", "media", "check"]`.
fn module_path(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// Test code, in its own file or directory (`tests.rs`, `tests/`).
fn is_test_file(file: &Path) -> bool {
    module_path(file).iter().any(|p| p == "tests")
}

/// The code that ships: without comments, and cut at the first `#[cfg(test)]`
/// (test modules sit at the end of a file here).
fn shipped_code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string (a URL) is not a comment.
            Some(at) if line[..at].matches('"').count() % 2 == 0 => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segments named after `crate::` at `rest`: one for a plain path,
/// one per top-level branch of a `{...}` tree.
fn heads(rest: &str) -> Vec<String> {
    let ident = |s: &str| {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect::<String>()
    };
    let Some(tree) = rest.strip_prefix('{') else {
        return vec![ident(rest)];
    };
    let (mut depth, mut branch, mut found) = (0, String::new(), Vec::new());
    for c in tree.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                found.push(ident(&branch));
                branch.clear();
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            branch.push(c);
        }
    }
    found.push(ident(&branch));
    found
}

/// Edges from top-level module to top-level module, with a file that shows each.
fn edges() -> BTreeMap<String, BTreeMap<String, PathBuf>> {
    let tops: BTreeSet<String> = rust_files(&src())
        .iter()
        .filter_map(|f| module_path(f).first().cloned())
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut edges: BTreeMap<String, BTreeMap<String, PathBuf>> = BTreeMap::new();
    for file in rust_files(&src()) {
        let path = module_path(&file);
        let Some(top) = path.first().cloned() else {
            continue;
        };
        if top == "lib" || top == "main" || is_test_file(&file) {
            continue;
        }
        let code = shipped_code(&std::fs::read_to_string(&file).unwrap());
        let mut named = Vec::new();
        for (at, _) in code.match_indices("crate::") {
            named.extend(heads(&code[at + "crate::".len()..]));
        }
        // `super::` from a top-level module's own file is the crate root.
        for (at, _) in code.match_indices("super::") {
            let before = &code[..at];
            if before.ends_with("super::") {
                continue;
            }
            let mut climbs = 0;
            let mut rest = &code[at..];
            while let Some(after) = rest.strip_prefix("super::") {
                climbs += 1;
                rest = after;
            }
            // A file's own module is `path`; `super` from it is its parent.
            if climbs >= path.len() {
                named.extend(heads(rest));
            }
        }
        for name in named {
            if name != top && tops.contains(&name) {
                edges
                    .entry(top.clone())
                    .or_default()
                    .entry(name)
                    .or_insert_with(|| file.clone());
            }
        }
    }
    edges
}

/// A cycle through `start`, as the modules on it.
fn cycle_through(
    start: &str,
    edges: &BTreeMap<String, BTreeMap<String, PathBuf>>,
) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_owned(), vec![start.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((at, trail)) = stack.pop() {
        for next in edges.get(&at).into_iter().flat_map(|e| e.keys()) {
            if next == start {
                let mut cycle = trail.clone();
                cycle.push(start.to_owned());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = trail.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

#[test]
fn the_top_level_modules_form_no_cycle() {
    let edges = edges();
    assert!(
        edges
            .get("service")
            .is_some_and(|e| e.contains_key("providers")),
        "the reader found no edges: {edges:?}"
    );
    for module in edges.keys() {
        if let Some(cycle) = cycle_through(module, &edges) {
            let shown: Vec<String> = cycle
                .windows(2)
                .map(|pair| {
                    let file = &edges[&pair[0]][&pair[1]];
                    format!(
                        "{} -> {} ({})",
                        pair[0],
                        pair[1],
                        file.strip_prefix(src()).unwrap().display()
                    )
                })
                .collect();
            panic!("module cycle:\n  {}", shown.join("\n  "));
        }
    }
}

#[test]
fn the_domain_is_a_leaf() {
    let edges = edges();
    assert!(
        !edges.contains_key("domain"),
        "domain depends on {:?}",
        edges.get("domain")
    );
}

#[test]
fn outside_the_providers_no_code_names_a_provider() {
    let names: Vec<&str> = seedance_mcp::providers::registry::entries()
        .map(|e| e.id.as_str())
        .collect();
    let mut found = Vec::new();
    for file in rust_files(&src()) {
        let path = module_path(&file);
        if path.first().is_some_and(|m| m == "providers") || is_test_file(&file) {
            continue;
        }
        let code = shipped_code(&std::fs::read_to_string(&file).unwrap());
        for name in &names {
            if code.contains(&format!("\"{name}\"")) {
                found.push(format!("{} names \"{name}\"", path.join("::")));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_reader_sees_use_trees_inline_paths_and_climbs_to_the_root() {
    assert_eq!(
        heads("{config::Settings, domain::{A, B}, sync}; x"),
        ["config", "domain", "sync"]
    );
    assert_eq!(heads("clock::unix_now()"), ["clock"]);
    assert_eq!(
        shipped_code("let a = crate::x; // crate::y\n#[cfg(test)]\ncrate::z"),
        "let a = crate::x; "
    );
}
