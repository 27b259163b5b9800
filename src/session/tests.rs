//! The state machine alone: inputs in, effects out, no I/O.

use super::*;
use crate::central::Authorisation;
use drivers::permit::Destination;

fn policy() -> Policy {
    Policy::load(&crate::policy::shipped_policy_path()).expect("policy")
}

fn at(hhmm: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("2026-11-21T{hhmm}:00+08:00")).expect("time")
}

fn ctx<'a>(p: &'a Policy, now: DateTime<FixedOffset>) -> Ctx<'a> {
    Ctx { now, kiosk_id: "k1", hall_id: "h1", policy: p }
}

fn card(fingers: bool) -> CardInfo {
    CardInfo {
        id_number: "11010519491231002X".into(),
        name: "王芳".into(),
        birth: "19491231".into(),
        card_type: CardType::Resident,
        has_fingerprints: fingers,
        number_valid: true,
        address: "北京市东城区景山前街4号".into(),
    }
}

fn permit(expiry: &str) -> PermitInfo {
    PermitInfo {
        kind: Some(PermitKind::HkMacau),
        number: "C12345678".into(),
        expiry: NaiveDate::parse_from_str(expiry, "%Y-%m-%d").ok(),
        birth: NaiveDate::from_ymd_opt(1949, 12, 31),
        name_zh: Some("王芳".into()),
        endorsements: Vec::new(),
        mrz_error: None,
    }
}

fn booking(start: &str, end: &str) -> BookingInfo {
    BookingInfo {
        code: "ABCD2345".into(),
        hall: "h1".into(),
        id_number: "11010519491231002X".into(),
        day: NaiveDate::from_ymd_opt(2026, 11, 21).expect("day"),
        slot_start: start.into(),
        slot_end: end.into(),
        ticket: None,
    }
}

fn ended_with(effects: &[Effect]) -> Option<sim::control::SessionSummary> {
    effects.iter().find_map(|e| match e {
        Effect::End { summary } => Some(summary.clone()),
        _ => None,
    })
}

fn checkin_at(now: &str, start: &str, end: &str) -> Option<sim::control::SessionSummary> {
    let p = policy();
    let c = ctx(&p, at(now));
    let (mut s, _) = Session::start("s1".into(), Flow::Checkin, &c);
    s.step(Input::Card { result: Ok(card(true)) }, &c);
    let e = s.step(Input::Booking { lookup: Lookup::Here(booking(start, end)) }, &c);
    ended_with(&e)
}

#[test]
fn arrival_window_is_sixty_minutes_before_to_thirty_after() {
    assert_eq!(checkin_at("08:59", "10:00", "10:30").and_then(|s| s.reason).as_deref(), Some("too_early"));
    assert!(checkin_at("09:00", "10:00", "10:30").is_none(), "the window opens 60 minutes before");
    assert!(checkin_at("11:00", "10:00", "10:30").is_none(), "and closes 30 minutes after the slot");
    assert_eq!(checkin_at("11:01", "10:00", "10:30").and_then(|s| s.reason).as_deref(), Some("too_late"));
}

#[test]
fn checkin_uses_the_face_only_when_the_card_has_no_fingerprint() {
    let p = policy();
    let c = ctx(&p, at("09:50"));
    for (fingers, want_finger) in [(true, true), (false, false)] {
        let (mut s, _) = Session::start("s1".into(), Flow::Checkin, &c);
        s.step(Input::Card { result: Ok(card(fingers)) }, &c);
        let e = s.step(Input::Booking { lookup: Lookup::Here(booking("10:00", "10:30")) }, &c);
        assert_eq!(e.contains(&Effect::VerifyFinger), want_finger);
        assert_eq!(e.contains(&Effect::VerifyFace), !want_finger);
    }
}

