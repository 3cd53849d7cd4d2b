//! The built-in region catalogue: named cloud regions with coordinates, jurisdiction and
//! list prices, usable in a scenario by name alone (`"aws:eu-west-1"`).
//!
//! Owns `CatalogueRegion` and the table itself. Coordinates are the city each region is
//! named for (public facts; city level, not the data-centre site). AWS figures for the eight
//! regions of the project's reference data (coordinates, jurisdiction, inter-region and
//! internet egress prices in USD/GB) are copied from it: cloudping.co / AWS price list as
//! collected in the Skyplane project's transfer-cost table, 2022-2023. Other AWS regions use
//! the same-tier prices of their continent; Google Cloud and Azure regions use those
//! providers' published standard-tier inter-region and internet egress prices for their
//! continent (2024 list prices, rounded). Compute price multipliers are rough list-price
//! ratios to us-east-1 (about 1.0 in the US, 1.1 in Europe, 1.2-1.3 in Asia-Pacific,
//! 1.5 in South America).
//!
//! Must not import the engine, the world, strategies, metrics or scenario types.

/// One catalogue entry.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct CatalogueRegion {
    /// `provider:region`, e.g. `aws:eu-west-1`.
    pub name: &'static str,
    /// The city the region is named for.
    pub city: &'static str,
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// Jurisdiction label.
    pub jurisdiction: &'static str,
    /// Inter-region transfer price out of this region, USD per GB.
    pub inter_region_usd_per_gb: f64,
    /// Internet egress price out of this region, USD per GB.
    pub internet_usd_per_gb: f64,
    /// Compute price multiplier relative to aws:us-east-1.
    pub price_multiplier: f64,
}

/// One row of the table (positional, to keep the table readable).
#[allow(clippy::too_many_arguments)]
const fn r(
    name: &'static str,
    city: &'static str,
    lat: f64,
    lon: f64,
    jurisdiction: &'static str,
    inter: f64,
    internet: f64,
    mult: f64,
) -> CatalogueRegion {
    CatalogueRegion {
        name,
        city,
        lat,
        lon,
        jurisdiction,
        inter_region_usd_per_gb: inter,
        internet_usd_per_gb: internet,
        price_multiplier: mult,
    }
}

