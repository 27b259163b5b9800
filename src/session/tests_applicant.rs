//! Queries and booking, the state machine alone.

use super::booking::HeldBooking;
use super::*;
use crate::central::{Booking, CancelResult, Documents, TravelRecords};
use sim::scheduler::public_api::{Contact, DocumentInfo, Pickup, PickupMethod, TravelRecord};

fn policy() -> Policy {
    Policy::load(&crate::policy::shipped_policy_path()).expect("policy")
}

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-21T10:00:00+08:00").expect("time")
}

fn ctx(p: &Policy) -> Ctx<'_> {
    Ctx { now: now(), kiosk_id: "k1", hall_id: "gz-tianhe", policy: p }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day")
}

fn card() -> CardInfo {
    CardInfo {
        id_number: "11010519491231002X".into(),
        name: "王芳".into(),
        birth: "19491231".into(),
        card_type: CardType::Resident,
        has_fingerprints: true,
        number_valid: true,
        address: "广东省广州市天河区体育西路100号".into(),
    }
}

fn touch(s: &mut Session, c: &Ctx, button: &str) -> Vec<Effect> {
    s.step(Input::Touch { button: button.into() }, c)
}

fn shown(e: &[Effect]) -> Option<kiosk_ui::Screen> {
    e.iter().rev().find_map(|e| match e {
        Effect::Show { view } => Some(kiosk_ui::screen(view)),
        _ => None,
    })
}

fn screen_id(e: &[Effect]) -> String {
    shown(e).map(|s| s.id).unwrap_or_default()
}

fn ended(e: &[Effect]) -> Option<sim::control::SessionSummary> {
    e.iter().find_map(|e| match e {
        Effect::End { summary } => Some(summary.clone()),
        _ => None,
    })
}

/// A session of `flow` with the holder proven.
fn proven(flow: Flow, c: &Ctx) -> (Session, Vec<Effect>) {
    let (mut s, e) = Session::start("s1".into(), flow, c);
    assert_eq!(screen_id(&e), "identity.present");
    assert!(e.contains(&Effect::ReadCard));
    let e = s.step(Input::Card { result: Ok(card()) }, c);
    assert!(e.contains(&Effect::VerifyFinger) && !e.contains(&Effect::VerifyFace), "one biometric is enough");
    let e = s.step(Input::Finger { result: Ok(true) }, c);
    (s, e)
}

#[test]
fn queries_show_answers_and_print_the_record_with_its_qr_code() {
    let p = policy();
    let c = ctx(&p);
    let (mut s, e) = proven(Flow::Query, &c);
    assert_eq!(screen_id(&e), "query.menu");
    let e = touch(&mut s, &c, "q_documents");
    assert!(e.contains(&Effect::Query { what: QueryKind::Documents, id_number: card().id_number }));
    let doc = DocumentInfo {
        kind: "passport".into(),
        number: "E12345678".into(),
        name_zh: "王芳".into(),
        birth_date: day("1949-12-31"),
        place_of_issue: "广东".into(),
        issue_date: day("2017-03-01"),
        expiry_date: day("2027-02-28"),
        expired: false,
        renewal_due: true,
    };
    let answer = QueryAnswer::Documents(Documents { documents: vec![doc] });
    let e = s.step(Input::Queried { result: Ok(answer) }, &c);
    let screen = shown(&e).expect("a screen");
    assert_eq!(screen.id, "query.documents");
    let text = screen.render_text(kiosk_ui::Lang::Zh);
    assert!(text.contains("E12345678") && text.contains("2027-02-28") && text.contains("即将到期"), "{text}");
    assert_eq!(screen_id(&touch(&mut s, &c, "back")), "query.menu");

    touch(&mut s, &c, "q_travel");
    let records = TravelRecords {
        records: vec![TravelRecord {
            date: day("2026-03-01"),
            time: "08:12".into(),
            direction: "exit".into(),
            port: "罗湖".into(),
            document_kind: "hk_macau_permit".into(),
            document_number: "C12345678".into(),
        }],
        reference: "R1".into(),
        url: "http://central/v1/travel-records/R1".into(),
    };
    let e = s.step(Input::Queried { result: Ok(QueryAnswer::TravelRecords(records)) }, &c);
    let doc = e.iter().find_map(|e| match e {
        Effect::Print { doc } => Some(doc.to_text()),
        _ => None,
    });
    let doc = doc.expect("the record is printed");
    assert!(doc.contains("[QR: http://central/v1/travel-records/R1]") && doc.contains("罗湖"), "{doc}");
    assert!(!doc.contains("C12345678") && !doc.contains("王芳"), "numbers and names masked on paper: {doc}");
    assert!(!serde_json::to_string(&s).unwrap_or_default().contains("罗湖"), "answers are not journaled");
    let e = s.step(Input::Printed { result: Ok(()) }, &c);
    assert!(shown(&e).expect("menu").render_text(kiosk_ui::Lang::En).contains("printed"));
    let e = touch(&mut s, &c, "done");
    let summary = ended(&e).expect("ended");
    assert_eq!((summary.flow.as_str(), summary.outcome.as_str()), ("query", "queried"));
}

