//! Representative screens: at least one per screen id, every refusal reason, a countdown, progress,
//! disabled buttons and the out-of-service home screen.

#![allow(dead_code)]

use kiosk_ui::view::{BookingView, QueryView};
use kiosk_ui::{
    Availability, BookingLine, Choice, DocumentLine, EndorsementLine, OptionView, PhoneFor, ProgressLine, Reason,
    SCREEN_IDS, Screen, Service, SlotLine, Step, Text, View, screen,
};

/// One case: a file-name-safe name and its screen.
pub struct Case {
    pub name: String,
    pub screen: Screen,
}

fn option(id: &str, zh: &str, en: &str, months: u8, trips: u8, fee_fen: u32) -> OptionView {
    OptionView {
        id: id.into(),
        destination: Text::new(zh, en),
        months,
        trips,
        fee_fen,
        valid_to: "2026-09-30".into(),
        individual: false,
    }
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
        case(
            "home",
            View::Home {
                checkin: Availability::Available,
                endorse: Availability::Available,
                query: Availability::Available,
                booking: Availability::Available,
            },
            None,
        ),
        case(
            "home.endorse_out",
            View::Home {
                checkin: Availability::Available,
                endorse: out("签注打印机故障（card_jam）", "endorser fault (card_jam)"),
                query: Availability::Available,
                booking: Availability::Available,
            },
            None,
        ),
        case(
            "home.applicant_out",
            View::Home {
                checkin: Availability::Available,
                endorse: Availability::Available,
                query: out("未连接全国出入境服务平台", "not connected to the national platform"),
                booking: out("未连接全国出入境服务平台", "not connected to the national platform"),
            },
            None,
        ),
        case(
            "home.all_out",
            View::Home {
                checkin: out("凭条打印机故障（out of stock）", "receipt fault (out of stock)"),
                endorse: out("签注设备内有遗留证件，请联系工作人员", "a card was left in the machine; staff needed"),
                query: out("未连接全国出入境服务平台", "not connected to the national platform"),
                booking: out("凭条打印机故障（out of stock）", "receipt fault (out of stock)"),
            },
            None,
        ),
        case("identity.present.query", View::IdentityPresent { service: Service::Query }, None),
        case("identity.present.booking", View::IdentityPresent { service: Service::Booking }, Some(12)),
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
                note: None,
            },
            None,
        ),
        case(
            "endorse.choose.hk_macau_all",
            View::EndorseChoose {
                options: vec![
                    hk1.clone(),
                    option("HK-L-3M-2", "香港", "Hong Kong", 3, 2, 3000),
                    option("HK-L-12M-1", "香港", "Hong Kong", 12, 1, 1500),
                    option("HK-L-12M-2", "香港", "Hong Kong", 12, 2, 3000),
                    option("MO-L-3M-1", "澳门", "Macau", 3, 1, 1500),
                    option("MO-L-3M-2", "澳门", "Macau", 3, 2, 3000),
                    option("MO-L-12M-1", "澳门", "Macau", 12, 1, 1500),
                ],
                note: None,
            },
            None,
        ),
        case(
            "endorse.choose.individual",
            View::EndorseChoose {
                options: vec![
                    option("TW-L-6M-1", "台湾", "Taiwan", 6, 1, 2000),
                    OptionView { individual: true, ..option("TW-G-6M-1", "台湾", "Taiwan", 6, 1, 2000) },
                ],
                note: None,
            },
            None,
        ),
        case(
            "endorse.choose.individual_note",
            View::EndorseChoose {
                options: vec![option("TW-L-6M-1", "台湾", "Taiwan", 6, 1, 2000)],
                note: Some(Text::new(
                    "赴台个人旅游签注仅限开放城市户籍或持开放城市居住证人员办理，您可办理团队旅游签注",
                    "The Taiwan individual tour is only for people whose hukou or residence permit is in an open \
                     city; you may get the group tour",
                )),
            },
            Some(14),
        ),
        case("endorse.confirm", View::EndorseConfirm { option: hk1.clone() }, None),
        case(
            "endorse.confirm.individual",
            View::EndorseConfirm {
                option: OptionView { individual: true, ..option("TW-G-6M-1", "台湾", "Taiwan", 6, 1, 2000) },
            },
            None,
        ),
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
        case(
            "finished",
            View::Finished {
                summary: Text::new("出入境记录已打印，请取走凭条", "Your entry/exit record was printed: take it"),
            },
            Some(20),
        ),
        case("working", View::Working { what: Text::new("正在审批，请稍候", "Waiting for approval") }, None),
        case(
            "out_of_service",
            View::OutOfService { why: Text::new("暂停服务：系统维护中", "Closed for maintenance") },
            None,
        ),
    ];
    v.extend(query_cases());
    v.extend(booking_cases());
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

