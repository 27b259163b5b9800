//! The walk-in sessions as an explicit, pure state machine ("sans-IO").
//!
//! `Session::step(input, ctx) -> Vec<Effect>`: no I/O inside. Inputs come from devices, touches,
//! timers, the payment provider and central; effects go out to devices, the screen, the store and
//! the outbox. The runtime journals the new state together with every [`Record`] effect in one
//! SQLite transaction, commits, and only then performs the other effects. The session never holds
//! biometric data: templates and photos stay with the runtime, in memory, for one session.

pub mod booking;
mod checkin;
mod endorse;
mod exit;
mod holder;
mod query;
mod recover;
pub use recover::Unwind;
pub mod tag;
mod verify;

use crate::central::Authorisation;
use crate::policy::Policy;
use chrono::{DateTime, FixedOffset, NaiveDate};
use drivers::idcard::CardType;
use drivers::payment::{PaymentOrder, PaymentStatus};
use drivers::permit::{Endorsement, PermitKind};
use drivers::receipt::Document;
use drivers::{DeviceKind, FaultKind};
use kiosk_ui::{Reason, View};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Which flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// Booking check-in.
    Checkin,
    /// Group-tour endorsement.
    Endorsement,
    /// Queries about one's own documents.
    Query,
    /// Booking a hall visit, or changing one.
    Booking,
}

impl Flow {
    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            Flow::Checkin => "checkin",
            Flow::Endorsement => "endorsement",
            Flow::Query => "query",
            Flow::Booking => "booking",
        }
    }
    /// The devices the flow needs.
    pub fn devices(self) -> &'static [DeviceKind] {
        match self {
            // Queries print the entry/exit record, booking its slip.
            Flow::Checkin | Flow::Query | Flow::Booking => {
                &[DeviceKind::IdCard, DeviceKind::Fingerprint, DeviceKind::Camera, DeviceKind::Receipt]
            }
            Flow::Endorsement => &DeviceKind::ALL,
        }
    }
}

/// A device failure as the session sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// Which device.
    pub device: DeviceKind,
    /// What kind of fault.
    pub fault: FaultKind,
    /// What it said.
    pub message: String,
}

/// The ID card as the session keeps it: text fields only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardInfo {
    /// ID number (validated for resident cards).
    pub id_number: String,
    /// Name.
    pub name: String,
    /// Birth date YYYYMMDD as on the card.
    pub birth: String,
    /// Card type.
    pub card_type: CardType,
    /// Whether the card carries fingerprint templates.
    pub has_fingerprints: bool,
    /// Whether the ID number passed its check (length, date, check character).
    pub number_valid: bool,
    /// Address (the hukou address, for a resident): the booking's hukou location and mailing
    /// address, and the Taiwan individual-tour rule.
    #[serde(default)]
    pub address: String,
}

/// The permit as the session keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermitInfo {
    /// Kind from the MRZ (absent if the MRZ is invalid).
    pub kind: Option<PermitKind>,
    /// Document number.
    pub number: String,
    /// Expiry.
    pub expiry: Option<NaiveDate>,
    /// Birth date.
    pub birth: Option<NaiveDate>,
    /// Chinese name on the chip (`None` when the chip could not be read).
    pub name_zh: Option<String>,
    /// Endorsements on the chip.
    pub endorsements: Vec<Endorsement>,
    /// Why the MRZ is invalid, if it is.
    pub mrz_error: Option<String>,
}

/// A cached booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingInfo {
    /// Code.
    pub code: String,
    /// Hall.
    pub hall: String,
    /// Holder's ID number.
    pub id_number: String,
    /// Day.
    pub day: NaiveDate,
    /// Slot start HH:MM.
    pub slot_start: String,
    /// Slot end HH:MM.
    pub slot_end: String,
    /// The ticket already issued for it, if checked in before.
    pub ticket: Option<String>,
}

/// The result of a booking lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "found")]
pub enum Lookup {
    /// A booking at this hall today.
    Here(BookingInfo),
    /// Only a booking at another hall today.
    OtherHall(BookingInfo),
    /// Nothing today.
    None,
}

/// What a booking is looked up by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LookupKey {
    /// The holder's ID number.
    IdNumber(String),
    /// The booking code.
    Code(String),
}

