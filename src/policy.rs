//! Policy data from central: endorsement offers and their fees, per-hall arrival windows, session
//! timeouts. Nothing here is a number in code: every value comes from the policy file, and a missing
//! fee table makes the endorsement flow unavailable rather than guessed.

use chrono::{Months, NaiveDate};
use drivers::permit::{Destination, EndorsementKind, PermitKind, Trips};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Where the data came from and when it was published, for the audit log.
    pub version: String,
    /// Session behaviour.
    pub session: SessionPolicy,
    /// Default hall rules.
    pub hall_defaults: HallPolicy,
    /// Per-hall overrides, by hall id.
    #[serde(default)]
    pub hall: BTreeMap<String, HallPolicy>,
    /// The endorsements a machine may issue, with their fees.
    #[serde(default, rename = "endorsement")]
    pub endorsements: Vec<Offer>,
    /// Who may get a Taiwan individual-tour endorsement.
    #[serde(default)]
    pub individual_tour: IndividualTourPolicy,
}

/// The Taiwan individual-tour rule (赴台个人旅游): only for a person whose hukou is in an open city,
/// or who holds a residence permit (居住证) of one. Everyone else gets the group tour.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndividualTourPolicy {
    /// The open cities.
    #[serde(default)]
    pub open_cities: Vec<OpenCity>,
}

impl IndividualTourPolicy {
    /// Whether a person with this hukou `address` (as on the ID card) and residence permits of these
    /// cities (codes) may get a Taiwan individual-tour endorsement.
    pub fn allows(&self, address: &str, residence_permits: &[String]) -> bool {
        // One rule for kiosk and central alike.
        sim::scheduler::rules::individual_tour_eligible(
            address,
            residence_permits,
            self.open_cities.iter().map(|c| (c.code.as_str(), c.zh.as_str())),
        )
    }
}

/// A city open to the Taiwan individual tour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenCity {
    /// Administrative division code of the city (6 digits, e.g. `350200`).
    pub code: String,
    /// Chinese name as written in an address, e.g. `厦门市`.
    pub zh: String,
    /// English name.
    pub en: String,
}

/// Session behaviour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionPolicy {
    /// Seconds without activity before the session ends.
    pub inactivity_timeout_s: u32,
    /// Seconds before the timeout when the countdown is shown.
    pub warn_before_s: u32,
    /// Tries allowed for each biometric check.
    pub biometric_attempts: u8,
    /// Seconds the applicant has to take the ejected permit.
    pub take_permit_timeout_s: u32,
    /// What to do with a permit that is not taken: `retain` (into the bin, for the counter) or `leave`.
    pub unclaimed_permit: String,
}

/// Per-hall rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HallPolicy {
    /// Check-in opens this many minutes before the slot starts.
    pub checkin_opens_before_min: u32,
    /// Check-in closes this many minutes after the slot ends.
    pub checkin_closes_after_min: u32,
}

/// One endorsement a machine may issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    /// Stable id, e.g. `HK-L-3M-1`.
    pub id: String,
    /// Permit it is written on (`hk_macau` or `taiwan`).
    pub permit: PermitKind,
    /// Destination.
    pub destination: Destination,
    /// Group tour (default) or individual tour (Taiwan, under the open-city rule).
    #[serde(default = "group_tour")]
    pub kind: EndorsementKind,
    /// Months of validity.
    pub months: u8,
    /// Trips.
    pub trips: Trips,
    /// Fee in fen.
    pub fee_fen: u32,
}

/// What is wrong with a policy file.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// Cannot read.
    #[error("cannot read policy {0}: {1}")]
    Io(String, std::io::Error),
    /// Malformed.
    #[error("policy {0}: {1}")]
    Parse(String, String),
    /// Inconsistent.
    #[error("policy {0}: {1}")]
    Invalid(String, String),
}

fn group_tour() -> EndorsementKind {
    EndorsementKind::GroupTour
}

impl Policy {
    /// Load and check a policy file.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Io(p.clone(), e))?;
        Policy::parse(&text, &p)
    }

    /// Parse and check policy text (central publishes it: anything may arrive); `name` is used in
    /// messages.
    pub fn parse(text: &str, name: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|e| PolicyError::Parse(name.into(), e.to_string()))?;
        policy.check().map_err(|m| PolicyError::Invalid(name.into(), m))?;
        Ok(policy)
    }

    /// Consistency checks.
    pub fn check(&self) -> Result<(), String> {
        let s = &self.session;
        if s.inactivity_timeout_s < 10 || s.warn_before_s >= s.inactivity_timeout_s {
            return Err("session: inactivity_timeout_s must be 10 or more and above warn_before_s".into());
        }
        if s.biometric_attempts == 0 || s.biometric_attempts > 10 {
            return Err("session.biometric_attempts must be 1 to 10".into());
        }
        if !matches!(s.unclaimed_permit.as_str(), "retain" | "leave") {
            return Err("session.unclaimed_permit must be \"retain\" or \"leave\"".into());
        }
        let mut ids: Vec<&str> = self.endorsements.iter().map(|o| o.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        if ids.len() != self.endorsements.len() {
            return Err("endorsement ids must be unique".into());
        }
        for o in &self.endorsements {
            if !o.permit.serves(o.destination) {
                return Err(format!(
                    "endorsement {}: a {:?} permit cannot carry a {} endorsement",
                    o.id,
                    o.permit,
                    o.destination.code()
                ));
            }
            if !matches!(o.kind, EndorsementKind::GroupTour | EndorsementKind::IndividualTour) {
                return Err(format!("endorsement {}: kind must be group_tour or individual_tour", o.id));
            }
            if o.kind == EndorsementKind::IndividualTour && o.destination != Destination::Taiwan {
                return Err(format!("endorsement {}: individual_tour offers are for Taiwan (TW) only", o.id));
            }
            if o.months == 0 || o.fee_fen == 0 {
                return Err(format!("endorsement {}: months and fee_fen must be above zero", o.id));
            }
        }
        for c in &self.individual_tour.open_cities {
            if c.code.len() != 6 || !c.code.bytes().all(|b| b.is_ascii_digit()) || c.zh.trim().is_empty() {
                return Err(format!(
                    "individual_tour.open_cities: {:?} needs a 6-digit code and a Chinese name",
                    c.code
                ));
            }
        }
        Ok(())
    }

    /// The rules of a hall.
    pub fn hall(&self, hall_id: &str) -> &HallPolicy {
        self.hall.get(hall_id).unwrap_or(&self.hall_defaults)
    }

    /// Find an offer.
    pub fn offer(&self, id: &str) -> Option<&Offer> {
        self.endorsements.iter().find(|o| o.id == id)
    }
}

