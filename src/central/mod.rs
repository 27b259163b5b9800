//! The kiosk's seam to central (the national scheduler): bookings to cache, live endorsement
//! authorisations, issued endorsements. [`http::HttpCentral`] talks to the scheduler over HTTP (and
//! the sync task in [`crate::sync`] keeps the bookings cache and drains the outbox); a kiosk with a
//! persona deck and no scheduler talks to [`DeckCentral`], which answers from the deck.
//!
//! The wire types are the scheduler API's own ([`sim::scheduler::api`]): one definition of each.

pub mod http;

pub use sim::scheduler::api::{AuthRequest, Authorisation, BookingRecord, BookingStatus};
pub use sim::scheduler::public_api::{
    Booking, BookingRequest, Bookings, CancelResult, Documents, Endorsements, HallInfo, HallSlots, Progress,
    RebookRequest, TravelRecords,
};

use crate::policy::Policy;
use chrono::NaiveDate;
use drivers::permit::EndorsementKind;
use kiosk_ui::Reason;
use sim::persona::Deck;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// Central cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CentralError {
    /// The link is down.
    #[error("central unreachable: {0}")]
    Unreachable(String),
    /// Central answered something we cannot use.
    #[error("garbled answer from central: {0}")]
    Garbled(String),
    /// Central refused the request (a bad credential, a request it calls malformed, a booking
    /// rule: `slot_full`, `same_day`, ...).
    #[error("central refused the request ({status}): {code}: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Central's error code (`ApiError::error`; empty when the answer had none).
        code: String,
        /// Central's message.
        message: String,
    },
}

/// What a central without applicant services answers to them.
fn not_offered() -> CentralError {
    CentralError::Unreachable("queries and bookings need the national platform".into())
}

/// What the kiosk asks of central.
#[async_trait::async_trait]
pub trait Central: Send + Sync {
    /// Bookings on the given days to load at start (this hall's, and others' so a wrong-hall visit
    /// can be explained). `None`: this central's bookings come through the sync task instead.
    async fn bookings(&self, from: NaiveDate, to: NaiveDate) -> Result<Option<Vec<BookingRecord>>, CentralError>;
    /// Authorise endorsements for an applicant.
    async fn authorise(&self, req: &AuthRequest, policy: &Policy) -> Result<Authorisation, CentralError>;
    /// The bookings central holds for a person on a day, in any hall: asked when the cache has none,
    /// to tell an applicant whose booking is at another hall where to go. Default: none known.
    async fn lookup(&self, _id_number: &str, _day: NaiveDate) -> Result<Vec<BookingRecord>, CentralError> {
        Ok(Vec::new())
    }
    /// Record an issued endorsement (idempotent by key).
    async fn record_issue(&self, key: &str, id_number: &str, offer_id: &str) -> Result<(), CentralError>;

    // The applicant services (queries, booking), asked for a person whose identity the kiosk has
    // just proven (ID card and fingerprint or face). Default: not offered.

    /// Whether this central offers the applicant services at all (else the home screen shows them
    /// out of service).
    fn serves_applicants(&self) -> bool {
        false
    }

    /// Applications under way (进度查询).
    async fn progress(&self, _id_number: &str) -> Result<Progress, CentralError> {
        Err(not_offered())
    }
    /// Endorsements held (签注查询).
    async fn endorsements(&self, _id_number: &str) -> Result<Endorsements, CentralError> {
        Err(not_offered())
    }
    /// Documents held (证件查询).
    async fn documents(&self, _id_number: &str) -> Result<Documents, CentralError> {
        Err(not_offered())
    }
    /// The entry/exit record (出入境记录), with the reference its QR code fetches it by later.
    async fn travel_records(&self, _id_number: &str) -> Result<TravelRecords, CentralError> {
        Err(not_offered())
    }
    /// The halls nearest `hall` (itself first), at most `limit`.
    async fn halls_near(&self, _hall: &str, _limit: usize) -> Result<Vec<HallInfo>, CentralError> {
        Err(not_offered())
    }
    /// A hall's slots on days `from..=to`.
    async fn slots(&self, _hall: &str, _from: NaiveDate, _to: NaiveDate) -> Result<HallSlots, CentralError> {
        Err(not_offered())
    }
    /// A person's bookings (all states), newest day first.
    async fn applicant_bookings(&self, _id_number: &str) -> Result<Bookings, CentralError> {
        Err(not_offered())
    }
    /// Book.
    async fn book(&self, _req: &BookingRequest) -> Result<Booking, CentralError> {
        Err(not_offered())
    }
    /// Cancel a booking.
    async fn cancel_booking(&self, _code: &str) -> Result<CancelResult, CentralError> {
        Err(not_offered())
    }
    /// Move a booking to another slot of its hall.
    async fn rebook(&self, _code: &str, _req: &RebookRequest) -> Result<Booking, CentralError> {
        Err(not_offered())
    }
}

