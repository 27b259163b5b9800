//! What the kiosk wants to show ([`View`]) and the screen drawn from it ([`screen`]).

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
}

/// Every screen id [`screen`] can produce.
pub const SCREEN_IDS: &[&str] = &[
    "home",
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
    },
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
    Text::new(
        format!("{} 团队旅游 {}个月{} {}", o.destination.zh, o.months, t.zh, yuan(o.fee_fen)),
        format!("{} group tour, {} months, {} {}", o.destination.en, o.months, t.en, yuan(o.fee_fen)),
    )
}

/// The optional satisfaction rating of the session's last screen, before "Done".
fn rating(s: &mut Screen) {
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

fn cancel() -> Button {
    Button::new("cancel", Text::new("取消", "Cancel"))
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
        View::Home { checkin, endorse } => {
            s.id = "home".into();
            s.title = Text::new("出入境自助服务", "Exit-Entry Self-Service");
            for (id, label, avail) in [
                ("checkin", Text::new("预约签到取号", "Check in for a booking"), checkin),
                ("endorse", Text::new("自助签注", "Group-tour endorsement"), endorse),
            ] {
                let mut b = Button::new(id, label);
                if let Availability::OutOfService { why } = avail {
                    b.enabled = false;
                    s.body.push(Text::new(
                        format!("{}暂停服务：{}", b.label.zh, why.zh),
                        format!("{} is out of service: {}", b.label.en, why.en),
                    ));
                }
                s.buttons.push(b);
            }
            s.buttons.push(lang());
        }
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
        View::EndorseChoose { options } => {
            s.id = "endorse.choose".into();
            s.title = Text::new("选择签注", "Choose your endorsement");
            s.body.push(Text::new("仅显示您可自助办理的签注", "Only endorsements you may get here are shown"));
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
}
