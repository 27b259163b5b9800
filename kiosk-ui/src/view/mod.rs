//! What the kiosk wants to show ([`View`]) and the screen drawn from it ([`screen`]). The query and
//! booking screens are built in [`query`] and [`booking`].

pub mod booking;
pub mod query;

pub use booking::{BookingLine, BookingView, Choice, PhoneFor, SlotLine};
pub use query::{DocumentLine, EndorsementLine, ProgressLine, QueryView};

use crate::{Button, Reason, Screen, Text};
use serde::{Deserialize, Serialize};

/// Whether a flow can be offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Availability {
    /// Offered.
    Available,
    /// Out of service, and why (e.g. which device).
    OutOfService {
        /// Shown under the button.
        why: Text,
    },
}

/// Progress of one verification step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Not part of this session.
    NotNeeded,
    /// Waiting for the applicant.
    Waiting,
    /// Done.
    Passed,
}

/// One endorsement the applicant may choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionView {
    /// Button id.
    pub id: String,
    /// Destination, both languages.
    pub destination: Text,
    /// Months of validity.
    pub months: u8,
    /// Trips: 1, 2, or 0 for multiple.
    pub trips: u8,
    /// Fee in fen.
    pub fee_fen: u32,
    /// Last valid day, YYYY-MM-DD.
    pub valid_to: String,
    /// An individual-tour endorsement (else a group tour).
    #[serde(default)]
    pub individual: bool,
}

/// A service that needs only the holder's proven identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// Queries (进度、签注、证件、出入境记录).
    Query,
    /// Booking a hall visit, or changing one.
    Booking,
}

/// Every screen id [`screen`] can produce.
pub const SCREEN_IDS: &[&str] = &[
    "home",
    "identity.present",
    "query.menu",
    "query.progress",
    "query.endorsements",
    "query.documents",
    "booking.existing",
    "booking.certificate",
    "booking.business",
    "booking.slots",
    "booking.phone",
    "booking.relation",
    "booking.pickup",
    "booking.confirm",
    "booking.cancel_confirm",
    "booking.done",
    "booking.cancelled",
    "checkin.present",
    "checkin.confirm_card",
    "endorse.documents",
    "verify",
    "endorse.choose",
    "endorse.confirm",
    "endorse.pay",
    "endorse.writing",
    "endorse.take_permit",
    "endorse.done",
    "checkin.printing",
    "checkin.ticket",
    "finished",
    "refusal",
    "working",
    "out_of_service",
];

/// What the kiosk shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "view")]
pub enum View {
    /// The start screen.
    Home {
        /// Check-in.
        checkin: Availability,
        /// Endorsement.
        endorse: Availability,
        /// Queries.
        #[serde(default = "available")]
        query: Availability,
        /// Booking.
        #[serde(default = "available")]
        booking: Availability,
    },
    /// Queries or booking: the ID card first.
    IdentityPresent {
        /// Which service.
        service: Service,
    },
    /// A query screen.
    Query(QueryView),
    /// A booking screen.
    Booking(booking::BookingView),
    /// Check-in: ID card or booking code.
    CheckinPresent,
    /// Check-in by booking code: now the ID card, to confirm the holder.
    CheckinConfirmCard {
        /// Slot, e.g. "09:00-09:30".
        slot: String,
    },
    /// Endorsement: permit and ID card.
    EndorseDocuments {
        /// The permit has been read.
        permit_read: bool,
        /// The ID card has been read.
        card_read: bool,
    },
    /// Fingerprint and / or face.
    Verify {
        /// Fingerprint step.
        finger: Step,
        /// Face step.
        face: Step,
        /// Attempt number (1-based).
        attempt: u8,
        /// Attempts allowed.
        max_attempts: u8,
        /// The last press could not be imaged: ask again.
        #[serde(default)]
        press_again: bool,
    },
    /// Choose an endorsement.
    EndorseChoose {
        /// What may be chosen.
        options: Vec<OptionView>,
        /// Why an endorsement is not offered (the Taiwan individual-tour rule).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Text>,
    },
    /// Confirm the choice and fee.
    EndorseConfirm {
        /// The choice.
        option: OptionView,
    },
    /// Pay.
    EndorsePay {
        /// Fee in fen.
        fee_fen: u32,
        /// Order number.
        order_no: String,
    },
    /// Writing the card and printing the receipt.
    EndorseWriting,
    /// Take the permit.
    EndorseTakePermit,
    /// Finished.
    EndorseDone {
        /// Summary, both languages.
        summary: Text,
    },
    /// Printing the ticket.
    CheckinPrinting,
    /// The ticket.
    CheckinTicket {
        /// Ticket number.
        number: String,
    },
    /// A session that ended well without a ticket or an endorsement (queries, leaving a booking as it was).
    Finished {
        /// What was done.
        summary: Text,
    },
    /// A refusal.
    Refusal {
        /// Why.
        reason: Reason,
        /// A detail (which device, which counter).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<Text>,
    },
    /// Waiting for a device or central.
    Working {
        /// What is being done.
        what: Text,
    },
    /// The whole machine is out of service.
    OutOfService {
        /// Why.
        why: Text,
    },
}

