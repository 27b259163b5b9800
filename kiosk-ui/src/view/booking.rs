//! The booking screens (预约办证): the applicant's bookings (cancel, move), then a new booking one
//! question per screen: certificate type, business, slot (this hall and the nearest others), contact
//! phone, emergency contact, pickup; a confirmation; the result.
//!
//! Button ids carry the choice: `cert:CODE`, `business:CODE`, `slot:N`, `key_0`..`key_9`, `key_del`,
//! `relation:CODE`, `pickup_in_person`, `pickup_mail`, `rebook:CODE`, `cancel:CODE`.
//!
//! The keypad has twelve keys, as on a phone (1 2 3 / 4 5 6 / 7 8 9 / 删除 0 确定): `key_del` is
//! `cancel` while nothing is typed. A slot list longer than [`MAX_SLOTS`] is cut to that, each hall
//! keeping its share.

use super::{back, cancel, done, rating};
use crate::{Button, Screen, Text};
use serde::{Deserialize, Serialize};

/// One choice of a preset list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// Button id.
    pub id: String,
    /// Label.
    pub label: Text,
}

/// A free slot offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotLine {
    /// Button id.
    pub id: String,
    /// The hall.
    pub hall: Text,
    /// Day, YYYY-MM-DD.
    pub date: String,
    /// Start, HH:MM.
    pub start: String,
    /// End, HH:MM.
    pub end: String,
    /// Seats left.
    pub remaining: u32,
    /// Distance from this hall, e.g. "3.2" km (none: this hall).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<String>,
}

/// A booking as the applicant sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingLine {
    /// Booking code.
    pub code: String,
    /// Hall.
    pub hall: Text,
    /// Day, YYYY-MM-DD.
    pub date: String,
    /// Start, HH:MM.
    pub start: String,
    /// End, HH:MM.
    pub end: String,
    /// Business and certificate type.
    pub what: Text,
    /// Cancel or move until then, `YYYY-MM-DD HH:MM`.
    pub cancel_until: String,
}

/// Whose phone number is being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneFor {
    /// The applicant's own.
    Applicant,
    /// The emergency contact's.
    Emergency,
}

/// What a booking screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "screen")]
pub enum BookingView {
    /// The applicant's active bookings: move, cancel, or book something else.
    Existing {
        /// Active bookings.
        bookings: Vec<BookingLine>,
    },
    /// Choose the certificate type (办证类型).
    Certificate {
        /// The presets.
        types: Vec<Choice>,
    },
    /// Choose the business.
    Business {
        /// The certificate type chosen.
        certificate: Text,
        /// The businesses.
        businesses: Vec<Choice>,
    },
    /// Choose a slot.
    Slots {
        /// Earliest free slots, this hall first.
        slots: Vec<SlotLine>,
        /// Why the list changed (a slot just filled up).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notice: Option<Text>,
        /// Moving this booking (else a new one).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        moving: Option<String>,
    },
    /// Type a mobile number.
    Phone {
        /// Whose.
        who: PhoneFor,
        /// Digits so far.
        digits: String,
        /// The last "OK" was touched with a number that is not a mainland mobile number.
        invalid: bool,
    },
    /// Who the emergency contact is.
    Relation {
        /// The presets.
        relations: Vec<Choice>,
    },
    /// How to collect the document.
    Pickup {
        /// The address on the ID card (where mail goes).
        address: String,
    },
    /// Check everything before booking.
    Confirm {
        /// The booking as it will be made.
        lines: Vec<Text>,
        /// Moving an existing booking (else a new one).
        moving: bool,
    },
    /// Confirm a cancellation.
    CancelConfirm {
        /// The booking.
        booking: BookingLine,
    },
    /// Booked (or moved): the slip is printed.
    Done {
        /// The booking.
        booking: BookingLine,
        /// It was moved from another slot.
        moved: bool,
        /// The slip could not be printed.
        #[serde(default)]
        unprinted: bool,
    },
    /// Cancelled.
    Cancelled {
        /// The booking.
        booking: BookingLine,
        /// Cancellations counted within the hall's window, this one included.
        cancellations: u32,
        /// Booking refused until then, if this cancellation caused a ban.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        banned_until: Option<String>,
    },
}

