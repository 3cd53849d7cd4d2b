//! Friendlier messages: "did you mean" for a misspelt name (strsim), and serde's type words
//! (`expected f64`, `expected struct NetworkSpec`) in plain words, with what the field
//! accepts (`accepts`: a whole number's real range, a value's forms).
//!
//! Must not import the engine, the world, metrics or report.

use super::accepts::Accepts;

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
    message_in(msg, &Accepts::default(), None)
}

/// `message`, for a field that accepts `accepts` (`accepts::of_field`; the whole-number range
/// defaults to that of the type serde names), `value` the text of its value in the file.
pub fn message_in(msg: &str, accepts: &Accepts, value: Option<&str>) -> String {
    let mut out =
        super::accepts::message(msg, accepts.whole, value).unwrap_or_else(|| msg.to_string());
    if out.starts_with("data did not match any variant of untagged enum ") {
        out = match &accepts.forms {
            Some(forms) => format!("invalid value: expected {forms}"),
            None => "invalid value: not of a form this field accepts".to_string(),
        };
    }
    for (from, to) in [
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
        ("expected a string", "expected a string (in quotes)"),
        ("expected a sequence", "expected an array"),
        ("expected a map", "expected a table"),
        ("expected string or map", "expected a string or a table"),
        (
            "expected variant identifier",
            "expected a name (a string in quotes)",
        ),
        ("invalid type: sequence,", "invalid type: array,"),
        ("invalid type: map,", "invalid type: table,"),
    ] {
        out = out.replace(from, to);
    }
    // serde's names of the spec's types (`expected struct NetworkSpec`) in words.
    for (from, to) in [
        ("expected internally tagged enum ", "expected a table"),
        ("expected struct ", "expected a table"),
        ("expected enum ", "expected a string or a table"),
    ] {
        while let Some(start) = out.find(from) {
            let name = &out[start + from.len()..];
            let len = name
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .unwrap_or(name.len());
            out.replace_range(start..start + from.len() + len, to);
        }
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
