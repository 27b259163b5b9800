//! The policy file as the scheduler reads it, leniently: the endorsement offers (`[[endorsement]]`:
//! id, permit, destination, kind, trips) and the cities open to the Taiwan individual tour
//! (`[individual_tour] open_cities`, code and Chinese name). Everything else in the file, and any
//! key the scheduler does not know, is kioskd's business.

use drivers::permit::{Destination, EndorsementKind, PermitKind, Trips};
use serde::Deserialize;
use std::path::Path;

/// The simulator's policy file, embedded as the default.
pub const DEFAULT_POLICY: &str = include_str!("../../data/policy.toml");

/// One endorsement a kiosk may issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// Policy id, e.g. `HK-L-3M-1`.
    pub id: String,
    /// The permit it goes on.
    pub permit: PermitKind,
    /// Where it lets its holder go.
    pub destination: Destination,
    /// Group tour (when the file says nothing) or individual tour (Taiwan, under the open-city rule).
    pub kind: EndorsementKind,
    /// Trips (when the file says).
    pub trips: Option<Trips>,
}

/// A city open to the Taiwan individual tour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCity {
    /// Administrative code of the city, e.g. `350200` (a residence permit of it counts).
    pub code: String,
    /// Its Chinese name as an address writes it, e.g. `厦门市` (a hukou there counts).
    pub zh: String,
}

/// What the scheduler takes from a policy file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// The offers, in the file's order.
    pub offers: Vec<Offer>,
    /// The cities open to the Taiwan individual tour (none: nobody may have it).
    pub open_cities: Vec<OpenCity>,
}

impl Policy {
    /// The open cities as `(code, zh)` pairs, as [`super::rules::individual_tour_eligible`] takes them.
    pub fn open_city_pairs(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        self.open_cities.iter().map(|c| (c.code.as_str(), c.zh.as_str()))
    }
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    endorsement: Vec<RawOffer>,
    #[serde(default)]
    individual_tour: RawIndividualTour,
}

#[derive(Deserialize)]
struct RawOffer {
    id: String,
    permit: PermitKind,
    destination: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    trips: Option<Trips>,
}

#[derive(Deserialize, Default)]
struct RawIndividualTour {
    #[serde(default)]
    open_cities: Vec<RawOpenCity>,
}

#[derive(Deserialize)]
struct RawOpenCity {
    code: String,
    zh: String,
}

fn endorsement_kind(id: &str, kind: Option<&str>) -> Result<EndorsementKind, String> {
    match kind {
        None | Some("group_tour") => Ok(EndorsementKind::GroupTour),
        Some("individual_tour") => Ok(EndorsementKind::IndividualTour),
        Some(other) => Err(format!("endorsement {id}: kind {other:?} is neither group_tour nor individual_tour")),
    }
}

/// The offers and open cities of a policy text.
pub fn parse_policy(text: &str) -> Result<Policy, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let offers = file
        .endorsement
        .into_iter()
        .map(|o| {
            let destination = Destination::from_code(&o.destination)
                .ok_or_else(|| format!("endorsement {}: unknown destination {:?}", o.id, o.destination))?;
            let kind = endorsement_kind(&o.id, o.kind.as_deref())?;
            Ok(Offer { id: o.id, permit: o.permit, destination, kind, trips: o.trips })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let open_cities = file
        .individual_tour
        .open_cities
        .into_iter()
        .map(|c| {
            let code = c.code.trim().to_string();
            let zh = c.zh.trim().to_string();
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) || zh.is_empty() {
                return Err(format!(
                    "individual_tour.open_cities: {:?} ({:?}) needs a 6-digit code and a Chinese name",
                    c.code, c.zh
                ));
            }
            Ok(OpenCity { code, zh })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Policy { offers, open_cities })
}

/// The offers of a policy text.
pub fn parse(text: &str) -> Result<Vec<Offer>, String> {
    parse_policy(text).map(|p| p.offers)
}

/// A policy file, or the embedded default.
pub fn load_policy(path: Option<&Path>) -> Result<Policy, String> {
    match path {
        None => parse_policy(DEFAULT_POLICY).map_err(|e| format!("embedded policy: {e}")),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("policy {}: {e}", p.display()))?;
            parse_policy(&text).map_err(|e| format!("policy {}: {e}", p.display()))
        }
    }
}

/// The offers of a policy file, or of the embedded default.
pub fn load(path: Option<&Path>) -> Result<Vec<Offer>, String> {
    load_policy(path).map(|p| p.offers)
}

/// Find an offer by id.
pub fn offer<'a>(offers: &'a [Offer], id: &str) -> Option<&'a Offer> {
    offers.iter().find(|o| o.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_policy_parses() {
        let policy = load_policy(None).unwrap();
        let offers = &policy.offers;
        assert!(offers.iter().any(|o| o.id == "HK-L-3M-1" && o.destination == Destination::HongKong));
        assert!(offers.iter().any(|o| o.permit == PermitKind::Taiwan));
        assert!(offers.iter().filter(|o| o.id != "TW-G-6M-1").all(|o| o.kind == EndorsementKind::GroupTour));
        let tw = offer(offers, "TW-G-6M-1").expect("the Taiwan individual tour");
        assert_eq!((tw.kind, tw.destination), (EndorsementKind::IndividualTour, Destination::Taiwan));
        assert!(policy.open_cities.iter().any(|c| c.code == "350200" && c.zh == "厦门市"));
        assert!(policy.open_city_pairs().any(|(code, zh)| (code, zh) == ("310000", "上海市")));
    }

    #[test]
    fn unknown_keys_are_ignored_and_bad_values_named() {
        let ok = parse("x = 1\n[[endorsement]]\nid = \"A\"\npermit = \"taiwan\"\ndestination = \"TW\"\nfee_fen = 1\n");
        assert_eq!(ok.map(|o| o.len()), Ok(1));
        let bad = parse("[[endorsement]]\nid = \"A\"\npermit = \"taiwan\"\ndestination = \"XX\"\n");
        assert!(bad.is_err_and(|e| e.contains("XX")));
        let bad =
            parse("[[endorsement]]\nid = \"A\"\npermit = \"taiwan\"\ndestination = \"TW\"\nkind = \"business\"\n");
        assert!(bad.is_err_and(|e| e.contains("business")));
        let p = parse_policy(
            "[individual_tour]\nnote = 1\nopen_cities = [{ code = \"350200\", zh = \"厦门市\", en = \"Xiamen\", x = 2 }]\n",
        )
        .unwrap();
        assert_eq!(p.open_cities, vec![OpenCity { code: "350200".into(), zh: "厦门市".into() }]);
        assert!(p.offers.is_empty());
        for bad in ["{ code = \"3502\", zh = \"厦门市\" }", "{ code = \"350200\", zh = \" \" }", "{ zh = \"厦门市\" }"]
        {
            let e = parse_policy(&format!("[individual_tour]\nopen_cities = [{bad}]\n"));
            assert!(e.is_err(), "{bad}");
        }
        assert_eq!(parse_policy("").map(|p| p.open_cities.len()), Ok(0), "no list: nobody");
    }
}
