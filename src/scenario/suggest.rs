//! Friendlier messages: "did you mean" for a misspelt name (strsim), and serde's type words
//! (`expected f64`) in plain words.
//!
//! Must not import the engine, the world, metrics or report.

/// Smallest Jaro-Winkler similarity at which a candidate is offered.
const SIMILAR: f64 = 0.8;

/// The candidate most like `name`, if any is close enough.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let s = strsim::jaro_winkler(name, c);
        if s >= SIMILAR && best.is_none_or(|(b, _)| s > b) {
            best = Some((s, c));
        }
    }
    best.map(|(_, c)| c)
}

/// The catalogue region `name` most likely meant: the same name with its provider in front
/// (`aws:eu-west-1` for `eu-west-1`), else the closest catalogue name.
pub fn catalogue_name(name: &str) -> Option<&'static str> {
    crate::catalogue::with_provider(name)
        .or_else(|| closest_region(name, crate::catalogue::CATALOGUE.iter().map(|r| r.name)))
}

/// A region name compared loosely: lower case, `_` and spaces as `-`.
fn loose(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| match c {
            '_' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The region among `candidates` that `name` most likely means. Region names carry a
/// provider (`aws:us-east-1`) that a user most often leaves out, and differ from each other
/// in a few letters (`us-east-1`, `eu-west-1`), so a plain closest match on the whole name
/// can pick the wrong continent: a candidate whose name, or its name after the provider,
/// equals `name` loosely (case, `_` for `-`) wins outright; otherwise the closest by the
/// better of the whole name and the name after the provider.
pub fn closest_region<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let want = loose(name);
    let want_bare = want.rsplit(':').next().unwrap_or(&want).to_string();
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let whole = loose(c);
        let bare = whole.rsplit(':').next().unwrap_or(&whole);
        if whole == want || bare == want_bare {
            return Some(c);
        }
        let s = strsim::jaro_winkler(&want, &whole).max(strsim::jaro_winkler(&want_bare, bare));
        if s >= SIMILAR && best.is_none_or(|(b, _)| s > b) {
            best = Some((s, c));
        }
    }
    best.map(|(_, c)| c)
}

/// " (did you mean `x`?)" for the region among `candidates` that `name` most likely means
/// (`closest_region`), or "".
pub fn did_you_mean_region<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    closest_region(name, candidates).map_or(String::new(), |c| format!(" (did you mean `{c}`?)"))
}

/// " (did you mean `x`?)" for the candidate closest to `name`, or "".
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(name, candidates).map_or(String::new(), |c| format!(" (did you mean `{c}`?)"))
}

/// A serde message in plain words: type names become words, and an unknown field or variant
/// gets the closest expected one.
pub fn message(msg: &str) -> String {
    let mut out = msg.to_string();
    for (from, to) in [
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
        ("expected u64", "expected a whole number >= 0"),
        ("expected u32", "expected a whole number >= 0"),
        ("expected u16", "expected a whole number >= 0"),
        ("expected u8", "expected a whole number >= 0"),
        ("expected usize", "expected a whole number >= 0"),
        ("expected i64", "expected a whole number"),
        ("expected i32", "expected a whole number"),
        ("expected a string", "expected a string (in quotes)"),
    ] {
        out = out.replace(from, to);
    }
    for head in ["unknown field `", "unknown variant `"] {
        let Some(start) = out.find(head).map(|i| i + head.len()) else {
            continue;
        };
        let Some(len) = out[start..].find('`') else {
            continue;
        };
        let name = out[start..start + len].to_string();
        let rest = &out[start + len + 1..];
        let Some(exp) = rest.find("expected") else {
            continue;
        };
        let expected: Vec<&str> = rest[exp..].split('`').skip(1).step_by(2).collect();
        let hint = did_you_mean(&name, expected.iter().copied());
        out.push_str(&hint);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_without_its_provider_gets_its_own_name_not_a_neighbour() {
        // In name order, as a scenario's regions are offered.
        let here = ["aws:ap-northeast-1", "aws:eu-west-1", "aws:us-east-1"];
        // Whole-name similarity alone picks the wrong continent.
        assert_eq!(closest("us-east-1", here), Some("aws:eu-west-1"));
        assert_eq!(closest_region("us-east-1", here), Some("aws:us-east-1"));
        assert_eq!(closest_region("eu-west-1", here), Some("aws:eu-west-1"));
        assert_eq!(closest_region("us_east_1", here), Some("aws:us-east-1"));
        assert_eq!(closest_region("AWS:US-EAST-1", here), Some("aws:us-east-1"));
        assert_eq!(closest_region("gcp:us-east-1", here), Some("aws:us-east-1"));
        // A typo in the bare name still finds the nearest spelling.
        assert_eq!(
            closest_region("ap-northeast1", here),
            Some("aws:ap-northeast-1")
        );
        assert_eq!(closest_region("us-eats-1", here), Some("aws:us-east-1"));
        assert_eq!(closest_region("mars-base", here), None);
        assert_eq!(
            did_you_mean_region("us-east-1", here),
            " (did you mean `aws:us-east-1`?)"
        );
        // Catalogue names: the provider added, or the loose match.
        assert_eq!(catalogue_name("us_east_1"), Some("aws:us-east-1"));
    }

    #[test]
    fn a_typo_gets_the_closest_name_and_nonsense_gets_none() {
        let names = ["aws:eu-central-1", "aws:eu-west-1", "gcp:europe-west3"];
        assert_eq!(closest("aws:eu-centrl-1", names), Some("aws:eu-central-1"));
        assert_eq!(closest("mars-1", ["a", "b"]), None);
    }

    #[test]
    fn serde_messages_in_plain_words() {
        assert_eq!(
            message("invalid type: string \"fast\", expected f64"),
            "invalid type: string \"fast\", expected a number"
        );
        assert_eq!(
            message("unknown field `reed_fraction`, expected one of `region`, `rate_rps`, `read_fraction`"),
            "unknown field `reed_fraction`, expected one of `region`, `rate_rps`, `read_fraction` (did you mean `read_fraction`?)"
        );
        assert_eq!(
            message("unknown variant `active-pasive`, expected `active-passive` or `quorum`"),
            "unknown variant `active-pasive`, expected `active-passive` or `quorum` (did you mean `active-passive`?)"
        );
    }
}
