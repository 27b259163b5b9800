//! Fuzz the policy parser (`kioskd::policy::Policy::parse`): policy data central publishes is a
//! checked policy or a typed error; never a panic. A policy that parses answers what sessions ask
//! of it (offers, validity, the individual-tour rule).
#![no_main]

use kioskd::policy::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(p) = Policy::parse(text, "policy.toml") {
        assert!(p.check().is_ok());
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default();
        for o in &p.endorsements {
            let _ = o.valid_to(today);
            let _ = p.offer(&o.id);
        }
        let _ = p.individual_tour.allows("福建省厦门市思明区", &["350200".to_string()]);
        let _ = p.hall("gz-tianhe");
    }
});