fn query(name: &str, q: QueryView, countdown: Option<u32>) -> Case {
    case(name, View::Query(q), countdown)
}

fn progress(
    no: &str,
    what: (&str, &str),
    status: (&str, &str),
    dates: (&str, &str),
    pickup: (&str, &str),
) -> ProgressLine {
    ProgressLine {
        application_no: no.into(),
        what: Text::new(what.0, what.1),
        status: Text::new(status.0, status.1),
        submitted_on: dates.0.into(),
        expected_on: dates.1.into(),
        pickup: Text::new(pickup.0, pickup.1),
    }
}

/// The query screens.
fn query_cases() -> Vec<Case> {
    let renewal = progress(
        "440106202506100023",
        ("换发补发 往来港澳通行证", "Renewal or replacement: Exit-entry permit for Hong Kong and Macau"),
        ("审批中", "under review"),
        ("2025-06-10", "2025-06-17"),
        ("邮寄", "By mail (needs a mailing address)"),
    );
    let passport = progress(
        "440106202505280117",
        ("首次申请 普通护照", "First application: Ordinary passport"),
        ("已制证，待领取", "ready for pickup"),
        ("2025-05-28", "2025-06-04"),
        ("现场领取", "Collect in person"),
    );
    let endorsement =
        |permit: (&str, &str), what: (&str, &str), trips: (&str, &str), from: &str, to: &str, usable| EndorsementLine {
            permit: Text::new(permit.0, permit.1),
            what: Text::new(what.0, what.1),
            trips: Text::new(trips.0, trips.1),
            valid_from: from.into(),
            valid_to: to.into(),
            usable,
        };
    let hk_permit = ("港澳通行证C12345678", "HK/Macau permit C12345678");
    let tw_permit = ("台湾通行证T98765432", "Taiwan permit T98765432");
    let documents = vec![
        DocumentLine {
            kind: Text::new("普通护照", "Ordinary passport"),
            number: "E12345678".into(),
            birth_date: "1985-03-12".into(),
            place_of_issue: "广东".into(),
            issue_date: "2015-11-20".into(),
            expiry_date: "2025-11-19".into(),
            expired: false,
            renewal_due: true,
        },
        DocumentLine {
            kind: Text::new("往来港澳通行证", "Exit-entry permit for Hong Kong and Macau"),
            number: "C12345678".into(),
            birth_date: "1985-03-12".into(),
            place_of_issue: "广东".into(),
            issue_date: "2021-04-08".into(),
            expiry_date: "2031-04-07".into(),
            expired: false,
            renewal_due: false,
        },
    ];
    let mut many = Vec::new();
    for i in 0..6 {
        many.push(ProgressLine { application_no: format!("44010620250{}100023", i + 1), ..renewal.clone() });
    }
    vec![
        query("query.menu", QueryView::Menu { notice: None }, None),
        query(
            "query.menu.printed",
            QueryView::Menu {
                notice: Some(Text::new("出入境记录已打印，请取走凭条", "Your entry/exit record was printed: take it")),
            },
            Some(15),
        ),
        query("query.progress", QueryView::Progress { applications: vec![renewal, passport] }, None),
        query("query.progress.many", QueryView::Progress { applications: many }, None),
        query("query.progress.none", QueryView::Progress { applications: Vec::new() }, None),
        query(
            "query.endorsements",
            QueryView::Endorsements {
                endorsements: vec![
                    endorsement(
                        hk_permit,
                        ("香港 团队旅游", "Hong Kong group tour"),
                        ("剩余1次", "1 trip(s) left"),
                        "2025-03-01",
                        "2025-08-31",
                        true,
                    ),
                    endorsement(
                        hk_permit,
                        ("澳门 团队旅游", "Macau group tour"),
                        ("多次有效", "multiple trips"),
                        "2025-03-01",
                        "2026-02-28",
                        true,
                    ),
                    endorsement(
                        tw_permit,
                        ("台湾 个人旅游", "Taiwan individual tour"),
                        ("剩余0次", "0 trip(s) left"),
                        "2024-10-01",
                        "2025-03-31",
                        false,
                    ),
                ],
            },
            None,
        ),
        query("query.documents", QueryView::Documents { documents }, Some(10)),
    ]
}

