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
        .or_else(|| closest(name, crate::catalogue::CATALOGUE.iter().map(|r| r.name)))
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
