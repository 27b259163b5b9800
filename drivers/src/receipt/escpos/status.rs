//! Status replies of an ESC/POS printer: the one-byte answers to real-time status `DLE EOT n`
//! (`10 04 n`) and to the paper sensor query `GS r 1` (`1D 72 01`).
//!
//! A `DLE EOT` reply has the fixed pattern `0xx1xx10` (bits 1 and 4 set, bits 0 and 7 clear);
//! bits 2, 3, 5 and 6 carry four flags whose meaning depends on `n`:
//!
//! | n | request        | bit 2            | bit 3                | bit 5                  | bit 6            |
//! |---|----------------|------------------|----------------------|------------------------|------------------|
//! | 1 | printer        | drawer pin 3 high| offline              | waiting for recovery   | feed button      |
//! | 2 | offline cause  | cover open       | paper fed by button  | stopped at paper end   | error occurred   |
//! | 3 | error cause    | recoverable      | autocutter           | unrecoverable          | auto-recoverable |
//! | 4 | paper sensor   | near end         | near end             | paper end              | paper end        |
//!
//! Sources (see `shared/protocols.md` §4): fabienbellanger/escpos-rs `src/domain/status.rs`
//! (normal 0x12, citing Epson's dle_eot reference); python-escpos `constants.py` (n = 4: 0x12 OK,
//! 0x1E near end, 0x72 out); docs.rs hardless-http-dialects `PrinterStatus` (out of paper: n = 1
//! 0x1A, n = 2 0x32, n = 4 0x7E); cnblogs.com/deng02/archive/2009/12/24/1631521.html (`GS r 1`
//! answers 00 paper OK, 0F no paper).
//!
//! The host side is [`StatusCodec`]: it writes [`Query`]s and decodes each reply byte against
//! the oldest query still unanswered. The printer side answers with [`Reply::to_byte`], usually
//! built from a [`PrinterCondition`].

use super::command::{Command, DLE, EOT, PAPER_SENSOR_STATUS};
use crate::health::MediaState;
use bytes::{Buf, BufMut, BytesMut};
use std::collections::VecDeque;
use std::io;
use tokio_util::codec::{Decoder, Encoder};

/// The bits of a `DLE EOT` reply that are fixed: 0, 1, 4 and 7.
pub const FIXED_MASK: u8 = 0b1001_0011;
/// Their values: bits 1 and 4 set, bits 0 and 7 clear (`0xx1xx10`).
pub const FIXED_VALUE: u8 = 0b0001_0010;
/// The four flag bits of a `DLE EOT` reply, in table order: bit 2, bit 3, bit 5, bit 6.
pub const FLAG_BITS: [u8; 4] = [0x04, 0x08, 0x20, 0x40];

/// Replies to `GS r 1` and the paper state each stands for (the encoder uses the first entry of
/// a state).
///
/// 00 and 0F are from cnblogs.com/deng02 (protocols.md §4). 03 (near-end sensor bits 0-1 only)
/// and 0C (paper-end bits 2-3 only) are *(unverified)*: Epson's `GS r 1` bit layout from memory.
/// A printer that only knows 00 / 0F never sends them.
pub const PAPER_SENSOR_REPLIES: [(u8, PaperState); 4] =
    [(0x00, PaperState::Ok), (0x0F, PaperState::Out), (0x03, PaperState::NearEnd), (0x0C, PaperState::Out)];

/// The most queries [`StatusCodec`] keeps waiting for a reply; beyond, the oldest is forgotten.
pub const MAX_PENDING: usize = 16;

