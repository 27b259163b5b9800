//! Booking check-in: ID card or booking code → this hall's booking for today → arrival window →
//! fingerprint (or face) → queue ticket, printed.

use super::*;
use crate::documents;
use kiosk_ui::Text;

impl Session {
    pub(super) fn step_checkin(&mut self, input: Input, ctx: &Ctx) -> Vec<Effect> {
        match (self.step, input) {
            (Step::CiPresent, Input::Code { code }) => {
                self.step = Step::CiLookup;
                let code: String = code.trim().to_ascii_uppercase();
                vec![
                    Effect::StopWaiting,
                    Effect::Show {
                        view: View::Working { what: Text::new("正在查询预约", "Looking up your booking") }
                    },
                    Effect::LookupBooking { key: LookupKey::Code(code) },
                ]
            }
            (Step::CiPresent, Input::Card { result: Ok(card) }) => {
                self.step = Step::CiLookup;
                let key = LookupKey::IdNumber(card.id_number.clone());
                self.card = Some(card);
                vec![
                    Effect::Show {
                        view: View::Working { what: Text::new("正在查询预约", "Looking up your booking") }
                    },
                    Effect::LookupBooking { key },
                ]
            }
            (Step::CiPresent | Step::CiConfirmCard, Input::Card { result: Err(f) }) => self.device_fault(&f, ctx),
            // The card moved while it was read: read it again. A card that never reads does not keep
            // the session alive: the inactivity timer runs on.
            (Step::CiPresent | Step::CiConfirmCard, Input::CardUnreadable) => vec![Effect::ReadCard],
            (Step::CiLookup, Input::Booking { lookup }) => self.on_lookup(lookup, ctx),
            (Step::CiConfirmCard, Input::Card { result: Ok(card) }) => {
                let holder = self.booking.as_ref().map(|b| b.id_number.as_str());
                if holder != Some(card.id_number.as_str()) {
                    self.card = Some(card);
                    return self.refuse(Reason::IdentityMismatch, None, ctx);
                }
                self.card = Some(card);
                self.begin_verify(ctx)
            }
            (Step::Verify, input @ (Input::Finger { .. } | Input::Face { .. } | Input::FingerPoor)) => {
                self.on_biometric(input, ctx)
            }
            (Step::CiPrinting, Input::Ticket { number, reprint }) => {
                self.ticket = Some(number.clone());
                let (Some(card), Some(b)) = (&self.card, &self.booking) else {
                    return self.refuse(Reason::Interrupted, None, ctx);
                };
                let doc = documents::ticket(&number, b, card, ctx.now, reprint || self.resumed);
                let mut effects = vec![Effect::Show { view: View::CheckinPrinting }, Effect::Print { doc }];
                if !reprint {
                    effects.push(Effect::Record {
                        record: Record::Outbox {
                            kind: "checkin".into(),
                            payload: serde_json::json!({
                                "booking": b.code, "ticket": number, "hall": ctx.hall_id,
                                "kiosk": ctx.kiosk_id, "at": ctx.now.to_rfc3339(),
                            }),
                        },
                    });
                }
                effects
            }
            (Step::CiPrinting, Input::Printed { result }) => {
                if let Err(f) = result {
                    self.detail = Some(Text::new(
                        format!("凭条打印失败（{}），请记下您的排队号。", f.fault),
                        format!("The ticket could not be printed ({}); please note your number.", f.fault),
                    ));
                }
                self.finish(ctx)
            }
            (Step::CiPresent | Step::CiConfirmCard | Step::Verify, Input::Timeout) => {
                self.refuse(Reason::WalkedAway, None, ctx)
            }
            _ => Vec::new(),
        }
    }

    fn on_lookup(&mut self, lookup: Lookup, ctx: &Ctx) -> Vec<Effect> {
        let b = match lookup {
            Lookup::None => return self.refuse(Reason::NoBooking, None, ctx),
            Lookup::OtherHall(b) => {
                let d = Text::new(format!("预约大厅：{}", b.hall), format!("Booked hall: {}", b.hall));
                return self.refuse(Reason::OtherHall, Some(d), ctx);
            }
            Lookup::Here(b) => b,
        };
        if let Some(card) = &self.card
            && card.id_number != b.id_number
        {
            return self.refuse(Reason::IdentityMismatch, None, ctx);
        }
        let hall = ctx.policy.hall(ctx.hall_id);
        let (Some(start), Some(end)) = (hhmm(&b.slot_start), hhmm(&b.slot_end)) else {
            return self.refuse(Reason::NoBooking, None, ctx);
        };
        let opens = start - hall.checkin_opens_before_min as i64;
        let closes = end + hall.checkin_closes_after_min as i64;
        let now = {
            use chrono::Timelike;
            let t = ctx.now.time();
            (t.hour() * 60 + t.minute()) as i64
        };
        let window = Text::new(
            format!("签到时间：{}–{}", fmt_min(opens), fmt_min(closes)),
            format!("Check-in time: {}–{}", fmt_min(opens), fmt_min(closes)),
        );
        if b.day > ctx.today() || (b.day == ctx.today() && now < opens) {
            return self.refuse(Reason::TooEarly, Some(window), ctx);
        }
        if b.day < ctx.today() || now > closes {
            return self.refuse(Reason::TooLate, Some(window), ctx);
        }
        let slot = format!("{}-{}", b.slot_start, b.slot_end);
        self.booking = Some(b);
        if self.card.is_none() {
            self.step = Step::CiConfirmCard;
            return vec![Effect::Show { view: View::CheckinConfirmCard { slot } }, ctx.idle(), Effect::ReadCard];
        }
        self.begin_verify(ctx)
    }

    pub(super) fn after_verify_checkin(&mut self, _ctx: &Ctx) -> Vec<Effect> {
        self.step = Step::CiPrinting;
        let booking = self.booking.as_ref().map(|b| b.code.clone()).unwrap_or_default();
        vec![
            Effect::Idle { after: None },
            Effect::Show { view: View::CheckinPrinting },
            Effect::Record { record: Record::AllocateTicket { booking } },
        ]
    }
}

fn fmt_min(m: i64) -> String {
    let m = m.clamp(0, 24 * 60 - 1);
    format!("{:02}:{:02}", m / 60, m % 60)
}