/// Drive an endorsement to the payment, returning the session.
/// An endorsement walked up to the confirmation, which asks the printer whether it can write.
fn to_printer_check(p: &Policy, expiry: &str) -> Session {
    let c = ctx(p, at("10:00"));
    let (mut s, _) = Session::start("s1".into(), Flow::Endorsement, &c);
    s.step(Input::Permit { result: Ok(permit(expiry)) }, &c);
    let e = s.step(Input::Card { result: Ok(card(true)) }, &c);
    assert!(e.iter().any(|e| matches!(e, Effect::Authorise { .. })), "central asked while the applicant verifies");
    assert!(e.contains(&Effect::VerifyFinger) && e.contains(&Effect::VerifyFace), "both checks at once");
    s.step(Input::Finger { result: Ok(true) }, &c);
    let e = s.step(Input::Face { result: Ok(true) }, &c);
    assert_eq!(s.step, Step::EnChoose, "{e:?}");
    s.step(Input::Touch { button: "HK-L-3M-1".into() }, &c);
    let granted = Authorisation::Granted {
        auth_id: "A".into(),
        allowed: vec!["HK-L-3M-1".into()],
        residence_permits: Vec::new(),
    };
    s.step(Input::Auth { result: Ok(granted) }, &c);
    let e = s.step(Input::Touch { button: "confirm".into() }, &c);
    assert_eq!(e.last(), Some(&Effect::CheckPrinter), "the printer is asked before anyone pays: {e:?}");
    assert!(!e.iter().any(|e| matches!(e, Effect::Record { .. } | Effect::OpenPayment { .. })), "{e:?}");
    assert_eq!(s.step, Step::EnPreflight, "{e:?}");
    s
}

/// The printer said it can write: the payment opens.
fn to_payment(p: &Policy, expiry: &str) -> (Session, Vec<Effect>) {
    let mut s = to_printer_check(p, expiry);
    let e = s.step(Input::PrinterReady { result: Ok(()) }, &ctx(p, at("10:00")));
    (s, e)
}

/// Which transitions of a whole endorsement may wait to be journaled with the next commit, as the
/// runtime decides it: every one before the payment that changes nothing a restart would do, and the
/// order found open at the provider (a restart closes the order either way); none from the payment
/// on. Each that waits resumes exactly as the state last made durable does.
#[test]
fn only_transitions_a_restart_would_not_notice_wait_for_the_next_commit() {
    let p = policy();
    let c = ctx(&p, at("10:00"));
    let (mut s, _) = Session::start("s1".into(), Flow::Endorsement, &c);
    let mut durable = s.clone();
    let granted = Authorisation::Granted {
        auth_id: "A".into(),
        allowed: vec!["HK-L-3M-1".into()],
        residence_permits: Vec::new(),
    };
    let inputs = vec![
        Input::Permit { result: Ok(permit("2030-01-01")) },
        Input::Card { result: Ok(card(true)) },
        Input::Finger { result: Ok(true) },
        Input::Auth { result: Ok(granted) },
        Input::Face { result: Ok(true) },
        Input::Touch { button: "HK-L-3M-1".into() },
        Input::Touch { button: "back".into() },
        Input::Touch { button: "HK-L-3M-1".into() },
        Input::Touch { button: "confirm".into() },
        Input::PrinterReady { result: Ok(()) },
        Input::PaymentOpened { result: Ok(()) },
        Input::Payment { result: Ok(PayResult::Paid { txn_id: "T1".into() }) },
        Input::Written { result: Ok(()) },
        Input::Printed { result: Ok(()) },
        Input::Ejected { result: Ok(()) },
        Input::Taken { taken: true },
    ];
    let mut waited = Vec::new();
    for input in inputs {
        let name = input.summary();
        let e = s.step(input, &c);
        if s.journal_can_wait(durable.unwinds(), &e) {
            let (mut from_durable, mut from_here) = (durable.clone(), s.clone());
            let (a, b) = (from_durable.resume(&c), from_here.resume(&c));
            assert_eq!((a, from_durable.step), (b, from_here.step), "a restart after {name} would notice it");
            waited.push(name);
        } else {
            durable = s.clone();
        }
    }
    assert_eq!(s.step, Step::Ended);
    let waited: Vec<&str> = waited.iter().map(|w| w.split([' ', ':']).next().unwrap_or_default()).collect();
    assert_eq!(
        waited,
        ["permit", "card", "finger", "auth", "face", "touch", "touch", "touch", "touch", "payment_opened"],
        "{waited:?}"
    );
}