/// What a status byte could not be read as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    /// A `DLE EOT` reply that breaks the fixed bit pattern.
    #[error(
        "status byte 0x{byte:02X} breaks the fixed pattern 0xx1xx10 (expected bits 1 and 4 set, bits 0 and 7 clear)"
    )]
    FixedBits {
        /// The byte received.
        byte: u8,
    },
    /// A `DLE EOT n` with an `n` that has no reply layout here.
    #[error("real-time status request n = {n}; expected 1 to 4")]
    UnknownRequest {
        /// The request.
        n: u8,
    },
    /// A `GS r 1` reply that is none of [`PAPER_SENSOR_REPLIES`].
    #[error("paper sensor reply 0x{byte:02X}; expected 00 (paper OK) or 0F (no paper)")]
    BadPaperSensorReply {
        /// The byte received.
        byte: u8,
    },
    /// A byte arrived while no query was waiting for one.
    #[error("unsolicited byte 0x{byte:02X}; expected no reply while no status query is waiting")]
    Unsolicited {
        /// The byte received.
        byte: u8,
    },
}

/// The `n` of `DLE EOT n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusRequest {
    /// n = 1: printer status.
    Printer,
    /// n = 2: offline cause.
    OfflineCause,
    /// n = 3: error cause.
    ErrorCause,
    /// n = 4: roll paper sensor.
    PaperSensor,
}

impl StatusRequest {
    /// Every request, by `n`.
    pub const ALL: [StatusRequest; 4] =
        [StatusRequest::Printer, StatusRequest::OfflineCause, StatusRequest::ErrorCause, StatusRequest::PaperSensor];

    /// Its `n`.
    pub fn n(self) -> u8 {
        match self {
            StatusRequest::Printer => 1,
            StatusRequest::OfflineCause => 2,
            StatusRequest::ErrorCause => 3,
            StatusRequest::PaperSensor => 4,
        }
    }

    /// The request of an `n`.
    pub fn from_n(n: u8) -> Result<StatusRequest, StatusError> {
        StatusRequest::ALL.into_iter().find(|r| r.n() == n).ok_or(StatusError::UnknownRequest { n })
    }
}

/// `DLE EOT 1`: printer status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterInfo {
    /// Bit 2: drawer kick-out connector pin 3 is high (0 = low).
    pub drawer_pin_high: bool,
    /// Bit 3: offline.
    pub offline: bool,
    /// Bit 5: waiting for online recovery.
    pub waiting_for_recovery: bool,
    /// Bit 6: the paper feed button is being pressed.
    pub feed_button: bool,
}

/// `DLE EOT 2`: offline cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OfflineCause {
    /// Bit 2: the cover is open.
    pub cover_open: bool,
    /// Bit 3: paper is being fed by the feed button.
    pub paper_fed_by_button: bool,
    /// Bit 5: printing stopped because the paper ran out.
    pub stopped_at_paper_end: bool,
    /// Bit 6: an error occurred.
    pub error: bool,
}

/// `DLE EOT 3`: error cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ErrorCause {
    /// Bit 2: recoverable error.
    pub recoverable: bool,
    /// Bit 3: autocutter error.
    pub autocutter: bool,
    /// Bit 5: unrecoverable error.
    pub unrecoverable: bool,
    /// Bit 6: automatically recoverable error.
    pub auto_recoverable: bool,
}

/// `DLE EOT 4`: roll paper sensor. Each condition has two bits (2+3, 5+6); a reply with only one
/// of a pair set is read as the condition present (the cautious reading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PaperSensor {
    /// Bits 2+3: the roll is near its end.
    pub near_end: bool,
    /// Bits 5+6: the paper has run out.
    pub out: bool,
}

impl PaperSensor {
    /// The summary.
    pub fn state(self) -> PaperState {
        if self.out {
            PaperState::Out
        } else if self.near_end {
            PaperState::NearEnd
        } else {
            PaperState::Ok
        }
    }

    /// The sensor bits for a paper state (out implies near end, as in the 0x7E reply).
    pub fn from_state(state: PaperState) -> PaperSensor {
        PaperSensor { near_end: state != PaperState::Ok, out: state == PaperState::Out }
    }
}

/// How much paper is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PaperState {
    /// Enough paper.
    #[default]
    Ok,
    /// The roll is near its end: still printing, tell staff.
    NearEnd,
    /// No paper.
    Out,
}

