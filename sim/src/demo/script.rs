//! Walk-in scripts: who walks in, what they want, and what they do. The format is documented in
//! `sim/WALKINS.md`.

use crate::persona::{Deck, Persona};
use drivers::permit::{EndorsementKind, PermitKind};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A whole script.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// The day of the demo (default: the deck's date).
    #[serde(default)]
    pub date: Option<chrono::NaiveDate>,
    /// The walk-ins, in order.
    #[serde(default, rename = "walkin")]
    pub walkins: Vec<WalkIn>,
}

/// Which flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Want {
    /// Check in for a booking.
    Checkin,
    /// Get a group-tour endorsement.
    Endorsement,
    /// Look up their documents (queries).
    Query,
    /// Book a visit, or move or cancel one.
    Booking,
}

impl Want {
    /// The home-screen button and the session's flow name.
    pub fn button(self) -> &'static str {
        match self {
            Want::Checkin => "checkin",
            Want::Endorsement => "endorse",
            Want::Query => "query",
            Want::Booking => "booking",
        }
    }

    /// The flow's name in session summaries.
    pub fn flow(self) -> &'static str {
        match self {
            Want::Checkin => "checkin",
            Want::Endorsement => "endorsement",
            Want::Query => "query",
            Want::Booking => "booking",
        }
    }
}

/// What a booking walk-in does with a booking they already hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Held {
    /// Book something new.
    #[default]
    New,
    /// Move the first booking they hold.
    Move,
    /// Cancel it.
    Cancel,
    /// Leave it as it is.
    Keep,
}

/// One applicant's visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalkIn {
    /// Persona id from the deck.
    pub persona: String,
    /// What they want.
    pub flow: Want,
    /// Arrival, hall time `HH:MM` (default: 10 minutes before their slot for a check-in with a booking
    /// that day, else when the previous walk-in left). The clock never goes back.
    #[serde(default)]
    pub at: Option<String>,
    /// Check-in with the `card` (default) or the booking `code`.
    #[serde(default)]
    pub using: Using,
    /// Present another persona's ID card (an impostor).
    #[serde(default)]
    pub card_of: Option<String>,
    /// Which finger they press: `own` (default), `other` (someone else's), `poor` (their own, but the
    /// first press is too dry to image: the kiosk asks again), `none`.
    #[serde(default)]
    pub finger: Act,
    /// Which face the camera sees: `own` (default), `other`, `none`.
    #[serde(default)]
    pub face: Act,
    /// Which permit they insert: `hk_macau` or `taiwan` (default: the first they hold).
    #[serde(default)]
    pub permit: Option<PermitKind>,
    /// Insert the permit the wrong way round.
    #[serde(default)]
    pub upside_down: bool,
    /// Offer id to choose (default: the first offered).
    #[serde(default)]
    pub choose: Option<String>,
    /// At payment: `pay` (default), `decline`, `walk_away`.
    #[serde(default)]
    pub pay: Pay,
    /// Take the permit back: `yes` (default) or `late` (not in time: the machine retains it).
    #[serde(default)]
    pub take_permit: Take,
    /// Leave without a word when this screen appears (a screen id, e.g. `verify`).
    #[serde(default)]
    pub walk_away_at: Option<String>,
    /// Insert another persona's permit.
    #[serde(default)]
    pub permit_of: Option<String>,
    /// A device fault that strikes when a screen appears (`at = "home"`: before the walk-in starts);
    /// it clears when the walk-in leaves.
    #[serde(default)]
    pub fault: Option<FaultAt>,
    /// The satisfaction rating given on the last screen (`good`, `ok`, `bad`); none: just "Done".
    #[serde(default)]
    pub rating: Option<String>,
    /// Queries, in order: `progress`, `endorsements`, `documents`, `travel` (printed); default all.
    #[serde(default)]
    pub queries: Option<Vec<String>>,
    /// Booking: what to do with a booking held (`new`, `move`, `cancel`, `keep`).
    #[serde(default)]
    pub held: Held,
    /// Booking: certificate type code (default `passport`).
    #[serde(default)]
    pub certificate: Option<String>,
    /// Booking: business code (default `first_application`).
    #[serde(default)]
    pub business: Option<String>,
    /// Booking: which slot offered, 0 the first (this hall's earliest).
    #[serde(default)]
    pub slot: usize,
    /// Booking: their mobile number (default 13800138000).
    #[serde(default)]
    pub phone: Option<String>,
    /// Booking: the emergency contact's mobile number (default 13900139000).
    #[serde(default)]
    pub emergency_phone: Option<String>,
    /// Booking: pickup, `in_person` (default) or `mail`.
    #[serde(default)]
    pub pickup: Option<String>,
}

/// A fault injected during a walk-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultAt {
    /// Which device.
    pub device: drivers::DeviceKind,
    /// Which fault.
    pub kind: drivers::FaultKind,
    /// The screen id at which it strikes.
    pub at: String,
}

