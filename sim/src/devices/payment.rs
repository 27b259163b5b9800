//! Simulated payment terminal and provider: orders by number, paid or declined by the applicant's
//! action, cancelled, queried and refunded idempotently, as a real acquirer's API behaves.

use super::{Shared, Timing, impl_sim_device, impl_sim_handle};
use drivers::DeviceKind;
use drivers::payment::{PaymentError, PaymentMethod, PaymentOrder, PaymentOutcome, PaymentStatus, PaymentTerminal};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// What the applicant does at the terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "act")]
pub enum PayerAction {
    /// Pays.
    Pay {
        /// How.
        method: PaymentMethod,
    },
    /// The bank or wallet declines.
    Decline {
        /// Why.
        reason: String,
    },
}

/// An order at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderState {
    /// Waiting for the payer.
    Open,
    /// Paid.
    Paid {
        /// Transaction id.
        txn_id: String,
    },
    /// Declined.
    Declined,
    /// Cancelled before payment.
    Cancelled,
    /// Paid then refunded.
    Refunded {
        /// Transaction id.
        txn_id: String,
        /// Refund number.
        refund_no: String,
    },
}

/// One order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Amount in fen.
    pub amount_fen: u32,
    /// State.
    pub state: OrderState,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    orders: BTreeMap<String, Order>,
    pending: Option<PayerAction>,
    txns: u64,
}

/// The terminal (what the daemon holds).
#[derive(Debug)]
pub struct SimPaymentTerminal(pub(crate) Arc<Shared<State>>);

/// The world's side: the payer, and the provider's books.
#[derive(Debug, Clone)]
pub struct PaymentHandle(pub(crate) Arc<Shared<State>>);
impl_sim_handle!(PaymentHandle);

/// A new terminal and its handle.
pub fn new(timing: Timing) -> (SimPaymentTerminal, PaymentHandle) {
    let s = Shared::new(DeviceKind::Payment, State::default(), timing);
    (SimPaymentTerminal(s.clone()), PaymentHandle(s))
}

impl PaymentHandle {
    /// The payer acts on the open order (a card tapped, a QR scanned, or a decline).
    pub fn act(&self, action: PayerAction) {
        self.0.with(|s| s.pending = Some(action));
    }
    /// The provider's books.
    pub fn orders(&self) -> BTreeMap<String, Order> {
        self.0.peek(|s| s.orders.clone())
    }
}

fn status(o: Option<&Order>) -> PaymentStatus {
    match o.map(|o| &o.state) {
        None => PaymentStatus::Unknown,
        Some(OrderState::Paid { txn_id }) => PaymentStatus::Paid { txn_id: txn_id.clone() },
        Some(OrderState::Refunded { refund_no, .. }) => PaymentStatus::Refunded { refund_no: refund_no.clone() },
        Some(_) => PaymentStatus::NotPaid,
    }
}

impl_sim_device!(SimPaymentTerminal, DeviceKind::Payment);

#[async_trait::async_trait]
impl PaymentTerminal for SimPaymentTerminal {
    async fn start(&mut self, order: &PaymentOrder) -> Result<(), PaymentError> {
        self.0.work().await?;
        self.0.with(|s| match s.orders.get(&order.order_no) {
            Some(o) if o.amount_fen != order.amount_fen => {
                Err(PaymentError::Refused(format!("order {} exists with another amount", order.order_no)))
            }
            Some(_) => Ok(()),
            None => {
                s.pending = None;
                s.orders
                    .insert(order.order_no.clone(), Order { amount_fen: order.amount_fen, state: OrderState::Open });
                Ok(())
            }
        })
    }

    async fn wait_result(&mut self, order_no: &str, wait: Duration) -> Result<PaymentOutcome, PaymentError> {
        let no = order_no.to_string();
        let got = self
            .0
            .wait_for(wait, |s| {
                let order = s.orders.get(&no)?;
                match &order.state {
                    OrderState::Paid { txn_id } => {
                        return Some(Ok(PaymentOutcome::Paid {
                            txn_id: txn_id.clone(),
                            method: PaymentMethod::BankCard,
                        }));
                    }
                    OrderState::Open => {}
                    _ => return Some(Err(PaymentError::Refused(format!("order {no} is closed")))),
                }
                let action = s.pending.take()?;
                let (state, outcome) = match action {
                    PayerAction::Pay { method } => {
                        s.txns += 1;
                        let txn_id = format!("T{:010}", s.txns);
                        (OrderState::Paid { txn_id: txn_id.clone() }, PaymentOutcome::Paid { txn_id, method })
                    }
                    PayerAction::Decline { reason } => (OrderState::Declined, PaymentOutcome::Declined { reason }),
                };
                if let Some(o) = s.orders.get_mut(&no) {
                    o.state = state;
                }
                Some(Ok(outcome))
            })
            .await?;
        match got {
            Some(r) => r,
            None => Err(PaymentError::Pending),
        }
    }

    async fn cancel(&mut self, order_no: &str) -> Result<PaymentStatus, PaymentError> {
        self.0.work().await?;
        Ok(self.0.with(|s| {
            if let Some(o) = s.orders.get_mut(order_no)
                && o.state == OrderState::Open
            {
                o.state = OrderState::Cancelled;
                s.pending = None;
            }
            status(s.orders.get(order_no))
        }))
    }

    async fn query(&mut self, order_no: &str) -> Result<PaymentStatus, PaymentError> {
        self.0.work().await?;
        Ok(self.0.peek(|s| status(s.orders.get(order_no))))
    }

    async fn refund(&mut self, order_no: &str, refund_no: &str) -> Result<PaymentStatus, PaymentError> {
        self.0.work().await?;
        self.0.with(|s| {
            let o =
                s.orders.get_mut(order_no).ok_or_else(|| PaymentError::Refused(format!("unknown order {order_no}")))?;
            match &o.state {
                OrderState::Paid { txn_id } => {
                    o.state = OrderState::Refunded { txn_id: txn_id.clone(), refund_no: refund_no.to_string() };
                    Ok(PaymentStatus::Refunded { refund_no: refund_no.to_string() })
                }
                OrderState::Refunded { refund_no: done, .. } if done == refund_no => {
                    Ok(PaymentStatus::Refunded { refund_no: done.clone() })
                }
                OrderState::Refunded { .. } => Err(PaymentError::Refused(format!("order {order_no} already refunded"))),
                _ => Err(PaymentError::Refused(format!("order {order_no} is not paid"))),
            }
        })
    }
}
