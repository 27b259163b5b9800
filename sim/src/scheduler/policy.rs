//! The endorsement offers of the policy file (`[[endorsement]]`), read leniently: only the fields
//! the scheduler needs; everything else in the file is kioskd's business.

use drivers::permit::{Destination, PermitKind, Trips};
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
    /// Trips (when the file says).
    pub trips: Option<Trips>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    endorsement: Vec<RawOffer>,
}

#[derive(Deserialize)]
struct RawOffer {
    id: String,
    permit: PermitKind,
    destination: String,
    #[serde(default)]
    trips: Option<Trips>,
}

/// The offers of a policy text.
pub fn parse(text: &str) -> Result<Vec<Offer>, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    file.endorsement
        .into_iter()
        .map(|o| {
            let destination = Destination::from_code(&o.destination)
                .ok_or_else(|| format!("endorsement {}: unknown destination {:?}", o.id, o.destination))?;
            Ok(Offer { id: o.id, permit: o.permit, destination, trips: o.trips })
        })
        .collect()
}

/// The offers of a policy file, or of the embedded default.
pub fn load(path: Option<&Path>) -> Result<Vec<Offer>, String> {
    match path {
        None => parse(DEFAULT_POLICY).map_err(|e| format!("embedded policy: {e}")),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("policy {}: {e}", p.display()))?;
            parse(&text).map_err(|e| format!("policy {}: {e}", p.display()))
        }
    }
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
        let offers = load(None).unwrap();
        assert!(offers.iter().any(|o| o.id == "HK-L-3M-1" && o.destination == Destination::HongKong));
        assert!(offers.iter().any(|o| o.permit == PermitKind::Taiwan));
    }

    #[test]
    fn unknown_keys_are_ignored_and_bad_destinations_named() {
        let ok = parse("x = 1\n[[endorsement]]\nid = \"A\"\npermit = \"taiwan\"\ndestination = \"TW\"\nfee_fen = 1\n");
        assert_eq!(ok.map(|o| o.len()), Ok(1));
        let bad = parse("[[endorsement]]\nid = \"A\"\npermit = \"taiwan\"\ndestination = \"XX\"\n");
        assert!(bad.is_err_and(|e| e.contains("XX")));
    }
}