fn position<F: Fn(&Effect) -> bool>(e: &[Effect], f: F) -> usize {
    e.iter().position(f).unwrap_or(usize::MAX)
}

#[test]
fn intents_are_recorded_before_money_moves_or_the_card_is_written() {
    let p = policy();
    let c = ctx(&p, at("10:05"));
    let (mut s, e) = to_payment(&p, "2030-01-01");
    let intent = position(&e, |e| matches!(e, Effect::Record { record: Record::PaymentIntent { .. } }));
    let open = position(&e, |e| matches!(e, Effect::OpenPayment { .. }));
    assert!(intent < open, "{e:?}");
    s.step(Input::PaymentOpened { result: Ok(()) }, &c);
    let e = s.step(Input::Payment { result: Ok(PayResult::Paid { txn_id: "T1".into() }) }, &c);
    let intent = position(&e, |e| matches!(e, Effect::Record { record: Record::EndorsementIntent { .. } }));
    let write = position(&e, |e| matches!(e, Effect::Write { .. }));
    let print = position(&e, |e| matches!(e, Effect::Print { .. }));
    assert!(
        intent < write && write != usize::MAX && print != usize::MAX,
        "the receipt prints while the card is written"
    );
    let Some(Effect::Write { endorsement }) = e.iter().find(|e| matches!(e, Effect::Write { .. })) else {
        panic!("no write")
    };
    assert_eq!(endorsement.destination, Destination::HongKong);
    assert_eq!(endorsement.issue_key.as_deref(), Some("Es1"));
}

/// A printer that failed after the permit went in (silent, noisy, out of film) is found before
/// anyone pays: the applicant is told which device, nothing is charged, the permit is given back.
#[test]
fn a_printer_that_cannot_write_sends_the_applicant_away_before_paying() {
    let p = policy();
    let c = ctx(&p, at("10:00"));
    let mut s = to_printer_check(&p, "2030-01-01");
    let f = Fault { device: DeviceKind::Endorser, fault: drivers::FaultKind::RibbonOut, message: "film".into() };
    let e = s.step(Input::PrinterReady { result: Err(f) }, &c);
    assert!(!e.iter().any(|e| matches!(e, Effect::OpenPayment { .. } | Effect::Write { .. })), "{e:?}");
    assert!(s.order.is_none(), "no order was opened");
    assert!(e.contains(&Effect::Eject), "the permit is given back: {e:?}");
    assert_eq!(s.reason, Some(Reason::DeviceFault));
}

#[test]
fn a_failed_write_is_read_back_then_refunded_and_the_permit_returned() {
    let p = policy();
    let c = ctx(&p, at("10:05"));
    let (mut s, _) = to_payment(&p, "2030-01-01");
    s.step(Input::PaymentOpened { result: Ok(()) }, &c);
    s.step(Input::Payment { result: Ok(PayResult::Paid { txn_id: "T1".into() }) }, &c);
    s.step(Input::Printed { result: Ok(()) }, &c);
    let fault = Fault { device: DeviceKind::Endorser, fault: FaultKind::ChipWriteFailed, message: "x".into() };
    assert_eq!(s.step(Input::Written { result: Err(fault) }, &c), vec![Effect::ReadBack]);
    let e = s.step(Input::ReadBack { result: Ok(Vec::new()) }, &c);
    assert!(e.iter().any(|e| matches!(e, Effect::Refund { .. })), "{e:?}");
    let e = s.step(Input::Refunded { result: Ok(()) }, &c);
    assert!(e.contains(&Effect::Eject), "{e:?}");
    s.step(Input::Ejected { result: Ok(()) }, &c);
    let e = s.step(Input::Taken { taken: true }, &c);
    let summary = ended_with(&e).expect("ended");
    assert_eq!(
        (summary.outcome.as_str(), summary.reason.as_deref(), summary.refunded),
        ("refused", Some("device_fault"), true)
    );
}

