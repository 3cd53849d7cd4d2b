//! The backbone the path model routes over: a small table of hubs (backbone cities and
//! cable landing points) and the segments joining them, each terrestrial or submarine.
//!
//! Data only, chosen from public maps of long-haul fibre and submarine cables (the systems
//! behind each segment are named next to it), never from measured latencies. What is left out
//! matters as much as what is in: there is no terrestrial Europe <-> Asia segment (cloud
//! backbones go by sea, through Suez or across the US) and no South Atlantic segment (South
//! America reaches Europe, Africa and Asia through the US), which is where the measured AWS
//! round trips put those paths (docs/network.md, "The path model").
//!
//! Must not import anything from the crate.

/// A piece of land: a region reaches hubs over land only on its own landmass (the landmass
/// of its nearest hub).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Land {
    /// North and South America.
    Americas,
    /// Europe, Africa and mainland Asia.
    AfroEurasia,
    /// Great Britain.
    Britain,
    /// Ireland.
    Ireland,
    /// The Japanese islands.
    Japan,
    /// Australia.
    Australia,
    /// Taiwan.
    Taiwan,
    /// Hawaii.
    Hawaii,
    /// Guam.
    Guam,
}

/// How a segment is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Terrestrial fibre, or a sea crossing short enough to behave like it (< 500 km).
    Land,
    /// A submarine cable across an ocean or a sea.
    Sea,
}

/// A backbone hub.
#[derive(Clone, Copy, Debug)]
pub struct Hub {
    /// The city, as printed in a route.
    pub name: &'static str,
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// The landmass it is on.
    pub land: Land,
}

const fn h(name: &'static str, lat: f64, lon: f64, land: Land) -> Hub {
    Hub {
        name,
        lat,
        lon,
        land,
    }
}

use Land::*;

/// Every hub.
pub const HUBS: &[Hub] = &[
    // North America
    h("New York", 40.71, -74.01, Americas),
    h("Ashburn", 39.04, -77.49, Americas),
    h("Chicago", 41.88, -87.63, Americas),
    h("Atlanta", 33.75, -84.39, Americas),
    h("Dallas", 32.78, -96.80, Americas),
    h("Denver", 39.74, -104.99, Americas),
    h("Seattle", 47.61, -122.33, Americas),
    h("San Jose", 37.34, -121.89, Americas),
    h("Los Angeles", 34.05, -118.24, Americas),
    h("Miami", 25.76, -80.19, Americas),
    // South America
    h("Sao Paulo", -23.55, -46.63, Americas),
    h("Fortaleza", -3.73, -38.52, Americas),
    h("Santiago", -33.45, -70.67, Americas),
    // Europe
    h("London", 51.51, -0.13, Britain),
    h("Dublin", 53.35, -6.26, Ireland),
    h("Amsterdam", 52.37, 4.90, AfroEurasia),
    h("Frankfurt", 50.11, 8.68, AfroEurasia),
    h("Paris", 48.86, 2.35, AfroEurasia),
    h("Marseille", 43.30, 5.37, AfroEurasia),
    h("Madrid", 40.42, -3.70, AfroEurasia),
    h("Lisbon", 38.72, -9.14, AfroEurasia),
    h("Stockholm", 59.33, 18.07, AfroEurasia),
    h("Milan", 45.46, 9.19, AfroEurasia),
    // Middle East and Africa
    h("Cairo", 30.04, 31.24, AfroEurasia),
    h("Jeddah", 21.49, 39.19, AfroEurasia),
    h("Djibouti", 11.59, 43.15, AfroEurasia),
    h("Muscat", 23.59, 58.38, AfroEurasia),
    h("Fujairah", 25.13, 56.33, AfroEurasia),
    h("Mombasa", -4.04, 39.67, AfroEurasia),
    h("Johannesburg", -26.20, 28.05, AfroEurasia),
    h("Cape Town", -33.92, 18.42, AfroEurasia),
    h("Lagos", 6.52, 3.38, AfroEurasia),
    // Asia
    h("Mumbai", 19.08, 72.88, AfroEurasia),
    h("Chennai", 13.08, 80.27, AfroEurasia),
    h("Singapore", 1.35, 103.82, AfroEurasia),
    h("Hong Kong", 22.32, 114.17, AfroEurasia),
    h("Taipei", 25.03, 121.57, Taiwan),
    h("Seoul", 37.57, 126.98, AfroEurasia),
    h("Busan", 35.18, 129.08, AfroEurasia),
    h("Fukuoka", 33.59, 130.40, Japan),
    h("Osaka", 34.69, 135.50, Japan),
    h("Tokyo", 35.68, 139.65, Japan),
    // Oceania and the Pacific
    h("Sydney", -33.87, 151.21, Australia),
    h("Perth", -31.95, 115.86, Australia),
    h("Guam", 13.44, 144.79, Guam),
    h("Honolulu", 21.31, -157.86, Hawaii),
];

