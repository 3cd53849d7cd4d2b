//! A measured latency matrix (`[network] matrix = "file.csv"` or `.json`), as written: rows
//! `from,to,rtt_p50_ms[,rtt_p90_ms,rtt_p99_ms]` with their line numbers (docs/network.md,
//! "Measured matrices").
//!
//! Parsing only: `validate::matrix` resolves the names and checks the figures. Must not
//! import `validate`, the topology or file I/O (the caller reads the file through `input`).

/// One row of a matrix file.
#[derive(Clone, Debug, PartialEq)]
pub struct MatrixRow {
    /// Line number in the file (1-based; for JSON the entry's index + 1).
    pub line: usize,
    /// Source region name (a scenario or catalogue name).
    pub from: String,
    /// Destination region name.
    pub to: String,
    /// Median round trip, ms.
    pub p50: f64,
    /// 90th and 99th percentile round trips, ms, when given.
    pub tail: Option<(f64, f64)>,
}

/// A parsed matrix file.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    /// The file as named in the scenario, for messages (`file:line: ...`).
    pub name: String,
    /// Every data row, in file order.
    pub rows: Vec<MatrixRow>,
}

/// A row that cannot be read: (line, message).
pub type RowError = (usize, String);

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRow {
    from: String,
    to: String,
    rtt_p50_ms: f64,
    #[serde(default)]
    rtt_p90_ms: Option<f64>,
    #[serde(default)]
    rtt_p99_ms: Option<f64>,
}

fn row(line: usize, from: &str, to: &str, p: [Option<f64>; 3]) -> Result<MatrixRow, RowError> {
    let tail = match (p[1], p[2]) {
        (Some(p90), Some(p99)) => Some((p90, p99)),
        (None, None) => None,
        _ => {
            return Err((
                line,
                "give rtt_p90_ms and rtt_p99_ms together, or neither".to_string(),
            ))
        }
    };
    let p50 = p[0].expect("p50 is required by both formats");
    for v in [Some(p50), p[1], p[2]].into_iter().flatten() {
        if !v.is_finite() || v < 0.0 {
            return Err((line, format!("{v} is not a round trip in ms (>= 0)")));
        }
    }
    Ok(MatrixRow {
        line,
        from: from.trim().to_string(),
        to: to.trim().to_string(),
        p50,
        tail,
    })
}

/// Parses CSV (a header line `from,to,rtt_p50_ms[,rtt_p90_ms,rtt_p99_ms]`, then one row per
/// line; blank lines and `#` comments are skipped) or, when `json`, an array of objects with
/// those fields.
pub fn parse(name: &str, text: &str, json: bool) -> Result<Matrix, Vec<RowError>> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    if json {
        let v: Vec<JsonRow> =
            serde_json::from_str(text).map_err(|e| vec![(e.line(), e.to_string())])?;
        for (i, r) in v.into_iter().enumerate() {
            match row(
                i + 1,
                &r.from,
                &r.to,
                [Some(r.rtt_p50_ms), r.rtt_p90_ms, r.rtt_p99_ms],
            ) {
                Ok(r) => rows.push(r),
                Err(e) => errors.push(e),
            }
        }
    } else {
        let mut header = None;
        for (i, l) in text.lines().enumerate() {
            let line = i + 1;
            let l = l.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = l.split(',').map(str::trim).collect();
            let Some(cols) = header else {
                let want5 = ["from", "to", "rtt_p50_ms", "rtt_p90_ms", "rtt_p99_ms"];
                if f.len() >= 3 && f.len() != 4 && f.len() <= 5 && f[..] == want5[..f.len()] {
                    header = Some(f.len());
                    continue;
                }
                return Err(vec![(
                    line,
                    "the first line must be the header `from,to,rtt_p50_ms` or `from,to,rtt_p50_ms,rtt_p90_ms,rtt_p99_ms`".to_string(),
                )]);
            };
            if f.len() != cols {
                errors.push((line, format!("{} fields, the header has {cols}", f.len())));
                continue;
            }
            let mut p = [None; 3];
            let mut bad = false;
            for (k, v) in f[2..].iter().enumerate() {
                match v.parse::<f64>() {
                    Ok(x) => p[k] = Some(x),
                    Err(_) => {
                        errors.push((line, format!("`{v}` is not a number")));
                        bad = true;
                    }
                }
            }
            if bad {
                continue;
            }
            match row(line, f[0], f[1], p) {
                Ok(r) => rows.push(r),
                Err(e) => errors.push(e),
            }
        }
        if header.is_none() {
            errors.push((1, "empty matrix (no header)".to_string()));
        }
    }
    if errors.is_empty() {
        Ok(Matrix {
            name: name.to_string(),
            rows,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_rows_with_line_numbers() {
        let m = parse(
            "m.csv",
            "from,to,rtt_p50_ms,rtt_p90_ms,rtt_p99_ms\n# c\n\na,b,10,12,20\n",
            false,
        )
        .unwrap();
        assert_eq!(m.rows[0].line, 4);
        assert_eq!(m.rows[0].tail, Some((12.0, 20.0)));
        let m = parse("m.json", r#"[{"from":"a","to":"b","rtt_p50_ms":3}]"#, true).unwrap();
        assert_eq!(m.rows[0].p50, 3.0);
        let e = parse("m.csv", "from,to,rtt_p50_ms\na,b,x\na,b\n", false).unwrap_err();
        assert_eq!(e.iter().map(|e| e.0).collect::<Vec<_>>(), vec![2, 3]);
        assert!(parse("m.csv", "nope\n", false).is_err());
    }
}
