//! Simulated payment terminal and provider: orders by number, paid or declined by the applicant's
//! action, cancelled, queried and refunded idempotently, as a real acquirer's API behaves.

use super::{Shared, Timing, impl_sim_device, impl_sim_handle};
use drivers::DeviceKind;
use drivers::payment::{PaymentError, PaymentMethod, PaymentOrder, PaymentOutcome, PaymentStatus, PaymentTerminal};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Where the provider keeps its books, if they are to outlive the process that holds the
    /// terminal (as a real provider's outlive a kiosk that is switched off).
    books: Option<PathBuf>,
}

/// The provider's books as kept in a file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Books {
    /// Every order by number.
    pub orders: BTreeMap<String, Order>,
    /// Transactions so far (the last transaction id's number).
    pub txns: u64,
}

impl Books {
    /// Read books kept by [`with_books`] (none yet: empty books).
    pub fn load(path: &Path) -> Result<Books, String> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Books::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }
}

impl State {
    /// Write the books before the provider answers: an answer the terminal got is never forgotten.
    /// A new file renamed over the old one, so that a process killed meanwhile leaves either.
    fn keep(&self) {
        let Some(path) = &self.books else { return };
        let books = Books { orders: self.orders.clone(), txns: self.txns };
        let tmp = path.with_extension("tmp");
        let written = serde_json::to_vec(&books)
            .map_err(std::io::Error::other)
            .and_then(|bytes| std::fs::write(&tmp, bytes))
            .and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            eprintln!("the simulated payment provider cannot keep its books in {}: {e}", path.display());
        }
    }
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

/// A new terminal whose provider keeps its books in `path`: it starts from what is there and
/// writes every change before it answers, so orders, payments and refunds outlive the process.
pub fn with_books(timing: Timing, path: &Path) -> Result<(SimPaymentTerminal, PaymentHandle), String> {
    let books = Books::load(path)?;
    let state = State { orders: books.orders, txns: books.txns, books: Some(path.to_path_buf()), ..State::default() };
    let s = Shared::new(DeviceKind::Payment, state, timing);
    Ok((SimPaymentTerminal(s.clone()), PaymentHandle(s)))
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
                s.keep();
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
                s.keep();
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
                s.keep();
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
                    s.keep();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The provider's books outlive the terminal's process: a terminal started again on the same
    /// file knows the paid order, refunds it once, and its numbering goes on.
    #[tokio::test]
    async fn books_kept_in_a_file_outlive_the_terminal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("books.json");
        let order = PaymentOrder { order_no: "P1".into(), amount_fen: 1500, subject: "fee".into() };
        {
            let (mut t, h) = with_books(Timing::zero(), &path).expect("books");
            t.start(&order).await.expect("opened");
            h.act(PayerAction::Pay { method: PaymentMethod::Wechat });
            assert!(matches!(t.wait_result("P1", Duration::from_secs(1)).await, Ok(PaymentOutcome::Paid { .. })));
        }
        let (mut t, h) = with_books(Timing::zero(), &path).expect("books again");
        assert!(matches!(t.query("P1").await, Ok(PaymentStatus::Paid { .. })));
        assert!(matches!(t.refund("P1", "R1").await, Ok(PaymentStatus::Refunded { .. })));
        let books = Books::load(&path).expect("readable");
        assert!(matches!(books.orders["P1"].state, OrderState::Refunded { .. }));
        assert_eq!((books.txns, h.orders().len()), (1, 1));
    }
}
