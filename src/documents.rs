//! What the kiosk prints: queue tickets, endorsement receipts (受理回执), refund slips. Personal data
//! on paper is masked the way the counter's own slips mask it.

use crate::central::TravelRecords;
use crate::session::{BookingInfo, CardInfo, Ctx, OrderInfo, PermitInfo};
use chrono::{DateTime, FixedOffset};
use drivers::idcard::mask_id;
use drivers::permit::{Endorsement, Trips};
use drivers::receipt::{Align, Document};

/// The ticket a self-test prints (kioskctl selftest, kioskd probe --test-print).
pub fn test_ticket() -> Document {
    Document::new()
        .styled("打印测试 Test print", Align::Centre, 2, true)
        .line(format!("kioskd {}", env!("CARGO_PKG_VERSION")))
        .qr("KIOSKD-TEST-PRINT")
}

/// A name masked for paper: 王小明 → 王*明, 王芳 → 王*.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// A one-line description of an endorsement.
pub fn describe(e: &Endorsement) -> String {
    let trips = match e.trips {
        Trips::One => "one trip",
        Trips::Two => "two trips",
        Trips::Multiple => "multiple trips",
    };
    let months = {
        use chrono::Datelike;
        let m =
            (e.valid_to.year() - e.valid_from.year()) * 12 + e.valid_to.month() as i32 - e.valid_from.month() as i32;
        if e.valid_to.day() + 1 >= e.valid_from.day() { m } else { m - 1 }.max(1)
    };
    let kind = match e.kind {
        drivers::permit::EndorsementKind::IndividualTour => "individual tour",
        _ => "group tour",
    };
    format!("{} {kind} {}m {}, valid {} to {}", e.destination.code(), months, trips, e.valid_from, e.valid_to)
}

fn yuan(fen: u32) -> String {
    format!("¥{}.{:02}", fen / 100, fen % 100)
}

/// The queue ticket.
pub fn ticket(number: &str, b: &BookingInfo, card: &CardInfo, now: DateTime<FixedOffset>, reprint: bool) -> Document {
    let mut d = Document::new()
        .styled("出入境管理大厅", Align::Centre, 1, true)
        .styled("排队号 Queue number", Align::Centre, 1, false)
        .styled(number, Align::Centre, 3, true)
        .styled("预约优先 Booked", Align::Centre, 1, false)
        .rule()
        .line(format!("预约时段 Slot: {} {}-{}", b.day, b.slot_start, b.slot_end))
        .line(format!("姓名 Name: {}", mask_name(&card.name)))
        .line(format!("证件 ID: {}", mask_id(&card.id_number)))
        .line(format!("签到 At: {}", now.format("%Y-%m-%d %H:%M")))
        .qr(format!("TICKET:{number}:{}", b.code));
    if reprint {
        d = d.styled("补打 REPRINT", Align::Centre, 1, true);
    }
    d.line("请留意叫号 Please wait to be called")
}

/// The endorsement receipt (受理回执 and payment slip in one).
pub fn receipt(
    ctx: &Ctx,
    session: &str,
    card: &CardInfo,
    permit: &PermitInfo,
    order: &OrderInfo,
    e: &Endorsement,
    reprint: bool,
) -> Document {
    let mut d = Document::new()
        .styled("出入境自助签注回执", Align::Centre, 2, true)
        .styled("Endorsement receipt", Align::Centre, 1, false)
        .rule()
        .line(format!("姓名 Name: {}", mask_name(&card.name)))
        .line(format!("身份证 ID: {}", mask_id(&card.id_number)))
        .line(format!("通行证 Permit: {}", mask_id(&permit.number)))
        .line(format!("签注 Endorsement: {}", describe(e)))
        .line(format!("金额 Fee: {}", yuan(order.fee_fen)))
        .line(format!("订单号 Order: {}", order.order_no))
        .line(format!("受理编号 Ref: {session}"))
        .line(format!("自助机 Kiosk: {} @ {}", ctx.kiosk_id, ctx.hall_id))
        .line(format!("时间 Time: {}", ctx.now.format("%Y-%m-%d %H:%M")))
        .qr(format!("RECEIPT:{session}"));
    if reprint {
        d = d.styled("补打 REPRINT", Align::Centre, 1, true);
    }
    d
}

