//! The permit slot: one physical card path shared by the permit reader (MRZ + chip) and the
//! endorsement printer, as on real endorsement machines. A permit is inserted at the entry, drawn
//! in and read, written and reprinted inside, then ejected to the exit slot where its owner takes it,
//! or pulled into the retain bin.

use super::{Shared, Timing, impl_sim_handle};
use crate::persona::Permit;
use drivers::endorser::{EndorsementPrinter, EndorserError};
use drivers::permit::{Endorsement, PermitChip, PermitData, PermitError, PermitReader};
use drivers::{Device, DeviceError, DeviceKind, FaultKind, Health, MediaState};
use std::sync::Arc;
use std::time::Duration;

/// A permit card with what its chip holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermitCard {
    /// The permit (its chip's endorsements change when the printer writes).
    pub permit: Permit,
    /// Inserted upside down or back to front: the MRZ cannot be read.
    pub upside_down: bool,
}

/// Where the card in the slot is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Position {
    /// No card.
    #[default]
    Empty,
    /// Pushed into the entry, not yet drawn in.
    AtEntry(PermitCard),
    /// Inside the machine.
    Inside(PermitCard),
    /// In the exit slot, waiting to be taken.
    AtExit(PermitCard),
}

#[derive(Debug)]
pub(crate) struct State {
    position: Position,
    taken: Vec<PermitCard>,
    retained: Vec<PermitCard>,
    ribbon_left: u32,
    writes: u64,
}

/// Consumable and bin figures of the slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotCounters {
    /// Prints of ribbon left.
    pub ribbon_left: u32,
    /// Cards in the retain bin.
    pub retained: u32,
    /// Endorsements written.
    pub writes: u64,
}

/// The permit reader (what the daemon holds).
#[derive(Debug)]
pub struct SimPermitReader(pub(crate) Arc<Shared<State>>);
/// The endorsement printer (what the daemon holds).
#[derive(Debug)]
pub struct SimEndorser(pub(crate) Arc<Shared<State>>);
/// The world's side of the permit reader.
#[derive(Debug, Clone)]
pub struct PermitHandle(pub(crate) Arc<Shared<State>>);
impl_sim_handle!(PermitHandle);
/// The world's side of the endorsement printer.
#[derive(Debug, Clone)]
pub struct EndorserHandle(pub(crate) Arc<Shared<State>>);
impl_sim_handle!(EndorserHandle);

/// A new slot: its reader, its printer, and their handles. The two devices share the card path but
/// have their own faults and timings.
pub fn new(
    reader_timing: Timing,
    printer_timing: Timing,
    ribbon: u32,
) -> (SimPermitReader, PermitHandle, SimEndorser, EndorserHandle) {
    let reader = Shared::new(
        DeviceKind::Permit,
        State { position: Position::Empty, taken: Vec::new(), retained: Vec::new(), ribbon_left: ribbon, writes: 0 },
        reader_timing,
    );
    let printer = Arc::new(Shared::forward(&reader, DeviceKind::Endorser, printer_timing));
    (SimPermitReader(reader.clone()), PermitHandle(reader), SimEndorser(printer.clone()), EndorserHandle(printer))
}

impl PermitHandle {
    /// Push a permit into the entry. Refused while another card is in the path.
    pub fn insert(&self, card: PermitCard) -> Result<(), String> {
        self.0.with(|s| match s.position {
            Position::Empty => {
                s.position = Position::AtEntry(card);
                Ok(())
            }
            _ => Err("the slot already holds a card".to_string()),
        })
    }
    /// Where the card is.
    pub fn position(&self) -> Position {
        self.0.peek(|s| s.position.clone())
    }
    /// Take the card from the exit slot (or pull it back out of the entry).
    pub fn take(&self) -> Option<PermitCard> {
        self.0.with(|s| match std::mem::take(&mut s.position) {
            Position::AtExit(c) | Position::AtEntry(c) => {
                s.taken.push(c.clone());
                Some(c)
            }
            other => {
                s.position = other;
                None
            }
        })
    }
    /// Counters of the slot.
    pub fn counters(&self) -> SlotCounters {
        self.0.peek(|s| SlotCounters {
            ribbon_left: s.ribbon_left,
            retained: s.retained.len() as u32,
            writes: s.writes,
        })
    }
    /// Every card its owner took back, in order, as it was when taken.
    pub fn taken(&self) -> Vec<PermitCard> {
        self.0.peek(|s| s.taken.clone())
    }
    /// Cards in the retain bin.
    pub fn retained(&self) -> Vec<PermitCard> {
        self.0.peek(|s| s.retained.clone())
    }
}

