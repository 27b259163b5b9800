//! Group-tour endorsement: permit and ID card (read at the same time) → same person → fingerprint
//! and face, while central authorises → choice among what the applicant may have → fee from policy
//! → the printer says it can write → payment → the endorsement written while the receipt prints →
//! permit ejected.

use super::*;
use crate::documents;
use crate::policy::{Offer, trips_number};
use drivers::permit::EndorsementKind;
use kiosk_ui::{OptionView, Text};

impl Session {
    pub(super) fn step_endorse(&mut self, input: Input, ctx: &Ctx) -> Vec<Effect> {
        match (self.step, input) {
            (Step::EnDocuments, Input::Permit { result: Ok(p) }) => {
                self.permit = Some(p);
                self.permit_inside = true;
                self.documents_progress(ctx)
            }
            (Step::EnDocuments, Input::Permit { result: Err(f) }) => {
                self.permit_inside = f.fault == FaultKind::CardJam;
                self.device_fault(&f, ctx)
            }
            (Step::EnDocuments, Input::PermitUnreadable) => {
                self.permit_at_exit = true;
                self.refuse(Reason::PermitInvalid, None, ctx)
            }
            (Step::EnDocuments, Input::Card { result: Ok(c) }) => {
                self.card = Some(c);
                self.documents_progress(ctx)
            }
            (Step::EnDocuments, Input::Card { result: Err(f) }) => self.device_fault(&f, ctx),
            // The card moved while it was read: read it again. A card that never reads does not keep
            // the session alive: the inactivity timer runs on.
            (Step::EnDocuments, Input::CardUnreadable) => vec![Effect::ReadCard],
            (Step::Verify, input @ (Input::Finger { .. } | Input::Face { .. } | Input::FingerPoor)) => {
                self.on_biometric(input, ctx)
            }
            (Step::Verify | Step::EnChoose | Step::EnConfirm | Step::EnAwaitAuth, Input::Auth { result }) => {
                self.auth = match result {
                    Ok(decision) => AuthState::Answered { decision },
                    Err(_) => AuthState::Failed,
                };
                match self.step {
                    Step::EnAwaitAuth => self.decide(ctx),
                    Step::EnChoose | Step::EnConfirm => match &self.auth {
                        AuthState::Answered { decision: Authorisation::Denied { reason } } => {
                            let r = *reason;
                            self.refuse(r, None, ctx)
                        }
                        // A residence permit central knows of may open the individual tour.
                        _ if self.step == Step::EnChoose => {
                            vec![Effect::Show { view: self.choose_view(ctx) }, ctx.idle()]
                        }
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                }
            }
            (Step::EnChoose, Input::Touch { button }) => {
                let Some(view) = self.options(ctx).into_iter().find(|o| o.id == button) else {
                    return Vec::new();
                };
                self.choice = Some(button);
                self.step = Step::EnConfirm;
                vec![Effect::Show { view: View::EndorseConfirm { option: view } }, ctx.idle()]
            }
            (Step::EnConfirm, Input::Touch { button }) if button == "back" => {
                self.choice = None;
                self.step = Step::EnChoose;
                vec![Effect::Show { view: self.choose_view(ctx) }, ctx.idle()]
            }
            (Step::EnConfirm, Input::Touch { button }) if button == "confirm" => self.decide(ctx),
            (Step::EnPreflight, Input::PrinterReady { result: Ok(()) }) => self.start_payment(ctx),
            (Step::EnPreflight, Input::PrinterReady { result: Err(f) }) => self.device_fault(&f, ctx),
            (Step::EnPayOpen, Input::PaymentOpened { result: Ok(()) }) => {
                self.step = Step::EnPaying;
                let (order_no, fee_fen) =
                    self.order.as_ref().map(|o| (o.order_no.clone(), o.fee_fen)).unwrap_or_default();
                // The pay screen (the QR) shows once the order exists at the provider.
                vec![
                    Effect::Show { view: View::EndorsePay { fee_fen, order_no: order_no.clone() } },
                    ctx.idle(),
                    Effect::AwaitPayment { order_no },
                ]
            }
            (Step::EnPayOpen, Input::PaymentOpened { result: Err(f) }) => {
                self.mark_uncertain();
                let mut e = self.payment_state("unknown", None);
                e.extend(self.device_fault(&f, ctx));
                e
            }
            (Step::EnPaying, Input::Payment { result: Ok(PayResult::Paid { txn_id }) })
            | (Step::EnPayClosing, Input::PaymentStatus { result: Ok(PaymentStatus::Paid { txn_id }) }) => {
                self.reason = None;
                let mut e = self.payment_state("paid", Some(txn_id.clone()));
                if let Some(o) = &mut self.order {
                    o.txn_id = Some(txn_id);
                    o.uncertain = false;
                }
                e.extend(self.start_write(ctx));
                e
            }
            (Step::EnPaying, Input::Payment { result: Ok(PayResult::Declined { reason }) }) => {
                let mut e = self.payment_state("declined", Some(reason));
                e.extend(self.refuse(Reason::PaymentDeclined, None, ctx));
                e
            }
            (Step::EnPaying | Step::EnPayClosing, Input::Payment { result: Err(f) })
            | (Step::EnPayClosing, Input::PaymentStatus { result: Err(f) }) => {
                self.mark_uncertain();
                let mut e = self.payment_state("unknown", None);
                e.extend(self.device_fault(&f, ctx));
                e
            }
            (Step::EnPaying, Input::Timeout) => self.close_payment(Reason::PaymentTimeout),
            (Step::EnPaying, Input::Touch { button }) if button == "cancel" => self.close_payment(Reason::Cancelled),
            (Step::EnPayClosing, Input::PaymentStatus { result: Ok(status) }) => {
                let reason = self.reason.unwrap_or(Reason::Interrupted);
                let refunded = matches!(status, PaymentStatus::Refunded { .. });
                if let Some(o) = &mut self.order {
                    o.refunded = refunded;
                }
                let mut e = self.payment_state(if refunded { "refunded" } else { "cancelled" }, None);
                self.reason = None;
                e.extend(self.refuse(reason, None, ctx));
                e
            }
            (Step::EnWriting, Input::Written { result: Ok(()) }) => {
                let mut e = self.written(ctx);
                e.extend(self.after_write(ctx));
                e
            }
            (Step::EnWriting, Input::Written { result: Err(f) }) => {
                self.step = Step::EnCheckWrite;
                self.detail = Some(fault_text(&f));
                vec![Effect::ReadBack]
            }
            (Step::EnCheckWrite, Input::ReadBack { result: Ok(records) }) => {
                let key = self.issue.as_ref().map(|i| i.key.clone());
                if records.iter().any(|r| r.issue_key.is_some() && r.issue_key == key) {
                    self.detail = None;
                    let mut e = self.written(ctx);
                    e.extend(self.after_write(ctx));
                    return e;
                }
                if self.resumed && self.issue.as_ref().is_some_and(|i| !i.retried) {
                    // After a restart the chip proves the write never happened: write it now, once.
                    if let Some(i) = &mut self.issue {
                        i.retried = true;
                    }
                    self.step = Step::EnWriting;
                    let mut e: Vec<Effect> =
                        self.issue.iter().map(|i| Effect::Write { endorsement: i.endorsement.clone() }).collect();
                    if self.receipt_printed != Some(true) {
                        self.receipt_printed = None;
                        e.extend(self.receipt_doc(ctx).map(|doc| Effect::Print { doc }));
                    }
                    return e;
                }
                let key = key.unwrap_or_default();
                let mut e = vec![Effect::Record { record: Record::EndorsementState { key, status: "failed".into() } }];
                let detail = self.detail.take();
                e.extend(self.refuse(Reason::DeviceFault, detail, ctx));
                e
            }
            (Step::EnCheckWrite, Input::ReadBack { result: Err(f) }) => {
                if let Some(i) = &mut self.issue {
                    i.unknown = true;
                }
                let key = self.issue.as_ref().map(|i| i.key.clone()).unwrap_or_default();
                let mut e = vec![Effect::Record { record: Record::EndorsementState { key, status: "unknown".into() } }];
                e.extend(self.device_fault(&f, ctx));
                e
            }
            (Step::EnWriting | Step::EnCheckWrite, Input::Printed { result }) => {
                self.receipt_printed = Some(result.is_ok());
                self.after_write(ctx)
            }
            (Step::EnProbe, Input::CardInside { result }) => {
                self.permit_inside = result.unwrap_or(true);
                self.refuse(Reason::Interrupted, None, ctx)
            }
            (Step::EnDocuments | Step::Verify | Step::EnChoose | Step::EnConfirm, Input::Timeout) => {
                self.refuse(Reason::WalkedAway, None, ctx)
            }
            (Step::EnAwaitAuth, Input::Timeout) => self.refuse(Reason::CentralUnavailable, None, ctx),
            (_, input) => self.exit_input(input, ctx),
        }
    }

    fn documents_progress(&mut self, ctx: &Ctx) -> Vec<Effect> {
        if self.card.is_none() || self.permit.is_none() {
            let view = View::EndorseDocuments { permit_read: self.permit.is_some(), card_read: self.card.is_some() };
            return vec![Effect::Show { view }, ctx.idle()];
        }
        self.check_documents(ctx)
    }

    /// Both documents are read: check them against each other, then verify the holder while central
    /// authorises.
    fn check_documents(&mut self, ctx: &Ctx) -> Vec<Effect> {
        let (Some(card), Some(permit)) = (self.card.clone(), self.permit.clone()) else {
            return Vec::new();
        };
        if card.card_type != drivers::idcard::CardType::Resident {
            return self.refuse(Reason::NonMainland, None, ctx);
        }
        if !card.number_valid {
            let d = Text::new("身份证信息校验失败", "The ID card's data failed its check");
            return self.refuse(Reason::IdentityMismatch, Some(d), ctx);
        }
        let (Some(kind), Some(expiry), None) = (permit.kind, permit.expiry, &permit.mrz_error) else {
            return self.refuse(Reason::PermitInvalid, None, ctx);
        };
        if expiry < ctx.today() {
            let d = Text::new(format!("有效期至 {expiry}"), format!("Expired on {expiry}"));
            return self.refuse(Reason::PermitExpired, Some(d), ctx);
        }
        let birth = chrono::NaiveDate::parse_from_str(&card.birth, "%Y%m%d").ok();
        // The birth date is on the MRZ; the name is on the chip, when the chip was read. Central's
        // authorisation checks the permit number against the holder in any case.
        if permit.name_zh.as_ref().is_some_and(|n| *n != card.name) || permit.birth != birth {
            return self.refuse(Reason::IdentityMismatch, None, ctx);
        }
        self.auth = AuthState::Pending;
        let request = crate::central::AuthRequest {
            key: self.id.clone(),
            id_number: card.id_number.clone(),
            permit_number: permit.number.clone(),
            permit_kind: kind,
            today: ctx.today(),
        };
        let mut e = vec![Effect::Authorise { request }];
        e.extend(self.begin_verify(ctx));
        e
    }

    /// The offers this permit can carry today: the right permit, not outliving it, and not for a
    /// destination the permit already holds a usable group-tour endorsement for.
    fn offers<'p>(&self, ctx: &Ctx<'p>) -> Vec<&'p Offer> {
        let Some(p) = &self.permit else { return Vec::new() };
        let (Some(kind), Some(expiry)) = (p.kind, p.expiry) else { return Vec::new() };
        let today = ctx.today();
        ctx.policy
            .endorsements
            .iter()
            .filter(|o| o.fits(kind, expiry, today))
            .filter(|o| {
                !p.endorsements.iter().any(|e| e.kind == o.kind && e.destination == o.destination && e.usable_on(today))
            })
            .collect()
    }

    /// Whether the Taiwan individual-tour rule lets this applicant have it: hukou (the card's
    /// address) in an open city, or a residence permit of one (as central knows).
    fn individual_tour_allowed(&self, ctx: &Ctx) -> bool {
        let address = self.card.as_ref().map_or("", |c| c.address.as_str());
        let permits = match &self.auth {
            AuthState::Answered { decision: Authorisation::Granted { residence_permits, .. } } => {
                residence_permits.as_slice()
            }
            _ => &[],
        };
        ctx.policy.individual_tour.allows(address, permits)
    }

    /// The choice screen: what may be chosen, and why an individual tour is not among it.
    fn choose_view(&self, ctx: &Ctx) -> View {
        let offers = self.offers(ctx);
        let individual_withheld =
            offers.iter().any(|o| o.kind == EndorsementKind::IndividualTour) && !self.individual_tour_allowed(ctx);
        let note = individual_withheld.then(|| {
            Text::new(
                "赴台个人旅游签注仅限开放城市户籍或持开放城市居住证人员办理，您可办理团队旅游签注",
                "The Taiwan individual tour is only for people whose hukou or residence permit is in an open city; \
                 you may get the group tour",
            )
        });
        View::EndorseChoose { options: self.options(ctx), note }
    }

    fn options(&self, ctx: &Ctx) -> Vec<OptionView> {
        let today = ctx.today();
        let individual = self.individual_tour_allowed(ctx);
        self.offers(ctx)
            .into_iter()
            .filter(|o| o.kind != EndorsementKind::IndividualTour || individual)
            .map(|o| OptionView {
                id: o.id.clone(),
                destination: Text::new(o.destination.zh(), o.destination.en()),
                months: o.months,
                trips: trips_number(o.trips),
                fee_fen: o.fee_fen,
                valid_to: o.valid_to(today).to_string(),
                individual: o.kind == EndorsementKind::IndividualTour,
            })
            .collect()
    }

    pub(super) fn after_verify_endorse(&mut self, ctx: &Ctx) -> Vec<Effect> {
        if let AuthState::Answered { decision: Authorisation::Denied { reason } } = &self.auth {
            let r = *reason;
            return self.refuse(r, None, ctx);
        }
        let options = self.options(ctx);
        if options.is_empty() {
            let d =
                Text::new("您的通行证暂无可自助办理的签注", "No endorsement this machine issues fits your permit now");
            return self.refuse(Reason::NotEligible, Some(d), ctx);
        }
        self.step = Step::EnChoose;
        vec![Effect::Show { view: self.choose_view(ctx) }, ctx.idle()]
    }

    /// The applicant confirmed: go on once central has answered.
    fn decide(&mut self, ctx: &Ctx) -> Vec<Effect> {
        match &self.auth {
            AuthState::NotAsked | AuthState::Pending => {
                self.step = Step::EnAwaitAuth;
                let what = Text::new("正在审批，请稍候", "Waiting for approval");
                vec![Effect::Show { view: View::Working { what } }, ctx.idle()]
            }
            AuthState::Failed => self.refuse(Reason::CentralUnavailable, None, ctx),
            AuthState::Answered { decision: Authorisation::Denied { reason } } => {
                let r = *reason;
                self.refuse(r, None, ctx)
            }
            AuthState::Answered { decision: Authorisation::Granted { allowed, .. } } => {
                let ok = self.choice.as_ref().is_some_and(|c| allowed.contains(c));
                if ok { self.preflight() } else { self.refuse(Reason::NotEligible, None, ctx) }
            }
        }
    }

    /// Before anyone is charged, the endorsement printer says it can write: a printer that went
    /// silent, noisy or out of film after the permit went in is found in seconds, and the
    /// applicant is sent away without paying, instead of paying, waiting for the write to fail
    /// and being refunded.
    fn preflight(&mut self) -> Vec<Effect> {
        self.step = Step::EnPreflight;
        let what = Text::new("正在检查签注设备", "Checking the endorsement printer");
        vec![Effect::Idle { after: None }, Effect::Show { view: View::Working { what } }, Effect::CheckPrinter]
    }

    fn start_payment(&mut self, ctx: &Ctx) -> Vec<Effect> {
        let Some(offer) = self.choice.as_deref().and_then(|c| ctx.policy.offer(c)) else {
            return self.refuse(Reason::NotEligible, None, ctx);
        };
        let order_no = format!("P{}", self.id);
        self.order = Some(OrderInfo {
            order_no: order_no.clone(),
            fee_fen: offer.fee_fen,
            txn_id: None,
            refund_no: None,
            refunded: false,
            uncertain: false,
        });
        self.step = Step::EnPayOpen;
        let subject = format!("{} group-tour endorsement {}", offer.destination.code(), offer.id);
        vec![
            Effect::Record { record: Record::PaymentIntent { order_no: order_no.clone(), amount_fen: offer.fee_fen } },
            Effect::Show { view: View::Working { what: Text::new("正在创建支付订单", "Opening the payment") } },
            Effect::Idle { after: None },
            Effect::OpenPayment { order: PaymentOrder { order_no, amount_fen: offer.fee_fen, subject } },
        ]
    }

    pub(super) fn close_payment(&mut self, reason: Reason) -> Vec<Effect> {
        self.reason = Some(reason);
        self.step = Step::EnPayClosing;
        let order_no = self.order.as_ref().map(|o| o.order_no.clone()).unwrap_or_default();
        vec![
            Effect::Idle { after: None },
            Effect::Show { view: View::Working { what: Text::new("正在关闭订单", "Closing the order") } },
            Effect::CancelPayment { order_no },
        ]
    }

    fn mark_uncertain(&mut self) {
        if let Some(o) = &mut self.order {
            o.uncertain = true;
        }
    }

    pub(super) fn payment_state(&self, status: &str, reference: Option<String>) -> Vec<Effect> {
        let Some(o) = &self.order else { return Vec::new() };
        vec![Effect::Record {
            record: Record::PaymentState { order_no: o.order_no.clone(), status: status.into(), reference },
        }]
    }

    /// Paid: write the endorsement while the receipt prints.
    fn start_write(&mut self, ctx: &Ctx) -> Vec<Effect> {
        let (Some(offer), Some(permit), Some(order)) =
            (self.choice.as_deref().and_then(|c| ctx.policy.offer(c)), &self.permit, &self.order)
        else {
            return self.refuse(Reason::Interrupted, None, ctx);
        };
        let today = ctx.today();
        let key = format!("E{}", self.id);
        let endorsement = drivers::permit::Endorsement {
            destination: offer.destination,
            kind: offer.kind,
            trips: offer.trips,
            trips_left: offer.trips.count(),
            valid_from: today,
            valid_to: offer.valid_to(today),
            issue_key: Some(key.clone()),
        };
        let intent = Record::EndorsementIntent {
            key: key.clone(),
            permit_no: permit.number.clone(),
            offer_id: offer.id.clone(),
            valid_from: endorsement.valid_from,
            valid_to: endorsement.valid_to,
            fee_fen: offer.fee_fen,
            order_no: order.order_no.clone(),
        };
        self.issue = Some(IssueInfo {
            key,
            offer_id: offer.id.clone(),
            endorsement: endorsement.clone(),
            written: false,
            unknown: false,
            retried: false,
        });
        self.step = Step::EnWriting;
        self.receipt_printed = None;
        let mut e = vec![
            Effect::Record { record: intent },
            Effect::Idle { after: None },
            Effect::Show { view: View::EndorseWriting },
            Effect::Write { endorsement },
        ];
        e.extend(self.receipt_doc(ctx).map(|doc| Effect::Print { doc }));
        e
    }

    pub(super) fn receipt_doc(&self, ctx: &Ctx) -> Option<Document> {
        let (card, permit, order, issue) =
            (self.card.as_ref()?, self.permit.as_ref()?, self.order.as_ref()?, self.issue.as_ref()?);
        Some(documents::receipt(ctx, &self.id, card, permit, order, &issue.endorsement, self.resumed))
    }

    /// The write is confirmed (by the printer, or by reading the chip back).
    fn written(&mut self, ctx: &Ctx) -> Vec<Effect> {
        let Some(issue) = &mut self.issue else { return Vec::new() };
        if issue.written {
            return Vec::new();
        }
        issue.written = true;
        let (key, offer_id, e) = (issue.key.clone(), issue.offer_id.clone(), issue.endorsement.clone());
        let id_number = self.card.as_ref().map(|c| c.id_number.clone()).unwrap_or_default();
        let permit_no = self.permit.as_ref().map(|p| p.number.clone()).unwrap_or_default();
        let order = self.order.as_ref();
        vec![
            Effect::Record { record: Record::EndorsementState { key: key.clone(), status: "written".into() } },
            Effect::Record {
                record: Record::Outbox {
                    kind: "endorsement_issued".into(),
                    payload: serde_json::json!({
                        "issue_key": key, "id_number": id_number, "permit": permit_no, "offer": offer_id,
                        "valid_from": e.valid_from, "valid_to": e.valid_to,
                        "order_no": order.map(|o| o.order_no.clone()), "fee_fen": order.map(|o| o.fee_fen),
                        "kiosk": ctx.kiosk_id, "hall": ctx.hall_id, "at": ctx.now.to_rfc3339(),
                    }),
                },
            },
            Effect::Record {
                record: Record::Audit {
                    action: "endorsement_written".into(),
                    detail: format!("{key} offer {offer_id} permit {}", drivers::idcard::mask_id(&permit_no)),
                },
            },
            Effect::ReportIssue { key, id_number, offer_id },
        ]
    }

    fn after_write(&mut self, ctx: &Ctx) -> Vec<Effect> {
        let written = self.issue.as_ref().is_some_and(|i| i.written);
        if written && self.receipt_printed.is_some() {
            if self.receipt_printed == Some(false) {
                self.detail = Some(Text::new(
                    "回执打印失败，可到服务台补打。",
                    "The receipt could not be printed; ask the desk for a copy.",
                ));
            }
            return self.exit(ctx);
        }
        Vec::new()
    }
}

/// A fault as a line for the final screen.
pub(super) fn fault_text(f: &Fault) -> Text {
    Text::new(format!("{}：{}", device_zh(f.device), f.fault), format!("{}: {}", f.device, f.fault))
}
