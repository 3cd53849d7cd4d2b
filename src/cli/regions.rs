//! `geosim regions`: the catalogue, one derived round trip (`--rtt`) or the derived matrix
//! (`--matrix`, as a table, CSV or JSON).
//!
//! Owns their terminal output. Must not contain model logic: it calls `geosim::catalogue` and
//! `geosim::topology`.

use geosim::{report, Error};

/// Output format of `geosim regions --matrix`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum MatrixFormat {
    /// An aligned table.
    Table,
    /// `from,to,km,path_km,floor_rtt_ms,rtt_p50_ms,rtt_p99_ms,via`.
    Csv,
    /// An array of objects with the CSV's fields.
    Json,
}

/// Draws behind the p99 printed by `geosim regions`.
const RTT_DRAWS: usize = 200_000;

/// The catalogue regions named, as a topology under the default network model.
fn catalogue_topology(names: &[String], flag: &str) -> Result<geosim::topology::Topology, Error> {
    use geosim::catalogue::find;
    use geosim::topology::{region, NetworkModel, Topology};
    let mut regions = Vec::new();
    for n in names {
        let r = find(n).ok_or_else(|| {
            let hint = match geosim::scenario::suggest::catalogue_name(n) {
                Some(c) => format!("did you mean `{c}`? "),
                None => String::new(),
            };
            Error::Usage(format!(
                "{flag}: `{n}` is not a catalogue region ({hint}see `geosim regions`)"
            ))
        })?;
        if regions
            .iter()
            .any(|x: &geosim::topology::Region| x.name == r.name)
        {
            return Err(Error::Usage(format!("{flag}: `{n}` is given twice")));
        }
        regions.push(region(r.name, r.lat, r.lon, r.jurisdiction));
    }
    Topology::new(regions, vec![], NetworkModel::default())
        .map_err(|e| Error::Usage(format!("{flag}: {e:?}")))
}

/// One ordered pair of the derived matrix.
#[derive(serde::Serialize)]
struct RttRow {
    from: String,
    to: String,
    km: f64,
    floor_rtt_ms: f64,
    rtt_p50_ms: f64,
    rtt_p99_ms: f64,
    route: Vec<String>,
    /// Length of the fibre path one way (the derived paths of the route's hops), km.
    path_km: f64,
    /// The backbone hubs the path passes through, in order.
    via: Vec<String>,
}

fn rtt_row(t: &geosim::topology::Topology, a: u16, b: u16) -> RttRow {
    let r3 = |v: f64| (v * 1e3).round() / 1e3;
    let p99 = t.rtt_quantiles_ms(a, b, &[0.99], RTT_DRAWS, 1)[0];
    let route = t.route_regions(a, b);
    let paths: Vec<_> = route
        .windows(2)
        .filter_map(|w| t.derived_path(w[0], w[1]))
        .collect();
    RttRow {
        from: t.region(a).name.clone(),
        to: t.region(b).name.clone(),
        km: r3(t.distance_km(a, b)),
        floor_rtt_ms: r3((t.path_floor_nanos(a, b) + t.path_floor_nanos(b, a)) as f64 / 1e6),
        rtt_p50_ms: r3(t.median_rtt_ms(a, b)),
        rtt_p99_ms: r3(p99),
        route: route.iter().map(|&r| t.region(r).name.clone()).collect(),
        path_km: r3(paths.iter().map(|p| p.km).sum()),
        via: paths
            .iter()
            .flat_map(|p| p.hubs.iter().map(|h| h.to_string()))
            .collect(),
    }
}