/// "预约签到取号、自助签注暂停服务：…" / "Check in for a booking and Group-tour endorsement are out of
/// service: …".
fn out_of_service_line(labels: &[Text], why: &Text) -> Text {
    let zh: Vec<&str> = labels.iter().map(|l| l.zh.as_str()).collect();
    let en: Vec<&str> = labels.iter().map(|l| l.en.as_str()).collect();
    let (en, verb) = match en.split_last() {
        Some((last, rest)) if !rest.is_empty() => (format!("{} and {last}", rest.join(", ")), "are"),
        _ => (en.concat(), "is"),
    };
    Text::new(format!("{}暂停服务：{}", zh.join("、"), why.zh), format!("{en} {verb} out of service: {}", why.en))
}

fn available() -> Availability {
    Availability::Available
}

fn yuan(fen: u32) -> String {
    format!("¥{}.{:02}", fen / 100, fen % 100)
}

fn trips_text(trips: u8) -> Text {
    match trips {
        1 => Text::new("一次", "one trip"),
        2 => Text::new("二次", "two trips"),
        _ => Text::new("多次", "multiple trips"),
    }
}

fn option_label(o: &OptionView) -> Text {
    let t = trips_text(o.trips);
    let (zh, en) = if o.individual { ("个人旅游", "individual tour") } else { ("团队旅游", "group tour") };
    Text::new(
        format!("{} {zh} {}个月{} {}", o.destination.zh, o.months, t.zh, yuan(o.fee_fen)),
        format!("{} {en}, {} months, {} {}", o.destination.en, o.months, t.en, yuan(o.fee_fen)),
    )
}

/// The optional satisfaction rating of the session's last screen, before "Done".
pub(crate) fn rating(s: &mut Screen) {
    for (id, zh, en) in [
        ("rate_good", "评价：满意", "Rate: satisfied"),
        ("rate_ok", "评价：一般", "Rate: fair"),
        ("rate_bad", "评价：不满意", "Rate: unsatisfied"),
    ] {
        s.buttons.push(Button::new(id, Text::new(zh, en)));
    }
}

/// The rating buttons' ids.
pub const RATINGS: [&str; 3] = ["rate_good", "rate_ok", "rate_bad"];

pub(crate) fn cancel() -> Button {
    Button::new("cancel", Text::new("取消", "Cancel"))
}

pub(crate) fn done() -> Button {
    Button::new("done", Text::new("完成", "Done"))
}

pub(crate) fn back() -> Button {
    Button::new("back", Text::new("返回", "Back"))
}

fn lang() -> Button {
    Button::new("lang", Text::new("English", "中文"))
}

