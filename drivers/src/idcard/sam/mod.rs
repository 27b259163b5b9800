//! The SAM_V protocol of resident ID card readers: frames starting `AA AA AA 96 69`.
//!
//! - [`frame`]: the request and response frames, their pure encode / decode functions and the
//!   `tokio_util` codecs ([`HostCodec`] for a driver, [`DeviceCodec`] for the simulator);
//! - [`status`]: the SAM's status byte SW3 ([`Sw3`]);
//! - [`command`]: the commands ([`Command`]), the baud-rate table and the protocol's timings;
//! - [`info`]: the data of a read-info reply ([`ReadInfo`]) and its conversion to an
//!   [`IdCard`](crate::idcard::IdCard).
//!
//! A read: find card (`20 01` → 9F, or 80 without a card), select card (`20 02` → 90), read base
//! info (`30 01`, or `30 10` with fingerprints) → 90 with the [`ReadInfo`] data.
//!
//! Everything here is pure (no I/O); facts come from shared/protocols.md section 1, whose sources
//! each submodule cites: eastcoms.com/service/downdrive/508.html and 533.html;
//! blog.csdn.net/zhangbijun1230/article/details/85242964; softs.im/身份证阅读器通信协议;
//! hevz/hev-idcard-reader; Yangyuanxin/BearPi IDReader.c / IDReader.h; speedata ParseIDInfor;
//! yzsam.com/html/CNvfzM.html; blog.csdn.net/qiwenmingshiwo/article/details/50698927; YinanSoft
//! SerialReader/A905Reader; tanyicheng/HslCommunicationJavaDemo DefaultLanguage.java;
//! HX_FDX3CardReader.h.

pub mod command;
pub mod frame;
pub mod info;
pub mod status;

pub use command::{
    BAUD_RATES, CARD_POLL_INTERVAL, COMMAND_TIMEOUT, Command, CommandError, DEFAULT_BAUD, STATUS_CHECK_INTERVAL,
    baud_index, baud_rate,
};
pub use frame::{
    Decoded, DeviceCodec, FrameError, HostCodec, MAX_LEN, Request, Response, decode_request, decode_response,
    encode_request, encode_response,
};
pub use info::{InfoError, ReadInfo};
pub use status::Sw3;