#[test]
fn a_query_central_cannot_answer_is_said_and_the_menu_stays() {
    let p = policy();
    let c = ctx(&p);
    let (mut s, _) = proven(Flow::Query, &c);
    touch(&mut s, &c, "q_progress");
    let failure = CentralFailure { code: String::new(), message: "cannot connect to central".into() };
    let e = s.step(Input::Queried { result: Err(failure) }, &c);
    let screen = shown(&e).expect("menu");
    assert_eq!(screen.id, "query.menu");
    assert!(screen.render_text(kiosk_ui::Lang::En).contains("not available now"));
    let e = s.step(Input::Timeout, &c);
    assert_eq!(ended(&e).and_then(|s| s.reason).as_deref(), Some("walked_away"));
}

#[test]
fn non_mainland_cards_are_not_served() {
    let p = policy();
    let c = ctx(&p);
    let (mut s, _) = Session::start("s1".into(), Flow::Booking, &c);
    let foreign = CardInfo { card_type: drivers::idcard::CardType::ForeignPermanentResident, ..card() };
    let e = s.step(Input::Card { result: Ok(foreign) }, &c);
    assert_eq!(ended(&e).and_then(|s| s.reason).as_deref(), Some("non_mainland"));
}

fn offer(hall: &str, date: &str, start: &str, distance: Option<f64>) -> SlotOffer {
    SlotOffer {
        hall: hall.into(),
        hall_zh: format!("{hall}大厅"),
        hall_en: format!("{hall} hall"),
        distance_km: distance,
        date: day(date),
        start: start.into(),
        end: "09:00".into(),
        remaining: 3,
    }
}

fn booking(code: &str, hall: &str, date: &str, start: &str) -> Booking {
    let at = now();
    Booking {
        code: code.into(),
        hall: hall.into(),
        id_number: card().id_number,
        date: day(date),
        start: start.into(),
        end: "09:00".into(),
        business: "first_application".into(),
        document: "passport".into(),
        certificate_type: "passport".into(),
        hukou_location: "广东省广州市天河区".into(),
        contact: Contact { name: "王芳".into(), phone: "13800138000".into() },
        emergency_contact: Contact { name: "配偶".into(), phone: "13900139000".into() },
        pickup: Pickup { method: PickupMethod::InPerson, address: None },
        status: "active".into(),
        created_at: at,
        cancelled_at: None,
        rebooked_from: None,
        rebooked_to: None,
        cancel_until: at,
    }
}

fn held(b: Booking) -> HeldBooking {
    HeldBooking { booking: b, hall_zh: "天河大厅".into(), hall_en: "Tianhe hall".into() }
}

fn typed(s: &mut Session, c: &Ctx, number: &str) -> Vec<Effect> {
    for d in number.chars() {
        touch(s, c, &format!("key_{d}"));
    }
    touch(s, c, "ok")
}

/// A new booking to the confirmation screen.
fn to_confirmation(p: &Policy) -> Session {
    let c = ctx(p);
    let (mut s, e) = proven(Flow::Booking, &c);
    assert!(e.contains(&Effect::LoadBookings { id_number: card().id_number }));
    let e = s.step(Input::Bookings { result: Ok(Vec::new()) }, &c);
    assert_eq!(screen_id(&e), "booking.certificate", "no booking held: straight to a new one");
    assert_eq!(screen_id(&touch(&mut s, &c, "cert:passport")), "booking.business");
    let e = touch(&mut s, &c, "business:first_application");
    assert!(e.contains(&Effect::LoadSlots { hall: None, from: day("2026-11-22") }), "from tomorrow: {e:?}");
    let offers = vec![
        offer("gz-tianhe", "2026-11-22", "08:30", Some(0.0)),
        offer("gz-yuexiu", "2026-11-22", "09:00", Some(3.2)),
    ];
    let e = s.step(Input::Slots { result: Ok(offers) }, &c);
    let slots = shown(&e).expect("slots");
    assert!(slots.render_text(kiosk_ui::Lang::Zh).contains("3.2公里"));
    assert_eq!(screen_id(&touch(&mut s, &c, "slot:1")), "booking.phone");
    let e = typed(&mut s, &c, "1380013800");
    assert!(shown(&e).expect("keypad").render_text(kiosk_ui::Lang::En).contains("11-digit"), "ten digits refused");
    let e = typed(&mut s, &c, "0");
    assert_eq!(screen_id(&e), "booking.relation");
    assert_eq!(screen_id(&touch(&mut s, &c, "relation:spouse")), "booking.phone");
    let e = typed(&mut s, &c, "13800138000");
    assert!(shown(&e).expect("keypad").render_text(kiosk_ui::Lang::En).contains("11-digit"), "not one's own number");
    for _ in 0..11 {
        touch(&mut s, &c, "key_del");
    }
    assert_eq!(screen_id(&typed(&mut s, &c, "13900139000")), "booking.pickup");
    let e = touch(&mut s, &c, "pickup_mail");
    let confirm = shown(&e).expect("confirm").render_text(kiosk_ui::Lang::Zh);
    assert!(
        confirm.contains("gz-yuexiu大厅") && confirm.contains("广东省广州市天河区") && confirm.contains("邮寄"),
        "{confirm}"
    );
    s
}