/// Every catalogue region, by provider then name.
pub const CATALOGUE: &[CatalogueRegion] = &[
    // AWS. The first eight rows' coordinates and prices come from the reference data.
    r(
        "aws:us-east-1",
        "Ashburn",
        39.0458,
        -77.4874,
        "US",
        0.02,
        0.09,
        1.0,
    ),
    r(
        "aws:us-west-2",
        "Portland",
        45.5152,
        -122.6784,
        "US",
        0.02,
        0.09,
        1.0,
    ),
    r(
        "aws:eu-west-1",
        "Dublin",
        53.3498,
        -6.2603,
        "EU",
        0.02,
        0.09,
        1.1,
    ),
    r(
        "aws:eu-central-1",
        "Frankfurt",
        50.1109,
        8.6821,
        "EU",
        0.02,
        0.09,
        1.15,
    ),
    r(
        "aws:ap-northeast-1",
        "Tokyo",
        35.6762,
        139.6503,
        "JP",
        0.09,
        0.114,
        1.3,
    ),
    r(
        "aws:ap-southeast-1",
        "Singapore",
        1.3521,
        103.8198,
        "SG",
        0.09,
        0.12,
        1.25,
    ),
    r(
        "aws:sa-east-1",
        "Sao Paulo",
        -23.5558,
        -46.6396,
        "BR",
        0.138,
        0.15,
        1.5,
    ),
    r(
        "aws:ap-south-1",
        "Mumbai",
        19.0760,
        72.8777,
        "IN",
        0.086,
        0.1093,
        1.1,
    ),
    r(
        "aws:us-east-2",
        "Columbus",
        39.9612,
        -82.9988,
        "US",
        0.02,
        0.09,
        1.0,
    ),
    r(
        "aws:us-west-1",
        "San Francisco",
        37.7749,
        -122.4194,
        "US",
        0.02,
        0.09,
        1.15,
    ),
    r(
        "aws:ca-central-1",
        "Montreal",
        45.5019,
        -73.5674,
        "CA",
        0.02,
        0.09,
        1.1,
    ),
    r(
        "aws:eu-west-2",
        "London",
        51.5072,
        -0.1276,
        "UK",
        0.02,
        0.09,
        1.15,
    ),
    r(
        "aws:eu-west-3",
        "Paris",
        48.8566,
        2.3522,
        "EU",
        0.02,
        0.09,
        1.15,
    ),
    r(
        "aws:eu-north-1",
        "Stockholm",
        59.3293,
        18.0686,
        "EU",
        0.02,
        0.09,
        1.05,
    ),
    r(
        "aws:eu-south-1",
        "Milan",
        45.4642,
        9.1900,
        "EU",
        0.02,
        0.09,
        1.15,
    ),
    r(
        "aws:ap-northeast-2",
        "Seoul",
        37.5665,
        126.9780,
        "KR",
        0.08,
        0.126,
        1.2,
    ),
    r(
        "aws:ap-southeast-2",
        "Sydney",
        -33.8688,
        151.2093,
        "AU",
        0.098,
        0.114,
        1.25,
    ),
    r(
        "aws:ap-east-1",
        "Hong Kong",
        22.3193,
        114.1694,
        "HK",
        0.09,
        0.12,
        1.35,
    ),
    r(
        "aws:me-central-1",
        "Dubai",
        25.2048,
        55.2708,
        "AE",
        0.085,
        0.11,
        1.2,
    ),
    r(
        "aws:ap-northeast-3",
        "Osaka",
        34.6937,
        135.5023,
        "JP",
        0.09,
        0.114,
        1.3,
    ),
    r(
        "aws:me-south-1",
        "Manama",
        26.2285,
        50.5860,
        "BH",
        0.085,
        0.11,
        1.2,
    ),
    r(
        "aws:af-south-1",
        "Cape Town",
        -33.9249,
        18.4241,
        "ZA",
        0.147,
        0.154,
        1.3,
    ),
    // Google Cloud.
    r(
        "gcp:us-east4",
        "Ashburn",
        39.0438,
        -77.4874,
        "US",
        0.02,
        0.12,
        1.1,
    ),
    r(
        "gcp:us-central1",
        "Council Bluffs",
        41.2619,
        -95.8608,
        "US",
        0.02,
        0.12,
        1.0,
    ),
    r(
        "gcp:us-west1",
        "The Dalles",
        45.5946,
        -121.1787,
        "US",
        0.02,
        0.12,
        1.0,
    ),
    r(
        "gcp:northamerica-northeast1",
        "Montreal",
        45.5019,
        -73.5674,
        "CA",
        0.02,
        0.12,
        1.1,
    ),
    r(
        "gcp:southamerica-east1",
        "Sao Paulo",
        -23.5558,
        -46.6396,
        "BR",
        0.08,
        0.12,
        1.5,
    ),
    r(
        "gcp:europe-west1",
        "St. Ghislain",
        50.4491,
        3.8187,
        "EU",
        0.02,
        0.12,
        1.1,
    ),
    r(
        "gcp:europe-west2",
        "London",
        51.5072,
        -0.1276,
        "UK",
        0.02,
        0.12,
        1.2,
    ),
    r(
        "gcp:europe-west3",
        "Frankfurt",
        50.1109,
        8.6821,
        "EU",
        0.02,
        0.12,
        1.2,
    ),
    r(
        "gcp:europe-west4",
        "Eemshaven",
        53.4386,
        6.8355,
        "EU",
        0.02,
        0.12,
        1.1,
    ),
    r(
        "gcp:europe-north1",
        "Hamina",
        60.5693,
        27.1878,
        "EU",
        0.02,
        0.12,
        1.1,
    ),
    r(
        "gcp:asia-northeast1",
        "Tokyo",
        35.6762,
        139.6503,
        "JP",
        0.08,
        0.12,
        1.3,
    ),
    r(
        "gcp:asia-southeast1",
        "Singapore",
        1.3521,
        103.8198,
        "SG",
        0.08,
        0.12,
        1.25,
    ),
    r(
        "gcp:asia-south1",
        "Mumbai",
        19.0760,
        72.8777,
        "IN",
        0.08,
        0.12,
        1.1,
    ),
    r(
        "gcp:australia-southeast1",
        "Sydney",
        -33.8688,
        151.2093,
        "AU",
        0.08,
        0.19,
        1.3,
    ),
    // Microsoft Azure.
    r(
        "azure:eastus",
        "Virginia",
        37.3719,
        -79.8164,
        "US",
        0.02,
        0.087,
        1.0,
    ),
    r(
        "azure:eastus2",
        "Virginia",
        36.6681,
        -78.3889,
        "US",
        0.02,
        0.087,
        1.0,
    ),
    r(
        "azure:westus2",
        "Washington",
        47.2330,
        -119.8520,
        "US",
        0.02,
        0.087,
        1.0,
    ),
    r(
        "azure:centralus",
        "Iowa",
        41.5908,
        -93.6208,
        "US",
        0.02,
        0.087,
        1.0,
    ),
    r(
        "azure:canadacentral",
        "Toronto",
        43.6532,
        -79.3832,
        "CA",
        0.02,
        0.087,
        1.1,
    ),
    r(
        "azure:brazilsouth",
        "Sao Paulo",
        -23.5558,
        -46.6396,
        "BR",
        0.16,
        0.181,
        1.5,
    ),
    r(
        "azure:northeurope",
        "Dublin",
        53.3498,
        -6.2603,
        "EU",
        0.02,
        0.087,
        1.1,
    ),
    r(
        "azure:westeurope",
        "Amsterdam",
        52.3676,
        4.9041,
        "EU",
        0.02,
        0.087,
        1.1,
    ),
    r(
        "azure:uksouth",
        "London",
        51.5072,
        -0.1276,
        "UK",
        0.02,
        0.087,
        1.15,
    ),
    r(
        "azure:germanywestcentral",
        "Frankfurt",
        50.1109,
        8.6821,
        "EU",
        0.02,
        0.087,
        1.2,
    ),
    r(
        "azure:swedencentral",
        "Gavle",
        60.6749,
        17.1413,
        "EU",
        0.02,
        0.087,
        1.05,
    ),
    r(
        "azure:japaneast",
        "Tokyo",
        35.6762,
        139.6503,
        "JP",
        0.08,
        0.12,
        1.3,
    ),
    r(
        "azure:southeastasia",
        "Singapore",
        1.3521,
        103.8198,
        "SG",
        0.08,
        0.12,
        1.25,
    ),
    r(
        "azure:centralindia",
        "Pune",
        18.5204,
        73.8567,
        "IN",
        0.08,
        0.12,
        1.1,
    ),
    r(
        "azure:australiaeast",
        "Sydney",
        -33.8688,
        151.2093,
        "AU",
        0.08,
        0.12,
        1.3,
    ),
];