impl Offer {
    /// The last valid day of this endorsement if issued on `today` (validity counts from today).
    pub fn valid_to(&self, today: NaiveDate) -> NaiveDate {
        today.checked_add_months(Months::new(self.months as u32)).and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MAX)
    }

    /// Whether this offer can be written on a permit of `kind` expiring on `permit_expiry`, issued
    /// `today`: an endorsement cannot outlive the permit it is written on.
    pub fn fits(&self, kind: PermitKind, permit_expiry: NaiveDate, today: NaiveDate) -> bool {
        self.permit == kind && self.valid_to(today) <= permit_expiry
    }
}

/// Trips as shown (1, 2, 0 for multiple).
pub fn trips_number(t: Trips) -> u8 {
    t.count().unwrap_or(0)
}

/// The policy the simulator ships (`sim/data/policy.toml`), for tests: found through
/// CARGO_MANIFEST_DIR as `cargo` gives it to the running test (a test binary built from another
/// checkout sharing the target directory still reads this one), else as it was at build time.
#[cfg(test)]
pub(crate) fn shipped_policy_path() -> std::path::PathBuf {
    let dir: std::path::PathBuf =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), Into::into);
    dir.join("sim/data/policy.toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_policy_loads() {
        let p = Policy::load(&shipped_policy_path()).unwrap();
        assert!(p.endorsements.len() >= 4);
        assert_eq!(p.hall("nowhere").checkin_opens_before_min, 60);
    }

    #[test]
    fn the_taiwan_individual_tour_needs_an_open_city_hukou_or_residence_permit() {
        let p = Policy::load(&shipped_policy_path()).unwrap();
        let rule = &p.individual_tour;
        assert!(rule.allows("福建省厦门市思明区湖滨南路1号", &[]));
        assert!(rule.allows("上海市浦东新区世纪大道100号", &[]));
        assert!(!rule.allows("广东省广州市天河区体育西路100号", &[]));
        assert!(!rule.allows("广东省广州市天河区厦门街1号", &[]), "a street named after an open city is not one");
        assert!(rule.allows("广东省广州市天河区体育西路100号", &["350200".into()]), "a Xiamen residence permit");
        assert!(!rule.allows("广东省广州市天河区体育西路100号", &["440100".into()]));
        assert!(!rule.allows("", &[]));
        assert!(!IndividualTourPolicy::default().allows("福建省厦门市思明区", &[]), "no list: nobody");
        let tw = p.offer("TW-G-6M-1").expect("the individual-tour offer");
        assert_eq!((tw.kind, tw.destination), (EndorsementKind::IndividualTour, Destination::Taiwan));
    }

    proptest::proptest! {
        /// Policy text from central, mangled anywhere: a typed error or a checked policy, never a panic.
        #[test]
        fn mangled_policy_text_is_refused_cleanly(cut in 0usize..4000, insert in "\\PC{0,12}") {
            let shipped = include_str!("../sim/data/policy.toml");
            let mut at = cut.min(shipped.len());
            while !shipped.is_char_boundary(at) {
                at -= 1;
            }
            let text = format!("{}{insert}{}", &shipped[..at], &shipped[at..]);
            if let Ok(p) = Policy::parse(&text, "p") {
                proptest::prop_assert!(p.check().is_ok());
            }
        }
    }

    #[test]
    fn endorsement_cannot_outlive_permit() {
        let o = Offer {
            id: "x".into(),
            permit: PermitKind::HkMacau,
            destination: Destination::HongKong,
            kind: EndorsementKind::GroupTour,
            months: 3,
            trips: Trips::One,
            fee_fen: 1500,
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        assert_eq!(o.valid_to(today), NaiveDate::from_ymd_opt(2027, 2, 20).unwrap());
        assert!(o.fits(PermitKind::HkMacau, NaiveDate::from_ymd_opt(2027, 2, 20).unwrap(), today));
        assert!(!o.fits(PermitKind::HkMacau, NaiveDate::from_ymd_opt(2027, 2, 19).unwrap(), today));
        assert!(!o.fits(PermitKind::Taiwan, NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(), today));
    }
}