/// The outcome of a payment attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "paid")]
pub enum PayResult {
    /// Paid.
    Paid {
        /// Transaction id.
        txn_id: String,
    },
    /// Declined.
    Declined {
        /// What the provider said.
        reason: String,
    },
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "input")]
pub enum Input {
    /// A button was touched.
    Touch {
        /// Button id.
        button: String,
    },
    /// A booking code was typed.
    Code {
        /// The code.
        code: String,
    },
    /// The ID card reader read a card.
    Card {
        /// The card, or the fault.
        result: Result<CardInfo, Fault>,
    },
    /// A card lies on the reader but cannot be read.
    CardUnreadable,
    /// The permit reader read a permit.
    Permit {
        /// The permit, or the fault.
        result: Result<PermitInfo, Fault>,
    },
    /// A permit was inserted but cannot be read (upside down, chip silent); it was given back.
    PermitUnreadable,
    /// A booking lookup finished.
    Booking {
        /// Result.
        lookup: Lookup,
    },
    /// A finger was pressed but could not be imaged (dry, moved): not a failed match.
    FingerPoor,
    /// A fingerprint was matched (or not).
    Finger {
        /// Matched, or the fault.
        result: Result<bool, Fault>,
    },
    /// A face was matched (or not).
    Face {
        /// Matched, or the fault.
        result: Result<bool, Fault>,
    },
    /// Central answered the authorisation.
    Auth {
        /// The decision, or why central could not answer.
        result: Result<Authorisation, String>,
    },
    /// A ticket number was allocated.
    Ticket {
        /// The number.
        number: String,
        /// Whether it was allocated before (a reprint).
        reprint: bool,
    },
    /// The payment order is open on the terminal.
    PaymentOpened {
        /// Or the fault.
        result: Result<(), Fault>,
    },
    /// The payer acted.
    Payment {
        /// The outcome, or the fault.
        result: Result<PayResult, Fault>,
    },
    /// What the provider says of the order after a cancel or a query.
    PaymentStatus {
        /// The status, or the fault.
        result: Result<PaymentStatus, Fault>,
    },
    /// A refund finished.
    Refunded {
        /// Or failed.
        result: Result<(), Fault>,
    },
    /// The endorsement write finished.
    Written {
        /// Or failed.
        result: Result<(), Fault>,
    },
    /// The chip's records were read back.
    ReadBack {
        /// Records, or the fault.
        result: Result<Vec<Endorsement>, Fault>,
    },
    /// Whether a card is inside the endorsement printer.
    CardInside {
        /// Or the fault.
        result: Result<bool, Fault>,
    },
    /// The permit was ejected.
    Ejected {
        /// Or failed.
        result: Result<(), Fault>,
    },
    /// The ejected permit was taken (true) or is still in the exit slot (false).
    Taken {
        /// Taken.
        taken: bool,
    },
    /// The permit was retained.
    Retained {
        /// Or failed.
        result: Result<(), Fault>,
    },
    /// The endorsement printer said whether it can write now.
    PrinterReady {
        /// Ready, or what is wrong with it.
        result: Result<(), Fault>,
    },
    /// A print job finished.
    Printed {
        /// Or failed.
        result: Result<(), Fault>,
    },
    /// Central answered a query.
    Queried {
        /// The answer, or why central could not answer.
        result: Result<QueryAnswer, CentralFailure>,
    },
    /// Central answered with the applicant's bookings.
    Bookings {
        /// All their bookings, or why central could not answer.
        result: Result<Vec<booking::HeldBooking>, CentralFailure>,
    },
    /// Free slots were found.
    Slots {
        /// Earliest free slots (this hall first), or why central could not answer.
        result: Result<Vec<SlotOffer>, CentralFailure>,
    },
    /// A booking was made or moved.
    Booked {
        /// The booking, or why not.
        result: Result<crate::central::Booking, CentralFailure>,
    },
    /// A booking was cancelled.
    BookingCancelled {
        /// Central's answer, or why not.
        result: Result<crate::central::CancelResult, CentralFailure>,
    },
    /// The inactivity deadline passed.
    Timeout,
    /// The daemon restarted while this session was open.
    Resume,
    /// The daemon is stopping (SIGTERM): end as soon as it is safe.
    Stop,
}

