//! The way out of a session, whatever happened: a payment kept without an endorsement is refunded,
//! the permit goes back to its owner (or into the retain bin by policy), then the final screen.

use super::*;
use crate::documents;
use kiosk_ui::Text;

impl Session {
    /// The next thing to do on the way out.
    pub(super) fn exit(&mut self, ctx: &Ctx) -> Vec<Effect> {
        let issued = self.issue.as_ref().is_some_and(|i| i.written);
        if let Some(o) = &mut self.order {
            let maybe_paid = o.txn_id.is_some() || o.uncertain;
            if !issued && maybe_paid && !o.refunded && o.refund_no.is_none() {
                let refund_no = format!("R{}", self.id);
                o.refund_no = Some(refund_no.clone());
                let order_no = o.order_no.clone();
                self.step = Step::EnRefunding;
                let mut e = self.payment_state("refund_intent", Some(refund_no.clone()));
                e.push(Effect::Show {
                    view: View::Working { what: Text::new("正在退款", "Refunding your payment") }
                });
                e.push(Effect::Refund { order_no, refund_no });
                return e;
            }
        }
        if self.permit_inside {
            self.step = Step::EnEjecting;
            return vec![
                Effect::Idle { after: None },
                Effect::Show {
                    view: View::Working { what: Text::new("正在退出通行证", "Returning your permit") }
                },
                Effect::Eject,
            ];
        }
        if self.permit_at_exit {
            self.step = Step::EnAwaitTake;
            let wait = Duration::from_secs(ctx.policy.session.take_permit_timeout_s as u64);
            return vec![Effect::Show { view: View::EndorseTakePermit }, Effect::AwaitTaken { wait }];
        }
        self.finish(ctx)
    }

    /// Inputs of the exit steps.
    pub(super) fn exit_input(&mut self, input: Input, ctx: &Ctx) -> Vec<Effect> {
        match (self.step, input) {
            (Step::EnRefunding, Input::Refunded { result: Ok(()) }) => {
                let mut e = self.payment_state("refunded", self.order.as_ref().and_then(|o| o.refund_no.clone()));
                if let Some(o) = &mut self.order {
                    o.refunded = true;
                    e.push(Effect::Record {
                        record: Record::Outbox {
                            kind: "refund".into(),
                            payload: serde_json::json!({
                                "order_no": o.order_no, "refund_no": o.refund_no, "amount_fen": o.fee_fen,
                                "kiosk": ctx.kiosk_id, "at": ctx.now.to_rfc3339(),
                            }),
                        },
                    });
                    e.push(Effect::Record {
                        record: Record::Audit {
                            action: "refund".into(),
                            detail: format!("{} {} fen", o.order_no, o.fee_fen),
                        },
                    });
                    e.push(Effect::Print { doc: documents::refund_slip(ctx, o) });
                }
                e.extend(self.exit(ctx));
                e
            }
            (Step::EnRefunding, Input::Refunded { result: Err(f) }) => {
                // The refund stays owed: its intent is in the store and is retried until it goes through.
                let mut e = vec![Effect::Record {
                    record: Record::Audit {
                        action: "refund_deferred".into(),
                        detail: format!("{}: {}", f.device, f.fault),
                    },
                }];
                self.detail = Some(Text::new(
                    "退款将自动原路退回，请保留回执。",
                    "Your refund will be made automatically; keep your receipt.",
                ));
                e.extend(self.exit(ctx));
                e
            }
            (Step::EnEjecting, Input::Ejected { result }) => {
                self.permit_inside = false;
                match result {
                    Ok(()) => self.permit_at_exit = true,
                    Err(f) => {
                        self.permit_retained = true;
                        self.detail = Some(Text::new(
                            format!("通行证无法退出（{}），请联系工作人员取回。", f.fault),
                            format!("Your permit could not be returned ({}); staff will hand it back.", f.fault),
                        ));
                    }
                }
                self.exit(ctx)
            }
            (Step::EnAwaitTake, Input::Taken { taken: true }) => {
                self.permit_at_exit = false;
                self.exit(ctx)
            }
            (Step::EnAwaitTake, Input::Taken { taken: false }) => {
                if ctx.policy.session.unclaimed_permit == "retain" {
                    self.step = Step::EnRetaining;
                    vec![Effect::Retain]
                } else {
                    self.permit_at_exit = false;
                    self.exit(ctx)
                }
            }
            (Step::EnRetaining, Input::Retained { result }) => {
                self.permit_at_exit = false;
                self.permit_retained = true;
                let how = if result.is_ok() { "retained" } else { "retain_failed" };
                self.detail = Some(Text::new(
                    "通行证未取走，已由机器保管，请到服务台领取。",
                    "Your permit was not taken and is kept safe; collect it at the desk.",
                ));
                let mut e = vec![Effect::Record {
                    record: Record::Audit { action: format!("permit_{how}"), detail: self.id.clone() },
                }];
                e.extend(self.exit(ctx));
                e
            }
            (_, Input::Timeout) => Vec::new(),
            _ => Vec::new(),
        }
    }

