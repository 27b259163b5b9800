//! Booking at the kiosk (预约办证) for a walk-in: once the holder is proven, their active bookings
//! (move one to another slot of its hall, or cancel it), or a new booking one question per screen:
//! certificate type (preset), business, a slot among the earliest free ones of this hall and the
//! nearest others, the applicant's mobile number, the emergency contact, pickup (in person, or mail
//! to the address on the ID card); a confirmation; central books; the slip prints with its QR code.
//!
//! Central owns every rule (no same day, 08:30 tomorrow at the earliest, full slots, one active
//! booking per business, the hall's cancel cut-off and ban): its refusals are shown as it words them;
//! a slot that filled up meanwhile brings the fresh list back. A request whose answer was lost (the
//! link broke, the kiosk restarted) is never sent twice blindly: the applicant's bookings at central
//! say whether it was made.

use super::query::preset;
use super::*;
use crate::central::{Booking, BookingRequest, RebookRequest};
use crate::documents;
use kiosk_ui::view::BookingView;
use kiosk_ui::{BookingLine, Choice, PhoneFor, SlotLine, Text};
use sim::scheduler::presets;
use sim::scheduler::public_api::{Business, Contact, Document as DocKind, Pickup, PickupMethod};

/// Emergency-contact relations offered (the kiosk has no way to type a name: the relation stands
/// in for it).
const RELATIONS: &[(&str, &str, &str)] = &[
    ("spouse", "配偶", "Spouse"),
    ("parent", "父母", "Parent"),
    ("child", "子女", "Child"),
    ("relative", "其他亲属", "Other relative"),
    ("friend", "朋友", "Friend"),
];

/// How many free slots are offered per hall (three halls: as many as the slot screen shows).
pub const SLOTS_PER_HALL: usize = 2;

/// A booking the applicant holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    /// Its hall's id.
    pub hall: String,
    /// As shown.
    pub line: BookingLine,
}

/// A booking as central holds it, with its hall's names (found by the runtime).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldBooking {
    /// The booking.
    pub booking: Booking,
    /// Hall name.
    pub hall_zh: String,
    /// Hall name.
    pub hall_en: String,
}

/// The booking being made, moved or cancelled. Journaled with the session: after a restart, what was
/// asked of central is known.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// The applicant's active bookings.
    pub held: Vec<Held>,
    /// The booking being moved or cancelled.
    pub target: Option<String>,
    /// Certificate type code.
    pub certificate: Option<String>,
    /// Business code.
    pub business: Option<String>,
    /// The slots offered.
    pub offered: Vec<SlotOffer>,
    /// Why the slots were offered again.
    pub notice: Option<Text>,
    /// The slot chosen.
    pub slot: Option<SlotOffer>,
    /// The applicant's mobile number.
    pub phone: String,
    /// The emergency contact's relation code.
    pub relation: Option<String>,
    /// The emergency contact's mobile number.
    pub emergency_phone: String,
    /// The last "OK" had an invalid number.
    pub invalid: bool,
    /// Mail to the card's address (else collect in person).
    pub mail: bool,
    /// The booking made or moved.
    pub made: Option<BookingLine>,
}

/// Whether `p` is a mainland mobile number: 11 digits, 1 then 3 to 9.
pub fn valid_mobile(p: &str) -> bool {
    p.len() == 11
        && p.bytes().all(|b| b.is_ascii_digit())
        && p.starts_with('1')
        && matches!(p.as_bytes()[1], b'3'..=b'9')
}

/// The hukou location (户籍所在地) from a resident card's address: up to the district or county, as
/// the booking form wants it; the whole address when it names none.
pub fn hukou_location(address: &str) -> String {
    let a = address.trim();
    let cut = a.char_indices().find(|(i, c)| *i > 0 && matches!(c, '区' | '县')).map(|(i, c)| i + c.len_utf8());
    match cut {
        Some(end) => a[..end].to_string(),
        None => a.chars().take(100).collect(),
    }
}

fn certificate_text(code: &str) -> Text {
    presets::certificate_type(code).map_or_else(|| Text::new(code, code), |c| Text::new(c.zh, c.en))
}

