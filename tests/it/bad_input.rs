//! Bad input, one test per class: exit code 2, a message naming the file and the field (or
//! line and column), no panic, and no report written.

use std::path::PathBuf;

use crate::common::geosim;

const GOOD: &str = r#"
name = "bad-input"
duration_s = 10
[[regions]]
name = "a"
lat = 10.0
lon = 20.0
[[regions]]
name = "b"
lat = -10.0
lon = 40.0
[[links]]
from = "a"
to = "b"
latency = { dist = "lognormal", p50_ms = 40.0, p99_ms = 80.0 }
[[workload.clients]]
region = "a"
rate_rps = 100
read_fraction = 0.5
[[strategies]]
kind = "active-passive"
name = "ap"
primary = "a"
"#;

struct Case {
    dir: tempfile::TempDir,
    file: PathBuf,
}

fn write(name: &str, text: &str) -> Case {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, text).unwrap();
    Case { dir, file }
}

/// Runs `validate` and `run` on the text; both must fail with exit code 2 and mention every
/// needle; `run` must not write a report. Returns what `validate` printed on stderr.
fn rejects(name: &str, text: &str, needles: &[&str]) -> String {
    let case = write(name, text);
    let f = case.file.to_str().unwrap();
    let out = case.dir.path().join("out");
    let mut first = None;
    for args in [
        vec!["validate", f],
        vec!["run", f, "--out", out.to_str().unwrap()],
    ] {
        let o = geosim(&args);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(name), "message does not name the file: {err}");
        for n in needles {
            assert!(err.contains(n), "message lacks `{n}`: {err}");
        }
        assert!(!err.contains("panicked"), "{err}");
        first.get_or_insert(err);
    }
    assert!(!out.exists(), "a report was written for bad input");
    first.expect("validate ran")
}

fn with(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "fixture lacks {from}");
    GOOD.replacen(from, to, 1)
}

