//! Payment terminal: UnionPay card, WeChat Pay / Alipay QR. Every order and refund carries its own
//! number, which the provider uses to make retries idempotent.

use crate::error::DeviceError;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How the applicant paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// UnionPay bank card.
    BankCard,
    /// WeChat Pay QR.
    Wechat,
    /// Alipay QR.
    Alipay,
}

/// An order to pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentOrder {
    /// The order number (idempotency key at the provider).
    pub order_no: String,
    /// Amount in fen (0.01 yuan).
    pub amount_fen: u32,
    /// What is paid for (shown on the terminal).
    pub subject: String,
}

/// The outcome of a payment attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum PaymentOutcome {
    /// Paid.
    Paid {
        /// The provider's transaction id.
        txn_id: String,
        /// How.
        method: PaymentMethod,
    },
    /// Declined by the bank or the wallet.
    Declined {
        /// What the provider said.
        reason: String,
    },
}

/// What the provider knows of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum PaymentStatus {
    /// Paid (and not refunded).
    Paid {
        /// Transaction id.
        txn_id: String,
    },
    /// Not paid: pending, declined or cancelled.
    NotPaid,
    /// Refunded.
    Refunded {
        /// Refund number.
        refund_no: String,
    },
    /// The provider has never heard of it.
    Unknown,
}

/// What can go wrong with a payment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The terminal or its link failed.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// No result yet within the wait (the applicant has not paid).
    #[error("payment still pending")]
    Pending,
    /// The provider rejected the request (unknown order, amount mismatch).
    #[error("payment provider refused: {0}")]
    Refused(String),
}

/// A payment terminal and its provider.
#[async_trait::async_trait]
pub trait PaymentTerminal: crate::Device {
    /// Open `order` on the terminal (shows the QR / asks for a card). Idempotent by order number.
    async fn start(&mut self, order: &PaymentOrder) -> Result<(), PaymentError>;
    /// Wait up to `wait` for the outcome of an open order.
    async fn wait_result(&mut self, order_no: &str, wait: Duration) -> Result<PaymentOutcome, PaymentError>;
    /// Close an unpaid order; returns what the provider then knows (it may have been paid just before).
    async fn cancel(&mut self, order_no: &str) -> Result<PaymentStatus, PaymentError>;
    /// Ask the provider about an order.
    async fn query(&mut self, order_no: &str) -> Result<PaymentStatus, PaymentError>;
    /// Refund a paid order in full. Idempotent by `refund_no`.
    async fn refund(&mut self, order_no: &str, refund_no: &str) -> Result<PaymentStatus, PaymentError>;
}