impl PaperState {
    /// The health model's media state for this paper state.
    pub fn media(self) -> MediaState {
        match self {
            PaperState::Ok => MediaState::Present,
            PaperState::NearEnd => MediaState::NearEnd,
            PaperState::Out => MediaState::Out,
        }
    }
}

/// A `DLE EOT n` reply, read according to its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterStatus {
    /// n = 1.
    Printer(PrinterInfo),
    /// n = 2.
    Offline(OfflineCause),
    /// n = 3.
    Error(ErrorCause),
    /// n = 4.
    Paper(PaperSensor),
}

impl PrinterStatus {
    /// The request this answers.
    pub fn request(&self) -> StatusRequest {
        match self {
            PrinterStatus::Printer(_) => StatusRequest::Printer,
            PrinterStatus::Offline(_) => StatusRequest::OfflineCause,
            PrinterStatus::Error(_) => StatusRequest::ErrorCause,
            PrinterStatus::Paper(_) => StatusRequest::PaperSensor,
        }
    }

    /// The four flags in table order (bit 2, bit 3, bit 5, bit 6).
    fn flags(&self) -> [bool; 4] {
        match *self {
            PrinterStatus::Printer(p) => [p.drawer_pin_high, p.offline, p.waiting_for_recovery, p.feed_button],
            PrinterStatus::Offline(o) => [o.cover_open, o.paper_fed_by_button, o.stopped_at_paper_end, o.error],
            PrinterStatus::Error(e) => [e.recoverable, e.autocutter, e.unrecoverable, e.auto_recoverable],
            PrinterStatus::Paper(p) => [p.near_end, p.near_end, p.out, p.out],
        }
    }

    /// The reply byte (what the simulated printer sends).
    pub fn to_byte(&self) -> u8 {
        FLAG_BITS.iter().zip(self.flags()).filter(|(_, on)| *on).fold(FIXED_VALUE, |b, (bit, _)| b | bit)
    }

    /// Read a reply byte to `request`, checking the fixed bits.
    pub fn from_byte(request: StatusRequest, byte: u8) -> Result<PrinterStatus, StatusError> {
        if byte & FIXED_MASK != FIXED_VALUE {
            return Err(StatusError::FixedBits { byte });
        }
        let [b2, b3, b5, b6] = FLAG_BITS.map(|bit| byte & bit != 0);
        Ok(match request {
            StatusRequest::Printer => PrinterStatus::Printer(PrinterInfo {
                drawer_pin_high: b2,
                offline: b3,
                waiting_for_recovery: b5,
                feed_button: b6,
            }),
            StatusRequest::OfflineCause => PrinterStatus::Offline(OfflineCause {
                cover_open: b2,
                paper_fed_by_button: b3,
                stopped_at_paper_end: b5,
                error: b6,
            }),
            StatusRequest::ErrorCause => PrinterStatus::Error(ErrorCause {
                recoverable: b2,
                autocutter: b3,
                unrecoverable: b5,
                auto_recoverable: b6,
            }),
            StatusRequest::PaperSensor => PrinterStatus::Paper(PaperSensor { near_end: b2 || b3, out: b5 || b6 }),
        })
    }

    /// What this reply says about the paper: n = 4 always; n = 2 only when printing stopped at
    /// the paper end (then `Out`); otherwise nothing.
    pub fn paper(&self) -> Option<PaperState> {
        match self {
            PrinterStatus::Paper(p) => Some(p.state()),
            PrinterStatus::Offline(o) if o.stopped_at_paper_end => Some(PaperState::Out),
            _ => None,
        }
    }

    /// Whether the cover is open, if this reply says (n = 2).
    pub fn cover_open(&self) -> Option<bool> {
        match self {
            PrinterStatus::Offline(o) => Some(o.cover_open),
            _ => None,
        }
    }
}

/// The paper state of a `GS r 1` reply byte.
pub fn paper_sensor_from_byte(byte: u8) -> Result<PaperState, StatusError> {
    PAPER_SENSOR_REPLIES
        .iter()
        .find(|(b, _)| *b == byte)
        .map(|(_, s)| *s)
        .ok_or(StatusError::BadPaperSensorReply { byte })
}