#[test]
fn a_write_that_reached_the_chip_counts_even_if_the_printer_said_otherwise() {
    let p = policy();
    let c = ctx(&p, at("10:05"));
    let (mut s, _) = to_payment(&p, "2030-01-01");
    s.step(Input::PaymentOpened { result: Ok(()) }, &c);
    let e = s.step(Input::Payment { result: Ok(PayResult::Paid { txn_id: "T1".into() }) }, &c);
    let Some(Effect::Write { endorsement }) = e.into_iter().find(|e| matches!(e, Effect::Write { .. })) else {
        panic!("no write")
    };
    let fault = Fault { device: DeviceKind::Endorser, fault: FaultKind::PowerLoss, message: "x".into() };
    s.step(Input::Written { result: Err(fault) }, &c);
    s.step(Input::Printed { result: Ok(()) }, &c);
    let e = s.step(Input::ReadBack { result: Ok(vec![endorsement]) }, &c);
    assert!(!e.iter().any(|e| matches!(e, Effect::Refund { .. } | Effect::Write { .. })), "{e:?}");
    assert!(e.contains(&Effect::Eject));
}

#[test]
fn an_order_paid_at_the_last_second_is_honoured() {
    let p = policy();
    let c = ctx(&p, at("10:05"));
    let (mut s, _) = to_payment(&p, "2030-01-01");
    s.step(Input::PaymentOpened { result: Ok(()) }, &c);
    let e = s.step(Input::Timeout, &c);
    assert!(e.iter().any(|e| matches!(e, Effect::CancelPayment { .. })));
    let e = s.step(Input::PaymentStatus { result: Ok(PaymentStatus::Paid { txn_id: "T9".into() }) }, &c);
    assert!(e.iter().any(|e| matches!(e, Effect::Write { .. })), "{e:?}");
}

#[test]
fn endorsements_never_outlive_the_permit() {
    let p = policy();
    let c = ctx(&p, at("10:00"));
    // Valid for four more months: the three-month offers fit, the one-year offers do not.
    let (mut s, _) = Session::start("s1".into(), Flow::Endorsement, &c);
    s.step(Input::Permit { result: Ok(permit("2027-03-31")) }, &c);
    s.step(Input::Card { result: Ok(card(true)) }, &c);
    s.step(Input::Finger { result: Ok(true) }, &c);
    let e = s.step(Input::Face { result: Ok(true) }, &c);
    let Some(Effect::Show { view: View::EndorseChoose { options, .. } }) = e.first() else { panic!("{e:?}") };
    assert!(!options.is_empty());
    assert!(options.iter().all(|o| o.months <= 3 && o.valid_to.as_str() <= "2027-03-31"), "{options:?}");
}

#[test]
fn permit_and_card_of_different_people_are_refused() {
    let p = policy();
    let c = ctx(&p, at("10:00"));
    let (mut s, _) = Session::start("s1".into(), Flow::Endorsement, &c);
    let mut other = permit("2030-01-01");
    other.name_zh = Some("李四".into());
    s.step(Input::Permit { result: Ok(other) }, &c);
    let e = s.step(Input::Card { result: Ok(card(true)) }, &c);
    assert_eq!(ended_with(&e).and_then(|s| s.reason).as_deref(), None, "the permit is returned first");
    assert!(e.contains(&Effect::Eject));
    s.step(Input::Ejected { result: Ok(()) }, &c);
    let e = s.step(Input::Taken { taken: true }, &c);
    assert_eq!(ended_with(&e).and_then(|s| s.reason).as_deref(), Some("identity_mismatch"));
}

#[test]
fn the_journaled_state_holds_no_biometric_data() {
    let p = policy();
    let (s, _) = to_payment(&p, "2030-01-01");
    let json = serde_json::to_string(&s).expect("json");
    for word in ["\"template", "\"photo", "\"fingerprints\"", "\"frame", "\"rgb"] {
        assert!(!json.contains(word), "{word} in {json}");
    }
}

#[test]
fn late_device_answers_change_nothing() {
    let p = policy();
    let c = ctx(&p, at("10:00"));
    let (mut s, _) = Session::start("s1".into(), Flow::Checkin, &c);
    let before = s.clone();
    assert!(s.step(Input::Written { result: Ok(()) }, &c).is_empty());
    assert!(s.step(Input::Face { result: Ok(true) }, &c).is_empty());
    assert_eq!(s, before);
}