/// The catalogue entry called `name` (`provider:region`, case-sensitive).
pub fn find(name: &str) -> Option<&'static CatalogueRegion> {
    CATALOGUE.iter().find(|r| r.name == name)
}

/// The first catalogue name that is `name` with a provider in front (`aws:eu-west-1` for
/// `eu-west-1`): what a name without its provider most likely meant.
pub fn with_provider(name: &str) -> Option<&'static str> {
    CATALOGUE
        .iter()
        .map(|r| r.name)
        .find(|c| c.split_once(':').is_some_and(|(_, rest)| rest == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_without_its_provider_finds_it() {
        assert_eq!(with_provider("eu-west-1"), Some("aws:eu-west-1"));
        assert_eq!(with_provider("aws:eu-west-1"), None);
        assert_eq!(with_provider("nowhere-9"), None);
    }

    #[test]
    fn names_are_unique_and_well_formed() {
        let mut names: Vec<&str> = CATALOGUE.iter().map(|r| r.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
        for r in CATALOGUE {
            assert!(r.name.contains(':'), "{}", r.name);
            assert!((-90.0..=90.0).contains(&r.lat) && (-180.0..=180.0).contains(&r.lon));
            assert!(r.inter_region_usd_per_gb > 0.0 && r.internet_usd_per_gb > 0.0);
        }
        assert!(
            CATALOGUE
                .iter()
                .filter(|r| r.name.starts_with("aws:"))
                .count()
                >= 15
        );
        assert!(
            CATALOGUE
                .iter()
                .filter(|r| r.name.starts_with("gcp:"))
                .count()
                >= 10
        );
        assert!(
            CATALOGUE
                .iter()
                .filter(|r| r.name.starts_with("azure:"))
                .count()
                >= 10
        );
    }

    #[test]
    fn reference_regions_match_the_reference_data() {
        let d = find("aws:ap-south-1").unwrap();
        assert_eq!((d.lat, d.lon), (19.0760, 72.8777));
        assert_eq!(d.inter_region_usd_per_gb, 0.086);
        assert_eq!(d.internet_usd_per_gb, 0.1093);
    }
}