impl Input {
    /// A short description without personal data, for the journal.
    pub fn summary(&self) -> String {
        match self {
            Input::Touch { button } => format!("touch {button}"),
            Input::Code { .. } => "code entered".into(),
            Input::Card { result: Ok(_) } => "card read".into(),
            Input::Permit { result: Ok(_) } => "permit read".into(),
            Input::Card { result: Err(f) } | Input::Permit { result: Err(f) } => {
                format!("{} fault {}", f.device, f.fault)
            }
            other => {
                let name = tag::tag(other).unwrap_or_else(|| "input".into());
                match other.fault() {
                    Some(f) => format!("{name} failed: {} fault {}", f.device, f.fault),
                    None if other.central_failed() => format!("{name} failed"),
                    None => name,
                }
            }
        }
    }

    /// Whether this is central's answer that it could not answer (an error that is not a device's
    /// fault).
    fn central_failed(&self) -> bool {
        match self {
            Input::Auth { result } => result.is_err(),
            Input::Queried { result } => result.is_err(),
            Input::Bookings { result } => result.is_err(),
            Input::Slots { result } => result.is_err(),
            Input::Booked { result } => result.is_err(),
            Input::BookingCancelled { result } => result.is_err(),
            _ => false,
        }
    }

    /// The device fault this input reports, if it is one (which device, what kind of fault).
    pub fn fault(&self) -> Option<Fault> {
        let f = match self {
            Input::Card { result: Err(f) } | Input::Permit { result: Err(f) } => f,
            Input::Finger { result: Err(f) } | Input::Face { result: Err(f) } => f,
            Input::PaymentOpened { result: Err(f) }
            | Input::Refunded { result: Err(f) }
            | Input::Written { result: Err(f) }
            | Input::Ejected { result: Err(f) }
            | Input::Retained { result: Err(f) }
            | Input::Printed { result: Err(f) }
            | Input::PrinterReady { result: Err(f) } => f,
            Input::Payment { result: Err(f) } => f,
            Input::PaymentStatus { result: Err(f) } => f,
            Input::ReadBack { result: Err(f) } => f,
            Input::CardInside { result: Err(f) } => f,
            _ => return None,
        };
        Some(f.clone())
    }
}

/// A store change, applied in the same transaction as the new state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "record")]
pub enum Record {
    /// Allocate the booking's queue ticket (the same one again if it has one); answers [`Input::Ticket`].
    AllocateTicket {
        /// The booking.
        booking: String,
    },
    /// A payment is about to be asked for.
    PaymentIntent {
        /// Order number.
        order_no: String,
        /// Amount.
        amount_fen: u32,
    },
    /// What became of a payment: `paid`, `declined`, `cancelled`, `unknown`, `refund_intent`, `refunded`.
    PaymentState {
        /// Order number.
        order_no: String,
        /// New status.
        status: String,
        /// Transaction id or refund number.
        reference: Option<String>,
    },
    /// An endorsement is about to be written.
    EndorsementIntent {
        /// Issue key.
        key: String,
        /// Permit number.
        permit_no: String,
        /// Offer id.
        offer_id: String,
        /// Valid from.
        valid_from: NaiveDate,
        /// Valid to.
        valid_to: NaiveDate,
        /// Fee.
        fee_fen: u32,
        /// Order number.
        order_no: String,
    },
    /// What became of the write: `written` or `failed`.
    EndorsementState {
        /// Issue key.
        key: String,
        /// New status.
        status: String,
    },
    /// An event for central.
    Outbox {
        /// Event kind.
        kind: String,
        /// Payload.
        payload: serde_json::Value,
    },
    /// An audit record.
    Audit {
        /// Action.
        action: String,
        /// Detail (no personal data beyond masked numbers).
        detail: String,
    },
}

