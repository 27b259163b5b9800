//! What any device can get wrong, whatever its kind.

use crate::health::{DeviceState, FaultKind};
use std::time::Duration;

/// A failure common to every device kind. Device-specific errors wrap it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    /// The device is not connected.
    #[error("device not connected")]
    NoDevice,
    /// The device did not answer in time.
    #[error("device did not answer within {0:?}")]
    Timeout(Duration),
    /// The device answered with something that is not a valid frame.
    #[error("garbled answer from the device: {0}")]
    Protocol(String),
    /// A frame arrived with a bad checksum (after the protocol's retries).
    #[error("bad checksum from the device")]
    Checksum,
    /// The device reports a hardware fault.
    #[error("hardware fault: {0}")]
    Hardware(FaultKind),
    /// The device is working on another request.
    #[error("device busy")]
    Busy,
}

impl DeviceError {
    /// The fault kind this error reveals.
    pub fn fault(&self) -> FaultKind {
        match self {
            DeviceError::NoDevice => FaultKind::Unplugged,
            DeviceError::Timeout(_) => FaultKind::Timeout,
            DeviceError::Protocol(_) => FaultKind::Garbage,
            DeviceError::Checksum => FaultKind::Checksum,
            DeviceError::Hardware(k) => *k,
            DeviceError::Busy => FaultKind::Timeout,
        }
    }

    /// The device state this error implies.
    pub fn state(&self) -> DeviceState {
        match self {
            DeviceError::NoDevice => DeviceState::NoDevice,
            DeviceError::Timeout(_) => DeviceState::Offline,
            DeviceError::Busy => DeviceState::Busy,
            other => DeviceState::HardwareError(other.fault()),
        }
    }

    /// The error a device shows while this fault is present.
    pub fn from_fault(fault: FaultKind, timeout: Duration) -> DeviceError {
        match fault {
            FaultKind::Unplugged => DeviceError::NoDevice,
            FaultKind::Timeout => DeviceError::Timeout(timeout),
            FaultKind::Garbage => DeviceError::Protocol("unframed bytes".into()),
            FaultKind::Checksum => DeviceError::Checksum,
            other => DeviceError::Hardware(other),
        }
    }
}