/// How a check-in starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Using {
    /// The ID card.
    #[default]
    Card,
    /// The booking code.
    Code,
}

/// What a person offers a biometric device.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Act {
    /// Their own.
    #[default]
    Own,
    /// Someone else's.
    Other,
    /// A poor image (fingers only): the scanner asks again.
    Poor,
    /// A printed photo of their own face held up (face only): a presentation attack.
    Photo,
    /// A video of their own face played on a phone (face only): a presentation attack.
    Video,
    /// Nothing.
    None,
}

/// At the payment terminal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pay {
    /// Pay.
    #[default]
    Pay,
    /// The bank declines.
    Decline,
    /// Walk away.
    WalkAway,
}

/// Taking the permit back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Take {
    /// As soon as it comes out.
    #[default]
    Yes,
    /// Too late.
    Late,
}

impl WalkIn {
    /// A walk-in who does everything as asked: own card, own finger and face, pays, takes the permit.
    pub fn new(persona: impl Into<String>, flow: Want) -> WalkIn {
        WalkIn {
            persona: persona.into(),
            flow,
            at: None,
            using: Using::Card,
            card_of: None,
            finger: Act::Own,
            face: Act::Own,
            permit: None,
            upside_down: false,
            choose: None,
            pay: Pay::Pay,
            take_permit: Take::Yes,
            walk_away_at: None,
            permit_of: None,
            fault: None,
            rating: None,
            queries: None,
            held: Held::New,
            certificate: None,
            business: None,
            slot: 0,
            phone: None,
            emergency_phone: None,
            pickup: None,
        }
    }
}