/// Central answered from a persona deck.
pub struct DeckCentral {
    deck: Deck,
    /// Each persona's place in the deck by ID number (a deck holds thousands).
    by_id_number: std::collections::HashMap<String, usize>,
    issued: Mutex<BTreeSet<(String, String)>>,
}

impl DeckCentral {
    /// From a deck.
    pub fn new(deck: Deck) -> DeckCentral {
        let mut by_id_number = std::collections::HashMap::new();
        for (i, p) in deck.personas.iter().enumerate() {
            by_id_number.entry(p.card.id_number.clone()).or_insert(i);
        }
        DeckCentral { deck, by_id_number, issued: Mutex::new(BTreeSet::new()) }
    }
}

#[async_trait::async_trait]
impl Central for DeckCentral {
    async fn bookings(&self, from: NaiveDate, to: NaiveDate) -> Result<Option<Vec<BookingRecord>>, CentralError> {
        Ok(Some(
            self.deck
                .personas
                .iter()
                .flat_map(|p| {
                    p.bookings.iter().filter(|b| b.date >= from && b.date <= to).map(|b| BookingRecord {
                        code: b.code.clone(),
                        hall: b.hall.clone(),
                        id_number: p.card.id_number.clone(),
                        date: b.date,
                        slot_start: b.slot_start.clone(),
                        slot_end: b.slot_end.clone(),
                        business: b.business.clone(),
                        status: BookingStatus::Active,
                    })
                })
                .collect(),
        ))
    }

    async fn authorise(&self, req: &AuthRequest, policy: &Policy) -> Result<Authorisation, CentralError> {
        let Some(person) = self.by_id_number.get(&req.id_number).and_then(|&i| self.deck.personas.get(i)) else {
            return Ok(Authorisation::Denied { reason: Reason::NotEligible });
        };
        if person.flags.non_mainland {
            return Ok(Authorisation::Denied { reason: Reason::NonMainland });
        }
        if person.flags.counter_only {
            return Ok(Authorisation::Denied { reason: Reason::CounterOnly });
        }
        let Some(permit) = person.permits.iter().find(|p| p.number == req.permit_number) else {
            return Ok(Authorisation::Denied { reason: Reason::IdentityMismatch });
        };
        let issued = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        // A destination for which the applicant still holds a usable group-tour endorsement, or got
        // one here today, is not offered again.
        let blocked: BTreeSet<_> = permit
            .endorsements
            .iter()
            .filter(|e| e.kind == EndorsementKind::GroupTour && e.usable_on(req.today))
            .map(|e| e.destination)
            .chain(
                issued
                    .iter()
                    .filter(|(id, _)| *id == req.id_number)
                    .filter_map(|(_, offer)| policy.offer(offer).map(|o| o.destination)),
            )
            .collect();
        // The Taiwan individual tour: only for a hukou or a residence permit in an open city (the
        // rule central applies too).
        let residence_permits: Vec<String> = person.residence_permit.iter().cloned().collect();
        let open_cities = policy.individual_tour.open_cities.iter().map(|c| (c.code.as_str(), c.zh.as_str()));
        let individual =
            sim::scheduler::rules::individual_tour_eligible(&person.card.address, &residence_permits, open_cities);
        let allowed = policy
            .endorsements
            .iter()
            .filter(|o| o.permit == req.permit_kind && !blocked.contains(&o.destination))
            .filter(|o| o.kind != EndorsementKind::IndividualTour || individual)
            .map(|o| o.id.clone())
            .collect();
        Ok(Authorisation::Granted { auth_id: format!("AUTH-{}", req.key), allowed, residence_permits })
    }

    async fn record_issue(&self, _key: &str, id_number: &str, offer_id: &str) -> Result<(), CentralError> {
        self.issued.lock().unwrap_or_else(|e| e.into_inner()).insert((id_number.to_string(), offer_id.to_string()));
        Ok(())
    }
}

/// No central configured: bookings come only from the cache, and no endorsement can be authorised.
pub struct Unreachable;

#[async_trait::async_trait]
impl Central for Unreachable {
    async fn bookings(&self, _: NaiveDate, _: NaiveDate) -> Result<Option<Vec<BookingRecord>>, CentralError> {
        Err(CentralError::Unreachable("no central configured".into()))
    }
    async fn authorise(&self, _: &AuthRequest, _: &Policy) -> Result<Authorisation, CentralError> {
        Err(CentralError::Unreachable("no central configured".into()))
    }
    async fn record_issue(&self, _: &str, _: &str, _: &str) -> Result<(), CentralError> {
        Err(CentralError::Unreachable("no central configured".into()))
    }
}