/// The refund slip.
pub fn refund_slip(ctx: &Ctx, order: &OrderInfo) -> Document {
    Document::new()
        .styled("退款凭条 Refund slip", Align::Centre, 1, true)
        .rule()
        .line(format!("订单号 Order: {}", order.order_no))
        .line(format!("退款号 Refund: {}", order.refund_no.clone().unwrap_or_default()))
        .line(format!("金额 Amount: {}", yuan(order.fee_fen)))
        .line(format!("时间 Time: {}", ctx.now.format("%Y-%m-%d %H:%M")))
        .line("款项将原路退回 Refunded to the original payment method")
}

/// The most crossings one print-out lists (the newest); the QR code fetches them all.
pub const MAX_TRAVEL_LINES: usize = 100;

/// The printed entry/exit record (出入境记录), with the QR code that fetches the same record later.
pub fn travel_record(card: &CardInfo, records: &TravelRecords, now: DateTime<FixedOffset>) -> Document {
    let mut d = Document::new()
        .styled("出入境记录", Align::Centre, 2, true)
        .styled("Entry/exit record", Align::Centre, 1, false)
        .rule()
        .line(format!("姓名 Name: {}", mask_name(&card.name)))
        .line(format!("身份证 ID: {}", mask_id(&card.id_number)))
        .line(format!("打印 Printed: {}", now.format("%Y-%m-%d %H:%M")))
        .line(format!("共{}条 Crossings: {}", records.records.len(), records.records.len()))
        .rule();
    if records.records.is_empty() {
        d = d.line("无出入境记录 No crossings on record");
    }
    let skip = records.records.len().saturating_sub(MAX_TRAVEL_LINES);
    if skip > 0 {
        d = d.line(format!("仅列最近{MAX_TRAVEL_LINES}条 The newest {MAX_TRAVEL_LINES} are listed"));
    }
    for r in records.records.iter().skip(skip) {
        let dir = if r.direction == "exit" { "出境 Exit" } else { "入境 Entry" };
        d = d.line(format!("{} {} {dir}", r.date, r.time)).line(format!(
            "  {} {}",
            r.port,
            mask_id(&r.document_number)
        ));
    }
    d.rule()
        .line(format!("查验编号 Ref: {}", records.reference))
        .qr(records.url.clone())
        .line("扫码可再次获取本记录 Scan to fetch this record again")
}

/// The booking slip: where and when, and the QR code (the booking code) to check in with.
pub fn booking_slip(card: &CardInfo, b: &kiosk_ui::BookingLine, now: DateTime<FixedOffset>, moved: bool) -> Document {
    let title = if moved { "改约凭条 Booking moved" } else { "预约凭条 Booking slip" };
    Document::new()
        .styled(title, Align::Centre, 1, true)
        .rule()
        .line(format!("大厅 Hall: {}", b.hall.zh))
        .line(format!("时段 Slot: {} {}-{}", b.date, b.start, b.end))
        .line(format!("业务 Business: {}", b.what.zh))
        .line(format!("姓名 Name: {}", mask_name(&card.name)))
        .line(format!("身份证 ID: {}", mask_id(&card.id_number)))
        .line(format!("取消/改约截止 Change until: {}", b.cancel_until))
        .styled(format!("预约码 {}", b.code), Align::Centre, 2, true)
        .qr(b.code.clone())
        .line(format!("打印 Printed: {}", now.format("%Y-%m-%d %H:%M")))
        .line("请按时到大厅，凭身份证或二维码签到 Check in with your ID card or this QR code")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_masked() {
        assert_eq!(mask_name("王小明"), "王*明");
        assert_eq!(mask_name("王芳"), "王*");
        assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
    }

    #[test]
    fn describes_validity_in_months() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let e = Endorsement {
            destination: drivers::permit::Destination::HongKong,
            kind: drivers::permit::EndorsementKind::GroupTour,
            trips: Trips::One,
            trips_left: Some(1),
            valid_from: d(2026, 11, 21),
            valid_to: d(2027, 2, 20),
            issue_key: None,
        };
        assert_eq!(describe(&e), "HK group tour 3m one trip, valid 2026-11-21 to 2027-02-20");
    }
}