fn booking_text(b: &BookingLine) -> Text {
    Text::new(
        format!("{} {} {}-{}\n{}\n预约码 {}", b.hall.zh, b.date, b.start, b.end, b.what.zh, b.code),
        format!("{}, {} {}-{}\n{}\nBooking code {}", b.hall.en, b.date, b.start, b.end, b.what.en, b.code),
    )
}

/// The most slots offered on one screen: of a longer list, each hall keeps an equal share (this
/// hall first), so that every hall offered is still shown.
pub const MAX_SLOTS: usize = 6;

/// The slots shown, at most [`MAX_SLOTS`], in the order given: when there are more, each hall
/// keeps an equal share (this hall and the nearer ones first), so that every hall offered is still
/// shown. Their ids are the kiosk's own (`slot:N`), so a choice still names the slot offered.
fn shown_slots(slots: &[SlotLine]) -> Vec<&SlotLine> {
    if slots.len() <= MAX_SLOTS {
        return slots.iter().collect();
    }
    let mut halls: Vec<&Text> = Vec::new();
    for l in slots {
        if !halls.contains(&&l.hall) {
            halls.push(&l.hall);
        }
    }
    let share = (MAX_SLOTS / halls.len().max(1)).max(1);
    let mut taken = vec![false; slots.len()];
    let mut per_hall = vec![0; halls.len()];
    let mut n = 0;
    for (i, l) in slots.iter().enumerate() {
        let h = halls.iter().position(|h| **h == l.hall).unwrap_or(0);
        if per_hall[h] < share && n < MAX_SLOTS {
            per_hall[h] += 1;
            taken[i] = true;
            n += 1;
        }
    }
    // Room left (fewer halls than shares): the earliest of the rest.
    for t in taken.iter_mut() {
        if n < MAX_SLOTS && !*t {
            *t = true;
            n += 1;
        }
    }
    slots.iter().zip(taken).filter(|(_, t)| *t).map(|(l, _)| l).collect()
}

/// "06-16" of "2025-06-16" (slots are offered for the next two weeks: the year goes without saying).
fn month_day(date: &str) -> &str {
    match date.split_once('-') {
        Some((year, rest)) if year.len() == 4 && rest.len() == 5 => rest,
        _ => date,
    }
}