fn line_of(b: &Booking, hall_zh: &str, hall_en: &str) -> BookingLine {
    let (biz, cert) = (preset(presets::BUSINESSES, &b.business), certificate_text(&b.certificate_type));
    BookingLine {
        code: b.code.clone(),
        hall: Text::new(hall_zh, hall_en),
        date: b.date.to_string(),
        start: b.start.clone(),
        end: b.end.clone(),
        what: Text::new(format!("{} {}", biz.zh, cert.zh), format!("{}: {}", biz.en, cert.en)),
        cancel_until: b.cancel_until.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// Central's refusal for the screen: Chinese by its code, English as central words it (it names the
/// booking, the date of a ban or of the cut-off).
pub fn refusal_text(f: &CentralFailure) -> Text {
    let zh = match f.code.as_str() {
        "duplicate_booking" => "您已有同一业务的有效预约，请先取消或改约该预约",
        "booking_banned" => "取消预约次数过多，暂停预约",
        "cancel_cutoff" => "已过取消或改约的截止时间",
        "not_active" => "该预约已取消或已签到",
        "non_mainland" => "本渠道仅为内地居民办理",
        "same_day" | "too_early" | "past" => "不能预约当天，最早可约明天08:30",
        "no_such_slot" => "该时段不可预约",
        _ => "预约系统拒绝了本次请求",
    };
    Text::new(format!("{zh}（{}）", f.code), f.message.clone())
}

impl Session {
    pub(super) fn step_booking(&mut self, input: Input, ctx: &Ctx) -> Vec<Effect> {
        if let Some(effects) = self.step_holder(&input, ctx) {
            return effects;
        }
        match (self.step, input) {
            (Step::BkLoading, Input::Bookings { result: Err(f) }) => self.central_down(&f, ctx),
            (Step::BkLoading, Input::Bookings { result: Ok(list) }) => {
                let today = ctx.today();
                let held: Vec<Held> = list
                    .iter()
                    .filter(|h| h.booking.status == "active" && h.booking.date >= today)
                    .map(|h| Held { hall: h.booking.hall.clone(), line: line_of(&h.booking, &h.hall_zh, &h.hall_en) })
                    .collect();
                let draft = self.draft.get_or_insert_with(Draft::default);
                draft.held = held;
                if draft.held.is_empty() { self.certificates(ctx) } else { self.existing(ctx) }
            }
            (Step::BkExisting, Input::Touch { button }) => {
                if button == "new" {
                    return self.certificates(ctx);
                }
                if button == "done" {
                    return self.finish_with("unchanged", ctx);
                }
                let (moving, code) = match (button.strip_prefix("rebook:"), button.strip_prefix("cancel:")) {
                    (Some(c), _) => (true, c.to_string()),
                    (_, Some(c)) => (false, c.to_string()),
                    _ => return Vec::new(),
                };
                let Some(held) = self.held(&code).cloned() else { return Vec::new() };
                if let Some(d) = &mut self.draft {
                    d.target = Some(code);
                }
                if moving {
                    self.find_slots(Some(held.hall), ctx)
                } else {
                    self.step = Step::BkCancelConfirm;
                    vec![
                        Effect::Show { view: View::Booking(BookingView::CancelConfirm { booking: held.line }) },
                        ctx.idle(),
                    ]
                }
            }
            (Step::BkCancelConfirm, Input::Touch { button }) if button == "back" => {
                if let Some(d) = &mut self.draft {
                    d.target = None;
                }
                self.existing(ctx)
            }
            (Step::BkCancelConfirm, Input::Touch { button }) if button == "confirm" => {
                let Some(code) = self.draft.as_ref().and_then(|d| d.target.clone()) else { return Vec::new() };
                self.step = Step::BkCancelling;
                vec![
                    Effect::Idle { after: None },
                    Effect::Show {
                        view: View::Working { what: Text::new("正在取消预约", "Cancelling your booking") }
                    },
                    Effect::Record {
                        record: Record::Audit { action: "booking_cancel_intent".into(), detail: code.clone() },
                    },
                    Effect::CancelBooking { code },
                ]
            }
            (Step::BkCancelling, Input::BookingCancelled { result: Ok(r) }) => {
                let line = self.target_line().unwrap_or_else(|| line_of(&r.booking, &r.booking.hall, &r.booking.hall));
                let view = BookingView::Cancelled {
                    booking: line,
                    cancellations: r.cancellations_in_window,
                    banned_until: r.banned_until.map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
                };
                let mut e = vec![Effect::Record {
                    record: Record::Audit { action: "booking_cancelled".into(), detail: r.booking.code.clone() },
                }];
                e.extend(self.finish_showing("cancelled", View::Booking(view), ctx));
                e
            }
            (Step::BkCancelling, Input::BookingCancelled { result: Err(f) }) if f.code.is_empty() => {
                // The answer was lost: central's own list says whether it was done.
                self.reconcile()
            }
            (Step::BkCancelling, Input::BookingCancelled { result: Err(f) }) => self.central_refused(&f, ctx),
            (Step::BkCertificate, Input::Touch { button }) => {
                let Some(cert) = button.strip_prefix("cert:").and_then(presets::certificate_type) else {
                    return Vec::new();
                };
                let draft = self.draft.get_or_insert_with(Draft::default);
                draft.certificate = Some(cert.code.to_string());
                if cert.code == "hk_macau_booklet_to_card" {
                    // A booklet permit replaced by the card type is a renewal.
                    draft.business = Some("renewal".into());
                    return self.find_slots(None, ctx);
                }
                self.step = Step::BkBusiness;
                let businesses = presets::BUSINESSES
                    .iter()
                    .map(|b| Choice { id: format!("business:{}", b.code), label: Text::new(b.zh, b.en) })
                    .collect();
                let certificate = certificate_text(cert.code);
                vec![
                    Effect::Show { view: View::Booking(BookingView::Business { certificate, businesses }) },
                    ctx.idle(),
                ]
            }
            (Step::BkBusiness, Input::Touch { button }) if button == "back" => self.certificates(ctx),
            (Step::BkBusiness, Input::Touch { button }) => {
                let Some(b) =
                    button.strip_prefix("business:").filter(|b| presets::BUSINESSES.iter().any(|p| p.code == *b))
                else {
                    return Vec::new();
                };
                if let Some(d) = &mut self.draft {
                    d.business = Some(b.to_string());
                }
                self.find_slots(None, ctx)
            }
            (Step::BkFindingSlots, Input::Slots { result: Err(f) }) => self.central_down(&f, ctx),
            (Step::BkFindingSlots, Input::Slots { result: Ok(offered) }) => {
                if let Some(d) = &mut self.draft {
                    d.offered = offered;
                }
                self.slots(ctx)
            }
            (Step::BkSlots, Input::Touch { button }) => {
                let Some(i) = button.strip_prefix("slot:").and_then(|n| n.parse::<usize>().ok()) else {
                    return Vec::new();
                };
                let Some(d) = &mut self.draft else { return Vec::new() };
                let Some(slot) = d.offered.get(i).cloned() else { return Vec::new() };
                d.slot = Some(slot);
                d.notice = None;
                if d.target.is_some() || !d.phone.is_empty() {
                    // Moving keeps everything else; a new booking back from the confirmation keeps its answers.
                    return self.confirm(ctx);
                }
                self.step = Step::BkPhone;
                self.keypad(PhoneFor::Applicant, ctx)
            }
            (Step::BkPhone | Step::BkEmergencyPhone, Input::Touch { button }) => self.on_key(&button, ctx),
            (Step::BkRelation, Input::Touch { button }) => {
                let Some(r) = button.strip_prefix("relation:").filter(|r| RELATIONS.iter().any(|x| x.0 == *r)) else {
                    return Vec::new();
                };
                if let Some(d) = &mut self.draft {
                    d.relation = Some(r.to_string());
                }
                self.step = Step::BkEmergencyPhone;
                self.keypad(PhoneFor::Emergency, ctx)
            }
            (Step::BkPickup, Input::Touch { button }) => {
                let mail = match button.as_str() {
                    "pickup_in_person" => false,
                    "pickup_mail" => true,
                    _ => return Vec::new(),
                };
                if let Some(d) = &mut self.draft {
                    d.mail = mail;
                }
                self.confirm(ctx)
            }
            (Step::BkConfirm, Input::Touch { button }) if button == "back" => self.slots(ctx),
            (Step::BkConfirm, Input::Touch { button }) if button == "confirm" => self.submit(),
            (Step::BkSubmitting | Step::BkReconcile, Input::Booked { result: Ok(b) }) => self.booked(&b, ctx),
            (Step::BkSubmitting, Input::Booked { result: Err(f) }) if f.code == "slot_full" => {
                let notice = Text::new(
                    "您选择的时段刚刚约满，请重新选择",
                    "The slot you chose has just filled up: please choose again",
                );
                let hall = self
                    .draft
                    .as_ref()
                    .and_then(|d| d.target.as_ref().and_then(|t| self.held(t)))
                    .map(|h| h.hall.clone());
                if let Some(d) = &mut self.draft {
                    d.notice = Some(notice);
                    d.slot = None;
                }
                self.find_slots(hall, ctx)
            }
            (Step::BkSubmitting, Input::Booked { result: Err(f) }) if f.code.is_empty() => self.reconcile(),
            (Step::BkSubmitting, Input::Booked { result: Err(f) }) => self.central_refused(&f, ctx),
            (Step::BkReconcile, Input::Bookings { result: Err(f) }) => {
                let d = Text::new(
                    format!("无法确认预约结果（{}），请稍后在\u{201c}我的预约\u{201d}中查看", f.message),
                    format!("Whether it was done cannot be confirmed ({}); check your bookings later", f.message),
                );
                self.refuse(Reason::CentralUnavailable, Some(d), ctx)
            }
            (Step::BkReconcile, Input::Bookings { result: Ok(list) }) => self.reconciled(&list, ctx),
            (Step::BkPrinting, Input::Printed { result }) => {
                let Some(d) = &self.draft else { return self.refuse(Reason::Interrupted, None, ctx) };
                let Some(line) = d.made.clone() else { return self.refuse(Reason::Interrupted, None, ctx) };
                let moved = d.target.is_some();
                let view = BookingView::Done { booking: line, moved, unprinted: result.is_err() };
                self.finish_showing(if moved { "moved" } else { "booked" }, View::Booking(view), ctx)
            }
            (
                Step::BkExisting
                | Step::BkCertificate
                | Step::BkBusiness
                | Step::BkSlots
                | Step::BkPhone
                | Step::BkRelation
                | Step::BkEmergencyPhone
                | Step::BkPickup
                | Step::BkConfirm
                | Step::BkCancelConfirm
                | Step::BkLoading
                | Step::BkFindingSlots,
                Input::Timeout,
            ) => self.refuse(Reason::WalkedAway, None, ctx),
            _ => Vec::new(),
        }
    }

    pub(super) fn after_verify_booking(&mut self, ctx: &Ctx) -> Vec<Effect> {
        self.step = Step::BkLoading;
        self.draft = Some(Draft::default());
        vec![
            Effect::Show {
                view: View::Working { what: Text::new("正在查询您的预约", "Looking up your bookings") }
            },
            ctx.idle(),
            Effect::LoadBookings { id_number: self.holder() },
        ]
    }

    fn held(&self, code: &str) -> Option<&Held> {
        self.draft.as_ref()?.held.iter().find(|h| h.line.code == code)
    }

    fn target_line(&self) -> Option<BookingLine> {
        let code = self.draft.as_ref()?.target.as_ref()?;
        self.held(code).map(|h| h.line.clone())
    }

    fn existing(&mut self, ctx: &Ctx) -> Vec<Effect> {
        self.step = Step::BkExisting;
        let bookings = self.draft.as_ref().map(|d| d.held.iter().map(|h| h.line.clone()).collect()).unwrap_or_default();
        vec![Effect::Show { view: View::Booking(BookingView::Existing { bookings }) }, ctx.idle()]
    }

    fn certificates(&mut self, ctx: &Ctx) -> Vec<Effect> {
        self.step = Step::BkCertificate;
        if let Some(d) = &mut self.draft {
            d.target = None;
        }
        let types = presets::CERTIFICATE_TYPES
            .iter()
            .map(|c| Choice { id: format!("cert:{}", c.code), label: Text::new(c.zh, c.en) })
            .collect();
        vec![Effect::Show { view: View::Booking(BookingView::Certificate { types }) }, ctx.idle()]
    }

    fn find_slots(&mut self, hall: Option<String>, ctx: &Ctx) -> Vec<Effect> {
        self.step = Step::BkFindingSlots;
        let from = ctx.today().succ_opt().unwrap_or(ctx.today());
        vec![
            Effect::Show {
                view: View::Working { what: Text::new("正在查询可预约时段", "Finding free slots") }
            },
            ctx.idle(),
            Effect::LoadSlots { hall, from },
        ]
    }

    fn slots(&mut self, ctx: &Ctx) -> Vec<Effect> {
        self.step = Step::BkSlots;
        let Some(d) = &self.draft else { return Vec::new() };
        let slots = d
            .offered
            .iter()
            .enumerate()
            .map(|(i, s)| SlotLine {
                id: format!("slot:{i}"),
                hall: Text::new(s.hall_zh.clone(), s.hall_en.clone()),
                date: s.date.to_string(),
                start: s.start.clone(),
                end: s.end.clone(),
                remaining: s.remaining,
                distance_km: s.distance_km.filter(|_| s.hall != ctx.hall_id).map(|k| format!("{k:.1}")),
            })
            .collect();
        let view = BookingView::Slots { slots, notice: d.notice.clone(), moving: d.target.clone() };
        vec![Effect::Show { view: View::Booking(view) }, ctx.idle()]
    }

    fn keypad(&mut self, who: PhoneFor, ctx: &Ctx) -> Vec<Effect> {
        let Some(d) = &self.draft else { return Vec::new() };
        let digits = match who {
            PhoneFor::Applicant => d.phone.clone(),
            PhoneFor::Emergency => d.emergency_phone.clone(),
        };
        let view = BookingView::Phone { who, digits, invalid: d.invalid };
        vec![Effect::Show { view: View::Booking(view) }, ctx.idle()]
    }

    fn on_key(&mut self, button: &str, ctx: &Ctx) -> Vec<Effect> {
        let who = if self.step == Step::BkPhone { PhoneFor::Applicant } else { PhoneFor::Emergency };
        let Some(d) = &mut self.draft else { return Vec::new() };
        let own = d.phone.clone();
        let number = if who == PhoneFor::Applicant { &mut d.phone } else { &mut d.emergency_phone };
        if let Some(k) = button.strip_prefix("key_") {
            match k {
                "del" => {
                    number.pop();
                }
                digit if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() => {
                    if number.len() < 11 {
                        number.push_str(digit);
                    }
                }
                _ => return Vec::new(),
            }
            d.invalid = false;
            return self.keypad(who, ctx);
        }
        if button != "ok" {
            return Vec::new();
        }
        // The emergency contact must be someone else: not the applicant's own number.
        if !valid_mobile(number) || (who == PhoneFor::Emergency && *number == own) {
            d.invalid = true;
            return self.keypad(who, ctx);
        }
        d.invalid = false;
        if who == PhoneFor::Applicant {
            self.step = Step::BkRelation;
            let relations = RELATIONS
                .iter()
                .map(|(code, zh, en)| Choice { id: format!("relation:{code}"), label: Text::new(*zh, *en) })
                .collect();
            return vec![Effect::Show { view: View::Booking(BookingView::Relation { relations }) }, ctx.idle()];
        }
        self.step = Step::BkPickup;
        let address = self.card.as_ref().map(|c| c.address.clone()).unwrap_or_default();
        vec![Effect::Show { view: View::Booking(BookingView::Pickup { address }) }, ctx.idle()]
    }

    fn confirm(&mut self, ctx: &Ctx) -> Vec<Effect> {
        self.step = Step::BkConfirm;
        let (Some(d), Some(card)) = (&self.draft, &self.card) else { return Vec::new() };
        let Some(slot) = &d.slot else { return Vec::new() };
        let mut lines = vec![Text::new(
            format!("{} {} {}-{}", slot.hall_zh, slot.date, slot.start, slot.end),
            format!("{}, {} {}-{}", slot.hall_en, slot.date, slot.start, slot.end),
        )];
        let moving = d.target.is_some();
        if let Some(code) = &d.target {
            lines.insert(0, Text::new(format!("改约 {code}"), format!("Moving {code}")));
        } else {
            let cert = certificate_text(d.certificate.as_deref().unwrap_or_default());
            let biz = preset(presets::BUSINESSES, d.business.as_deref().unwrap_or_default());
            let relation = RELATIONS.iter().find(|r| Some(r.0) == d.relation.as_deref());
            let hukou = hukou_location(&card.address);
            lines.extend([
                Text::new(format!("{} {}", biz.zh, cert.zh), format!("{}: {}", biz.en, cert.en)),
                Text::new(format!("户籍所在地：{hukou}"), format!("Hukou: {hukou}")),
                Text::new(format!("联系电话：{}", d.phone), format!("Mobile: {}", d.phone)),
                Text::new(
                    format!("紧急联系人：{} {}", relation.map_or("", |r| r.1), d.emergency_phone),
                    format!("Emergency contact: {} {}", relation.map_or("", |r| r.2), d.emergency_phone),
                ),
                if d.mail {
                    Text::new(
                        format!("领取方式：邮寄至 {}", card.address),
                        format!("Pickup: by mail to {}", card.address),
                    )
                } else {
                    Text::new("领取方式：现场领取", "Pickup: in person")
                },
            ]);
        }
        vec![Effect::Show { view: View::Booking(BookingView::Confirm { lines, moving }) }, ctx.idle()]
    }

    fn submit(&mut self) -> Vec<Effect> {
        let (Some(d), Some(card)) = (&self.draft, &self.card) else { return Vec::new() };
        let Some(slot) = d.slot.clone() else { return Vec::new() };
        let effect = match &d.target {
            Some(code) => Effect::Rebook {
                code: code.clone(),
                request: RebookRequest { date: slot.date, start: slot.start.clone() },
            },
            None => {
                let cert = d.certificate.as_deref().and_then(presets::certificate_type);
                let business = match d.business.as_deref() {
                    Some("first_application") => Business::FirstApplication,
                    Some("renewal") => Business::Renewal,
                    Some("reapplication") => Business::Reapplication,
                    _ => return Vec::new(),
                };
                let document = match cert.map(|c| c.document) {
                    Some("passport") => DocKind::Passport,
                    Some("hk_macau_permit") => DocKind::HkMacauPermit,
                    Some("taiwan_permit") => DocKind::TaiwanPermit,
                    _ => return Vec::new(),
                };
                let relation = RELATIONS.iter().find(|r| Some(r.0) == d.relation.as_deref()).map_or("", |r| r.1);
                Effect::Book {
                    request: BookingRequest {
                        id_number: Some(card.id_number.clone()),
                        hall: slot.hall.clone(),
                        date: slot.date,
                        start: slot.start.clone(),
                        business,
                        document,
                        certificate_type: cert.map(|c| c.code.to_string()).unwrap_or_default(),
                        hukou_location: hukou_location(&card.address),
                        contact: Contact { name: card.name.clone(), phone: d.phone.clone() },
                        emergency_contact: Contact { name: relation.to_string(), phone: d.emergency_phone.clone() },
                        pickup: if d.mail {
                            Pickup { method: PickupMethod::Mail, address: Some(card.address.clone()) }
                        } else {
                            Pickup { method: PickupMethod::InPerson, address: None }
                        },
                    },
                }
            }
        };
        self.step = Step::BkSubmitting;
        let what = if d.target.is_some() { "booking_move_intent" } else { "booking_intent" };
        vec![
            Effect::Idle { after: None },
            Effect::Show { view: View::Working { what: Text::new("正在预约", "Booking") } },
            Effect::Record {
                record: Record::Audit {
                    action: what.into(),
                    detail: format!("{} {} {}", slot.hall, slot.date, slot.start),
                },
            },
            effect,
        ]
    }

    /// Central made (or moved) the booking: print its slip.
    fn booked(&mut self, b: &Booking, ctx: &Ctx) -> Vec<Effect> {
        let Some(card) = &self.card else { return self.refuse(Reason::Interrupted, None, ctx) };
        let (hall_zh, hall_en) = self
            .draft
            .as_ref()
            .and_then(|d| d.slot.as_ref())
            .filter(|s| s.hall == b.hall)
            .map_or((b.hall.clone(), b.hall.clone()), |s| (s.hall_zh.clone(), s.hall_en.clone()));
        let line = line_of(b, &hall_zh, &hall_en);
        let moved = self.draft.as_ref().is_some_and(|d| d.target.is_some());
        let doc = documents::booking_slip(card, &line, ctx.now, moved);
        if let Some(d) = &mut self.draft {
            d.made = Some(line);
        }
        self.step = Step::BkPrinting;
        vec![
            Effect::Record {
                record: Record::Audit {
                    action: if moved { "booking_moved" } else { "booked" }.into(),
                    detail: b.code.clone(),
                },
            },
            Effect::Show {
                view: View::Working { what: Text::new("正在打印预约凭条", "Printing your booking slip") }
            },
            Effect::Print { doc },
        ]
    }

    /// After a restart while the slip printed: print it again.
    pub(super) fn reprint_slip(&mut self, ctx: &Ctx) -> Vec<Effect> {
        let (Some(card), Some(line)) = (&self.card, self.draft.as_ref().and_then(|d| d.made.as_ref())) else {
            return self.refuse(Reason::Interrupted, None, ctx);
        };
        let moved = self.draft.as_ref().is_some_and(|d| d.target.is_some());
        vec![Effect::Print { doc: documents::booking_slip(card, line, ctx.now, moved) }]
    }

    /// Ask central what became of a request whose answer was lost.
    pub(super) fn reconcile(&mut self) -> Vec<Effect> {
        self.step = Step::BkReconcile;
        vec![
            Effect::Show {
                view: View::Working { what: Text::new("正在确认预约结果", "Checking whether it was done") },
            },
            Effect::LoadBookings { id_number: self.holder() },
        ]
    }

    fn reconciled(&mut self, list: &[HeldBooking], ctx: &Ctx) -> Vec<Effect> {
        let Some(d) = &self.draft else { return self.refuse(Reason::Interrupted, None, ctx) };
        let target = d.target.clone();
        let slot = d.slot.clone();
        let cancelling = target.is_some() && slot.is_none();
        if cancelling {
            let code = target.unwrap_or_default();
            let done = list.iter().any(|h| h.booking.code == code && h.booking.status == "cancelled");
            if done {
                let summary = Text::new(format!("预约{code}已取消"), format!("Booking {code} is cancelled"));
                return self.finish_showing("cancelled", View::Finished { summary }, ctx);
            }
            return self.refuse(Reason::CentralUnavailable, None, ctx);
        }
        let Some(slot) = slot else { return self.refuse(Reason::Interrupted, None, ctx) };
        let found = list.iter().find(|h| {
            let b = &h.booking;
            b.status == "active"
                && match &target {
                    Some(t) => b.rebooked_from.as_deref() == Some(t.as_str()),
                    None => {
                        b.hall == slot.hall
                            && b.date == slot.date
                            && b.start == slot.start
                            && Some(&b.certificate_type) == d.certificate.as_ref()
                    }
                }
        });
        match found {
            Some(h) => {
                let b = h.booking.clone();
                self.booked(&b, ctx)
            }
            None => {
                let d = Text::new("预约未完成，请重新预约", "Nothing was booked: please book again");
                self.refuse(Reason::CentralUnavailable, Some(d), ctx)
            }
        }
    }

    fn central_down(&mut self, f: &CentralFailure, ctx: &Ctx) -> Vec<Effect> {
        let d = Text::new(
            format!("预约服务暂不可用（{}）", f.message),
            format!("Booking is not available now ({})", f.message),
        );
        self.refuse(Reason::CentralUnavailable, Some(d), ctx)
    }

    fn central_refused(&mut self, f: &CentralFailure, ctx: &Ctx) -> Vec<Effect> {
        self.refuse(Reason::BookingRefused, Some(refusal_text(f)), ctx)
    }

    /// End with `view` as the last screen.
    fn finish_showing(&mut self, done: &str, view: View, ctx: &Ctx) -> Vec<Effect> {
        let mut e = self.finish_with(done, ctx);
        for effect in &mut e {
            if let Effect::Show { view: v } = effect {
                *v = view.clone();
            }
        }
        e
    }
}
