//! The kiosk's seam to central (the national scheduler): bookings to cache, live endorsement
//! authorisations. The HTTP client and the sync task come with the scheduler; until then a kiosk
//! with simulated devices talks to [`DeckCentral`], which answers from a persona deck the way the
//! scheduler stand-in does.

use crate::policy::Policy;
use chrono::NaiveDate;
use drivers::permit::{EndorsementKind, PermitKind};
use kiosk_ui::Reason;
use serde::{Deserialize, Serialize};
use sim::persona::Deck;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// A booking as central publishes it to kiosks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRecord {
    /// Booking code.
    pub code: String,
    /// Hall id.
    pub hall: String,
    /// Holder's ID number.
    pub id_number: String,
    /// Day.
    pub date: NaiveDate,
    /// Slot start, HH:MM.
    pub slot_start: String,
    /// Slot end, HH:MM.
    pub slot_end: String,
    /// Business.
    pub business: String,
}

/// An authorisation request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRequest {
    /// Idempotency key (the session).
    pub key: String,
    /// Applicant's ID number.
    pub id_number: String,
    /// Permit number.
    pub permit_number: String,
    /// Permit kind.
    pub permit_kind: PermitKind,
    /// Kiosk's today.
    pub today: NaiveDate,
}

/// Central's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum Authorisation {
    /// The offers (policy ids) this applicant may get here.
    Granted {
        /// Central's authorisation id.
        auth_id: String,
        /// Offer ids.
        allowed: Vec<String>,
    },
    /// Refused.
    Denied {
        /// Why.
        reason: Reason,
    },
}

/// Central cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CentralError {
    /// The link is down.
    #[error("central unreachable: {0}")]
    Unreachable(String),
    /// Central answered something we cannot use.
    #[error("garbled answer from central: {0}")]
    Garbled(String),
}

/// What the kiosk asks of central.
#[async_trait::async_trait]
pub trait Central: Send + Sync {
    /// Bookings on the given days (this hall's, and others' so a wrong-hall visit can be explained).
    async fn bookings(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<BookingRecord>, CentralError>;
    /// Authorise endorsements for an applicant.
    async fn authorise(&self, req: &AuthRequest, policy: &Policy) -> Result<Authorisation, CentralError>;
    /// Record an issued endorsement (idempotent by key).
    async fn record_issue(&self, key: &str, id_number: &str, offer_id: &str) -> Result<(), CentralError>;
}

/// Central answered from a persona deck.
pub struct DeckCentral {
    deck: Deck,
    issued: Mutex<BTreeSet<(String, String)>>,
}

impl DeckCentral {
    /// From a deck.
    pub fn new(deck: Deck) -> DeckCentral {
        DeckCentral { deck, issued: Mutex::new(BTreeSet::new()) }
    }
}

#[async_trait::async_trait]
impl Central for DeckCentral {
    async fn bookings(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<BookingRecord>, CentralError> {
        Ok(self
            .deck
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
                })
            })
            .collect())
    }

    async fn authorise(&self, req: &AuthRequest, policy: &Policy) -> Result<Authorisation, CentralError> {
        let Some(person) = self.deck.personas.iter().find(|p| p.card.id_number == req.id_number) else {
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
        let allowed = policy
            .endorsements
            .iter()
            .filter(|o| o.permit == req.permit_kind && !blocked.contains(&o.destination))
            .map(|o| o.id.clone())
            .collect();
        Ok(Authorisation::Granted { auth_id: format!("AUTH-{}", req.key), allowed })
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
    async fn bookings(&self, _: NaiveDate, _: NaiveDate) -> Result<Vec<BookingRecord>, CentralError> {
        Err(CentralError::Unreachable("no central configured".into()))
    }
    async fn authorise(&self, _: &AuthRequest, _: &Policy) -> Result<Authorisation, CentralError> {
        Err(CentralError::Unreachable("no central configured".into()))
    }
    async fn record_issue(&self, _: &str, _: &str, _: &str) -> Result<(), CentralError> {
        Err(CentralError::Unreachable("no central configured".into()))
    }
}
