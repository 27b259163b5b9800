//! Why a session ended without what the applicant came for: a stable machine-readable code, and
//! what the screen and the receipt say about it in both languages (what happened, what to do next).

use crate::Text;
use serde::{Deserialize, Serialize};

/// The refusal reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// No booking today at this hall.
    NoBooking,
    /// The booking is for another hall.
    OtherHall,
    /// Before the arrival window.
    TooEarly,
    /// After the arrival window.
    TooLate,
    /// The card, permit or booking belong to different people.
    IdentityMismatch,
    /// The fingerprint did not match after the allowed tries.
    FingerprintNotMatched,
    /// The face did not match after the allowed tries.
    FaceNotMatched,
    /// The permit has expired.
    PermitExpired,
    /// The permit is not a valid card-type permit (unreadable, bad MRZ).
    PermitInvalid,
    /// Not a mainland resident.
    NonMainland,
    /// Must apply at the counter.
    CounterOnly,
    /// Not eligible for the endorsement chosen (or for any this machine issues).
    NotEligible,
    /// The payment was declined.
    PaymentDeclined,
    /// The payment was not made in time.
    PaymentTimeout,
    /// A device failed.
    DeviceFault,
    /// The applicant walked away (inactivity timeout).
    WalkedAway,
    /// The applicant cancelled.
    Cancelled,
    /// Central cannot be reached for an authorisation.
    CentralUnavailable,
    /// The machine was restarted during the session; it was unwound safely.
    Interrupted,
    /// Central refused a booking change (a rule of the hall: a ban, a cut-off, one booking per business).
    BookingRefused,
}

impl Reason {
    /// Every reason.
    pub const ALL: [Reason; 20] = [
        Reason::NoBooking,
        Reason::OtherHall,
        Reason::TooEarly,
        Reason::TooLate,
        Reason::IdentityMismatch,
        Reason::FingerprintNotMatched,
        Reason::FaceNotMatched,
        Reason::PermitExpired,
        Reason::PermitInvalid,
        Reason::NonMainland,
        Reason::CounterOnly,
        Reason::NotEligible,
        Reason::PaymentDeclined,
        Reason::PaymentTimeout,
        Reason::DeviceFault,
        Reason::WalkedAway,
        Reason::Cancelled,
        Reason::CentralUnavailable,
        Reason::Interrupted,
        Reason::BookingRefused,
    ];