use Kind::{Land as L, Sea as S};

/// The segments between hubs (undirected), by hub name.
pub const SEGMENTS: &[(&str, &str, Kind)] = &[
    // North American long-haul fibre (along the interstate and rail corridors).
    ("New York", "Ashburn", L),
    ("New York", "Chicago", L),
    ("Ashburn", "Chicago", L),
    ("Ashburn", "Atlanta", L),
    ("Atlanta", "Miami", L),
    ("Atlanta", "Dallas", L),
    ("Chicago", "Dallas", L),
    ("Chicago", "Denver", L),
    ("Dallas", "Denver", L),
    ("Denver", "Seattle", L),
    ("Chicago", "Seattle", L),
    ("Denver", "San Jose", L),
    ("Seattle", "San Jose", L),
    ("San Jose", "Los Angeles", L),
    ("Dallas", "Los Angeles", L),
    // Transatlantic: New York - Cornwall/London (TAT-14, AC-1, Apollo), New York - Dublin
    // (AEConnect, Havfrue), Virginia Beach - Bilbao - Madrid (MAREA).
    ("New York", "London", S),
    ("New York", "Dublin", S),
    ("Ashburn", "Madrid", S),
    // South America: the Brazilian coast, Brazil - US (Seabras-1 to New York, GlobeNet and
    // Monet to Florida), across the Andes, Chile - Los Angeles (Curie).
    ("Sao Paulo", "Fortaleza", L),
    ("Fortaleza", "Miami", S),
    ("Sao Paulo", "New York", S),
    ("Sao Paulo", "Santiago", L),
    ("Santiago", "Los Angeles", S),
    // Europe: terrestrial backbone; the Irish Sea and the Channel are short crossings.
    ("London", "Dublin", L),
    ("London", "Amsterdam", L),
    ("London", "Paris", L),
    ("Amsterdam", "Frankfurt", L),
    ("Paris", "Frankfurt", L),
    ("Paris", "Marseille", L),
    ("Marseille", "Milan", L),
    ("Milan", "Frankfurt", L),
    ("Frankfurt", "Stockholm", L),
    ("Amsterdam", "Stockholm", L),
    ("Paris", "Madrid", L),
    ("Madrid", "Lisbon", L),
    ("Madrid", "Marseille", L),
    // Europe - Asia by sea: Marseille - Egypt - Red Sea - Arabian Sea (SEA-ME-WE, AAE-1,
    // PEACE, 2Africa); the Gulf through Oman; East Africa (EASSy, SEACOM).
    ("Marseille", "Cairo", S),
    ("Cairo", "Jeddah", S),
    ("Jeddah", "Djibouti", S),
    ("Djibouti", "Mumbai", S),
    ("Djibouti", "Muscat", S),
    ("Muscat", "Fujairah", L),
    ("Muscat", "Mumbai", S),
    ("Djibouti", "Mombasa", S),
    // India and South-East Asia.
    ("Mumbai", "Chennai", L),
    ("Chennai", "Singapore", S),
    ("Mumbai", "Singapore", S),
    // Africa: South African backbone, Johannesburg - Mombasa, the west coast (WACS, SAT-3).
    ("Cape Town", "Johannesburg", L),
    ("Johannesburg", "Mombasa", L),
    ("Cape Town", "Lagos", S),
    ("Lagos", "Lisbon", S),
    // East Asia: Singapore - Hong Kong - Japan (APG, SJC), Taiwan (APCN-2, TPE), Korea through
    // Busan - Fukuoka.
    ("Singapore", "Hong Kong", S),
    ("Hong Kong", "Tokyo", S),
    ("Hong Kong", "Busan", S),
    ("Hong Kong", "Taipei", S),
    ("Taipei", "Tokyo", S),
    ("Seoul", "Busan", L),
    ("Busan", "Fukuoka", L),
    ("Fukuoka", "Osaka", L),
    ("Osaka", "Tokyo", L),
    ("Tokyo", "Guam", S),
    ("Hong Kong", "Guam", S),
    // Oceania: Singapore - Perth (Indigo, ASC), across Australia, Sydney - Guam (JGA),
    // Sydney - Hawaii (Southern Cross).
    ("Singapore", "Perth", S),
    ("Perth", "Sydney", L),
    ("Sydney", "Guam", S),
    ("Sydney", "Honolulu", S),
    // Trans-Pacific: Japan - Oregon (FASTER), Japan - Los Angeles (Jupiter), Guam - Hawaii -
    // California and Oregon (SEA-US, AAG, Southern Cross).
    ("Tokyo", "Seattle", S),
    ("Tokyo", "Los Angeles", S),
    ("Guam", "Honolulu", S),
    ("Honolulu", "Los Angeles", S),
    ("Honolulu", "San Jose", S),
    ("Honolulu", "Seattle", S),
];
