//! After a crash or restart: every open session resumes or unwinds safely. Intents without outcomes
//! are reconciled with the device or the provider, never blindly repeated.

use super::*;

/// How a session in one of the steps a restart treats alike comes back. Every step of a class comes
/// back the same way, whatever was done in it: that is what lets a transition between two steps of
/// one class wait to be journaled with the next durable one ([`Session::journal_can_wait`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unwind {
    /// Ended as interrupted: nothing of the applicant's is in the machine.
    Refuse,
    /// The permit may be inside: ask the printer, then give it back.
    ProbeAndEject,
    /// A payment order is open, or may be: close it, which answers with its final state (a
    /// payment made is kept for the write or refunded; one not made is cancelled).
    ClosePayment,
}

impl Effect {
    /// Whether the effect leaves nothing a restart has to know of: a screen, a timer, a wait for
    /// the applicant, a read or a question whose answer is only kept in the session. `ReadPermit`
    /// draws the permit in, which only a session that probes and ejects on a restart may do;
    /// `AwaitPayment` only listens for an order's outcome, which only a session that closes the
    /// order on a restart may leave unrecorded (closing answers with that outcome).
    fn leaves_nothing(&self, unwind: Unwind) -> bool {
        match self {
            Effect::Show { .. }
            | Effect::Idle { .. }
            | Effect::ReadCard
            | Effect::CheckPrinter
            | Effect::StopWaiting
            | Effect::LookupBooking { .. }
            | Effect::VerifyFinger
            | Effect::VerifyFace
            | Effect::Authorise { .. }
            | Effect::Query { .. }
            | Effect::LoadBookings { .. }
            | Effect::LoadSlots { .. } => true,
            Effect::ReadPermit => unwind == Unwind::ProbeAndEject,
            Effect::AwaitPayment { .. } => unwind == Unwind::ClosePayment,
            _ => false,
        }
    }
}

impl Session {
    /// How this session comes back after a restart, if its step holds nothing yet (see [`Unwind`]).
    pub fn unwinds(&self) -> Option<Unwind> {
        match self.step {
            // Check-in holds nothing of the applicant's. A ticket already allocated stays valid
            // (checking in again reprints it), but allocating it is CiPrinting, not one of these.
            Step::CiPresent | Step::CiLookup | Step::CiConfirmCard => Some(Unwind::Refuse),
            Step::Verify if self.flow != Flow::Endorsement => Some(Unwind::Refuse),
            // Queries and booking questions hold nothing.
            Step::IdPresent
            | Step::QMenu
            | Step::QAsking
            | Step::QShowing
            | Step::QPrinting
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
            | Step::BkCancelConfirm => Some(Unwind::Refuse),
            // Before payment: the permit may be inside.
            Step::EnDocuments
            | Step::Verify
            | Step::EnChoose
            | Step::EnConfirm
            | Step::EnAwaitAuth
            | Step::EnPreflight
            | Step::EnProbe => Some(Unwind::ProbeAndEject),
            // The order is being opened or paid: closed on a restart, whichever. Closing it for a
            // reason (cancelled, timed out) is not one of these: the reason is shown.
            Step::EnPayOpen | Step::EnPaying => Some(Unwind::ClosePayment),
            // The rest hold something (a payment, a write, a print, a question central may have
            // acted on) and come back each its own way (`resume`).
            Step::CiPrinting
            | Step::EnPayClosing
            | Step::EnWriting
            | Step::EnCheckWrite
            | Step::EnRefunding
            | Step::EnEjecting
            | Step::EnAwaitTake
            | Step::EnRetaining
            | Step::ExitPrinting
            | Step::BkSubmitting
            | Step::BkReconcile
            | Step::BkCancelling
            | Step::BkPrinting
            | Step::Ended => None,
        }
    }

    /// Whether the transition that brought the session here, with these effects, may be journaled
    /// together with the next durable one, the last durable state having come back as `durable`
    /// would (`None`: nothing durable yet, or a step that does not unwind). Only when a restart
    /// would do exactly the same with or without it: both ends unwind the same way, nothing ended,
    /// and no effect leaves anything behind. A transition that records an effect already done (a
    /// receipt printed) or about to be (a payment opened) is never one of these: its step does not
    /// unwind, or its effects do not leave nothing.
    pub fn journal_can_wait(&self, durable: Option<Unwind>, effects: &[Effect]) -> bool {
        match (durable, self.unwinds()) {
            (Some(d), Some(now)) if d == now && !self.is_over() => effects.iter().all(|e| e.leaves_nothing(now)),
            _ => false,
        }
    }

    pub(super) fn resume(&mut self, ctx: &Ctx) -> Vec<Effect> {
        self.resumed = true;
        let order_no = self.order.as_ref().map(|o| o.order_no.clone());
        match self.unwinds() {
            Some(Unwind::Refuse) => return self.refuse(Reason::Interrupted, None, ctx),
            Some(Unwind::ProbeAndEject) => {
                self.step = Step::EnProbe;
                return vec![Effect::ProbeCard];
            }
            // Closed below, with the step that closes an order for a reason.
            Some(Unwind::ClosePayment) | None => {}
        }
        match self.step {
            Step::Ended => Vec::new(),
            // Central may have booked, moved or cancelled: its list of the holder's bookings says.
            Step::BkSubmitting | Step::BkReconcile | Step::BkCancelling => self.reconcile(),
            // Booked: print the slip (again).
            Step::BkPrinting => self.reprint_slip(ctx),
            Step::CiPrinting => {
                let booking = self.booking.as_ref().map(|b| b.code.clone()).unwrap_or_default();
                vec![Effect::Record { record: Record::AllocateTicket { booking } }]
            }
            // A payment may have been made: close the order, which answers with its final state.
            Step::EnPayOpen | Step::EnPaying | Step::EnPayClosing => {
                self.step = Step::EnPayClosing;
                if self.reason.is_none() {
                    self.reason = Some(Reason::Interrupted);
                }
                match order_no {
                    Some(order_no) => vec![Effect::CancelPayment { order_no }],
                    None => self.refuse(Reason::Interrupted, None, ctx),
                }
            }
            // The write may or may not have happened: the chip tells.
            Step::EnWriting | Step::EnCheckWrite => {
                self.step = Step::EnCheckWrite;
                let mut e = vec![Effect::ReadBack];
                if self.receipt_printed != Some(true) {
                    self.receipt_printed = None;
                    e.extend(self.receipt_doc(ctx).map(|doc| Effect::Print { doc }));
                }
                e
            }
            Step::EnRefunding => match (order_no, self.order.as_ref().and_then(|o| o.refund_no.clone())) {
                (Some(order_no), Some(refund_no)) => vec![Effect::Refund { order_no, refund_no }],
                _ => self.exit(ctx),
            },
            Step::EnEjecting => vec![Effect::Eject],
            Step::EnAwaitTake => {
                vec![Effect::AwaitTaken { wait: Duration::from_secs(ctx.policy.session.take_permit_timeout_s as u64) }]
            }
            Step::EnRetaining => vec![Effect::Retain],
            Step::ExitPrinting => self.exit(ctx),
            // The steps that unwind, dealt with above.
            _ => Vec::new(),
        }
    }
}
