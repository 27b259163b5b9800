//! The applicant services' calls to central (queries, booking), each answering the session with one
//! [`Input`]. Central's failures become [`CentralFailure`]s: the session decides what to say.

use crate::central::{Central, HallInfo};
use crate::session::booking::{HeldBooking, SLOTS_PER_HALL};
use crate::session::{CentralFailure, Input, QueryAnswer, QueryKind, SlotOffer};
use chrono::{Days, NaiveDate};
use std::sync::Arc;

/// How far ahead free slots are looked for.
const SLOT_DAYS: u64 = 13;
/// How many halls are offered (this one and the nearest others).
const HALLS: usize = 3;
/// How many slots are offered when moving a booking (its hall only).
const MOVE_SLOTS: usize = 6;

/// One query.
pub async fn query(central: Arc<dyn Central>, what: QueryKind, id: String) -> Input {
    let result = match what {
        QueryKind::Progress => central.progress(&id).await.map(QueryAnswer::Progress),
        QueryKind::Endorsements => central.endorsements(&id).await.map(QueryAnswer::Endorsements),
        QueryKind::Documents => central.documents(&id).await.map(QueryAnswer::Documents),
        QueryKind::TravelRecords => central.travel_records(&id).await.map(QueryAnswer::TravelRecords),
    };
    Input::Queried { result: result.map_err(CentralFailure::from) }
}

/// The halls known around `hall` (itself first), for their names.
async fn halls(central: &dyn Central, hall: &str, limit: usize) -> Result<Vec<HallInfo>, CentralFailure> {
    central.halls_near(hall, limit).await.map_err(CentralFailure::from)
}

/// The holder's bookings, with their halls' names.
pub async fn bookings(central: Arc<dyn Central>, hall: String, id: String) -> Input {
    let result = async {
        let list = central.applicant_bookings(&id).await.map_err(CentralFailure::from)?;
        // Names are a courtesy: without them the hall's id is shown.
        let known = halls(central.as_ref(), &hall, 100).await.unwrap_or_default();
        Ok(list
            .bookings
            .into_iter()
            .map(|b| {
                let h = known.iter().find(|h| h.id == b.hall);
                let (zh, en) = h.map_or((b.hall.clone(), b.hall.clone()), |h| (h.name_zh.clone(), h.name_en.clone()));
                HeldBooking { booking: b, hall_zh: zh, hall_en: en }
            })
            .collect())
    }
    .await;
    Input::Bookings { result }
}

/// The earliest free slots from `from` on: of `only` (moving a booking), or of `hall` and the
/// nearest others.
pub async fn slots(central: Arc<dyn Central>, hall: String, only: Option<String>, from: NaiveDate) -> Input {
    let result = async {
        let near = halls(central.as_ref(), &hall, if only.is_some() { 100 } else { HALLS }).await?;
        let (chosen, per_hall): (Vec<&HallInfo>, usize) = match &only {
            Some(h) => (near.iter().filter(|x| x.id == *h).collect(), MOVE_SLOTS),
            None => (near.iter().take(HALLS).collect(), SLOTS_PER_HALL),
        };
        if chosen.is_empty() {
            return Err(CentralFailure {
                code: "no_such_hall".into(),
                message: "central does not know the hall".into(),
            });
        }
        let to = from.checked_add_days(Days::new(SLOT_DAYS)).unwrap_or(from);
        let mut offers = Vec::new();
        for h in chosen {
            let slots = central.slots(&h.id, from, to).await.map_err(CentralFailure::from)?;
            offers.extend(slots.slots.into_iter().filter(|s| s.bookable && s.remaining > 0).take(per_hall).map(|s| {
                SlotOffer {
                    hall: h.id.clone(),
                    hall_zh: h.name_zh.clone(),
                    hall_en: h.name_en.clone(),
                    distance_km: h.distance_km,
                    date: s.date,
                    start: s.start,
                    end: s.end,
                    remaining: s.remaining,
                }
            }));
        }
        Ok(offers)
    }
    .await;
    Input::Slots { result }
}