impl Script {
    /// Load a script (TOML, or JSON by extension) and check it against the deck.
    pub fn load(path: &Path, deck: &Deck) -> Result<Script, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read walk-in script {}: {e}", path.display()))?;
        let script: Script = if path.extension().is_some_and(|e| e == "json") {
            serde_json::from_str(&text).map_err(|e| format!("script {}: {e}", path.display()))?
        } else {
            toml::from_str(&text).map_err(|e| format!("script {}: {e}", path.display()))?
        };
        let problems = script.check(deck);
        if problems.is_empty() {
            Ok(script)
        } else {
            Err(format!("script {} does not fit the deck:\n  {}", path.display(), problems.join("\n  ")))
        }
    }

    /// Problems with the script against a deck.
    pub fn check(&self, deck: &Deck) -> Vec<String> {
        let mut out = Vec::new();
        for (i, w) in self.walkins.iter().enumerate() {
            let n = i + 1;
            let Some(p) = deck.persona(&w.persona) else {
                out.push(format!("walk-in {n}: no persona {:?} in the deck", w.persona));
                continue;
            };
            if let Some(other) = &w.card_of
                && deck.persona(other).is_none()
            {
                out.push(format!("walk-in {n}: card_of names no persona {other:?}"));
            }
            if let Some(at) = &w.at
                && chrono::NaiveTime::parse_from_str(at, "%H:%M").is_err()
            {
                out.push(format!("walk-in {n}: at {at:?} is not HH:MM"));
            }
            if let Some(other) = &w.permit_of
                && deck.persona(other).is_none_or(|o| o.permits.is_empty())
            {
                out.push(format!("walk-in {n}: permit_of names no persona with a permit: {other:?}"));
            }
            if let Some(r) = &w.rating
                && !matches!(r.as_str(), "good" | "ok" | "bad")
            {
                out.push(format!("walk-in {n}: rating {r:?} is not good, ok or bad"));
            }
            for q in w.queries.iter().flatten() {
                if !matches!(q.as_str(), "progress" | "endorsements" | "documents" | "travel") {
                    out.push(format!("walk-in {n}: query {q:?} is not progress, endorsements, documents or travel"));
                }
            }
            if let Some(c) = &w.certificate
                && crate::scheduler::presets::certificate_type(c).is_none()
            {
                out.push(format!("walk-in {n}: certificate {c:?} is not a certificate type preset"));
            }
            if let Some(b) = &w.business
                && !crate::scheduler::presets::BUSINESSES.iter().any(|p| p.code == b)
            {
                out.push(format!("walk-in {n}: business {b:?} is not a business preset"));
            }
            if let Some(p) = &w.pickup
                && !matches!(p.as_str(), "in_person" | "mail")
            {
                out.push(format!("walk-in {n}: pickup {p:?} is not in_person or mail"));
            }
            for (key, phone) in [("phone", &w.phone), ("emergency_phone", &w.emergency_phone)] {
                if let Some(p) = phone
                    && (p.is_empty() || p.len() > 11 || !p.bytes().all(|b| b.is_ascii_digit()))
                {
                    out.push(format!("walk-in {n}: {key} {p:?} must be up to 11 digits"));
                }
            }
            if let Some(f) = &w.fault
                && !f.device.fault_kinds().contains(&f.kind)
            {
                out.push(format!("walk-in {n}: a {} device cannot have fault {}", f.device, f.kind));
            }
            if w.flow == Want::Endorsement && p.permits.is_empty() && w.permit_of.is_none() {
                out.push(format!("walk-in {n}: persona {} holds no permit to endorse", p.id));
            }
            let holder = w.permit_of.as_deref().and_then(|o| deck.persona(o)).unwrap_or(p);
            if let Some(k) = w.permit
                && !holder.permits.iter().any(|x| x.kind == k)
            {
                let kind = if k == PermitKind::HkMacau { "hk_macau" } else { "taiwan" };
                out.push(format!("walk-in {n}: persona {} holds no {kind} permit", holder.id));
            }
            for (key, id) in
                [("walk_away_at", w.walk_away_at.as_deref()), ("fault.at", w.fault.as_ref().map(|f| f.at.as_str()))]
            {
                if let Some(id) = id
                    && !kiosk_ui::SCREEN_IDS.contains(&id)
                {
                    out.push(format!(
                        "walk-in {n}: {key} {id:?} is no screen id (one of {})",
                        kiosk_ui::SCREEN_IDS.join(", ")
                    ));
                }
            }
            if w.using == Using::Code && p.bookings.is_empty() {
                out.push(format!("walk-in {n}: persona {} has no booking code to type", p.id));
            }
        }
        out
    }

    /// The default demo for a deck: a check-in, an endorsement, refusals of several kinds, queries
    /// and a booking at a nearby hall, from whichever personas fit.
    pub fn default_for(deck: &Deck, hall: &str) -> Script {
        let day = deck.date;
        let mainland = |p: &&Persona| !p.flags.non_mainland && !p.flags.counter_only && !p.fingers.is_empty();
        let booked_here = |p: &&Persona| p.bookings.iter().any(|b| b.hall == hall && b.date == day);
        let good_permit = |p: &&Persona| {
            p.permits.iter().any(|x| {
                x.kind == PermitKind::HkMacau
                    && x.expiry > day + chrono::Days::new(400)
                    && !x.endorsements.iter().any(|e| e.kind == EndorsementKind::GroupTour && e.usable_on(day))
            })
        };
        // Check-ins in slot order: the simulated clock only moves forward.
        let slot = |p: &Persona| {
            p.bookings.iter().filter(|b| b.hall == hall && b.date == day).map(|b| b.slot_start.clone()).min()
        };
        let mut booked: Vec<&Persona> = deck.personas.iter().filter(|p| mainland(p) && booked_here(p)).collect();
        booked.sort_by_key(|p| slot(p));
        let first_checkin = booked.first().map(|p| p.id.clone());
        let code_checkin = booked.get(1).map(|p| p.id.clone());
        let mut used: Vec<String> = first_checkin.iter().chain(&code_checkin).cloned().collect();
        let mut pick = |f: &dyn Fn(&&Persona) -> bool| -> Option<String> {
            let p = deck.personas.iter().filter(|p| !used.contains(&p.id)).find(|p| f(p))?;
            used.push(p.id.clone());
            Some(p.id.clone())
        };
        let base = |persona: String, flow: Want| WalkIn::new(persona, flow);
        let mut w = Vec::new();
        if let Some(p) = first_checkin {
            w.push(base(p, Want::Checkin));
        }
        if let Some(p) = pick(&|p| mainland(p) && good_permit(p)) {
            w.push(base(p, Want::Endorsement));
        }
        if let Some(p) = pick(&|p| !booked_here(p) && !p.bookings.iter().any(|b| b.date == day)) {
            w.push(base(p, Want::Checkin));
        }
        if let Some(p) = pick(&|p| mainland(p) && good_permit(p)) {
            w.push(WalkIn { finger: Act::Other, ..base(p, Want::Endorsement) });
        }
        if let Some(p) = pick(&|p| mainland(p) && good_permit(p)) {
            w.push(WalkIn { pay: Pay::Decline, ..base(p, Want::Endorsement) });
        }
        if let Some(p) =
            pick(&|p| p.flags.counter_only && p.permits.iter().any(|x| x.expiry > day + chrono::Days::new(120)))
        {
            w.push(base(p, Want::Endorsement));
        }
        if let Some(p) = code_checkin {
            w.push(WalkIn { using: Using::Code, ..base(p, Want::Checkin) });
        }
        // The applicant services need the scheduler (without it they show out of service).
        if let Some(p) = pick(&|p| mainland(p) && !p.permits.is_empty()) {
            w.push(base(p, Want::Query));
        }
        if let Some(p) = pick(&|p| mainland(p) && p.bookings.is_empty()) {
            w.push(WalkIn { slot: 3, pickup: Some("mail".into()), ..base(p, Want::Booking) });
        }
        Script { date: Some(day), walkins: w }
    }
}
