//! `report.html`: one self-contained file (no scripts, no URLs) holding the summary, the
//! map, the comparison table and every chart, which headless Chromium renders without a
//! console message into a picture that is not blank.
//!
//! The browser test needs Debian's `chromium`, so it is `#[ignore]`d: `cargo test --release`
//! lists it as ignored (with the reason) on any machine, and .ci/run, which installs Chromium,
//! runs it with `-- --ignored`. Run that way without Chromium, it fails with a message.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use geosim::plot::{self, color_hex};

use crate::charts::{report_value, scenario_text};
use crate::common::geosim;

/// Writes the scenario of the chart tests, runs it and returns (tempdir, report.html, number
/// of charts written).
fn page() -> (tempfile::TempDir, PathBuf, usize) {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("html.toml");
    std::fs::write(&sc, scenario_text()).unwrap();
    let out = dir.path().join("out");
    let o = geosim(&["run", sc.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let charts = std::fs::read_dir(out.join("charts")).unwrap().count();
    assert!(charts >= 5, "{charts} charts");
    (dir, out.join("report.html"), charts)
}

#[test]
fn the_page_is_self_contained_and_holds_every_part() {
    let (_dir, html, charts) = page();
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.starts_with("<!DOCTYPE html>"));
    for forbidden in [
        "<script",
        "src=",
        "url(",
        "@import",
        "https:",
        "<link rel=\"stylesheet\"",
    ] {
        assert!(!text.contains(forbidden), "page contains {forbidden}");
    }
    // The only `http:` is the SVG namespace.
    assert_eq!(
        text.matches("http:").count(),
        text.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    for part in [
        "id=\"summary\"",
        "id=\"map\"",
        "id=\"comparison\"",
        "id=\"latency-cdf\"",
        "id=\"latency-breakdown\"",
        "id=\"timeline\"",
    ] {
        assert!(text.contains(part), "{part}");
    }
    assert_eq!(text.matches("<svg ").count(), charts, "every chart inline");
    // No trace was written, so none is linked (tests/it/trace.rs: linked when written).
    assert!(!text.contains("trace.json") && !text.contains("Operation traces"));
    assert!(text.contains(&format!("background:{}", color_hex(1))));
}

#[test]
fn slo_verdicts_are_coloured_in_the_table() {
    let mut report = report_value();
    let s = report["strategies"].as_array_mut().unwrap();
    s[0]["slo"] = json!({"met": 1, "total": 2,
        "verdict": "meets 1 of 2: p99 write in eu-west-1 is 212 ms > 100 ms",
        "objectives": [
            {"objective": "p99 write in eu-west-1 <= 100 ms", "measured": 212.0,
             "threshold": 100.0, "pass": false, "detail": "p99 write in eu-west-1 is 212 ms > 100 ms"},
            {"objective": "availability >= 99.9%", "measured": 1.0, "threshold": 0.999,
             "pass": true, "detail": "availability is 100% >= 99.9%"}]});
    s[1]["slo"] = json!({"met": 1, "total": 1, "verdict": "meets 1 of 1",
        "objectives": [{"objective": "p99 write in eu-west-1 <= 100 ms", "measured": 3.0,
            "threshold": 100.0, "pass": true, "detail": "p99 write in eu-west-1 is 3 ms <= 100 ms"}]});
    let charts = plot::report_charts(&report).unwrap();
    let text = geosim::html::report_page(&report, &charts);
    assert!(
        text.contains("<td class=\"fail\">fail (1 of 2)</td>"),
        "{text}"
    );
    assert!(text.contains("<td class=\"pass\">pass (1 of 1)</td>"));
    assert!(text.contains("id=\"slo\""));
    assert!(text.contains("p99 write in eu-west-1 is 212 ms &gt; 100 ms"));
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// Runs headless Chromium on `html` with `args`; returns (stdout, stderr).
fn run_browser(browser: &Path, html: &Path, profile: &Path, args: &[String]) -> (String, String) {
    let url = format!("file://{}", html.canonicalize().unwrap().display());
    let dir = profile.parent().unwrap();
    let (out, err) = (dir.join("browser.out"), dir.join("browser.err"));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium failed: {status}");
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (
        std::fs::read_to_string(out).unwrap_or_default(),
        std::fs::read_to_string(err).unwrap_or_default(),
    )
}

#[test]
#[ignore = "needs headless Chromium: apt-get install chromium, then cargo test --release --test it html -- --ignored (.ci/run does)"]
fn headless_chromium_renders_the_page_without_console_messages() {
    let Some(browser) = chromium() else {
        panic!(
            "headless Chromium is needed to test report.html: `apt-get install -y chromium` \
             (as .ci/run does)"
        );
    };
    let (dir, html, charts) = page();
    let png = dir.path().join("page.png");
    let (_, log) = run_browser(
        &browser,
        &html,
        &dir.path().join("profile-shot"),
        &[
            "--enable-logging=stderr".into(),
            "--v=0".into(),
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2000".into(),
        ],
    );
    // The page has no scripts: any console line (an error, a blocked resource) is a fault.
    let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");

    // The DOM as the browser built it has every figure.
    let (dom, _) = run_browser(
        &browser,
        &html,
        &dir.path().join("profile-dom"),
        &["--dump-dom".into()],
    );
    assert_eq!(
        dom.matches("<svg ").count(),
        charts,
        "{}",
        &dom[..dom.len().min(500)]
    );
    assert!(dom.contains("Comparison"));

    // The picture is not blank: plenty of non-white pixels, many colours, and both strategy
    // colours as solid fills (legend swatches, bars).
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<[u8; 3]> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    assert_eq!((info.width, info.height), (1280, 2000));
    let non_white = pixels.iter().filter(|p| **p != [255, 255, 255]).count();
    assert!(
        non_white > pixels.len() / 20,
        "only {non_white} of {} pixels are not white",
        pixels.len()
    );
    let distinct: std::collections::BTreeSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(distinct.len() > 50, "only {} colours", distinct.len());
    for i in 0..2 {
        let c = plot::color(i);
        let rgb = [c.0, c.1, c.2];
        let n = pixels.iter().filter(|p| **p == rgb).count();
        assert!(
            n > 100,
            "strategy colour {} shows on {n} pixels only",
            color_hex(i)
        );
    }
}