/// Something to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "effect")]
pub enum Effect {
    /// Show a view.
    Show {
        /// The view.
        view: View,
    },
    /// (Re)arm the inactivity timer, or disarm it (`None`).
    Idle {
        /// Time allowed.
        after: Option<Duration>,
    },
    /// Ask the endorsement printer whether it can write (its status: answering, no fault, film
    /// left, nothing jammed); answers [`Input::PrinterReady`].
    CheckPrinter,
    /// Wait for an ID card and read it.
    ReadCard,
    /// Wait for a permit and read it.
    ReadPermit,
    /// Stop waiting for documents and biometrics.
    StopWaiting,
    /// Look up a booking.
    LookupBooking {
        /// By what.
        key: LookupKey,
    },
    /// Capture a finger and match it against the card's templates.
    VerifyFinger,
    /// Capture a face and match it against the card's photo.
    VerifyFace,
    /// Ask central for an authorisation.
    Authorise {
        /// The request.
        request: crate::central::AuthRequest,
    },
    /// Change the store (in the transition's transaction).
    Record {
        /// The change.
        record: Record,
    },
    /// Open a payment order.
    OpenPayment {
        /// The order.
        order: PaymentOrder,
    },
    /// Wait for the payer.
    AwaitPayment {
        /// Order number.
        order_no: String,
    },
    /// Cancel an order (answers with its final status).
    CancelPayment {
        /// Order number.
        order_no: String,
    },
    /// Refund an order.
    Refund {
        /// Order number.
        order_no: String,
        /// Refund number.
        refund_no: String,
    },
    /// Write the endorsement.
    Write {
        /// The record to write.
        endorsement: Endorsement,
    },
    /// Read back the chip.
    ReadBack,
    /// Ask whether a card is inside the endorsement printer.
    ProbeCard,
    /// Eject the permit.
    Eject,
    /// Wait for the permit to be taken.
    AwaitTaken {
        /// For how long.
        wait: Duration,
    },
    /// Retain the permit.
    Retain,
    /// Print on the receipt printer.
    Print {
        /// What.
        doc: Document,
    },
    /// Tell central an endorsement was issued.
    ReportIssue {
        /// Issue key.
        key: String,
        /// ID number.
        id_number: String,
        /// Offer id.
        offer_id: String,
    },
    /// Ask central one query for the holder.
    Query {
        /// Which.
        what: QueryKind,
        /// Whose.
        id_number: String,
    },
    /// Ask central for the holder's bookings.
    LoadBookings {
        /// Whose.
        id_number: String,
    },
    /// Find the earliest free slots from `from` on: of `hall` only (moving a booking), or of this
    /// hall and the nearest others.
    LoadSlots {
        /// One hall only.
        hall: Option<String>,
        /// First day.
        from: NaiveDate,
    },
    /// Book at central.
    Book {
        /// The request.
        request: crate::central::BookingRequest,
    },
    /// Move a booking at central.
    Rebook {
        /// The booking.
        code: String,
        /// The new slot.
        request: crate::central::RebookRequest,
    },
    /// Cancel a booking at central.
    CancelBooking {
        /// The booking.
        code: String,
    },
    /// The session is over.
    End {
        /// How it ended.
        summary: sim::control::SessionSummary,
    },
}

/// Why central did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CentralFailure {
    /// Central's error code (`slot_full`, `same_day`, `banned`, ...), empty when central could not be
    /// reached or answered nonsense.
    pub code: String,
    /// What went wrong, for the screen.
    pub message: String,
}

impl From<crate::central::CentralError> for CentralFailure {
    fn from(e: crate::central::CentralError) -> CentralFailure {
        match e {
            crate::central::CentralError::Refused { code, message, .. } => CentralFailure { code, message },
            other => CentralFailure { code: String::new(), message: other.to_string() },
        }
    }
}

/// The queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryKind {
    /// 进度查询.
    Progress,
    /// 签注查询.
    Endorsements,
    /// 证件查询.
    Documents,
    /// 出入境记录查询 (printed).
    TravelRecords,
}

/// Central's answer to a query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "answer")]
pub enum QueryAnswer {
    /// Applications.
    Progress(crate::central::Progress),
    /// Endorsements held.
    Endorsements(crate::central::Endorsements),
    /// Documents held.
    Documents(crate::central::Documents),
    /// The entry/exit record.
    TravelRecords(crate::central::TravelRecords),
}