#[test]
fn a_card_that_moved_during_its_read_is_read_again() {
    let p = policy();
    let c = ctx(&p, at("10:00"));
    for flow in [Flow::Checkin, Flow::Endorsement] {
        let (mut s, _) = Session::start("s1".into(), flow, &c);
        let e = s.step(Input::CardUnreadable, &c);
        assert!(e.contains(&Effect::ReadCard), "{flow:?}: {e:?}");
    }
}

#[test]
fn the_taiwan_individual_tour_is_offered_by_hukou_or_residence_permit_and_otherwise_explained() {
    let p = policy();
    let c = ctx(&p, at("10:00"));
    let taiwan = PermitInfo { kind: Some(PermitKind::Taiwan), number: "T12345678".into(), ..permit("2030-01-01") };
    let choose = |address: &str| {
        let (mut s, _) = Session::start("s1".into(), Flow::Endorsement, &c);
        s.step(Input::Permit { result: Ok(taiwan.clone()) }, &c);
        s.step(Input::Card { result: Ok(CardInfo { address: address.into(), ..card(true) }) }, &c);
        s.step(Input::Finger { result: Ok(true) }, &c);
        let e = s.step(Input::Face { result: Ok(true) }, &c);
        (s, e)
    };
    let offered = |e: &[Effect]| match e.first() {
        Some(Effect::Show { view: View::EndorseChoose { options, note } }) => {
            (options.iter().map(|o| (o.id.clone(), o.individual)).collect::<Vec<_>>(), note.clone())
        }
        other => panic!("{other:?}"),
    };
    let (_, e) = choose("福建省厦门市思明区湖滨南路88号");
    let (options, note) = offered(&e);
    assert!(options.contains(&("TW-G-6M-1".into(), true)) && options.contains(&("TW-L-6M-1".into(), false)));
    assert!(note.is_none());

    let (mut s, e) = choose("广东省广州市天河区体育西路100号");
    let (options, note) = offered(&e);
    assert_eq!(options, vec![("TW-L-6M-1".to_string(), false)], "only the group tour");
    assert!(note.is_some_and(|n| n.en.contains("open city")), "and why");
    assert!(s.step(Input::Touch { button: "TW-G-6M-1".into() }, &c).is_empty(), "a hidden offer cannot be touched");
    // Central knows of a Xiamen residence permit: the individual tour appears.
    let granted = Authorisation::Granted {
        auth_id: "A".into(),
        allowed: vec!["TW-L-6M-1".into(), "TW-G-6M-1".into()],
        residence_permits: vec!["350200".into()],
    };
    let e = s.step(Input::Auth { result: Ok(granted) }, &c);
    let (options, note) = offered(&e);
    assert!(options.contains(&("TW-G-6M-1".into(), true)) && note.is_none(), "{options:?}");
}

/// `Input::fault` finds the fault in every input that can carry one, the same as reading the
/// serialised input's `result.Err` (what it did before it became a plain match).
#[test]
fn every_input_that_can_carry_a_fault_gives_it() {
    let f = Fault { device: DeviceKind::Payment, fault: drivers::FaultKind::Timeout, message: "no answer".into() };
    let inputs = vec![
        Input::Card { result: Err(f.clone()) },
        Input::Permit { result: Err(f.clone()) },
        Input::Finger { result: Err(f.clone()) },
        Input::Face { result: Err(f.clone()) },
        Input::PaymentOpened { result: Err(f.clone()) },
        Input::Payment { result: Err(f.clone()) },
        Input::PaymentStatus { result: Err(f.clone()) },
        Input::Refunded { result: Err(f.clone()) },
        Input::Written { result: Err(f.clone()) },
        Input::ReadBack { result: Err(f.clone()) },
        Input::CardInside { result: Err(f.clone()) },
        Input::Ejected { result: Err(f.clone()) },
        Input::Retained { result: Err(f.clone()) },
        Input::Printed { result: Err(f.clone()) },
        Input::PrinterReady { result: Err(f.clone()) },
    ];
    for input in &inputs {
        let by_json = serde_json::to_value(input)
            .ok()
            .and_then(|v| serde_json::from_value::<Fault>(v.get("result")?.get("Err")?.clone()).ok());
        assert_eq!(input.fault().as_ref(), Some(&f), "{input:?}");
        assert_eq!(by_json, input.fault(), "{input:?}");
    }
    for input in [
        Input::Finger { result: Ok(true) },
        Input::Written { result: Ok(()) },
        Input::Auth { result: Err("central down".into()) },
        Input::Timeout,
        Input::Touch { button: "confirm".into() },
    ] {
        assert_eq!(input.fault(), None, "{input:?}");
    }
}