/// The screen for a view (the countdown is added by the caller when it is due).
pub fn screen(view: &View) -> Screen {
    let mut s = Screen {
        id: String::new(),
        title: Text::new("", ""),
        body: Vec::new(),
        buttons: Vec::new(),
        progress: None,
        countdown: None,
        reason: None,
    };
    match view {
        View::Home { checkin, endorse, query, booking } => {
            s.id = "home".into();
            s.title = Text::new("出入境自助服务", "Exit-Entry Self-Service");
            // Services out of service for the same reason share one line.
            let mut out: Vec<(&Text, Vec<Text>)> = Vec::new();
            for (id, label, avail) in [
                ("checkin", Text::new("预约签到取号", "Check in for a booking"), checkin),
                ("endorse", Text::new("自助签注", "Group-tour endorsement"), endorse),
                ("query", Text::new("自助查询", "Queries"), query),
                ("booking", Text::new("预约办证", "Book a visit"), booking),
            ] {
                let mut b = Button::new(id, label);
                if let Availability::OutOfService { why } = avail {
                    b.enabled = false;
                    match out.iter_mut().find(|(w, _)| *w == why) {
                        Some((_, labels)) => labels.push(b.label.clone()),
                        None => out.push((why, vec![b.label.clone()])),
                    }
                }
                s.buttons.push(b);
            }
            for (why, labels) in out {
                s.body.push(out_of_service_line(&labels, why));
            }
            s.buttons.push(lang());
        }
        View::IdentityPresent { service } => {
            s.id = "identity.present".into();
            s.title = match service {
                Service::Query => Text::new("自助查询", "Queries"),
                Service::Booking => Text::new("预约办证", "Book a visit"),
            };
            s.body.push(Text::new("请将身份证放在感应区", "Place your ID card on the reader"));
            s.body.push(Text::new("核验指纹或人脸后即可办理", "Your fingerprint or face is checked next"));
            s.buttons.push(cancel());
        }
        View::Query(q) => query::screen(q, &mut s),
        View::Booking(b) => booking::screen(b, &mut s),
        View::CheckinPresent => {
            s.id = "checkin.present".into();
            s.title = Text::new("预约签到", "Check in");
            s.body.push(Text::new("请将身份证放在感应区", "Place your ID card on the reader"));
            s.body.push(Text::new("或输入预约码", "or enter your booking code"));
            s.buttons.push(Button::new("enter_code", Text::new("输入预约码", "Enter booking code")));
            s.buttons.push(cancel());
        }
        View::CheckinConfirmCard { slot } => {
            s.id = "checkin.confirm_card".into();
            s.title = Text::new("核验身份", "Confirm your identity");
            s.body.push(Text::new(format!("已找到预约：{slot}"), format!("Booking found: {slot}")));
            s.body.push(Text::new("请将本人身份证放在感应区", "Place your own ID card on the reader"));
            s.buttons.push(cancel());
        }
        View::EndorseDocuments { permit_read, card_read } => {
            s.id = "endorse.documents".into();
            s.title = Text::new("自助签注", "Group-tour endorsement");
            let tick = |b: bool| if b { "✓ " } else { "" };
            s.body.push(Text::new(
                format!("{}请将通行证签注面朝上插入卡槽", tick(*permit_read)),
                format!("{}Insert your travel permit, endorsement side up", tick(*permit_read)),
            ));
            s.body.push(Text::new(
                format!("{}请将身份证放在感应区", tick(*card_read)),
                format!("{}Place your ID card on the reader", tick(*card_read)),
            ));
            s.buttons.push(cancel());
        }
        View::Verify { finger, face, attempt, max_attempts, press_again } => {
            s.id = "verify".into();
            s.title = Text::new("核验身份", "Identity check");
            if *finger == Step::Waiting && *press_again {
                s.progress = Some(Text::new(
                    "未采集到清晰指纹，请擦干手指后重新按压",
                    "The fingerprint was not clear: dry your finger and press again",
                ));
            } else if *finger == Step::Waiting {
                s.progress = Some(Text::new("请按压手指", "Press your finger on the scanner"));
            } else if *face == Step::Waiting {
                s.progress = Some(Text::new(
                    "请正视摄像头，摘下口罩和眼镜，眨一眨眼",
                    "Look at the camera, without mask or glasses, and blink",
                ));
            }
            if *attempt > 1 {
                s.body.push(Text::new(
                    format!("第{attempt}次，共{max_attempts}次"),
                    format!("Attempt {attempt} of {max_attempts}"),
                ));
            }
            s.buttons.push(cancel());
        }
        View::EndorseChoose { options, note } => {
            s.id = "endorse.choose".into();
            s.title = Text::new("选择签注", "Choose your endorsement");
            s.body.push(Text::new("仅显示您可自助办理的签注", "Only endorsements you may get here are shown"));
            if let Some(n) = note {
                s.body.push(n.clone());
            }
            for o in options {
                s.buttons.push(Button::new(o.id.clone(), option_label(o)));
            }
            s.buttons.push(cancel());
        }
        View::EndorseConfirm { option } => {
            s.id = "endorse.confirm".into();
            s.title = Text::new("确认签注", "Confirm");
            s.body.push(option_label(option));
            s.body.push(Text::new(format!("有效期至 {}", option.valid_to), format!("Valid until {}", option.valid_to)));
            s.buttons.push(Button::new(
                "confirm",
                Text::new(
                    format!("确认并支付 {}", yuan(option.fee_fen)),
                    format!("Confirm and pay {}", yuan(option.fee_fen)),
                ),
            ));
            s.buttons.push(Button::new("back", Text::new("返回", "Back")));
            s.buttons.push(cancel());
        }
        View::EndorsePay { fee_fen, order_no } => {
            s.id = "endorse.pay".into();
            s.title = Text::new("支付", "Payment");
            s.body.push(Text::new(format!("应付 {}", yuan(*fee_fen)), format!("Amount due {}", yuan(*fee_fen))));
            s.body.push(Text::new(
                "请插入银联卡，或用微信/支付宝扫码",
                "Insert a UnionPay card, or scan with WeChat / Alipay",
            ));
            s.body.push(Text::new(format!("订单号 {order_no}"), format!("Order {order_no}")));
            s.buttons.push(cancel());
        }
        View::EndorseWriting => {
            s.id = "endorse.writing".into();
            s.title = Text::new("正在制证", "Writing your permit");
            s.progress = Some(Text::new("正在写卡，请勿取卡", "Writing the card, please wait"));
        }
        View::EndorseTakePermit => {
            s.id = "endorse.take_permit".into();
            s.title = Text::new("请取回通行证", "Take your permit");
            s.body.push(Text::new("请取回通行证、身份证和回执", "Take your permit, your ID card and your receipt"));
        }
        View::EndorseDone { summary } => {
            s.id = "endorse.done".into();
            s.title = Text::new("签注办理完成", "Endorsement issued");
            s.body.push(summary.clone());
            rating(&mut s);
            s.buttons.push(Button::new("done", Text::new("完成", "Done")));
        }
        View::CheckinPrinting => {
            s.id = "checkin.printing".into();
            s.title = Text::new("正在打印排队号", "Printing your ticket");
            s.progress = Some(Text::new("请稍候", "Please wait"));
        }
        View::CheckinTicket { number } => {
            s.id = "checkin.ticket".into();
            s.title = Text::new("签到成功", "Checked in");
            s.body.push(Text::new(format!("您的排队号：{number}"), format!("Your number: {number}")));
            s.body.push(Text::new("请取走排队号，留意叫号", "Take your ticket and wait to be called"));
            rating(&mut s);
            s.buttons.push(Button::new("done", Text::new("完成", "Done")));
        }
        View::Finished { summary } => {
            s.id = "finished".into();
            s.title = Text::new("感谢使用", "Thank you");
            s.body.push(summary.clone());
            s.body.push(Text::new("请取走您的身份证", "Take your ID card with you"));
            rating(&mut s);
            s.buttons.push(done());
        }
        View::Refusal { reason, detail } => {
            s.id = "refusal".into();
            s.reason = Some(reason.code().into());
            s.title = Text::new("无法办理", "Cannot continue");
            s.body.push(reason.message());
            if let Some(d) = detail {
                s.body.push(d.clone());
            }
            s.body.push(reason.next_step());
            rating(&mut s);
            s.buttons.push(Button::new("done", Text::new("完成", "Done")));
        }
        View::Working { what } => {
            s.id = "working".into();
            s.title = Text::new("请稍候", "Please wait");
            s.progress = Some(what.clone());
        }
        View::OutOfService { why } => {
            s.id = "out_of_service".into();
            s.title = Text::new("暂停服务", "Out of service");
            s.body.push(why.clone());
            s.body.push(Text::new("请使用其他自助机或到人工窗口", "Please use another machine or a staffed counter"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lang;

    #[test]
    fn out_of_service_flow_is_disabled_and_explained() {
        let s = screen(&View::Home {
            checkin: Availability::Available,
            endorse: Availability::OutOfService {
                why: Text::new("签注打印机故障", "endorsement printer fault")
            },
            query: Availability::Available,
            booking: Availability::Available,
        });
        assert!(s.has_button("checkin"));
        assert!(!s.has_button("endorse"));
        assert!(
            s.render_text(Lang::En).contains("Group-tour endorsement is out of service: endorsement printer fault")
        );
    }

    #[test]
    fn refusal_screen_says_what_and_what_next() {
        let s = screen(&View::Refusal { reason: Reason::TooEarly, detail: None });
        assert_eq!(s.reason.as_deref(), Some("too_early"));
        let zh = s.render_text(Lang::Zh);
        assert!(zh.contains("还未到") && zh.contains("60分钟"));
    }

    fn option(individual: bool) -> OptionView {
        OptionView {
            id: "TW-G-6M-1".into(),
            destination: Text::new("台湾", "Taiwan"),
            months: 6,
            trips: 1,
            fee_fen: 2000,
            valid_to: "2026-05-31".into(),
            individual,
        }
    }

    #[test]
    fn an_individual_tour_says_so() {
        let s = screen(&View::EndorseChoose { options: vec![option(false), option(true)], note: None });
        assert_eq!(s.buttons[0].label.zh, "台湾 团队旅游 6个月一次 ¥20.00");
        assert_eq!(s.buttons[1].label.zh, "台湾 个人旅游 6个月一次 ¥20.00");
        assert_eq!(s.buttons[1].label.en, "Taiwan individual tour, 6 months, one trip ¥20.00");
        let s = screen(&View::EndorseConfirm { option: option(true) });
        assert!(s.render_text(Lang::Zh).contains("台湾 个人旅游"));
    }

    #[test]
    fn why_the_individual_tour_is_not_offered() {
        let note = Text::new(
            "赴台个人旅游签注仅限开放城市户籍或居住证持有人办理，您可办理团队旅游签注",
            "The Taiwan individual tour is only for people with hukou or a residence permit in an open city",
        );
        let s = screen(&View::EndorseChoose { options: vec![option(false)], note: Some(note.clone()) });
        assert_eq!(s.body.last(), Some(&note));
        assert_eq!(screen(&View::EndorseChoose { options: vec![option(false)], note: None }).body.len(), 1);
    }

    #[test]
    fn services_out_for_the_same_reason_share_a_line() {
        let why = Text::new("未连接全国出入境服务平台", "not connected to the national platform");
        let out = Availability::OutOfService { why: why.clone() };
        let s = screen(&View::Home {
            checkin: Availability::Available,
            endorse: Availability::Available,
            query: out.clone(),
            booking: out,
        });
        assert_eq!(
            s.buttons.iter().map(|b| b.id.as_str()).collect::<Vec<_>>(),
            ["checkin", "endorse", "query", "booking", "lang"]
        );
        assert!(
            s.has_button("checkin") && s.has_button("endorse") && !s.has_button("query") && !s.has_button("booking")
        );
        assert_eq!(s.body.len(), 1);
        assert_eq!(s.body[0].zh, "自助查询、预约办证暂停服务：未连接全国出入境服务平台");
        assert_eq!(s.body[0].en, "Queries and Book a visit are out of service: not connected to the national platform");
        let all = screen(&View::Home {
            checkin: Availability::OutOfService { why: why.clone() },
            endorse: Availability::OutOfService { why: Text::new("签注打印机故障", "endorser fault") },
            query: Availability::OutOfService { why: why.clone() },
            booking: Availability::OutOfService { why },
        });
        assert_eq!(all.body.len(), 2);
        assert!(all.body[0].en.starts_with("Check in for a booking, Queries and Book a visit are out of service"));
    }

    #[test]
    fn queries_and_booking_start_with_the_id_card() {
        for (service, title) in [(Service::Query, "Queries"), (Service::Booking, "Book a visit")] {
            let s = screen(&View::IdentityPresent { service });
            assert_eq!((s.id.as_str(), s.title.en.as_str()), ("identity.present", title));
            assert!(s.has_button("cancel"));
            assert!(s.render_text(Lang::Zh).contains("身份证"));
        }
    }
}