/// A free slot offered to a walk-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotOffer {
    /// Hall id.
    pub hall: String,
    /// Hall name.
    pub hall_zh: String,
    /// Hall name.
    pub hall_en: String,
    /// Distance from this hall, km (none: this hall).
    pub distance_km: Option<f64>,
    /// Day.
    pub date: NaiveDate,
    /// Start, HH:MM.
    pub start: String,
    /// End, HH:MM.
    pub end: String,
    /// Seats left.
    pub remaining: u32,
}

/// Central authorisation as the session tracks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "auth")]
pub enum AuthState {
    /// Not asked.
    #[default]
    NotAsked,
    /// Asked, no answer yet.
    Pending,
    /// Answered.
    Answered {
        /// The decision.
        decision: Authorisation,
    },
    /// Central could not answer.
    Failed,
}

/// One biometric check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Check {
    /// Part of this session.
    pub needed: bool,
    /// Passed.
    pub passed: bool,
    /// Failed attempts.
    pub failures: u8,
    /// The last press could not be imaged.
    #[serde(default)]
    pub press_again: bool,
}

/// The payment as the session tracks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderInfo {
    /// Order number.
    pub order_no: String,
    /// Amount.
    pub fee_fen: u32,
    /// Paid (and the transaction id).
    pub txn_id: Option<String>,
    /// Refund number once a refund was asked for.
    pub refund_no: Option<String>,
    /// Refund done.
    pub refunded: bool,
    /// The provider's state is not known (a fault while closing).
    pub uncertain: bool,
}

/// The endorsement being issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueInfo {
    /// Issue key (on the chip, at central, in the store).
    pub key: String,
    /// Offer id.
    pub offer_id: String,
    /// The record.
    pub endorsement: Endorsement,
    /// Written (confirmed by the printer or by reading the chip back).
    pub written: bool,
    /// The write's fate is unknown (the chip could not be read back).
    pub unknown: bool,
    /// The write was retried once after a restart proved it had not happened.
    #[serde(default)]
    pub retried: bool,
}

/// Where a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Check-in: waiting for the ID card or a code.
    CiPresent,
    /// Check-in: looking the booking up.
    CiLookup,
    /// Check-in by code: waiting for the ID card.
    CiConfirmCard,
    /// Both: fingerprint and / or face.
    Verify,
    /// Check-in: ticket allocated, printing.
    CiPrinting,
    /// Endorsement: waiting for the permit and the ID card.
    EnDocuments,
    /// Endorsement: choosing.
    EnChoose,
    /// Endorsement: confirming.
    EnConfirm,
    /// Endorsement: waiting for central.
    EnAwaitAuth,
    /// Endorsement: asking the endorsement printer whether it can write, before any payment.
    EnPreflight,
    /// Endorsement: opening the payment.
    EnPayOpen,
    /// Endorsement: waiting for the payer.
    EnPaying,
    /// Endorsement: closing an unpaid order / asking the provider.
    EnPayClosing,
    /// Endorsement: writing the card and printing the receipt.
    EnWriting,
    /// Endorsement: reading the chip back after a failed or interrupted write.
    EnCheckWrite,
    /// Endorsement: asking whether the card is inside (after a restart).
    EnProbe,
    /// Endorsement: refunding.
    EnRefunding,
    /// Endorsement: ejecting.
    EnEjecting,
    /// Endorsement: waiting for the permit to be taken.
    EnAwaitTake,
    /// Endorsement: retaining.
    EnRetaining,
    /// Printing a refund slip or reprinting a receipt on the way out.
    ExitPrinting,
    /// Queries and booking: waiting for the ID card.
    IdPresent,
    /// Queries: the menu.
    QMenu,
    /// Queries: waiting for central.
    QAsking,
    /// Queries: an answer on screen.
    QShowing,
    /// Queries: printing the entry/exit record.
    QPrinting,
    /// Booking: loading the applicant's bookings.
    BkLoading,
    /// Booking: their active bookings on screen.
    BkExisting,
    /// Booking: choosing the certificate type.
    BkCertificate,
    /// Booking: choosing the business.
    BkBusiness,
    /// Booking: looking for free slots.
    BkFindingSlots,
    /// Booking: choosing a slot.
    BkSlots,
    /// Booking: typing the applicant's phone number.
    BkPhone,
    /// Booking: choosing the emergency contact.
    BkRelation,
    /// Booking: typing the emergency contact's phone number.
    BkEmergencyPhone,
    /// Booking: choosing the pickup method.
    BkPickup,
    /// Booking: confirming.
    BkConfirm,
    /// Booking: central is booking (or moving).
    BkSubmitting,
    /// Booking: after a restart, asking central whether the booking was made.
    BkReconcile,
    /// Booking: printing the slip.
    BkPrinting,
    /// Booking: confirming a cancellation.
    BkCancelConfirm,
    /// Booking: central is cancelling.
    BkCancelling,
    /// Over.
    Ended,
}