impl EndorserHandle {
    /// Refill the ribbon.
    pub fn refill(&self, prints: u32) {
        self.0.with(|s| s.ribbon_left = prints);
    }
    /// Staff open the unit and take out whatever card is in the path.
    pub fn clear_path(&self) -> Option<PermitCard> {
        self.0.with(|s| match std::mem::take(&mut s.position) {
            Position::Empty => None,
            Position::AtEntry(c) | Position::Inside(c) | Position::AtExit(c) => Some(c),
        })
    }
    /// Empty the retain bin (staff), returning the cards.
    pub fn empty_bin(&self) -> Vec<PermitCard> {
        self.0.with(|s| std::mem::take(&mut s.retained))
    }
}

/// Faults of the print and chip-write head that leave the card transport and the chip reader working.
const WRITE_ONLY: &[FaultKind] = &[FaultKind::ChipWriteFailed, FaultKind::RibbonOut];

/// What the permit's chip holds.
pub fn chip_of(p: &Permit) -> PermitChip {
    PermitChip {
        name_zh: p.name_zh.clone(),
        surname: p.surname.clone(),
        given_names: p.given_names.clone(),
        endorsements: p.endorsements.clone(),
    }
}

fn media(p: &Position) -> MediaState {
    match p {
        Position::Empty | Position::AtEntry(_) => MediaState::Absent,
        Position::Inside(_) => MediaState::Present,
        Position::AtExit(_) => MediaState::AtExit,
    }
}

fn jam_aware_health(shared: &Shared<State>) -> Health {
    let mut h = shared.base_health();
    h.media = Some(if shared.fault() == Some(FaultKind::CardJam) {
        MediaState::Jammed
    } else {
        shared.peek(|s| media(&s.position))
    });
    if h.kind == DeviceKind::Endorser {
        let (ribbon, retained) = shared.peek(|s| (s.ribbon_left, s.retained.len() as u32));
        h.consumable_left = Some(ribbon);
        h.retained = Some(retained);
        if ribbon == 0 && h.state == drivers::DeviceState::Online {
            h.state = drivers::DeviceState::HardwareError(FaultKind::RibbonOut);
        }
    }
    h
}

#[async_trait::async_trait]
impl Device for SimPermitReader {
    fn kind(&self) -> DeviceKind {
        DeviceKind::Permit
    }
    async fn health(&mut self) -> Health {
        jam_aware_health(&self.0)
    }
    async fn reset(&mut self) -> Result<(), DeviceError> {
        self.0.check_fault().await
    }
}

#[async_trait::async_trait]
impl PermitReader for SimPermitReader {
    async fn read_permit(&mut self, wait: Duration) -> Result<PermitData, PermitError> {
        let card = self
            .0
            .wait_for(wait, |s| match std::mem::take(&mut s.position) {
                Position::AtEntry(c) => {
                    s.position = Position::Inside(c.clone());
                    Some(c)
                }
                other => {
                    s.position = other;
                    None
                }
            })
            .await?
            .ok_or(PermitError::NoPermit)?;
        let read = self.0.work().await;
        let give_back = |s: &mut State| {
            if let Position::Inside(c) = std::mem::take(&mut s.position) {
                s.position = Position::AtExit(c);
            }
        };
        match read {
            Err(DeviceError::Hardware(FaultKind::CardJam)) => {
                return Err(PermitError::Device(DeviceError::Hardware(FaultKind::CardJam)));
            }
            Err(DeviceError::Hardware(FaultKind::ChipUnreadable)) => {
                self.0.with(give_back);
                return Err(PermitError::Unreadable("the permit's chip does not answer".into()));
            }
            Err(e) => {
                self.0.with(give_back);
                return Err(e.into());
            }
            Ok(()) => {}
        }
        if card.upside_down {
            self.0.with(give_back);
            return Err(PermitError::Unreadable("no machine-readable zone: is the card the right way up?".into()));
        }
        // The chip holds what the card holds now (the printer may have written to it before).
        let permit = self.0.peek(|s| match &s.position {
            Position::Inside(c) => c.permit.clone(),
            _ => card.permit.clone(),
        });
        Ok(PermitData { mrz: permit.mrz.clone(), chip: Some(chip_of(&permit)) })
    }
}