pub(super) fn regions(
    rtt: Option<Vec<String>>,
    matrix: Option<Vec<String>>,
    format: MatrixFormat,
) -> Result<(), Error> {
    use geosim::catalogue::{find, CATALOGUE};
    if let Some(names) = matrix {
        let t = catalogue_topology(&names, "--matrix")?;
        let n = t.len() as u16;
        let rows: Vec<RttRow> = (0..n)
            .flat_map(|a| (0..n).filter(move |&b| b != a).map(move |b| (a, b)))
            .map(|(a, b)| rtt_row(&t, a, b))
            .collect();
        match format {
            MatrixFormat::Json => {
                let text = serde_json::to_string_pretty(&rows)
                    .map_err(|e| Error::Usage(format!("--matrix: {e}")))?;
                outln!("{text}");
            }
            MatrixFormat::Csv => {
                let mut text =
                    String::from("from,to,km,path_km,floor_rtt_ms,rtt_p50_ms,rtt_p99_ms,via\n");
                for r in &rows {
                    text.push_str(&format!(
                        "{},{},{},{},{},{},{},{}\n",
                        r.from,
                        r.to,
                        r.km,
                        r.path_km,
                        r.floor_rtt_ms,
                        r.rtt_p50_ms,
                        r.rtt_p99_ms,
                        r.via.join(" - ")
                    ));
                }
                out!("{}", text);
            }
            MatrixFormat::Table => {
                let mut table = vec![[
                    "from",
                    "to",
                    "km",
                    "floor RTT ms",
                    "RTT p50 ms",
                    "RTT p99 ms",
                    "via",
                ]
                .map(String::from)
                .to_vec()];
                for r in &rows {
                    table.push(vec![
                        r.from.clone(),
                        r.to.clone(),
                        format!("{:.0}", r.km),
                        format!("{:.1}", r.floor_rtt_ms),
                        format!("{:.1}", r.rtt_p50_ms),
                        format!("{:.1}", r.rtt_p99_ms),
                        r.via.join(" - "),
                    ]);
                }
                out!("{}", report::render(&table));
            }
        }
        return Ok(());
    }
    match rtt {
        Some(pair) => {
            let t = catalogue_topology(&pair, "--rtt")?;
            let r = rtt_row(&t, 0, 1);
            let (a, b) = (
                find(&pair[0]).expect("checked"),
                find(&pair[1]).expect("checked"),
            );
            let model = t.model();
            let route = if r.route.len() <= 2 {
                "direct: no other region on the way (a link derived from geography; its fibre path below)"
                    .to_string()
            } else {
                r.route.join(" -> ")
            };
            let mut path = vec![a.city.to_string()];
            path.extend(r.via.iter().cloned());
            path.push(b.city.to_string());
            // A region in a hub's city: name the city once.
            path.dedup();
            let described = match model.derivation {
                geosim::topology::Derivation::Hubs(p) => format!(
                    "path model: {} ms per end, land x{}, sea x{} + {} ms per crossing",
                    p.endpoint_ms,
                    p.land_inflation,
                    p.sea_inflation,
                    geosim::topology::path::SEA_CROSSING_MS
                ),
                geosim::topology::Derivation::GreatCircle {
                    route_inflation,
                    overhead_ms,
                } => format!("great circle x {route_inflation} + {overhead_ms} ms"),
            };
            outln!(
                "{} ({}) <-> {} ({}): {:.0} km great circle\n  derived RTT p50 {:.1} ms, p99 {:.1} ms\n  route: {}\n  path: {} ({:.0} km of fibre one way)\n  fibre floor RTT {:.1} ms (light in fibre along the great circle)\n  model: {}, variation {:?}",
                a.name,
                a.city,
                b.name,
                b.city,
                r.km,
                r.rtt_p50_ms,
                r.rtt_p99_ms,
                route,
                path.join(" -> "),
                r.path_km,
                r.floor_rtt_ms,
                described,
                model.variation,
            );
        }
        None => {
            let mut rows = vec![vec![
                "name".to_string(),
                "city".to_string(),
                "jurisdiction".to_string(),
                "lat".to_string(),
                "lon".to_string(),
                "inter-region $/GB".to_string(),
                "internet $/GB".to_string(),
            ]];
            for r in CATALOGUE {
                rows.push(vec![
                    r.name.to_string(),
                    r.city.to_string(),
                    r.jurisdiction.to_string(),
                    format!("{:.4}", r.lat),
                    format!("{:.4}", r.lon),
                    format!("{}", r.inter_region_usd_per_gb),
                    format!("{}", r.internet_usd_per_gb),
                ]);
            }
            out!("{}", report::render(&rows));
        }
    }
    Ok(())
}