/// What the session needs to know of its surroundings.
pub struct Ctx<'a> {
    /// Now, hall time.
    pub now: DateTime<FixedOffset>,
    /// This kiosk.
    pub kiosk_id: &'a str,
    /// This hall.
    pub hall_id: &'a str,
    /// Policy data.
    pub policy: &'a Policy,
}

impl Ctx<'_> {
    fn idle(&self) -> Effect {
        Effect::Idle { after: Some(Duration::from_secs(self.policy.session.inactivity_timeout_s as u64)) }
    }
    fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }
}

/// One session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Id, unique per kiosk.
    pub id: String,
    /// Flow.
    pub flow: Flow,
    /// Step.
    pub step: Step,
    /// Started.
    pub started_at: DateTime<FixedOffset>,
    /// The ID card.
    pub card: Option<CardInfo>,
    /// The permit.
    pub permit: Option<PermitInfo>,
    /// The booking (check-in).
    pub booking: Option<BookingInfo>,
    /// Fingerprint check.
    pub finger: Check,
    /// Face check.
    pub face: Check,
    /// Central's authorisation.
    pub auth: AuthState,
    /// The chosen offer id.
    pub choice: Option<String>,
    /// The payment.
    pub order: Option<OrderInfo>,
    /// The endorsement.
    pub issue: Option<IssueInfo>,
    /// The queue ticket.
    pub ticket: Option<String>,
    /// Whether the permit is (or may be) inside the machine.
    pub permit_inside: bool,
    /// Whether the permit waits in the exit slot.
    pub permit_at_exit: bool,
    /// Whether the permit was retained.
    pub permit_retained: bool,
    /// Whether the receipt is printed (None: not started).
    pub receipt_printed: Option<bool>,
    /// Why the session is ending without success.
    pub reason: Option<Reason>,
    /// A detail for the final screen.
    pub detail: Option<kiosk_ui::Text>,
    /// Whether the session was resumed after a restart.
    pub resumed: bool,
    /// The booking being made, moved or cancelled (booking flow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<booking::Draft>,
    /// What the session achieved without a ticket or an endorsement (`queried`, `booked`, `moved`,
    /// `cancelled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<String>,
}

impl Session {
    /// A new session of `flow`, started by a touch on the home screen.
    pub fn start(id: String, flow: Flow, ctx: &Ctx) -> (Session, Vec<Effect>) {
        let mut s = Session {
            id,
            flow,
            step: Step::CiPresent,
            started_at: ctx.now,
            card: None,
            permit: None,
            booking: None,
            finger: Check::default(),
            face: Check::default(),
            auth: AuthState::NotAsked,
            choice: None,
            order: None,
            issue: None,
            ticket: None,
            permit_inside: false,
            permit_at_exit: false,
            permit_retained: false,
            receipt_printed: None,
            reason: None,
            detail: None,
            resumed: false,
            draft: None,
            done: None,
        };
        let effects = match flow {
            Flow::Checkin => {
                vec![Effect::Show { view: View::CheckinPresent }, ctx.idle(), Effect::ReadCard]
            }
            Flow::Endorsement => {
                s.step = Step::EnDocuments;
                vec![
                    Effect::Show { view: View::EndorseDocuments { permit_read: false, card_read: false } },
                    ctx.idle(),
                    Effect::ReadPermit,
                    Effect::ReadCard,
                ]
            }
            Flow::Query | Flow::Booking => {
                s.step = Step::IdPresent;
                let service = if flow == Flow::Query { kiosk_ui::Service::Query } else { kiosk_ui::Service::Booking };
                vec![Effect::Show { view: View::IdentityPresent { service } }, ctx.idle(), Effect::ReadCard]
            }
        };
        (s, effects)
    }