fn booking(name: &str, b: BookingView, countdown: Option<u32>) -> Case {
    case(name, View::Booking(b), countdown)
}

fn choice(id: &str, zh: &str, en: &str) -> Choice {
    Choice { id: id.into(), label: Text::new(zh, en) }
}

fn held() -> BookingLine {
    BookingLine {
        code: "BK7Q2M9X".into(),
        hall: Text::new("广州市天河区出入境大厅", "Guangzhou Tianhe Exit-Entry Hall"),
        date: "2025-06-18".into(),
        start: "09:00".into(),
        end: "09:30".into(),
        what: Text::new("换发补发 往来港澳通行证（卡式）", "Renewal or replacement: HK/Macau permit (card)"),
        cancel_until: "2025-06-17 17:00".into(),
    }
}

fn slot(
    i: usize,
    hall: (&str, &str),
    km: Option<&str>,
    date: &str,
    start: &str,
    end: &str,
    remaining: u32,
) -> SlotLine {
    SlotLine {
        id: format!("slot:{i}"),
        hall: Text::new(hall.0, hall.1),
        date: date.into(),
        start: start.into(),
        end: end.into(),
        remaining,
        distance_km: km.map(str::to_string),
    }
}

/// The booking screens.
fn booking_cases() -> Vec<Case> {
    let here = ("广州市天河区出入境大厅", "Guangzhou Tianhe Exit-Entry Hall");
    let yuexiu = ("广州市越秀区出入境大厅", "Guangzhou Yuexiu Exit-Entry Hall");
    let haizhu = ("广州市海珠区出入境大厅", "Guangzhou Haizhu Exit-Entry Hall");
    let slots = vec![
        slot(0, here, None, "2025-06-16", "08:30", "09:00", 5),
        slot(1, here, None, "2025-06-16", "09:00", "09:30", 2),
        slot(2, here, None, "2025-06-17", "14:00", "14:30", 8),
        slot(3, yuexiu, Some("3.2"), "2025-06-16", "08:30", "09:00", 12),
        slot(4, yuexiu, Some("3.2"), "2025-06-16", "10:00", "10:30", 1),
        slot(5, haizhu, Some("7.8"), "2025-06-16", "08:30", "09:00", 6),
    ];
    let certificate_types = vec![
        choice("cert:passport", "因私普通护照", "Ordinary passport (private)"),
        choice("cert:passport_amendment", "因私普通护照加注", "Ordinary passport: amendment"),
        choice("cert:hk_macau_permit_card", "往来港澳通行证（卡式）", "HK/Macau permit (card)"),
        choice(
            "cert:hk_macau_booklet_to_card",
            "往来港澳通行证（本式换卡式）",
            "HK/Macau permit: booklet replaced by card",
        ),
        choice("cert:hk_macau_endorsement", "往来港澳通行证签注", "HK/Macau endorsement"),
        choice("cert:taiwan_permit_card", "往来台湾通行证（卡式）", "Taiwan permit (card)"),
        choice("cert:taiwan_endorsement", "往来台湾通行证签注", "Taiwan endorsement"),
    ];
    let businesses = vec![
        choice("business:first_application", "首次申请", "First application"),
        choice("business:renewal", "换发补发", "Renewal or replacement"),
        choice("business:reapplication", "失效重新申请", "Re-application after invalidation"),
    ];
    let relations = vec![
        choice("relation:spouse", "配偶", "Spouse"),
        choice("relation:parent", "父母", "Parent"),
        choice("relation:child", "子女", "Child"),
        choice("relation:relative", "其他亲属", "Other relative"),
        choice("relation:friend", "朋友", "Friend"),
    ];
    let address = "广东省广州市天河区天河路385号太古汇北塔写字楼12层1203室";
    let confirm = vec![
        Text::new(
            "广州市越秀区出入境大厅 2025-06-16 08:30-09:00",
            "Guangzhou Yuexiu Exit-Entry Hall, 2025-06-16 08:30-09:00",
        ),
        Text::new("换发补发 往来港澳通行证（卡式）", "Renewal or replacement: HK/Macau permit (card)"),
        Text::new("户籍所在地：广东省广州市", "Hukou: 广东省广州市"),
        Text::new("联系电话：13800138000", "Mobile: 13800138000"),
        Text::new("紧急联系人：配偶 13912345678", "Emergency contact: Spouse 13912345678"),
        Text::new(format!("领取方式：邮寄至 {address}"), format!("Pickup: by mail to {address}")),
        Text::new("预约成功后请按时到场，凭身份证签到", "Come on time and check in with your ID card"),
    ];
    vec![
        booking("booking.existing", BookingView::Existing { bookings: vec![held()] }, None),
        booking(
            "booking.existing.two",
            BookingView::Existing {
                bookings: vec![
                    held(),
                    BookingLine {
                        code: "BK3H8W2C".into(),
                        date: "2025-06-20".into(),
                        start: "14:30".into(),
                        end: "15:00".into(),
                        what: Text::new("首次申请 因私普通护照", "First application: Ordinary passport (private)"),
                        cancel_until: "2025-06-19 17:00".into(),
                        ..held()
                    },
                ],
            },
            None,
        ),
        booking("booking.certificate", BookingView::Certificate { types: certificate_types }, None),
        booking(
            "booking.business",
            BookingView::Business {
                certificate: Text::new("往来港澳通行证（卡式）", "HK/Macau permit (card)"),
                businesses,
            },
            None,
        ),
        booking("booking.slots", BookingView::Slots { slots: slots.clone(), notice: None, moving: None }, None),
        booking(
            "booking.slots.full",
            BookingView::Slots {
                slots: {
                    let mut all = slots.clone();
                    all.insert(5, slot(5, yuexiu, Some("3.2"), "2025-06-17", "15:30", "16:00", 3));
                    all.push(slot(7, haizhu, Some("7.8"), "2025-06-16", "09:00", "09:30", 4));
                    all.push(slot(8, haizhu, Some("7.8"), "2025-06-18", "11:00", "11:30", 10));
                    for (i, s) in all.iter_mut().enumerate() {
                        s.id = format!("slot:{i}");
                    }
                    all
                },
                notice: Some(Text::new(
                    "您选择的时段刚刚约满，请重新选择",
                    "The slot you chose has just filled up: please choose again",
                )),
                moving: None,
            },
            None,
        ),
        booking(
            "booking.slots.moving",
            BookingView::Slots { slots: slots[..3].to_vec(), notice: None, moving: Some("BK7Q2M9X".into()) },
            None,
        ),
        booking("booking.slots.none", BookingView::Slots { slots: Vec::new(), notice: None, moving: None }, None),
        booking(
            "booking.phone",
            BookingView::Phone { who: PhoneFor::Applicant, digits: "1380013".into(), invalid: false },
            None,
        ),
        booking(
            "booking.phone.empty",
            BookingView::Phone { who: PhoneFor::Applicant, digits: String::new(), invalid: false },
            None,
        ),
        booking(
            "booking.phone.invalid",
            BookingView::Phone { who: PhoneFor::Emergency, digits: "13800138000".into(), invalid: true },
            None,
        ),
        booking("booking.relation", BookingView::Relation { relations }, None),
        booking("booking.pickup", BookingView::Pickup { address: address.into() }, Some(15)),
        booking("booking.confirm", BookingView::Confirm { lines: confirm, moving: false }, None),
        booking(
            "booking.confirm.moving",
            BookingView::Confirm {
                lines: vec![
                    Text::new("改约 BK7Q2M9X", "Moving BK7Q2M9X"),
                    Text::new(
                        "广州市天河区出入境大厅 2025-06-17 14:00-14:30",
                        "Guangzhou Tianhe Exit-Entry Hall, 2025-06-17 14:00-14:30",
                    ),
                ],
                moving: true,
            },
            None,
        ),
        booking("booking.cancel_confirm", BookingView::CancelConfirm { booking: held() }, None),
        booking("booking.done", BookingView::Done { booking: held(), moved: false, unprinted: false }, Some(30)),
        booking("booking.done.unprinted", BookingView::Done { booking: held(), moved: true, unprinted: true }, None),
        booking(
            "booking.cancelled",
            BookingView::Cancelled { booking: held(), cancellations: 1, banned_until: None },
            None,
        ),
        booking(
            "booking.cancelled.banned",
            BookingView::Cancelled { booking: held(), cancellations: 3, banned_until: Some("2025-07-16".into()) },
            None,
        ),
    ]
}
