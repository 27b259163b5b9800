//! After a crash or restart: every open session resumes or unwinds safely. Intents without outcomes
//! are reconciled with the device or the provider, never blindly repeated.

use super::*;

impl Session {
    pub(super) fn resume(&mut self, ctx: &Ctx) -> Vec<Effect> {
        self.resumed = true;
        let order_no = self.order.as_ref().map(|o| o.order_no.clone());
        match self.step {
            Step::Ended => Vec::new(),
            // Check-in holds nothing of the applicant's: end it. A ticket already allocated stays
            // valid; checking in again reprints it.
            Step::CiPresent | Step::CiLookup | Step::CiConfirmCard => self.refuse(Reason::Interrupted, None, ctx),
            Step::Verify if self.flow != Flow::Endorsement => self.refuse(Reason::Interrupted, None, ctx),
            // Queries and booking questions hold nothing: end them.
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
            | Step::BkCancelConfirm => self.refuse(Reason::Interrupted, None, ctx),
            // Central may have booked, moved or cancelled: its list of the holder's bookings says.
            Step::BkSubmitting | Step::BkReconcile | Step::BkCancelling => self.reconcile(),
            // Booked: print the slip (again).
            Step::BkPrinting => self.reprint_slip(ctx),
            Step::CiPrinting => {
                let booking = self.booking.as_ref().map(|b| b.code.clone()).unwrap_or_default();
                vec![Effect::Record { record: Record::AllocateTicket { booking } }]
            }
            // Before payment: the permit may be inside; ask the printer, then give it back.
            Step::EnDocuments | Step::Verify | Step::EnChoose | Step::EnConfirm | Step::EnAwaitAuth | Step::EnProbe => {
                self.step = Step::EnProbe;
                vec![Effect::ProbeCard]
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
        }
    }
}