    /// Whether the session is over.
    pub fn is_over(&self) -> bool {
        self.step == Step::Ended
    }

    /// Feed one input; returns the effects to perform, in order. Inputs that do not fit the current
    /// step (a late device answer) are ignored.
    pub fn step(&mut self, input: Input, ctx: &Ctx) -> Vec<Effect> {
        if self.step == Step::Ended {
            return Vec::new();
        }
        if input == Input::Resume {
            return self.resume(ctx);
        }
        if let Input::Touch { button } = &input
            && button == "cancel"
            && self.cancellable()
        {
            return self.refuse(Reason::Cancelled, None, ctx);
        }
        if input == Input::Stop {
            // Nothing paid yet: unwind now (the permit is given back). Paying: close the order
            // (refunded if it was paid meanwhile). Writing, printing, handing back: finish first.
            if self.cancellable() {
                let detail = kiosk_ui::Text::new(
                    "本机即将关闭，请到人工窗口或稍后再来。",
                    "This machine is closing; please go to a counter or come back later.",
                );
                return self.refuse(Reason::Interrupted, Some(detail), ctx);
            }
            if self.step == Step::EnPaying {
                return self.close_payment(Reason::Interrupted);
            }
            return Vec::new();
        }
        match self.flow {
            Flow::Checkin => self.step_checkin(input, ctx),
            Flow::Endorsement => self.step_endorse(input, ctx),
            Flow::Query => self.step_query(input, ctx),
            Flow::Booking => self.step_booking(input, ctx),
        }
    }

    /// Whether the applicant may still cancel (nothing paid yet).
    fn cancellable(&self) -> bool {
        matches!(
            self.step,
            Step::CiPresent
                | Step::CiConfirmCard
                | Step::Verify
                | Step::EnDocuments
                | Step::EnChoose
                | Step::EnConfirm
                | Step::EnAwaitAuth
                | Step::EnPreflight
                | Step::IdPresent
                | Step::QMenu
                | Step::QAsking
                | Step::QShowing
                | Step::BkLoading
                | Step::BkExisting
                | Step::BkCertificate
                | Step::BkBusiness
                | Step::BkFindingSlots
                | Step::BkSlots
                | Step::BkPhone
                | Step::BkRelation
                | Step::BkEmergencyPhone
                | Step::BkPickup
                | Step::BkConfirm
                | Step::BkCancelConfirm
        )
    }

    /// A device fault ends the session.
    fn device_fault(&mut self, f: &Fault, ctx: &Ctx) -> Vec<Effect> {
        let detail = kiosk_ui::Text::new(
            format!("故障设备：{}（{}）", device_zh(f.device), f.fault),
            format!("Device: {} ({})", f.device, f.fault),
        );
        self.refuse(Reason::DeviceFault, Some(detail), ctx)
    }

    /// The applicant cannot get what they came for: unwind (refund, give the permit back) and end.
    fn refuse(&mut self, reason: Reason, detail: Option<kiosk_ui::Text>, ctx: &Ctx) -> Vec<Effect> {
        if self.reason.is_none() {
            self.reason = Some(reason);
            self.detail = detail;
        }
        let mut effects = vec![Effect::StopWaiting];
        effects.extend(self.exit(ctx));
        effects
    }
}

/// Device names in Chinese for the screens.
pub fn device_zh(k: DeviceKind) -> &'static str {
    match k {
        DeviceKind::IdCard => "身份证阅读器",
        DeviceKind::Permit => "通行证阅读器",
        DeviceKind::Fingerprint => "指纹仪",
        DeviceKind::Camera => "摄像头",
        DeviceKind::Endorser => "签注打印机",
        DeviceKind::Receipt => "凭条打印机",
        DeviceKind::Payment => "支付终端",
    }
}

/// Minutes past midnight of an HH:MM text.
pub(crate) fn hhmm(s: &str) -> Option<i64> {
    let (h, m) = s.split_once(':')?;
    let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
    (h < 24 && m < 60 && h >= 0 && m >= 0).then_some(h * 60 + m)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_applicant;
