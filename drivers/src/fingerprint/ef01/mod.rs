//! The UART protocol of the R30x / ZFM / AS608 fingerprint modules (packets starting `EF 01`),
//! spoken by the fingerprint driver and by the simulated module alike.
//!
//! - [`packet`]: the packet layout, its checksum and the [`PacketCodec`] framing a byte stream in
//!   either direction;
//! - [`instruction`]: the instructions (command payloads), the confirmation codes and the
//!   acknowledgement with its typed results (scores, search hits, system parameters);
//! - [`transfer`]: templates split into data packets and reassembled.
//!
//! Sources (see `shared/protocols.md` §3): adafruit/Adafruit-Fingerprint-Sensor-Library
//! (`Adafruit_Fingerprint.h`, `Adafruit_Fingerprint.cpp`, `examples/show_fingerprint_templates`);
//! a brianrho-style FPM header and an `fp_*` C header found via code search.

pub mod instruction;
pub mod packet;
pub mod transfer;

pub use instruction::{Ack, AckError, Confirm, Instruction, InstructionError, SearchHit, SysPara};
pub use packet::{DEFAULT_ADDRESS, Packet, PacketCodec, PacketError, PacketSize, Pid};
pub use transfer::{Reassembler, TEMPLATE_LEN, TransferError};