#[test]
fn a_walk_in_books_a_slot_of_a_nearby_hall_and_gets_a_slip() {
    let p = policy();
    let c = ctx(&p);
    let mut s = to_confirmation(&p);
    let e = touch(&mut s, &c, "confirm");
    let request = e.iter().find_map(|e| match e {
        Effect::Book { request } => Some(request.clone()),
        _ => None,
    });
    let r = request.expect("booked at central");
    assert_eq!((r.hall.as_str(), r.date, r.start.as_str()), ("gz-yuexiu", day("2026-11-22"), "09:00"));
    assert_eq!(r.hukou_location, "广东省广州市天河区");
    assert_eq!(r.certificate_type, "passport");
    assert_eq!((r.contact.phone.as_str(), r.emergency_contact.phone.as_str()), ("13800138000", "13900139000"));
    assert_eq!(r.pickup.address.as_deref(), Some(card().address.as_str()), "mail goes to the card's address");
    let intent = position(&e, |e| matches!(e, Effect::Record { record: Record::Audit { .. } }));
    let call = position(&e, |e| matches!(e, Effect::Book { .. }));
    assert!(intent < call, "journaled before central is asked");

    let e = s.step(Input::Booked { result: Ok(booking("B7", "gz-yuexiu", "2026-11-22", "09:00")) }, &c);
    let slip = e.iter().find_map(|e| match e {
        Effect::Print { doc } => Some(doc.to_text()),
        _ => None,
    });
    let slip = slip.expect("slip printed");
    assert!(slip.contains("[QR: B7]") && slip.contains("gz-yuexiu大厅"), "{slip}");
    let e = s.step(Input::Printed { result: Ok(()) }, &c);
    assert_eq!(screen_id(&e), "booking.done");
    let summary = ended(&e).expect("ended");
    assert_eq!((summary.outcome.as_str(), summary.booking.as_deref()), ("booked", Some("B7")));
}

fn position<F: Fn(&Effect) -> bool>(e: &[Effect], f: F) -> usize {
    e.iter().position(f).unwrap_or(usize::MAX)
}

#[test]
fn a_slot_that_filled_up_brings_the_fresh_list_back() {
    let p = policy();
    let c = ctx(&p);
    let mut s = to_confirmation(&p);
    touch(&mut s, &c, "confirm");
    let full = CentralFailure { code: "slot_full".into(), message: "that slot is fully booked".into() };
    let e = s.step(Input::Booked { result: Err(full) }, &c);
    assert!(e.iter().any(|e| matches!(e, Effect::LoadSlots { .. })), "{e:?}");
    let e = s.step(Input::Slots { result: Ok(vec![offer("gz-tianhe", "2026-11-23", "10:00", Some(0.0))]) }, &c);
    assert!(shown(&e).expect("slots").render_text(kiosk_ui::Lang::En).contains("just filled up"));
    let e = touch(&mut s, &c, "slot:0");
    assert_eq!(screen_id(&e), "booking.confirm", "the answers given are kept");
}

#[test]
fn a_lost_answer_is_never_resent_central_says_whether_it_was_booked() {
    let p = policy();
    let c = ctx(&p);
    for made in [true, false] {
        let mut s = to_confirmation(&p);
        touch(&mut s, &c, "confirm");
        let lost = CentralFailure { code: String::new(), message: "central did not answer in time".into() };
        let e = s.step(Input::Booked { result: Err(lost) }, &c);
        assert!(e.contains(&Effect::LoadBookings { id_number: card().id_number }));
        assert!(!e.iter().any(|e| matches!(e, Effect::Book { .. })));
        let mut list = vec![held(booking("OLD", "gz-tianhe", "2026-11-25", "10:00"))];
        if made {
            list.push(held(booking("B8", "gz-yuexiu", "2026-11-22", "09:00")));
        }
        let e = s.step(Input::Bookings { result: Ok(list) }, &c);
        if made {
            assert!(e.iter().any(|e| matches!(e, Effect::Print { .. })), "found: the slip prints");
        } else {
            assert_eq!(ended(&e).and_then(|s| s.reason).as_deref(), Some("central_unavailable"));
        }
    }
    // A restart while central was booking asks the same way.
    let mut s = to_confirmation(&p);
    touch(&mut s, &c, "confirm");
    let e = s.step(Input::Resume, &c);
    assert!(e.contains(&Effect::LoadBookings { id_number: card().id_number }), "{e:?}");
}