/// The digits typed so far, grouped as a mobile number is read: 138 0013 8000.
fn grouped(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i == 3 || i == 7 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

pub(super) fn screen(v: &BookingView, s: &mut Screen) {
    match v {
        BookingView::Existing { bookings } => {
            s.id = "booking.existing".into();
            s.title = Text::new("我的预约", "My bookings");
            for b in bookings {
                s.body.push(booking_text(b));
                s.buttons.push(Button::new(
                    format!("rebook:{}", b.code),
                    Text::new(format!("改约 {}", b.code), format!("Move {}", b.code)),
                ));
                s.buttons.push(Button::new(
                    format!("cancel:{}", b.code),
                    Text::new(format!("取消预约 {}", b.code), format!("Cancel {}", b.code)),
                ));
            }
            s.buttons.push(Button::new("new", Text::new("新预约", "New booking")));
            s.buttons.push(done());
        }
        BookingView::Certificate { types } => {
            s.id = "booking.certificate".into();
            s.title = Text::new("选择办证类型", "What do you need?");
            for t in types {
                s.buttons.push(Button::new(t.id.clone(), t.label.clone()));
            }
            s.buttons.push(cancel());
        }
        BookingView::Business { certificate, businesses } => {
            s.id = "booking.business".into();
            s.title = Text::new("选择业务类型", "Which business?");
            s.body.push(certificate.clone());
            for b in businesses {
                s.buttons.push(Button::new(b.id.clone(), b.label.clone()));
            }
            s.buttons.push(back());
            s.buttons.push(cancel());
        }
        BookingView::Slots { slots, notice, moving } => {
            s.id = "booking.slots".into();
            s.title = Text::new("选择预约时段", "Choose a time");
            if let Some(code) = moving {
                s.body.push(Text::new(format!("改约 {code}"), format!("Moving {code}")));
            }
            s.body.push(Text::new("有余号的时段，最早明天08:30", "Free slots, from tomorrow 08:30"));
            if let Some(n) = notice {
                s.body.push(n.clone());
            }
            if slots.is_empty() {
                s.body.push(Text::new("近期没有可预约的时段，请改日再约", "No free slot soon: please try another day"));
            }
            for l in shown_slots(slots) {
                // The time first (what is chosen), then where: short enough for two columns of
                // buttons in accessible mode.
                let (zh, en) = match &l.distance_km {
                    Some(km) => (format!("{} {km}公里", l.hall.zh), format!("{}, {km} km", l.hall.en)),
                    None => ("本厅".to_string(), "this hall".to_string()),
                };
                let when = format!("{} {}-{}", month_day(&l.date), l.start, l.end);
                s.buttons.push(Button::new(
                    l.id.clone(),
                    Text::new(format!("{when} 余{}\n{zh}", l.remaining), format!("{when}, {} left\n{en}", l.remaining)),
                ));
            }
            s.buttons.push(cancel());
        }
        BookingView::Phone { who, digits, invalid } => {
            s.id = "booking.phone".into();
            s.title = match who {
                PhoneFor::Applicant => Text::new("您的手机号码", "Your mobile number"),
                PhoneFor::Emergency => Text::new("紧急联系人手机", "Emergency contact's mobile"),
            };
            s.body.push(if digits.is_empty() {
                Text::new("号码：（请在下方输入）", "Number: (type it below)")
            } else {
                let shown = grouped(digits);
                Text::new(format!("号码：{shown}"), format!("Number: {shown}"))
            });
            if *invalid {
                s.body.push(match who {
                    PhoneFor::Applicant => Text::new("请输入11位手机号码", "Enter an 11-digit mainland mobile number"),
                    PhoneFor::Emergency => Text::new(
                        "请输入紧急联系人的11位手机号码，不能与您本人的号码相同",
                        "Enter your contact's 11-digit mobile number, not your own",
                    ),
                });
            }
            // Twelve keys, as on a phone: 1 2 3 / 4 5 6 / 7 8 9 / Delete 0 OK, where Delete is Cancel
            // while nothing is typed (a thirteenth key would not fit a 768 px panel in accessible
            // mode: five rows of touch targets leave the number no room).
            for d in ["1", "2", "3", "4", "5", "6", "7", "8", "9"] {
                s.buttons.push(Button::new(format!("key_{d}"), Text::new(d, d)));
            }
            s.buttons.push(if digits.is_empty() {
                cancel()
            } else {
                Button::new("key_del", Text::new("删除", "Delete"))
            });
            s.buttons.push(Button::new("key_0", Text::new("0", "0")));
            s.buttons.push(Button::new("ok", Text::new("确定", "OK")));
        }
        BookingView::Relation { relations } => {
            s.id = "booking.relation".into();
            s.title = Text::new("紧急联系人", "Emergency contact");
            s.body.push(Text::new("请选择紧急联系人与您的关系", "Who is your emergency contact?"));
            for r in relations {
                s.buttons.push(Button::new(r.id.clone(), r.label.clone()));
            }
            s.buttons.push(cancel());
        }
        BookingView::Pickup { address } => {
            s.id = "booking.pickup".into();
            s.title = Text::new("领取方式", "How to collect");
            s.body.push(Text::new(
                format!("邮寄地址（身份证住址）：{address}"),
                format!("Mailing address (on your ID card): {address}"),
            ));
            s.buttons.push(Button::new("pickup_in_person", Text::new("现场领取", "Collect in person")));
            s.buttons
                .push(Button::new("pickup_mail", Text::new("邮寄到身份证住址", "Mail to the address on my ID card")));
            s.buttons.push(cancel());
        }
        BookingView::Confirm { lines, moving } => {
            s.id = "booking.confirm".into();
            s.title = if *moving {
                Text::new("确认改约", "Confirm the move")
            } else {
                Text::new("确认预约", "Confirm booking")
            };
            s.body.extend(lines.iter().cloned());
            let label =
                if *moving { Text::new("确认改约", "Move it") } else { Text::new("确认预约", "Book it") };
            s.buttons.push(Button::new("confirm", label));
            s.buttons.push(back());
            s.buttons.push(cancel());
        }
        BookingView::CancelConfirm { booking } => {
            s.id = "booking.cancel_confirm".into();
            s.title = Text::new("取消预约", "Cancel a booking");
            s.body.push(booking_text(booking));
            s.body.push(Text::new(
                "多次取消预约将暂停预约资格，以本大厅规定为准",
                "Cancelling often suspends booking for a while, as this hall's rules say",
            ));
            s.buttons.push(Button::new("confirm", Text::new("确认取消", "Cancel it")));
            s.buttons.push(back());
        }
        BookingView::Done { booking, moved, unprinted } => {
            s.id = "booking.done".into();
            s.title =
                if *moved { Text::new("改约成功", "Booking moved") } else { Text::new("预约成功", "Booked") };
            s.body.push(booking_text(booking));
            s.body.push(if *unprinted {
                Text::new("预约凭条未能打印，请记下预约码", "The slip could not be printed: note your booking code")
            } else {
                Text::new(
                    "请取走预约凭条，凭身份证或二维码签到",
                    "Take your slip; check in with your ID card or its QR code",
                )
            });
            s.body.push(Text::new(
                format!("如需改约或取消，请在{}前办理", booking.cancel_until),
                format!("To move or cancel it, do so before {}", booking.cancel_until),
            ));
            rating(s);
            s.buttons.push(done());
        }
        BookingView::Cancelled { booking, cancellations, banned_until } => {
            s.id = "booking.cancelled".into();
            s.title = Text::new("预约已取消", "Booking cancelled");
            s.body.push(booking_text(booking));
            s.body.push(Text::new(
                format!("近期已取消{cancellations}次"),
                format!("Cancellations lately: {cancellations}"),
            ));
            if let Some(until) = banned_until {
                s.body.push(Text::new(format!("{until}前不能再预约"), format!("You cannot book again before {until}")));
            }
            rating(s);
            s.buttons.push(done());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Lang, RATINGS, View};

    fn show(b: BookingView) -> Screen {
        crate::screen(&View::Booking(b))
    }

    fn ids(s: &Screen) -> Vec<&str> {
        s.buttons.iter().map(|b| b.id.as_str()).collect()
    }

    fn line(code: &str) -> BookingLine {
        BookingLine {
            code: code.into(),
            hall: Text::new("广州市天河区出入境大厅", "Guangzhou Tianhe Exit-Entry Hall"),
            date: "2025-06-18".into(),
            start: "09:00".into(),
            end: "09:30".into(),
            what: Text::new("换发补发 往来港澳通行证（卡式）", "Renewal or replacement: HK/Macau permit (card)"),
            cancel_until: "2025-06-17 17:00".into(),
        }
    }

    fn slot(i: usize, hall: &str, km: Option<&str>) -> SlotLine {
        SlotLine {
            id: format!("slot:{i}"),
            hall: Text::new(hall, hall),
            date: "2025-06-16".into(),
            start: "08:30".into(),
            end: "09:00".into(),
            remaining: 5,
            distance_km: km.map(str::to_string),
        }
    }

    fn keypad(who: PhoneFor, digits: &str, invalid: bool) -> Screen {
        show(BookingView::Phone { who, digits: digits.into(), invalid })
    }

    #[test]
    fn each_booking_held_can_be_moved_or_cancelled() {
        let s = show(BookingView::Existing { bookings: vec![line("B1"), line("B2")] });
        assert_eq!(s.id, "booking.existing");
        assert_eq!(ids(&s), ["rebook:B1", "cancel:B1", "rebook:B2", "cancel:B2", "new", "done"]);
        let zh = s.render_text(Lang::Zh);
        assert!(zh.contains("广州市天河区出入境大厅 2025-06-18 09:00-09:30") && zh.contains("预约码 B2"), "{zh}");
        assert!(s.render_text(Lang::En).contains("[Move B1] [Cancel B1]"));
    }

    #[test]
    fn preset_choices_keep_their_ids() {
        let types = vec![
            Choice {
                id: "cert:passport".into(), label: Text::new("因私普通护照", "Ordinary passport (private)")
            },
            Choice {
                id: "cert:taiwan_endorsement".into(),
                label: Text::new("往来台湾通行证签注", "Taiwan endorsement"),
            },
        ];
        let s = show(BookingView::Certificate { types });
        assert_eq!(
            (s.id.as_str(), ids(&s)),
            ("booking.certificate", vec!["cert:passport", "cert:taiwan_endorsement", "cancel"])
        );
        let businesses =
            vec![Choice { id: "business:renewal".into(), label: Text::new("换发补发", "Renewal or replacement") }];
        let s = show(BookingView::Business {
            certificate: Text::new("因私普通护照", "Ordinary passport"), businesses
        });
        assert_eq!(ids(&s), ["business:renewal", "back", "cancel"]);
        assert!(s.render_text(Lang::Zh).contains("因私普通护照"));
        let relations = vec![Choice { id: "relation:spouse".into(), label: Text::new("配偶", "Spouse") }];
        assert_eq!(ids(&show(BookingView::Relation { relations })), ["relation:spouse", "cancel"]);
        assert_eq!(
            ids(&show(BookingView::Pickup { address: "广东省广州市".into() })),
            ["pickup_in_person", "pickup_mail", "cancel"]
        );
    }

    #[test]
    fn slots_carry_their_index_and_say_where() {
        let s = show(BookingView::Slots {
            slots: vec![slot(0, "天河大厅", None), slot(1, "越秀大厅", Some("3.2"))],
            notice: None,
            moving: None,
        });
        assert_eq!(s.id, "booking.slots");
        assert_eq!(ids(&s), ["slot:0", "slot:1", "cancel"]);
        assert_eq!(s.buttons[0].label.zh, "06-16 08:30-09:00 余5\n本厅");
        assert_eq!(s.buttons[1].label.zh, "06-16 08:30-09:00 余5\n越秀大厅 3.2公里");
        assert_eq!(s.buttons[1].label.en, "06-16 08:30-09:00, 5 left\n越秀大厅, 3.2 km");
        let s = show(BookingView::Slots {
            slots: vec![slot(0, "天河大厅", None)],
            notice: None,
            moving: Some("B1".into()),
        });
        assert!(s.render_text(Lang::En).contains("Moving B1"));
        let s = show(BookingView::Slots { slots: Vec::new(), notice: None, moving: None });
        assert_eq!(ids(&s), ["cancel"]);
        assert!(s.render_text(Lang::Zh).contains("近期没有可预约的时段"));
    }

    #[test]
    fn a_long_slot_list_is_cut_with_every_hall_keeping_its_share() {
        let halls = [("天河", None), ("越秀", Some("3.2")), ("海珠", Some("7.8"))];
        let nine: Vec<SlotLine> = (0..9).map(|i| slot(i, halls[i / 3].0, halls[i / 3].1)).collect();
        let s = show(BookingView::Slots { slots: nine, notice: None, moving: None });
        assert_eq!(ids(&s), ["slot:0", "slot:1", "slot:3", "slot:4", "slot:6", "slot:7", "cancel"]);
        // One hall (moving a booking): the earliest.
        let one: Vec<SlotLine> = (0..8).map(|i| slot(i, "天河", None)).collect();
        let s = show(BookingView::Slots { slots: one, notice: None, moving: Some("B1".into()) });
        assert_eq!(ids(&s), ["slot:0", "slot:1", "slot:2", "slot:3", "slot:4", "slot:5", "cancel"]);
        // Two halls, one of them with few slots: the room left goes to the other one.
        let mixed: Vec<SlotLine> =
            (0..8).map(|i| if i == 0 { slot(i, "越秀", Some("3.2")) } else { slot(i, "天河", None) }).collect();
        let s = show(BookingView::Slots { slots: mixed, notice: None, moving: None });
        assert_eq!(s.buttons.len(), MAX_SLOTS + 1);
        assert_eq!(ids(&s)[..MAX_SLOTS], ["slot:0", "slot:1", "slot:2", "slot:3", "slot:4", "slot:5"]);
    }

    #[test]
    fn the_keypad_is_a_phone_keypad() {
        let s = keypad(PhoneFor::Applicant, "1380013", false);
        assert_eq!(s.id, "booking.phone");
        assert_eq!(
            ids(&s),
            ["key_1", "key_2", "key_3", "key_4", "key_5", "key_6", "key_7", "key_8", "key_9", "key_del", "key_0", "ok"]
        );
        for d in 0..=9 {
            assert!(s.has_button(&format!("key_{d}")));
        }
        assert_eq!(s.body[0].zh, "号码：138 0013");
        assert_eq!(keypad(PhoneFor::Applicant, "1380013800", false).body[0].en, "Number: 138 0013 800");
        assert_eq!(keypad(PhoneFor::Applicant, "13800138000", false).body[0].zh, "号码：138 0013 8000");
        assert_eq!(grouped("13800138"), "138 0013 8");
        assert_eq!(grouped(""), "");
    }

    #[test]
    fn delete_is_cancel_while_nothing_is_typed() {
        let empty = keypad(PhoneFor::Applicant, "", false);
        assert!(empty.has_button("cancel") && !empty.has_button("key_del"));
        assert_eq!(empty.buttons.iter().position(|b| b.id == "cancel"), Some(9));
        assert!(empty.render_text(Lang::Zh).contains("请在下方输入"));
        let typed = keypad(PhoneFor::Applicant, "1", false);
        assert!(typed.has_button("key_del") && !typed.has_button("cancel"));
    }

    #[test]
    fn an_invalid_number_is_explained_for_whose_it_is() {
        assert_eq!(keypad(PhoneFor::Applicant, "138", false).body.len(), 1);
        let own = keypad(PhoneFor::Applicant, "138", true);
        assert!(own.render_text(Lang::En).contains("11-digit"));
        let contact = keypad(PhoneFor::Emergency, "13800138000", true);
        assert!(contact.title.en.contains("Emergency"));
        let en = contact.render_text(Lang::En);
        assert!(en.contains("11-digit") && en.contains("not your own"), "{en}");
    }

    #[test]
    fn confirming_a_booking_or_a_move() {
        let lines =
            vec![Text::new("广州市越秀区出入境大厅 2025-06-16 08:30-09:00", "Yuexiu hall, 2025-06-16 08:30-09:00")];
        let s = show(BookingView::Confirm { lines: lines.clone(), moving: false });
        assert_eq!((s.id.as_str(), ids(&s)), ("booking.confirm", vec!["confirm", "back", "cancel"]));
        assert_eq!(s.body, lines);
        assert_eq!(s.buttons[0].label.en, "Book it");
        let s = show(BookingView::Confirm { lines, moving: true });
        assert_eq!(s.buttons[0].label.en, "Move it");
        let s = show(BookingView::CancelConfirm { booking: line("B1") });
        assert_eq!((s.id.as_str(), ids(&s)), ("booking.cancel_confirm", vec!["confirm", "back"]));
        assert!(s.render_text(Lang::Zh).contains("预约码 B1"));
    }

    #[test]
    fn final_screens_offer_the_rating_then_done() {
        let done = show(BookingView::Done { booking: line("B1"), moved: false, unprinted: false });
        let moved = show(BookingView::Done { booking: line("B1"), moved: true, unprinted: true });
        let cancelled = show(BookingView::Cancelled { booking: line("B1"), cancellations: 1, banned_until: None });
        let finished = crate::screen(&View::Finished { summary: Text::new("查询完毕", "Queries done") });
        for (s, id) in [
            (&done, "booking.done"),
            (&moved, "booking.done"),
            (&cancelled, "booking.cancelled"),
            (&finished, "finished"),
        ] {
            assert_eq!(s.id, id);
            let mut want = RATINGS.to_vec();
            want.push("done");
            assert_eq!(ids(s), want, "{id}");
        }
        assert_eq!(done.title.zh, "预约成功");
        assert!(
            done.render_text(Lang::Zh).contains("请取走预约凭条")
                && done.render_text(Lang::Zh).contains("2025-06-17 17:00前")
        );
        assert_eq!(moved.title.en, "Booking moved");
        assert!(moved.render_text(Lang::Zh).contains("未能打印，请记下预约码"));
        assert!(finished.render_text(Lang::Zh).contains("查询完毕"));
    }

    #[test]
    fn a_cancellation_says_how_many_and_any_ban() {
        let s = show(BookingView::Cancelled { booking: line("B1"), cancellations: 1, banned_until: None });
        assert!(s.render_text(Lang::Zh).contains("近期已取消1次") && !s.render_text(Lang::Zh).contains("不能再预约"));
        let s = show(BookingView::Cancelled {
            booking: line("B1"),
            cancellations: 3,
            banned_until: Some("2025-07-16".into()),
        });
        assert!(s.render_text(Lang::En).contains("You cannot book again before 2025-07-16"));
    }
}