#[async_trait::async_trait]
impl Device for SimEndorser {
    fn kind(&self) -> DeviceKind {
        DeviceKind::Endorser
    }
    async fn health(&mut self) -> Health {
        jam_aware_health(&self.0)
    }
    async fn reset(&mut self) -> Result<(), DeviceError> {
        self.0.check_fault().await
    }
}

#[async_trait::async_trait]
impl EndorsementPrinter for SimEndorser {
    async fn write(&mut self, e: &Endorsement) -> Result<(), EndorserError> {
        self.0.check_fault().await?;
        let ok = self.0.peek(|s| {
            if !matches!(s.position, Position::Inside(_)) {
                Err(EndorserError::NoCard)
            } else if s.ribbon_left == 0 {
                Err(EndorserError::Device(DeviceError::Hardware(FaultKind::RibbonOut)))
            } else {
                Ok(())
            }
        });
        ok?;
        let lat = self.0.timing().latency;
        let span = super::spans::start(DeviceKind::Endorser, "write");
        // The chip is written in the first part of the job, the card reprinted after it.
        super::pause(lat / 4).await;
        if self.0.fault() == Some(FaultKind::ChipWriteFailed) {
            return Err(DeviceError::Hardware(FaultKind::ChipWriteFailed).into());
        }
        self.0.check_fault().await?;
        self.0.with(|s| {
            if let Position::Inside(c) = &mut s.position {
                c.permit.endorsements.push(e.clone());
                s.writes += 1;
            }
        });
        // Power lost while printing: the chip already holds the record.
        super::pause(lat - lat / 4).await;
        if let Some(s) = span {
            s.end();
        }
        self.0.check_fault().await?;
        self.0.with(|s| s.ribbon_left = s.ribbon_left.saturating_sub(1));
        Ok(())
    }

    async fn read_chip(&mut self) -> Result<PermitChip, EndorserError> {
        self.0.check_fault_except(WRITE_ONLY).await?;
        self.0.peek(|s| match &s.position {
            Position::Inside(c) => Ok(chip_of(&c.permit)),
            _ => Err(EndorserError::NoCard),
        })
    }

    async fn card_inside(&mut self) -> Result<bool, EndorserError> {
        self.0.check_fault_except(WRITE_ONLY).await?;
        Ok(self.0.peek(|s| matches!(s.position, Position::Inside(_))))
    }

    async fn eject(&mut self) -> Result<(), EndorserError> {
        self.0.check_fault_except(WRITE_ONLY).await?;
        self.0.with(|s| match std::mem::take(&mut s.position) {
            Position::Inside(c) => {
                s.position = Position::AtExit(c);
                Ok(())
            }
            other => {
                let at_exit = matches!(other, Position::AtExit(_));
                s.position = other;
                if at_exit { Ok(()) } else { Err(EndorserError::NoCard) }
            }
        })
    }

    async fn wait_taken(&mut self, wait: Duration) -> Result<bool, EndorserError> {
        let at_exit = |s: &mut State| if matches!(s.position, Position::AtExit(_)) { None } else { Some(()) };
        let taken = self.0.wait_for_except(wait, WRITE_ONLY, at_exit).await?;
        Ok(taken.is_some())
    }

    async fn retain(&mut self) -> Result<(), EndorserError> {
        self.0.check_fault_except(WRITE_ONLY).await?;
        self.0.with(|s| match std::mem::take(&mut s.position) {
            Position::Inside(c) | Position::AtExit(c) => {
                s.retained.push(c);
                Ok(())
            }
            other => {
                s.position = other;
                Err(EndorserError::NoCard)
            }
        })
    }
}
