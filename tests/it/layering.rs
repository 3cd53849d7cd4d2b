//! The import graph of `src/` has no circles: one direction only between the library's
//! top-level modules (docs/architecture.md, "Floors").
//!
//! Reads every `.rs` file under `src/` as text, takes each `crate::NAME` path (in `use`
//! statements, grouped `use crate::{a, b::c}` forms, and inline paths) as an edge from the
//! file's top-level module to `NAME`, and looks for a cycle with a depth-first search. A
//! module's own submodules (`use super::...`, `crate::own::...`) are inside one node. Unit
//! tests (`mod tests` blocks and `tests.rs` files) run whole simulations and are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to (`src/strategy/quorum/mod.rs` -> `strategy`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Code without comments (line comments and doc comments; enough for this tree).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every top-level module named after `crate::` in `code`, including grouped uses.
fn referenced(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d::{e, f}}`: the names at depth 0 of the group.
            let (mut depth, mut name, mut at_start) = (0usize, String::new(), true);
            for ch in group.chars() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        if !name.is_empty() {
                            out.insert(std::mem::take(&mut name));
                        }
                        at_start = true
                    }
                    c if depth == 0 && at_start && (c.is_alphanumeric() || c == '_') => {
                        name.push(c)
                    }
                    _ => {
                        if !name.is_empty() {
                            out.insert(std::mem::take(&mut name));
                            at_start = false;
                        }
                    }
                }
            }
            if !name.is_empty() {
                out.insert(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| module_of(&src, f))
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let from = module_of(&src, f);
        if from == "lib" || from == "main" {
            continue;
        }
        // Unit tests may reach across floors (they run whole simulations): skip them.
        if f.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = fs::read_to_string(f).unwrap();
        let text = match text.find("#[cfg(test)]\nmod tests {") {
            Some(i) => &text[..i],
            None => &text[..],
        };
        let deps = g.entry(from.clone()).or_default();
        for to in referenced(&code(text)) {
            if to != from && modules.contains(&to) {
                deps.insert(to);
            }
        }
    }
    g
}

/// A cycle of `g`, if it has one (depth-first search, colours white/grey/black).
fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|s| s == m).unwrap();
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(m, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(n, g, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn the_parser_sees_grouped_and_inline_paths() {
    let refs = referenced("use crate::{html, io::{a, b}};\nlet x = crate::plot::at(1);");
    let want: BTreeSet<String> = ["html", "io", "plot"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(refs, want);
}

#[test]
fn the_cycle_finder_finds_a_planted_circle() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("report".into()).or_default().insert("slo".into());
    g.entry("slo".into()).or_default().insert("scenario".into());
    g.entry("scenario".into())
        .or_default()
        .insert("report".into());
    let cycle = find_cycle(&g).expect("a circle of three");
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4);
    g.get_mut("scenario").unwrap().clear();
    assert_eq!(find_cycle(&g), None);
}

#[test]
fn top_level_modules_import_one_way_only() {
    let g = graph();
    // The graph is read: the layers the architecture names are there.
    assert!(g["sim"].contains("strategy"), "{g:?}");
    assert!(g["html"].contains("plot"), "{g:?}");
    assert!(g["slo"].contains("report"), "{g:?}");
    if let Some(cycle) = find_cycle(&g) {
        panic!(
            "import circle between top-level modules: {}",
            cycle.join(" -> ")
        );
    }
}

#[test]
fn charts_know_nothing_of_pages_and_scenarios_nothing_of_verdicts() {
    let g = graph();
    assert!(!g["plot"].contains("html") && !g["plot"].contains("render"));
    assert!(!g["scenario"].contains("slo") && !g["scenario"].contains("report"));
    assert!(!g["report"].contains("slo"));
    assert!(
        !g["objective"].iter().any(|m| m != "objective"),
        "objective is a leaf"
    );
}

/// Inside each folder, sibling files import one way too: `super::NAME` and
/// `crate::...::folder::NAME` references from one file to a sibling file are edges (a file's
/// references to its own folder's `mod.rs` are the normal child -> parent pattern and are
/// left out), and no folder may hold a circle of siblings.
#[test]
fn sibling_files_import_one_way_only() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut folders: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for f in &files {
        if f.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        folders
            .entry(f.parent().unwrap().to_path_buf())
            .or_default()
            .push(f.clone());
    }
    let mut checked = 0;
    for (dir, members) in &folders {
        if !members
            .iter()
            .any(|f| f.file_name().is_some_and(|n| n == "mod.rs"))
        {
            continue;
        }
        // The sibling modules of this folder: `name.rs` files and `name/` subfolders.
        let name_of = |f: &Path| f.file_stem().unwrap().to_string_lossy().to_string();
        let mut siblings: BTreeSet<String> = members
            .iter()
            .map(|f| name_of(f))
            .filter(|n| n != "mod")
            .collect();
        for d in folders.keys() {
            if d.parent() == Some(dir.as_path()) {
                siblings.insert(d.file_name().unwrap().to_string_lossy().to_string());
            }
        }
        let module_path = dir
            .strip_prefix(&src)
            .unwrap()
            .components()
            .map(|c| c.as_os_str().to_string_lossy().to_string())
            .collect::<Vec<_>>()
            .join("::");
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in members.iter().filter(|f| name_of(f) != "mod") {
            let from = name_of(f);
            let text = fs::read_to_string(f).unwrap();
            let text = match text.find("#[cfg(test)]\nmod tests {") {
                Some(i) => &text[..i],
                None => &text[..],
            };
            let text = code(text);
            let deps = g.entry(from.clone()).or_default();
            for prefix in ["super::".to_string(), format!("crate::{module_path}::")] {
                let mut rest = text.as_str();
                while let Some(i) = rest.find(&prefix) {
                    rest = &rest[i + prefix.len()..];
                    let names: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
                        let end = group.find('}').unwrap_or(group.len());
                        group[..end]
                            .split(',')
                            .map(|p| p.trim().split("::").next().unwrap_or("").to_string())
                            .collect()
                    } else {
                        vec![rest
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect()]
                    };
                    for n in names {
                        if n != from && siblings.contains(&n) {
                            deps.insert(n);
                        }
                    }
                }
            }
        }
        checked += 1;
        if let Some(cycle) = find_cycle(&g) {
            panic!(
                "import circle between files of {}: {}",
                dir.display(),
                cycle.join(" -> ")
            );
        }
    }
    assert!(
        checked >= 10,
        "only {checked} folders with a mod.rs were read"
    );
}