    /// The stable code (what `--json` prints and the store keeps).
    pub fn code(self) -> &'static str {
        match self {
            Reason::NoBooking => "no_booking",
            Reason::OtherHall => "other_hall",
            Reason::TooEarly => "too_early",
            Reason::TooLate => "too_late",
            Reason::IdentityMismatch => "identity_mismatch",
            Reason::FingerprintNotMatched => "fingerprint_not_matched",
            Reason::FaceNotMatched => "face_not_matched",
            Reason::PermitExpired => "permit_expired",
            Reason::PermitInvalid => "permit_invalid",
            Reason::NonMainland => "non_mainland",
            Reason::CounterOnly => "counter_only",
            Reason::NotEligible => "not_eligible",
            Reason::PaymentDeclined => "payment_declined",
            Reason::PaymentTimeout => "payment_timeout",
            Reason::DeviceFault => "device_fault",
            Reason::WalkedAway => "walked_away",
            Reason::Cancelled => "cancelled",
            Reason::CentralUnavailable => "central_unavailable",
            Reason::Interrupted => "interrupted",
            Reason::BookingRefused => "booking_refused",
        }
    }

    /// From the stable code.
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// What happened.
    pub fn message(self) -> Text {
        let (zh, en) = match self {
            Reason::NoBooking => ("未查询到您今天在本大厅的预约。", "We found no booking for you at this hall today."),
            Reason::OtherHall => ("您的预约不在本大厅。", "Your booking is for another hall."),
            Reason::TooEarly => ("还未到您预约时段的签到时间。", "It is too early to check in for your time slot."),
            Reason::TooLate => ("您预约时段的签到时间已过。", "The check-in time for your slot has passed."),
            Reason::IdentityMismatch => ("证件信息与持证人不一致。", "The documents do not belong to the same person."),
            Reason::FingerprintNotMatched => ("指纹比对未通过。", "Your fingerprint did not match your ID card."),
            Reason::FaceNotMatched => ("人像比对未通过。", "Your face did not match your ID card photo."),
            Reason::PermitExpired => ("您的通行证已过期。", "Your travel permit has expired."),
            Reason::PermitInvalid => {
                ("无法识别您的通行证。", "Your travel permit could not be read as a valid card-type permit.")
            }
            Reason::NonMainland => ("本机仅为内地居民办理。", "This machine serves mainland residents only."),
            Reason::CounterOnly => {
                ("您的申请需在人工窗口办理。", "Your application must be made at a staffed counter.")
            }
            Reason::NotEligible => {
                ("您不符合所选签注的自助办理条件。", "You are not eligible for the endorsement chosen at this machine.")
            }
            Reason::PaymentDeclined => ("支付未成功，未扣款。", "The payment was declined; nothing was charged."),
            Reason::PaymentTimeout => {
                ("支付超时，未扣款。", "The payment was not completed in time; nothing was charged.")
            }
            Reason::DeviceFault => ("设备故障，本次业务已终止。", "A device failed; this session has ended."),
            Reason::WalkedAway => {
                ("长时间无操作，本次业务已结束。", "The session ended because there was no activity.")
            }
            Reason::Cancelled => ("您已取消本次业务。", "You cancelled this session."),
            Reason::CentralUnavailable => {
                ("暂时无法连接审批系统。", "The approval system cannot be reached right now.")
            }
            Reason::Interrupted => {
                ("设备重启，本次业务已安全终止。", "The machine restarted; your session was ended safely.")
            }
            Reason::BookingRefused => ("预约未能办理。", "The booking could not be made or changed."),
        };
        Text::new(zh, en)
    }

    /// What to do next.
    pub fn next_step(self) -> Text {
        let (zh, en) = match self {
            Reason::NoBooking => (
                "请通过移民局APP或小程序预约，或到取号机领取现场号。",
                "Book a visit in the NIA app or mini program, or take a walk-in number at the ticket machine.",
            ),
            Reason::OtherHall => ("请前往预约的大厅办理。", "Please go to the hall you booked."),
            Reason::TooEarly => {
                ("请在预约时段开始前60分钟内签到。", "Please check in from 60 minutes before your slot.")
            }
            Reason::TooLate => ("请重新预约，或咨询服务台。", "Please book again, or ask at the information desk."),
            Reason::IdentityMismatch => {
                ("请持本人证件办理，或到人工窗口咨询。", "Use your own documents, or ask at a staffed counter.")
            }
            Reason::FingerprintNotMatched | Reason::FaceNotMatched => {
                ("请到人工窗口核验身份。", "Please have your identity checked at a staffed counter.")
            }
            Reason::PermitExpired => {
                ("请先换发通行证（可在本大厅预约）。", "Renew your permit first (you can book it at this hall).")
            }
            Reason::PermitInvalid => (
                "请确认签注面朝上插入；仍无法识别请到人工窗口。",
                "Insert the permit endorsement side up; if it still fails, go to a staffed counter.",
            ),
            Reason::NonMainland => ("请到人工窗口咨询。", "Please ask at a staffed counter."),
            Reason::CounterOnly => ("请到人工窗口办理。", "Please go to a staffed counter."),
            Reason::NotEligible => (
                "请到人工窗口办理，签注可在20日内领取。",
                "Apply at a staffed counter; the endorsement can be collected within 20 days.",
            ),
            Reason::PaymentDeclined => ("请更换支付方式后重新办理。", "Try again with another payment method."),
            Reason::PaymentTimeout => ("如需办理请重新开始。", "Start again if you still want the endorsement."),
            Reason::DeviceFault => (
                "请取回您的证件，使用其他自助机或到人工窗口。",
                "Take your documents and use another machine or a staffed counter.",
            ),
            Reason::WalkedAway => ("如需办理请重新开始。", "Start again whenever you are ready."),
            Reason::Cancelled => ("如需办理请重新开始。", "Start again whenever you are ready."),
            Reason::CentralUnavailable => {
                ("请稍后再试，或到人工窗口办理。", "Try again later, or apply at a staffed counter.")
            }
            Reason::Interrupted => (
                "如已扣款将自动退款；请取回证件后重新办理。",
                "Any payment taken is refunded automatically; take your documents and start again.",
            ),
            Reason::BookingRefused => (
                "请按上述原因调整后重试，或到服务台咨询。",
                "Change what the message says and try again, or ask at the information desk.",
            ),
        };
        Text::new(zh, en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_every_reason_says_what_to_do() {
        for r in Reason::ALL {
            assert_eq!(Reason::from_code(r.code()), Some(r));
            assert!(!r.message().zh.is_empty() && !r.message().en.is_empty());
            assert!(!r.next_step().zh.is_empty() && !r.next_step().en.is_empty());
        }
        let mut codes: Vec<_> = Reason::ALL.iter().map(|r| r.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), Reason::ALL.len());
    }
}