#[test]
fn the_fixture_itself_is_valid() {
    let case = write("good.toml", GOOD);
    let o = geosim(&["validate", case.file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn toml_syntax_error_gives_line_and_column() {
    let text = with("rate_rps = 100", "rate_rps = = 100");
    let line = text.lines().position(|l| l.contains("= = 100")).unwrap() + 1;
    rejects(
        "syntax.toml",
        &text,
        &[&format!("syntax.toml:{line}:"), "syntax error"],
    );
}

#[test]
fn json_syntax_error_gives_line_and_column() {
    rejects(
        "syntax.json",
        "{\n  \"duration_s\": 10,\n  \"regions\": [\n}",
        &["syntax.json:4:1", "syntax error"],
    );
}

#[test]
fn unknown_field_is_named() {
    let text = with(
        "read_fraction = 0.5",
        "read_fraction = 0.5\nreed_fraction = 0.4",
    );
    rejects(
        "unknown.toml",
        &text,
        &[
            "workload.clients[0]",
            "reed_fraction",
            "did you mean `read_fraction`?",
        ],
    );
}

#[test]
fn wrong_type_is_named() {
    let text = with("rate_rps = 100", "rate_rps = \"fast\"");
    rejects(
        "type.toml",
        &text,
        &["workload.clients[0].rate_rps", "expected a number"],
    );
}

#[test]
fn unknown_region_name() {
    let text = with("region = \"a\"", "region = \"mars-1\"");
    rejects(
        "unknown-region.toml",
        &text,
        &["workload.clients[0].region", "unknown region `mars-1`"],
    );
}

#[test]
fn duplicate_region_name() {
    let text = with("name = \"b\"", "name = \"a\"");
    rejects(
        "dup-region.toml",
        &text,
        &["regions[1].name", "duplicate region name `a`"],
    );
}

#[test]
fn negative_latency() {
    let text = with("p50_ms = 40.0", "p50_ms = -40.0");
    rejects(
        "neg-latency.toml",
        &text,
        &["links[0].latency.p50_ms", "greater than 0"],
    );
}

#[test]
fn nan_and_infinite_values() {
    let text = with("p99_ms = 80.0", "p99_ms = nan");
    rejects("nan.toml", &text, &["links[0].latency.p99_ms", "finite"]);
    let text = with("rate_rps = 100", "rate_rps = inf");
    rejects(
        "inf.toml",
        &text,
        &["workload.clients[0].rate_rps", "finite"],
    );
}

#[test]
fn negative_rate() {
    let text = with("rate_rps = 100", "rate_rps = -3");
    rejects(
        "neg-rate.toml",
        &text,
        &["workload.clients[0].rate_rps", "greater than 0"],
    );
}

#[test]
fn p99_below_p50() {
    let text = with("p99_ms = 80.0", "p99_ms = 20.0");
    rejects(
        "p99.toml",
        &text,
        &["links[0].latency.p99_ms", "must be >= p50_ms"],
    );
}

#[test]
fn read_fraction_outside_unit_interval() {
    let text = with("read_fraction = 0.5", "read_fraction = 1.5");
    rejects(
        "rf.toml",
        &text,
        &["workload.clients[0].read_fraction", "[0, 1]"],
    );
}

#[test]
fn latitude_out_of_range() {
    let text = with("lat = 10.0", "lat = 91.0");
    rejects("lat.toml", &text, &["regions[0].lat", "[-90, 90]"]);
}

#[test]
fn zero_duration() {
    let text = with("duration_s = 10", "duration_s = 0");
    rejects("duration.toml", &text, &["duration_s", "greater than 0"]);
}

#[test]
fn strategy_naming_a_missing_primary() {
    let text = with("primary = \"a\"", "primary = \"z\"");
    rejects(
        "primary.toml",
        &text,
        &["strategies[0].primary", "unknown region `z`"],
    );
}

#[test]
fn empty_region_list() {
    let text = "duration_s = 10\nregions = []\nstrategies = []\n[workload]\nclients = []\n";
    rejects(
        "empty.toml",
        text,
        &[
            "regions: must list at least one region",
            "strategies: must list at least one",
        ],
    );
}

#[test]
fn link_faster_than_light() {
    let text = with(
        "{ dist = \"lognormal\", p50_ms = 40.0, p99_ms = 80.0 }",
        "1.0",
    );
    rejects(
        "ftl.toml",
        &text,
        &["links[0].latency", "below the fibre floor"],
    );
}

#[test]
fn unknown_strategy_kind() {
    let text = with("kind = \"active-passive\"", "kind = \"active-aggressive\"");
    rejects(
        "kind.toml",
        &text,
        &["kind.toml:21:1: strategies[0].kind:", "active-aggressive"],
    );
}

/// An error in a later strategy's settings is named by its field, at that field's own line
/// (not at the first `[[strategies]]` header, where serde's buffering of the tagged table
/// put it), in TOML and, without a position, in JSON.
#[test]
fn a_strategy_setting_is_named_by_its_field_at_its_line() {
    let mm = "\n[[strategies]]\nkind = \"multi-master\"\nname = \"mm\"\nresolutoin = \"lww\"\n";
    let text = format!("{GOOD}{mm}");
    // GOOD ends with its strategy at lines 20-23; the multi-master's misspelt field is line 28.
    assert_eq!(text.lines().nth(27), Some("resolutoin = \"lww\""));
    rejects(
        "later.toml",
        &text,
        &[
            "later.toml:28:1: strategies[1].resolutoin: unknown field",
            "did you mean `resolution`",
        ],
    );
    let bad = with(
        "primary = \"a\"",
        "primary = \"a\"\nreplication = \"asnyc\"",
    );
    rejects(
        "value.toml",
        &bad,
        &["value.toml:24:1: strategies[0].replication:", "`asnyc`"],
    );
    let json = r#"{"name": "j", "duration_s": 10,
        "regions": [{"name": "a", "lat": 10.0, "lon": 20.0}, {"name": "b", "lat": -10.0, "lon": 40.0}],
        "workload": {"clients": [{"region": "a", "rate_rps": 100}]},
        "strategies": [{"kind": "multi-master", "name": "mm"},
                       {"kind": "quorum", "name": "q", "n": "three"}]}"#;
    rejects("later.json", json, &["strategies[1].n:", "whole number"]);
}

#[test]
fn missing_file() {
    let o = geosim(&["run", "scenarios/does-not-exist.toml"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("does-not-exist.toml") && err.contains("cannot read"),
        "{err}"
    );
}

#[test]
fn unsupported_extension() {
    let case = write("scenario.yaml", "duration_s: 1");
    let o = geosim(&["validate", case.file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unsupported file type"));
}

#[test]
fn unknown_strategy_on_the_command_line() {
    let case = write("cli.toml", GOOD);
    let out = case.dir.path().join("out");
    let o = geosim(&[
        "run",
        case.file.to_str().unwrap(),
        "--strategy",
        "nope",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--strategy nope"));
    assert!(!out.exists());
}

#[test]
fn a_misspelt_strategy_on_the_command_line_gets_a_suggestion() {
    let case = write("cli2.toml", GOOD);
    let o = geosim(&["run", case.file.to_str().unwrap(), "--strategy", "apx"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("did you mean `ap`?"), "{err}");
}

#[test]
fn a_misspelt_region_reference_gets_a_suggestion() {
    let text = with("region = \"a\"", "region = \"bb\"");
    rejects(
        "near-region.toml",
        &text,
        &[
            "workload.clients[0].region",
            "unknown region `bb` (did you mean `b`?)",
        ],
    );
}

#[test]
fn a_misspelt_catalogue_region_is_one_problem_on_its_name() {
    let text = with(
        "name = \"a\"\nlat = 10.0\nlon = 20.0",
        "name = \"aws:eu-centrl-1\"",
    )
    .replace("\"a\"", "\"aws:eu-centrl-1\"");
    let err = rejects(
        "catalogue.toml",
        &text,
        &["regions[0].name: `aws:eu-centrl-1` is not a catalogue region (did you mean `aws:eu-central-1`?"],
    );
    assert!(
        !err.contains("regions[0].lat") && !err.contains("regions[0].lon"),
        "{err}"
    );
}

/// A catalogue name without its provider (`eu-central-1`) is offered with it, in a scenario
/// and on `geosim regions --rtt`.
#[test]
fn a_catalogue_name_without_its_provider_is_offered_with_it() {
    let text = with(
        "name = \"a\"\nlat = 10.0\nlon = 20.0",
        "name = \"eu-central-1\"",
    )
    .replace("\"a\"", "\"eu-central-1\"");
    rejects(
        "provider.toml",
        &text,
        &["(did you mean `aws:eu-central-1`?"],
    );
    let o = geosim(&["regions", "--rtt", "eu-central-1", "aws:us-east-1"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("did you mean `aws:eu-central-1`?"), "{err}");
}

/// A reference to a scenario's region without the provider (`us-east-1` for
/// `aws:us-east-1`) is offered that region, not the one whose whole name is most alike
/// (`aws:eu-west-1`: following that hint would move the fault to another continent).
#[test]
fn a_region_reference_without_its_provider_is_offered_its_own_region() {
    let text =
        "name = \"refs\"\nduration_s = 10\n\
         regions = [\"aws:ap-northeast-1\", \"aws:eu-west-1\", \"aws:us-east-1\"]\n\
         [[workload.clients]]\nregion = \"aws:us-east-1\"\nrate_rps = 10\n\
         [[strategies]]\nkind = \"active-passive\"\nname = \"ap\"\nprimary = \"us_east_1\"\n\
         [[faults]]\nkind = \"region-outage\"\nregion = \"us-east-1\"\nstart_s = 1\nduration_s = 2\n";
    rejects(
        "refs.toml",
        text,
        &[
            "faults[0].region: unknown region `us-east-1` (did you mean `aws:us-east-1`?)",
            "strategies[0].primary: unknown region `us_east_1` (did you mean `aws:us-east-1`?)",
        ],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text =
        with("lat = 10.0", "lat = 91.0").replacen("read_fraction = 0.5", "read_fraction = -1", 1);
    rejects(
        "many.toml",
        &text,
        &["regions[0].lat", "workload.clients[0].read_fraction"],
    );
}

#[test]
fn missing_required_field_is_named() {
    let text = GOOD.replacen("duration_s = 10\n", "", 1);
    rejects(
        "missing.toml",
        &text,
        &["(top level)", "missing field `duration_s`"],
    );
    let json = "{\"regions\": [], \"workload\": {\"clients\": []}, \"strategies\": []}";
    rejects("missing.json", json, &["missing field `duration_s`"]);
}

#[test]
fn unknown_data_class() {
    let text = with(
        "read_fraction = 0.5",
        "read_fraction = 0.5\ndata_class = \"secret\"",
    );
    rejects(
        "class.toml",
        &text,
        &[
            "workload.clients[0].data_class",
            "unknown data class `secret`",
        ],
    );
}

#[test]
fn region_without_coordinates_outside_the_catalogue() {
    let text = with("lat = 10.0\n", "");
    rejects(
        "nolat.toml",
        &text,
        &["regions[0].lat", "not a catalogue region"],
    );
}

#[test]
fn enforce_on_a_strategy_that_cannot() {
    let text = format!(
        "{GOOD}\n[[strategies]]\nkind = \"follow-the-sun\"\nname = \"fts\"\nshifts = [{{ region = \"a\", start_utc_h = 0 }}]\nresidency = \"enforce\"\n"
    );
    rejects(
        "enforce.toml",
        &text,
        &[
            "strategies[1].residency",
            "not supported by `follow-the-sun`",
        ],
    );
}

#[test]
fn slo_with_an_unknown_percentile() {
    let text = format!(
        "{GOOD}\n[[slo]]\nkind = \"latency\"\nop = \"read\"\npercentile = \"p42\"\nmax_ms = 10\n"
    );
    rejects("slo.toml", &text, &["slo[0].percentile", "p42"]);
}

#[test]
fn probe_delays_out_of_order_or_range() {
    let text = format!("{GOOD}[consistency]\nprobes_ms = [5, 2, 70000]\nprobe_every = 0\n");
    rejects(
        "probes.toml",
        &text,
        &[
            "consistency.probes_ms[1]",
            "sorted and unique",
            "consistency.probes_ms[2]",
            "[0, 60000]",
            "consistency.probe_every",
        ],
    );
    let many: Vec<String> = (0..33).map(|i| i.to_string()).collect();
    let text = format!("{GOOD}[consistency]\nprobes_ms = [{}]\n", many.join(", "));
    rejects(
        "many-probes.toml",
        &text,
        &["consistency.probes_ms", "at most 32"],
    );
}

#[test]
fn probe_settings_without_probes_have_no_effect() {
    let text = format!("{GOOD}[consistency]\nprobe_every = 10\nprobe_from = \"b\"\n");
    rejects(
        "no-probes.toml",
        &text,
        &[
            "consistency.probe_every",
            "consistency.probe_from",
            "has no effect",
        ],
    );
    let text = format!("{GOOD}[consistency]\nprobes_ms = [0]\nprobe_from = \"mars\"\n");
    rejects(
        "probe-from.toml",
        &text,
        &["consistency.probe_from", "unknown region `mars`"],
    );
}

/// A fault that starts when the run is over (here written in minutes: 60 min = 3600 s, in a
/// 10 s run with the default 60 s drain) would never happen: rejected, with the run's end.
#[test]
fn fault_after_the_end_of_the_run() {
    let text = format!(
        "{GOOD}[[faults]]\nkind = \"region-outage\"\nregion = \"b\"\nstart_s = 5\nduration_s = 1\n[[faults]]\nkind = \"partition\"\na = [\"a\"]\nb = [\"b\"]\nstart_s = 3600\n"
    );
    rejects(
        "late-fault.toml",
        &text,
        &[
            "faults[1].start_s",
            "starts at 3600 s",
            "the run ends at 70 s",
        ],
    );
    // Exactly at the end is rejected too; just before it is valid (a warning, not an error).
    let at_end = text.replace("start_s = 3600", "start_s = 70");
    rejects(
        "at-end.toml",
        &at_end,
        &["faults[1].start_s", "the run ends at 70 s"],
    );
    let case = write(
        "drain.toml",
        &text.replace("start_s = 3600", "start_s = 69.9"),
    );
    let o = geosim(&["validate", case.file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("warning: faults[1].start_s"));
}

/// A file of the wrong kind says which kind the command expects: a scenario given to
/// `sweep`, `plot` or `check` (exit 2 each).
#[test]
fn a_file_of_the_wrong_kind_says_which_kind_is_expected() {
    let case = write("scenario.toml", GOOD);
    let f = case.file.to_str().unwrap();
    let base = "results/baselines/three-regions.json";
    for (args, needle) in [
        (
            vec!["sweep", f, "--dry-run"],
            "looks like a scenario file, not a sweep",
        ),
        (vec!["plot", f], "this is not JSON"),
        (vec!["check", f, "--baseline", base], "this is not JSON"),
    ] {
        let o = geosim(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(
            !err.contains("at line 1 column 1"),
            "position given twice: {err}"
        );
    }
}

/// An error inside a `[[faults]]` element is named by its field at its line, like a
/// strategy's (faults are tagged on `kind` too).
#[test]
fn a_fault_setting_is_named_by_its_field_at_its_line() {
    let fault =
        "\n[[faults]]\nkind = \"region-outage\"\nregion = \"a\"\nstart_s = 1\nduraton_s = 2\n";
    let text = format!("{GOOD}{fault}");
    // GOOD ends at line 23; the misspelt field is line 29.
    assert_eq!(text.lines().nth(28), Some("duraton_s = 2"));
    rejects(
        "fault.toml",
        &text,
        &[
            "fault.toml:29:1: faults[0].duraton_s: unknown field",
            "did you mean `duration_s`",
        ],
    );
}

/// A problem found once per element of a list with a duplicate (two data classes named `eu`)
/// is listed once, not once per copy.
#[test]
fn a_problem_found_twice_in_a_row_is_listed_once() {
    let text = "name = \"dup\"\nduration_s = 10\nregions = [\"aws:us-east-1\", \"aws:eu-west-1\"]\n\
                [[data_classes]]\nname = \"eu\"\nallowed_jurisdictions = [\"EU\"]\n\
                [[data_classes]]\nname = \"eu\"\nallowed_jurisdictions = [\"EU\"]\n\
                [[workload.clients]]\nregion = \"aws:eu-west-1\"\nrate_rps = 10\ndata_class = \"eu\"\n\
                [[strategies]]\nkind = \"edge-cache\"\nname = \"cdn\"\norigin = \"aws:us-east-1\"\n\
                residency = \"enforce\"\n";
    let err = rejects(
        "dup.toml",
        text,
        &["data_classes[1].name: duplicate data class `eu`"],
    );
    assert_eq!(err.matches("strategies[0].origin:").count(), 1, "{err}");
}

#[test]
fn a_matrix_file_that_cannot_be_read_is_a_problem_of_network_matrix() {
    // Missing, or a directory: the message names the scenario, the field and its line.
    for (name, matrix) in [("m-missing.toml", "nowhere.csv"), ("m-dir.toml", ".")] {
        let text = with(
            "[[regions]]",
            &format!("[network]\nmatrix = \"{matrix}\"\n[[regions]]"),
        );
        let err = rejects(name, &text, &["network.matrix", "cannot read"]);
        assert!(err.contains("5:1: network.matrix:"), "{err}");
    }
}

#[test]
fn an_invalid_users_section_is_not_reported_as_missing() {
    // follow-the-user needs [workload.users]: when the section is there but wrong, its own
    // problem is reported, not "add a [workload.users] section".
    let users = "[workload.users]\ncount = 10\nrate_rps = 1\ntrips = [{ user = 0, to = \"b\", at_s = 20, back_s = 30 }]\n";
    let text = format!(
        "{}{users}",
        with(
            "kind = \"active-passive\"\nname = \"ap\"\nprimary = \"a\"",
            "kind = \"follow-the-user\"\nname = \"fu\""
        )
    );
    let err = rejects("users-bad.toml", &text, &["workload.users.trips[0].at_s"]);
    assert!(!err.contains("add a [workload.users] section"), "{err}");
    // Without the section, that is the problem.
    let text = with(
        "kind = \"active-passive\"\nname = \"ap\"\nprimary = \"a\"",
        "kind = \"follow-the-user\"\nname = \"fu\"",
    );
    rejects(
        "users-missing.toml",
        &text,
        &["add a [workload.users] section"],
    );
}

#[test]
fn settings_that_shape_nothing_are_rejected() {
    // With unlinked = "route" no link is derived, so the path model has nothing to shape.
    let text = with(
        "[[regions]]",
        "[network]\nunlinked = \"route\"\npath = \"great-circle\"\nroute_inflation = 2\noverhead_ms = 3\n[[regions]]",
    );
    for field in [
        "network.path",
        "network.route_inflation",
        "network.overhead_ms",
    ] {
        let err = rejects("route-path.toml", &text, &[field]);
        assert!(
            err.contains("has no effect with network.unlinked = \"route\""),
            "{err}"
        );
    }
    // A second price for one ordered pair would silently replace the first; a price within
    // one region is never charged.
    let text = format!(
        "{GOOD}[cost]\ntransfer = [{{ from = \"a\", to = \"b\", usd_per_gb = 0.02 }}, {{ from = \"a\", to = \"b\", usd_per_gb = 0.09 }}, {{ from = \"b\", to = \"b\", usd_per_gb = 0.01 }}]\n"
    );
    rejects(
        "transfer.toml",
        &text,
        &[
            "cost.transfer[1]: duplicate price for a -> b",
            "cost.transfer[2].to: has no effect: the same region as from",
        ],
    );
}