    /// The final screen, the summary, and the end of the session.
    pub(super) fn finish(&mut self, ctx: &Ctx) -> Vec<Effect> {
        self.step = Step::Ended;
        let issued = self.issue.as_ref().filter(|i| i.written);
        let outcome = if issued.is_some() {
            "issued"
        } else if self.ticket.is_some() && self.reason.is_none() {
            "ticket"
        } else {
            self.done.as_deref().filter(|_| self.reason.is_none()).unwrap_or("refused")
        };
        let reason = if outcome == "refused" { Some(self.reason.unwrap_or(Reason::Interrupted)) } else { None };
        let endorsement = issued.map(|i| documents::describe(&i.endorsement));
        let summary = sim::control::SessionSummary {
            session: self.id.clone(),
            flow: self.flow.name().into(),
            outcome: outcome.into(),
            reason: reason.map(|r| r.code().to_string()),
            ticket: if outcome == "ticket" { self.ticket.clone() } else { None },
            endorsement: endorsement.clone(),
            fee_fen: issued.and(self.order.as_ref().map(|o| o.fee_fen)),
            refunded: self.order.as_ref().is_some_and(|o| o.refunded),
            booking: self.booking_code(outcome),
        };
        let view = match (outcome, reason) {
            ("issued", _) => {
                let mut zh = format!("已签注：{}", endorsement.clone().unwrap_or_default());
                let mut en = zh.clone();
                en = en.replace("已签注：", "Issued: ");
                if let Some(d) = &self.detail {
                    zh.push('\n');
                    zh.push_str(&d.zh);
                    en.push('\n');
                    en.push_str(&d.en);
                }
                View::EndorseDone { summary: Text::new(zh, en) }
            }
            ("ticket", _) => View::CheckinTicket { number: self.ticket.clone().unwrap_or_default() },
            (_, None) => View::Finished { summary: Text::new("本次业务已完成", "All done") },
            (_, r) => View::Refusal { reason: r.unwrap_or(Reason::Interrupted), detail: self.detail.clone() },
        };
        vec![
            Effect::Idle { after: None },
            Effect::Show { view },
            Effect::Record {
                record: Record::Audit {
                    action: "session_end".into(),
                    detail: format!("{} {} {}", self.flow.name(), outcome, reason.map(|r| r.code()).unwrap_or("")),
                },
            },
            Effect::Record {
                record: Record::Outbox {
                    kind: "session".into(),
                    payload: serde_json::json!({
                        "session": self.id, "flow": self.flow.name(), "outcome": outcome,
                        "reason": reason.map(|r| r.code()), "kiosk": ctx.kiosk_id, "at": ctx.now.to_rfc3339(),
                    }),
                },
            },
            Effect::End { summary },
        ]
    }
}

impl Session {
    /// The booking a booking session made, moved or cancelled.
    fn booking_code(&self, outcome: &str) -> Option<String> {
        let d = self.draft.as_ref()?;
        match outcome {
            "booked" | "moved" => d.made.as_ref().map(|l| l.code.clone()),
            "cancelled" => d.target.clone(),
            _ => None,
        }
    }
}