#[test]
fn held_bookings_can_be_moved_or_cancelled_under_the_halls_rules() {
    let p = policy();
    let c = ctx(&p);
    let (mut s, _) = proven(Flow::Booking, &c);
    let list = vec![held(booking("B1", "gz-tianhe", "2026-11-25", "10:00"))];
    let e = s.step(Input::Bookings { result: Ok(list.clone()) }, &c);
    let screen = shown(&e).expect("existing");
    assert!(screen.has_button("rebook:B1") && screen.has_button("cancel:B1") && screen.has_button("new"));
    let e = touch(&mut s, &c, "rebook:B1");
    assert!(e.contains(&Effect::LoadSlots { hall: Some("gz-tianhe".into()), from: day("2026-11-22") }));
    s.step(Input::Slots { result: Ok(vec![offer("gz-tianhe", "2026-11-23", "08:30", Some(0.0))]) }, &c);
    let e = touch(&mut s, &c, "slot:0");
    assert_eq!(screen_id(&e), "booking.confirm", "moving asks nothing else");
    let e = touch(&mut s, &c, "confirm");
    assert!(e.iter().any(|e| matches!(e, Effect::Rebook { code, .. } if code == "B1")));
    let mut moved = booking("B2", "gz-tianhe", "2026-11-23", "08:30");
    moved.rebooked_from = Some("B1".into());
    s.step(Input::Booked { result: Ok(moved) }, &c);
    let e = s.step(
        Input::Printed {
            result: Err(Fault { device: DeviceKind::Receipt, fault: FaultKind::PaperOut, message: "paper".into() }),
        },
        &c,
    );
    let done = shown(&e).expect("done").render_text(kiosk_ui::Lang::En);
    assert!(done.contains("note your booking code"), "{done}");
    assert_eq!(ended(&e).map(|s| s.outcome).as_deref(), Some("moved"));

    // Cancelling: confirmed first; a refusal by the hall's rules is said as central says it.
    let (mut s, _) = proven(Flow::Booking, &c);
    s.step(Input::Bookings { result: Ok(list.clone()) }, &c);
    assert_eq!(screen_id(&touch(&mut s, &c, "cancel:B1")), "booking.cancel_confirm");
    let e = touch(&mut s, &c, "confirm");
    assert!(e.contains(&Effect::CancelBooking { code: "B1".into() }));
    let late = CentralFailure { code: "cancel_cutoff".into(), message: "too late: until 2026-11-24 10:00".into() };
    let e = s.step(Input::BookingCancelled { result: Err(late) }, &c);
    let refusal = shown(&e).expect("refusal").render_text(kiosk_ui::Lang::Zh);
    assert!(refusal.contains("截止时间"), "{refusal}");
    assert_eq!(ended(&e).and_then(|s| s.reason).as_deref(), Some("booking_refused"));

    let (mut s, _) = proven(Flow::Booking, &c);
    s.step(Input::Bookings { result: Ok(list) }, &c);
    touch(&mut s, &c, "cancel:B1");
    touch(&mut s, &c, "confirm");
    let r = CancelResult {
        booking: booking("B1", "gz-tianhe", "2026-11-25", "10:00"),
        cancellations_in_window: 3,
        banned_until: Some(now()),
    };
    let e = s.step(Input::BookingCancelled { result: Ok(r) }, &c);
    let text = shown(&e).expect("cancelled").render_text(kiosk_ui::Lang::Zh);
    assert!(text.contains("3次") && text.contains("前不能再预约"), "{text}");
    assert_eq!(ended(&e).map(|s| (s.outcome, s.booking)), Some(("cancelled".into(), Some("B1".into()))));
}

#[test]
fn a_booklet_permit_to_card_is_a_renewal_and_past_bookings_are_not_offered_for_change() {
    let p = policy();
    let c = ctx(&p);
    let (mut s, _) = proven(Flow::Booking, &c);
    let mut old = booking("B0", "gz-tianhe", "2026-11-20", "10:00");
    old.status = "checked_in".into();
    let e = s.step(Input::Bookings { result: Ok(vec![held(old)]) }, &c);
    assert_eq!(screen_id(&e), "booking.certificate");
    let e = touch(&mut s, &c, "cert:hk_macau_booklet_to_card");
    assert!(e.iter().any(|e| matches!(e, Effect::LoadSlots { .. })), "no business question");
    assert_eq!(s.draft.as_ref().and_then(|d| d.business.as_deref()), Some("renewal"));
}