/// The `GS r 1` reply byte for a paper state.
pub fn paper_sensor_byte(state: PaperState) -> u8 {
    PAPER_SENSOR_REPLIES.iter().find(|(_, s)| *s == state).map_or(0x0F, |(b, _)| *b)
}

/// A status query the host sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Query {
    /// `DLE EOT n`.
    Realtime(StatusRequest),
    /// `GS r 1`.
    PaperSensor,
}

impl Query {
    /// The command on the wire.
    pub fn command(self) -> Command {
        match self {
            Query::Realtime(r) => Command::RealtimeStatus(r.n()),
            Query::PaperSensor => Command::PaperSensorStatus,
        }
    }

    /// Its bytes.
    pub fn bytes(self) -> [u8; 3] {
        match self {
            Query::Realtime(r) => [DLE, EOT, r.n()],
            Query::PaperSensor => PAPER_SENSOR_STATUS,
        }
    }

    /// The query a received command is (printer side), if it is one with a known reply layout.
    pub fn from_command(command: &Command) -> Option<Query> {
        match command {
            Command::RealtimeStatus(n) => StatusRequest::from_n(*n).ok().map(Query::Realtime),
            Command::PaperSensorStatus => Some(Query::PaperSensor),
            _ => None,
        }
    }

    /// Read a reply byte to this query.
    pub fn read(self, byte: u8) -> Result<Reply, StatusError> {
        match self {
            Query::Realtime(r) => PrinterStatus::from_byte(r, byte).map(Reply::Status),
            Query::PaperSensor => paper_sensor_from_byte(byte).map(Reply::PaperSensor),
        }
    }
}

/// A reply to a [`Query`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// To `DLE EOT n`.
    Status(PrinterStatus),
    /// To `GS r 1`.
    PaperSensor(PaperState),
}

impl Reply {
    /// The byte on the wire.
    pub fn to_byte(&self) -> u8 {
        match self {
            Reply::Status(s) => s.to_byte(),
            Reply::PaperSensor(p) => paper_sensor_byte(*p),
        }
    }

    /// What the reply says about the paper, if anything.
    pub fn paper(&self) -> Option<PaperState> {
        match self {
            Reply::Status(s) => s.paper(),
            Reply::PaperSensor(p) => Some(*p),
        }
    }

    /// Whether the cover is open, if the reply says.
    pub fn cover_open(&self) -> Option<bool> {
        match self {
            Reply::Status(s) => s.cover_open(),
            Reply::PaperSensor(_) => None,
        }
    }
}

/// The state of a (simulated) printer, from which it answers status queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterCondition {
    /// Paper left.
    pub paper: PaperState,
    /// The cover is open.
    pub cover_open: bool,
    /// The autocutter failed.
    pub cutter_error: bool,
}

impl PrinterCondition {
    /// Offline: cover open, paper out or a cutter error.
    pub fn offline(&self) -> bool {
        self.cover_open || self.paper == PaperState::Out || self.cutter_error
    }

    /// The `DLE EOT n` reply.
    pub fn status(&self, request: StatusRequest) -> PrinterStatus {
        match request {
            StatusRequest::Printer => {
                PrinterStatus::Printer(PrinterInfo { offline: self.offline(), ..PrinterInfo::default() })
            }
            StatusRequest::OfflineCause => PrinterStatus::Offline(OfflineCause {
                cover_open: self.cover_open,
                stopped_at_paper_end: self.paper == PaperState::Out,
                error: self.cutter_error,
                ..OfflineCause::default()
            }),
            StatusRequest::ErrorCause => {
                PrinterStatus::Error(ErrorCause { autocutter: self.cutter_error, ..ErrorCause::default() })
            }
            StatusRequest::PaperSensor => PrinterStatus::Paper(PaperSensor::from_state(self.paper)),
        }
    }