/// The journal's summary of an input, as it was written before [`Input::summary`] read the
/// variant's name without serialising the input: through a `serde_json::Value`.
fn summary_through_json(input: &Input) -> String {
    match input {
        Input::Touch { .. } | Input::Code { .. } | Input::Card { .. } | Input::Permit { .. } => input.summary(),
        other => {
            let v = serde_json::to_value(other).unwrap_or_default();
            let name = v.get("input").and_then(|n| n.as_str()).unwrap_or("input").to_string();
            let err = v.get("result").and_then(|r| r.get("Err"));
            match err.map(|e| serde_json::from_value::<Fault>(e.clone())) {
                Some(Ok(f)) => format!("{name} failed: {} fault {}", f.device, f.fault),
                Some(Err(_)) => format!("{name} failed"),
                None => name,
            }
        }
    }
}

#[test]
fn journal_summaries_are_what_serde_names_them() {
    let fault = |device| Fault { device, fault: FaultKind::Timeout, message: "no answer".into() };
    let central = || CentralFailure { code: String::new(), message: "unreachable".into() };
    let inputs = [
        Input::CardUnreadable,
        Input::PermitUnreadable,
        Input::FingerPoor,
        Input::Finger { result: Ok(true) },
        Input::Finger { result: Err(fault(DeviceKind::Fingerprint)) },
        Input::Face { result: Ok(false) },
        Input::Face { result: Err(fault(DeviceKind::Camera)) },
        Input::Auth { result: Err("central down".into()) },
        Input::Ticket { number: "BA001".into(), reprint: false },
        Input::PaymentOpened { result: Ok(()) },
        Input::PaymentOpened { result: Err(fault(DeviceKind::Payment)) },
        Input::Payment { result: Ok(PayResult::Paid { txn_id: "T1".into() }) },
        Input::Payment { result: Err(fault(DeviceKind::Payment)) },
        Input::PaymentStatus { result: Err(fault(DeviceKind::Payment)) },
        Input::Refunded { result: Ok(()) },
        Input::Written { result: Err(fault(DeviceKind::Endorser)) },
        Input::ReadBack { result: Ok(Vec::new()) },
        Input::ReadBack { result: Err(fault(DeviceKind::Endorser)) },
        Input::CardInside { result: Ok(true) },
        Input::Ejected { result: Ok(()) },
        Input::Taken { taken: false },
        Input::Retained { result: Err(fault(DeviceKind::Endorser)) },
        Input::PrinterReady { result: Err(fault(DeviceKind::Endorser)) },
        Input::Printed { result: Err(fault(DeviceKind::Receipt)) },
        Input::Queried { result: Err(central()) },
        Input::Bookings { result: Ok(Vec::new()) },
        Input::Bookings { result: Err(central()) },
        Input::Slots { result: Err(central()) },
        Input::Booked { result: Err(central()) },
        Input::BookingCancelled { result: Err(central()) },
        Input::Timeout,
        Input::Resume,
        Input::Stop,
    ];
    for input in &inputs {
        assert_eq!(input.summary(), summary_through_json(input), "{input:?}");
    }
    assert_eq!(
        Input::Written { result: Err(fault(DeviceKind::Endorser)) }.summary(),
        "written failed: endorser fault timeout"
    );
    assert_eq!(Input::Slots { result: Err(central()) }.summary(), "slots failed");
}
