//! Representative screens: at least one per screen id, every refusal reason, a countdown, progress,
//! disabled buttons and the out-of-service home screen.

#![allow(dead_code)]

use kiosk_ui::{Availability, OptionView, Reason, SCREEN_IDS, Screen, Step, Text, View, screen};

/// One case: a file-name-safe name and its screen.
pub struct Case {
    pub name: String,
    pub screen: Screen,
}

fn option(id: &str, zh: &str, en: &str, months: u8, trips: u8, fee_fen: u32) -> OptionView {
    OptionView { id: id.into(), destination: Text::new(zh, en), months, trips, fee_fen, valid_to: "2026-09-30".into() }
}

fn case(name: &str, view: View, countdown: Option<u32>) -> Case {
    let mut s = screen(&view);
    s.countdown = countdown;
    Case { name: name.into(), screen: s }
}

/// Every representative case.
pub fn cases() -> Vec<Case> {
    let hk1 = option("opt_hk_1", "香港", "Hong Kong", 3, 1, 1500);
    let out = |zh: &str, en: &str| Availability::OutOfService { why: Text::new(zh, en) };
    let mut v = vec![
        case("home", View::Home { checkin: Availability::Available, endorse: Availability::Available }, None),
        case(
            "home.endorse_out",
            View::Home {
                checkin: Availability::Available,
                endorse: out("签注打印机故障（card_jam）", "endorser fault (card_jam)"),
            },
            None,
        ),
        case(
            "home.all_out",
            View::Home {
                checkin: out("凭条打印机故障（out of stock）", "receipt fault (out of stock)"),
                endorse: out("签注设备内有遗留证件，请联系工作人员", "a card was left in the machine; staff needed"),
            },
            None,
        ),
        case("checkin.present", View::CheckinPresent, None),
        case("checkin.confirm_card", View::CheckinConfirmCard { slot: "09:00-09:30".into() }, None),
        case("endorse.documents", View::EndorseDocuments { permit_read: true, card_read: false }, None),
        case(
            "verify.finger",
            View::Verify {
                finger: Step::Waiting,
                face: Step::Waiting,
                attempt: 1,
                max_attempts: 3,
                press_again: false,
            },
            None,
        ),
        case(
            "verify.press_again",
            View::Verify {
                finger: Step::Waiting,
                face: Step::NotNeeded,
                attempt: 2,
                max_attempts: 3,
                press_again: true,
            },
            None,
        ),
        case(
            "verify.face",
            View::Verify { finger: Step::Passed, face: Step::Waiting, attempt: 3, max_attempts: 3, press_again: false },
            Some(15),
        ),
        case(
            "endorse.choose",
            View::EndorseChoose {
                options: vec![
                    hk1.clone(),
                    option("opt_hk_2", "香港", "Hong Kong", 3, 2, 3000),
                    option("opt_hk_m", "香港", "Hong Kong", 12, 0, 8000),
                    option("opt_mo_1", "澳门", "Macau", 3, 1, 1500),
                    option("opt_tw_1", "台湾", "Taiwan", 6, 1, 2000),
                ],
            },
            None,
        ),
        case("endorse.confirm", View::EndorseConfirm { option: hk1.clone() }, None),
        case("endorse.pay", View::EndorsePay { fee_fen: 1500, order_no: "KX2025061500012".into() }, Some(15)),
        case("endorse.writing", View::EndorseWriting, None),
        case("endorse.take_permit", View::EndorseTakePermit, Some(9)),
        case(
            "endorse.done",
            View::EndorseDone {
                summary: Text::new(
                    "已签注：香港 团队旅游 3个月一次\n凭条打印机缺纸，请到服务台领取回执",
                    "Issued: Hong Kong group tour, 3 months, one trip\nThe receipt printer is out of paper: ask at the desk",
                ),
            },
            None,
        ),
        case("checkin.printing", View::CheckinPrinting, None),
        case("checkin.ticket", View::CheckinTicket { number: "B-017".into() }, Some(30)),
        case("working", View::Working { what: Text::new("正在审批，请稍候", "Waiting for approval") }, None),
        case(
            "out_of_service",
            View::OutOfService { why: Text::new("暂停服务：系统维护中", "Closed for maintenance") },
            None,
        ),
    ];
    for r in Reason::ALL {
        let detail = match r {
            Reason::DeviceFault => Some(Text::new("签注打印机：card_jam", "endorser: card_jam")),
            Reason::OtherHall => {
                Some(Text::new("预约大厅：广州市公安局出入境大厅", "Booked hall: Guangzhou exit-entry hall"))
            }
            Reason::PermitExpired => Some(Text::new("有效期至 2024-05-01", "Expired on 2024-05-01")),
            _ => None,
        };
        let countdown = (r == Reason::WalkedAway).then_some(5);
        v.push(case(&format!("refusal.{}", r.code()), View::Refusal { reason: r, detail }, countdown));
    }
    for id in SCREEN_IDS {
        assert!(v.iter().any(|c| c.screen.id == *id), "no case for screen {id}");
    }
    v
}