    /// The reply to `query`.
    pub fn reply(&self, query: Query) -> Reply {
        match query {
            Query::Realtime(r) => Reply::Status(self.status(r)),
            Query::PaperSensor => Reply::PaperSensor(self.paper),
        }
    }
}

/// Host side of the status exchange: an [`Encoder`] of [`Query`]s that remembers each, and a
/// [`Decoder`] reading every reply byte against the oldest unanswered query.
///
/// A byte that is not a valid reply to that query (bad fixed bits, unknown `GS r 1` value) is an
/// `Err` item and is skipped, the query still waiting for its reply; a byte with no query waiting
/// is [`StatusError::Unsolicited`]. At most [`MAX_PENDING`] queries wait.
#[derive(Debug, Clone, Default)]
pub struct StatusCodec {
    pending: VecDeque<Query>,
}

impl StatusCodec {
    /// No query waiting.
    pub fn new() -> StatusCodec {
        StatusCodec::default()
    }

    /// Wait for a reply to `query` (sent by other means); forgets the oldest beyond
    /// [`MAX_PENDING`].
    pub fn expect(&mut self, query: Query) {
        if self.pending.len() >= MAX_PENDING {
            self.pending.pop_front();
        }
        self.pending.push_back(query);
    }

    /// Queries still waiting, oldest first.
    pub fn pending(&self) -> impl Iterator<Item = Query> + '_ {
        self.pending.iter().copied()
    }
}

impl Encoder<Query> for StatusCodec {
    type Error = io::Error;

    fn encode(&mut self, query: Query, dst: &mut BytesMut) -> Result<(), io::Error> {
        dst.put_slice(&query.bytes());
        self.expect(query);
        Ok(())
    }
}

