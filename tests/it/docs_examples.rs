//! The terminal output the documentation prints is the output geosim prints today: each
//! example block, found by the sentence that introduces it, must appear line by line, in
//! order, in the stdout of the run it shows (lines it leaves out, such as the paths of the
//! files written, may be skipped; none may differ). A change that moves a figure or a column
//! fails here until the example is updated, so the docs cannot drift from the tool.

use crate::common::{geosim, root};

/// The ```text (or bare ```) block that follows the line containing `anchor` in `file`,
/// without its indentation (a block in a list item is indented), its blank lines and the
/// lines naming the files written (`report:`, `page:`, whose paths are the reader's).
fn example(file: &str, anchor: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let mut lines = text.lines().skip_while(|l| !l.contains(anchor));
    assert!(
        lines.next().is_some(),
        "{file}: no line contains {anchor:?}"
    );
    let mut lines = lines.skip_while(|l| !l.trim_start().starts_with("```"));
    let fence = lines
        .next()
        .unwrap_or_else(|| panic!("{file}: no block after {anchor:?}"));
    let indent = fence.len() - fence.trim_start().len();
    lines
        .take_while(|l| !l.trim_start().starts_with("```"))
        .map(|l| l.get(indent..).unwrap_or("").to_string())
        .filter(|l| !l.trim().is_empty() && !l.starts_with("report:") && !l.starts_with("page:"))
        .collect()
}

/// Runs `geosim run SCENARIO` into a temporary directory and returns its stdout lines.
fn run(scenario: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = geosim(&[
        "run",
        scenario,
        "--out",
        out.to_str().unwrap(),
        "--no-charts",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Every line of `block` appears in `out`, in order.
fn appears_in_order(doc: &str, block: &[String], out: &[String]) {
    assert!(block.len() >= 4, "{doc}: the example is too short to check");
    let mut rest = out.iter();
    for line in block {
        assert!(
            rest.any(|o| o == line),
            "{doc}: the example's line\n{line}\nis not in today's output (in order):\n{}",
            out.join("\n")
        );
    }
}

#[test]
fn the_printed_examples_are_todays_output() {
    for (doc, anchor, scenario) in [
        (
            "README.md",
            "`geosim run scenarios/three-regions.toml` prints",
            "scenarios/three-regions.toml",
        ),
        (
            "docs/strategies.md",
            "`geosim run scenarios/strategy-zoo.toml` prints",
            "scenarios/strategy-zoo.toml",
        ),
        (
            "docs/cost.md",
            "`scenarios/gdpr-eu-data.toml` (EU users' records",
            "scenarios/gdpr-eu-data.toml",
        ),
        (
            "docs/cost.md",
            "`geosim run scenarios/cost-vs-latency.toml --out /tmp/docs-cost`",
            "scenarios/cost-vs-latency.toml",
        ),
        (
            "docs/report.md",
            "On standard output, for `scenarios/cost-vs-latency.toml`:",
            "scenarios/cost-vs-latency.toml",
        ),
        (
            "docs/report.md",
            "`RTO mean`, `split brain` (seconds) and `sb writes`. From `scenarios/region-outage.toml`:",
            "scenarios/region-outage.toml",
        ),
        (
            "docs/report.md",
            "`leadership` is `null` are left out). From `scenarios/region-outage.toml`:",
            "scenarios/region-outage.toml",
        ),
        (
            "docs/report.md",
            "is `null`. From `scenarios/cascading-failure.toml`:",
            "scenarios/cascading-failure.toml",
        ),
    ] {
        let block = example(doc, anchor);
        let out = run(root().join(scenario).to_str().unwrap());
        appears_in_order(doc, &block, &out);
    }
}

/// Blocks that show their commands (`$ geosim ...` lines): each command's output, in turn.
#[test]
fn the_shown_commands_print_what_the_docs_show() {
    for (doc, anchor) in [
        (
            "docs/cost.md",
            "`geosim regions --rtt A B` prints the great-circle distance",
        ),
        (
            "docs/network.md",
            "`geosim regions --rtt A B` prints, for two catalogue regions",
        ),
    ] {
        let block = example(doc, anchor);
        let mut out = Vec::new();
        let mut shown = Vec::new();
        for line in &block {
            match line.strip_prefix("$ geosim ") {
                Some(cmd) => {
                    let args: Vec<&str> = cmd.split_whitespace().collect();
                    let o = geosim(&args);
                    assert!(o.status.success(), "{doc}: {cmd}");
                    out.extend(
                        String::from_utf8_lossy(&o.stdout)
                            .lines()
                            .map(str::to_string),
                    );
                }
                None => shown.push(line.clone()),
            }
        }
        assert!(
            out.len() >= shown.len(),
            "{doc}: no command shown after {anchor:?}"
        );
        appears_in_order(doc, &shown, &out);
    }
}