impl Decoder for StatusCodec {
    type Item = Result<Reply, StatusError>;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, io::Error> {
        let Some(&byte) = src.first() else { return Ok(None) };
        src.advance(1);
        let Some(query) = self.pending.front() else { return Ok(Some(Err(StatusError::Unsolicited { byte }))) };
        let reply = query.read(byte);
        if reply.is_ok() {
            self.pending.pop_front();
        }
        Ok(Some(reply))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read(r: StatusRequest, byte: u8) -> PrinterStatus {
        PrinterStatus::from_byte(r, byte).unwrap()
    }

    #[test]
    fn typical_replies_from_protocols_md() {
        // Everything normal: 0x12 to every request.
        for r in StatusRequest::ALL {
            let s = read(r, 0x12);
            assert_eq!(s, PrinterCondition::default().status(r));
            assert_eq!(s.to_byte(), 0x12);
        }
        assert_eq!(read(StatusRequest::PaperSensor, 0x12).paper(), Some(PaperState::Ok));
        // python-escpos, n = 4: 0x1E near end, 0x72 out.
        assert_eq!(read(StatusRequest::PaperSensor, 0x1E).paper(), Some(PaperState::NearEnd));
        assert_eq!(read(StatusRequest::PaperSensor, 0x72).paper(), Some(PaperState::Out));
        // Out of paper: n = 1 0x1A, n = 2 0x32, n = 4 0x7E.
        let out = PrinterCondition { paper: PaperState::Out, ..PrinterCondition::default() };
        assert_eq!(out.status(StatusRequest::Printer).to_byte(), 0x1A);
        assert_eq!(out.status(StatusRequest::OfflineCause).to_byte(), 0x32);
        assert_eq!(out.status(StatusRequest::PaperSensor).to_byte(), 0x7E);
        assert_eq!(
            read(StatusRequest::Printer, 0x1A),
            PrinterStatus::Printer(PrinterInfo { offline: true, ..PrinterInfo::default() })
        );
        let offline = read(StatusRequest::OfflineCause, 0x32);
        assert_eq!(offline.paper(), Some(PaperState::Out));
        assert_eq!(offline.cover_open(), Some(false));
        assert_eq!(
            read(StatusRequest::PaperSensor, 0x7E),
            PrinterStatus::Paper(PaperSensor { near_end: true, out: true })
        );
        // Near end: 0x1E, still online.
        let near = PrinterCondition { paper: PaperState::NearEnd, ..PrinterCondition::default() };
        assert_eq!(near.status(StatusRequest::PaperSensor).to_byte(), 0x1E);
        assert_eq!(near.status(StatusRequest::Printer).to_byte(), 0x12);
    }

    #[test]
    fn cover_open_and_cutter() {
        let c = PrinterCondition { cover_open: true, ..PrinterCondition::default() };
        assert_eq!(c.status(StatusRequest::OfflineCause).to_byte(), 0x16);
        assert_eq!(read(StatusRequest::OfflineCause, 0x16).cover_open(), Some(true));
        assert_eq!(read(StatusRequest::Printer, 0x16).cover_open(), None);
        let c = PrinterCondition { cutter_error: true, ..PrinterCondition::default() };
        assert_eq!(c.status(StatusRequest::ErrorCause).to_byte(), 0x1A);
        assert_eq!(c.status(StatusRequest::OfflineCause).to_byte(), 0x52);
    }

    #[test]
    fn gs_r_1_replies() {
        assert_eq!(paper_sensor_from_byte(0x00), Ok(PaperState::Ok));
        assert_eq!(paper_sensor_from_byte(0x0F), Ok(PaperState::Out));
        assert_eq!(paper_sensor_byte(PaperState::Ok), 0x00);
        assert_eq!(paper_sensor_byte(PaperState::Out), 0x0F);
        assert_eq!(paper_sensor_from_byte(paper_sensor_byte(PaperState::NearEnd)), Ok(PaperState::NearEnd));
        assert_eq!(paper_sensor_from_byte(0x12), Err(StatusError::BadPaperSensorReply { byte: 0x12 }));
    }

    #[test]
    fn fixed_bits_are_checked() {
        for bad in [0x00, 0x13, 0x92, 0x10, 0x02, 0xFF] {
            assert_eq!(
                PrinterStatus::from_byte(StatusRequest::Printer, bad),
                Err(StatusError::FixedBits { byte: bad })
            );
        }
        assert_eq!(StatusRequest::from_n(5), Err(StatusError::UnknownRequest { n: 5 }));
        assert_eq!(PaperState::NearEnd.media(), MediaState::NearEnd);
    }

    #[test]
    fn queries_and_commands() {
        assert_eq!(Query::Realtime(StatusRequest::PaperSensor).bytes(), [0x10, 0x04, 0x04]);
        assert_eq!(Query::PaperSensor.bytes(), [0x1D, 0x72, 0x01]);
        for q in
            [Query::PaperSensor, Query::Realtime(StatusRequest::Printer), Query::Realtime(StatusRequest::ErrorCause)]
        {
            assert_eq!(Query::from_command(&q.command()), Some(q));
            assert_eq!(super::super::encode::encode_command(&q.command()), q.bytes());
        }
        assert_eq!(Query::from_command(&Command::RealtimeStatus(9)), None);
    }

    #[test]
    fn codec_matches_replies_to_queries_and_skips_garbage() {
        let mut codec = StatusCodec::new();
        let mut wire = BytesMut::new();
        codec.encode(Query::Realtime(StatusRequest::PaperSensor), &mut wire).unwrap();
        codec.encode(Query::PaperSensor, &mut wire).unwrap();
        assert_eq!(&wire[..], &[0x10, 0x04, 0x04, 0x1D, 0x72, 0x01]);
        let mut rx = BytesMut::from(&[0xFF, 0x1E, 0x77, 0x0F, 0x12][..]);
        let mut items = Vec::new();
        while let Some(item) = codec.decode(&mut rx).unwrap() {
            items.push(item);
        }
        assert_eq!(
            items,
            vec![
                Err(StatusError::FixedBits { byte: 0xFF }),
                Ok(Reply::Status(PrinterStatus::Paper(PaperSensor { near_end: true, out: false }))),
                Err(StatusError::BadPaperSensorReply { byte: 0x77 }),
                Ok(Reply::PaperSensor(PaperState::Out)),
                Err(StatusError::Unsolicited { byte: 0x12 }),
            ]
        );
        assert_eq!(codec.pending().count(), 0);
        for _ in 0..MAX_PENDING + 3 {
            codec.expect(Query::PaperSensor);
        }
        assert_eq!(codec.pending().count(), MAX_PENDING);
    }

    fn status_strategy() -> impl Strategy<Value = PrinterStatus> {
        let b = any::<bool>;
        prop_oneof![
            (b(), b(), b(), b()).prop_map(|(a, c, d, e)| PrinterStatus::Printer(PrinterInfo {
                drawer_pin_high: a,
                offline: c,
                waiting_for_recovery: d,
                feed_button: e
            })),
            (b(), b(), b(), b()).prop_map(|(a, c, d, e)| PrinterStatus::Offline(OfflineCause {
                cover_open: a,
                paper_fed_by_button: c,
                stopped_at_paper_end: d,
                error: e
            })),
            (b(), b(), b(), b()).prop_map(|(a, c, d, e)| PrinterStatus::Error(ErrorCause {
                recoverable: a,
                autocutter: c,
                unrecoverable: d,
                auto_recoverable: e
            })),
            (b(), b()).prop_map(|(near_end, out)| PrinterStatus::Paper(PaperSensor { near_end, out })),
        ]
    }

    fn query_strategy() -> impl Strategy<Value = Query> {
        prop_oneof![
            proptest::sample::select(StatusRequest::ALL.to_vec()).prop_map(Query::Realtime),
            Just(Query::PaperSensor)
        ]
    }

    proptest! {
        #[test]
        fn status_round_trips(s in status_strategy()) {
            let byte = s.to_byte();
            prop_assert_eq!(byte & FIXED_MASK, FIXED_VALUE);
            prop_assert_eq!(PrinterStatus::from_byte(s.request(), byte), Ok(s));
        }

        #[test]
        fn printer_answers_what_the_host_reads(
            condition in (proptest::sample::select(vec![PaperState::Ok, PaperState::NearEnd, PaperState::Out]), any::<bool>(), any::<bool>())
                .prop_map(|(paper, cover_open, cutter_error)| PrinterCondition { paper, cover_open, cutter_error }),
            queries in proptest::collection::vec(query_strategy(), 0..MAX_PENDING),
        ) {
            let mut host = StatusCodec::new();
            let mut wire = BytesMut::new();
            let mut replies = BytesMut::new();
            for q in &queries {
                host.encode(*q, &mut wire).unwrap();
            }
            // The printer side reads the queries as commands and answers each.
            let mut printer = super::super::decode::PrinterDecoder::new();
            while let Some(item) = printer.decode_eof(&mut wire).unwrap() {
                let q = Query::from_command(&item.unwrap()).unwrap();
                replies.put_u8(condition.reply(q).to_byte());
            }
            let mut got = Vec::new();
            while let Some(item) = host.decode(&mut replies).unwrap() {
                got.push(item.unwrap());
            }
            let want: Vec<Reply> = queries.iter().map(|q| condition.reply(*q)).collect();
            prop_assert_eq!(&got, &want);
            for r in got {
                if let Some(p) = r.paper() {
                    prop_assert_eq!(p, condition.paper);
                }
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), queries in proptest::collection::vec(query_strategy(), 0..8), at in any::<prop::sample::Index>()) {
            let run = |chunks: &[&[u8]]| {
                let mut codec = StatusCodec::new();
                for q in &queries {
                    codec.expect(*q);
                }
                let mut buf = BytesMut::new();
                let mut out = Vec::new();
                for c in chunks {
                    buf.extend_from_slice(c);
                    while let Some(item) = codec.decode(&mut buf).unwrap() {
                        out.push(item);
                    }
                }
                out
            };
            let whole = run(&[&bytes]);
            prop_assert_eq!(whole.len(), bytes.len());
            let (a, b) = bytes.split_at(at.index(bytes.len() + 1));
            prop_assert_eq!(run(&[a, b]), whole);
        }
    }
}
