//! A scripted walk-in user: looks at each screen the kiosk shows and does what the script says a
//! person would do there.

use super::client::{Client, Events};
use super::script::{Act, Held, Pay, Take, Using, WalkIn, Want};
use crate::bio::card_of;
use crate::control::{KioskEvent, Request, Response, SessionSummary};
use crate::devices::camera::Presentation;
use crate::devices::rig::{WorldAction, WorldReply};
use crate::persona::{Deck, Persona};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use drivers::payment::PaymentMethod;
use kiosk_ui::Screen;
use std::time::Duration;

/// What became of one walk-in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WalkInResult {
    /// Persona id.
    pub persona: String,
    /// `checkin` or `endorsement`.
    pub flow: String,
    /// `ticket`, `issued` or `refused`.
    pub outcome: String,
    /// Stable refusal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Ticket number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// Endorsement issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<String>,
    /// Fee charged, in fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee_fen: Option<u32>,
    /// A payment was refunded.
    pub refunded: bool,
    /// The kiosk's session id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Where the permit ended up: `returned`, `retained`, or absent for no permit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permit: Option<String>,
    /// The refusal message shown (English).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The booking made, moved or cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booking: Option<String>,
    /// The query answers seen (each screen's text, English).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub seen: Vec<String>,
    /// What the receipt printer gave them (each document as text).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prints: Vec<String>,
}

/// The screens a session ends on.
const FINAL_SCREENS: &[&str] =
    &["refusal", "checkin.ticket", "endorse.done", "booking.done", "booking.cancelled", "finished"];

/// Longest a walk-in may take in real time before the walker gives up on the kiosk.
const WALKIN_LIMIT: Duration = Duration::from_secs(120);

/// The walker: a command connection and an event stream.
pub struct Walker<'a> {
    cmd: Client,
    events: Events,
    deck: &'a Deck,
    offset: FixedOffset,
    screen: Option<Screen>,
    local: Option<(crate::devices::rig::Rig, Vec<drivers::DeviceKind>)>,
    pause: Duration,
    service_wait: Duration,
}

fn hall_time(day: NaiveDate, hhmm: &str, offset: FixedOffset) -> Option<DateTime<FixedOffset>> {
    let t = NaiveTime::parse_from_str(hhmm, "%H:%M").ok()?;
    day.and_time(t).and_local_timezone(offset).single()
}

impl<'a> Walker<'a> {
    /// Connect to a kiosk.
    pub async fn connect(socket: &std::path::Path, deck: &'a Deck, offset: FixedOffset) -> Result<Walker<'a>, String> {
        let cmd =
            Client::connect(socket).await.map_err(|e| format!("cannot reach kioskd at {}: {e}", socket.display()))?;
        let events = Events::subscribe(socket).await?;
        Ok(Walker {
            cmd,
            events,
            deck,
            offset,
            screen: None,
            local: None,
            pause: Duration::ZERO,
            service_wait: Duration::from_secs(6),
        })
    }

    /// Take `pause` to read each new screen before acting on it (a person's reaction time).
    pub fn with_pause(mut self, pause: Duration) -> Walker<'a> {
        self.pause = pause;
        self
    }

    /// Wait up to `wait` (6 s unless set) for a flow out of service to come back before walking
    /// away: a device on the wire is trusted again only after several good health polls.
    pub fn with_service_wait(mut self, wait: Duration) -> Walker<'a> {
        self.service_wait = wait;
        self
    }

    /// Devices of `kinds` are not inside the kiosk's process but on the wire from this process:
    /// act on them here.
    pub fn with_local(mut self, rig: crate::devices::rig::Rig, kinds: Vec<drivers::DeviceKind>) -> Walker<'a> {
        self.local = Some((rig, kinds));
        self
    }

    /// Act on the world (a device, the applicant, the hall's staff): on a device of this process
    /// when it is one of the local kinds, else through kioskd's simulator control socket.
    pub async fn world(&mut self, action: WorldAction) -> Result<WorldReply, String> {
        if let Some((rig, kinds)) = &self.local
            && kinds.contains(&action.device())
        {
            return rig.apply(action);
        }
        match self.cmd.call(&Request::World { action }).await? {
            Response::World { result } => Ok(result),
            other => Err(format!("unexpected answer {other:?}")),
        }
    }

    async fn touch(&mut self, button: &str) -> Result<(), String> {
        self.cmd.call(&Request::Touch { button: button.into() }).await.map(|_| ())
    }

    async fn next_event(&mut self) -> Result<KioskEvent, String> {
        let e = tokio::time::timeout(WALKIN_LIMIT, self.events.next())
            .await
            .map_err(|_| "the kiosk showed nothing new for two minutes".to_string())??;
        if let KioskEvent::Screen { screen } = &e {
            self.screen = Some(screen.clone());
        }
        if std::env::var_os("KIOSK_SIM_TRACE").is_some() {
            let what = match &e {
                KioskEvent::Screen { screen } => format!("screen {} {:?}", screen.id, screen.countdown),
                KioskEvent::SessionEnded { summary } => format!("ended {}", summary.outcome),
                KioskEvent::Rated { rating, .. } => format!("rated {rating}"),
            };
            eprintln!("[walker {:?}] {what}", std::time::SystemTime::now());
        }
        Ok(e)
    }

    /// Wait until the home screen shows (touching "done" on a final screen).
    async fn back_home(&mut self) -> Result<Screen, String> {
        loop {
            if let Some(s) = self.screen.clone() {
                if s.id == "home" {
                    return Ok(s);
                }
                if s.has_button("done") && FINAL_SCREENS.contains(&s.id.as_str()) {
                    self.touch("done").await?;
                }
            }
            self.next_event().await?;
        }
    }

    /// Wait (up to `within`) until the home screen offers `flow`, as an applicant who has not yet
    /// stepped up would: whether it does.
    pub async fn until_offered(&mut self, flow: Want, within: Duration) -> Result<bool, String> {
        Ok(self.home_offering(flow, within).await?.has_button(flow.button()))
    }

    /// Back to the home screen, then watch it for up to `within` until it offers `flow`; the home
    /// screen last seen.
    async fn home_offering(&mut self, flow: Want, within: Duration) -> Result<Screen, String> {
        let home = self.back_home().await?;
        Ok(self.home_until(home, within, |h| h.has_button(flow.button())).await)
    }

    /// Watch the home screen for up to `within` until `done` holds; the home screen last seen.
    async fn home_until(&mut self, mut home: Screen, within: Duration, done: impl Fn(&Screen) -> bool) -> Screen {
        let deadline = tokio::time::Instant::now() + within;
        while !done(&home) && tokio::time::Instant::now() < deadline {
            if let Ok(Ok(KioskEvent::Screen { screen })) = tokio::time::timeout_at(deadline, self.next_event()).await
                && screen.id == "home"
            {
                home = screen;
            }
        }
        home
    }

    fn other_persona(&self, me: &Persona, need_fingers: bool) -> Option<&'a Persona> {
        self.deck.personas.iter().find(|p| p.id != me.id && (!need_fingers || !p.fingers.is_empty()))
    }

    /// Perform one walk-in: arrive, act on each screen, leave.
    pub async fn walk(
        &mut self,
        w: &WalkIn,
        day: NaiveDate,
        clock: &mut Option<DateTime<FixedOffset>>,
    ) -> Result<WalkInResult, String> {
        let me = self.deck.persona(&w.persona).ok_or_else(|| format!("no persona {}", w.persona))?;
        // Arrive.
        let booking = me.bookings.iter().find(|b| b.date == day);
        let arrive = match (&w.at, booking, w.flow) {
            (Some(at), _, _) => hall_time(day, at, self.offset),
            (None, Some(b), Want::Checkin) => {
                hall_time(day, &b.slot_start, self.offset).map(|t| t - chrono::Duration::minutes(10))
            }
            _ => None,
        };
        if let Some(at) = arrive
            && clock.is_none_or(|c| at > c)
        {
            self.cmd.call(&Request::SetClock { at }).await?;
            *clock = Some(at);
        }
        let button = w.flow.button();
        // A flow out of service may come back in a moment (staff just cleared a fault): wait a little.
        let mut home = self.home_offering(w.flow, self.service_wait).await?;
        let mut fault = w.fault.clone();
        if let Some(f) = fault.take_if(|f| f.at == "home") {
            self.world(WorldAction::Fault { device: f.device, fault: Some(f.kind) }).await?;
            // The kiosk notices at its next health poll.
            home = self.home_until(home, Duration::from_secs(10), |h| !h.has_button(button)).await;
        }
        let mut result = WalkInResult {
            persona: me.id.clone(),
            flow: w.flow.flow().into(),
            outcome: "refused".into(),
            reason: None,
            ticket: None,
            endorsement: None,
            fee_fen: None,
            refunded: false,
            session: None,
            permit: None,
            message: None,
            booking: None,
            seen: Vec::new(),
            prints: Vec::new(),
        };
        if !home.has_button(button) {
            result.reason = Some("out_of_service".into());
            let label = home.buttons.iter().find(|b| b.id == button).map(|b| b.label.en.clone()).unwrap_or_default();
            // The line naming this flow (flows out of service for one reason share a line).
            result.message = home
                .body
                .iter()
                .find(|t| t.en.contains(&label) && t.en.contains("out of service"))
                .map(|t| t.en.clone());
            self.clear_fault(w).await?;
            return Ok(result);
        }
        self.touch(button).await?;

        let card_owner = match &w.card_of {
            Some(id) => self.deck.persona(id).ok_or_else(|| format!("no persona {id}"))?,
            None => me,
        };
        let card = card_of(card_owner)?;
        let finger_pattern = match w.finger {
            Act::Own | Act::Poor | Act::Photo | Act::Video => me.fingers.first().map(|f| f.template.clone()),
            Act::Other => self.other_persona(me, true).and_then(|p| p.fingers.first().map(|f| f.template.clone())),
            Act::None => None,
        };
        let face = match w.face {
            Act::Own | Act::Poor | Act::Photo | Act::Video => Some(me.face.clone()),
            Act::Other => self.other_persona(me, false).map(|p| p.face.clone()),
            Act::None => None,
        };
        let permit_holder = match &w.permit_of {
            Some(id) => self.deck.persona(id).ok_or_else(|| format!("no persona {id}"))?,
            None => me,
        };
        let permit = match w.permit {
            Some(k) => permit_holder.permits.iter().find(|p| p.kind == k),
            None => permit_holder.permits.first(),
        };
        let mut acted: Option<Screen> = None;
        let mut gone = false;
        let mut inserted = false;
        let mut presses = 0u32;
        let all = ["progress", "endorsements", "documents", "travel"].map(String::from).to_vec();
        let mut queries = w.queries.clone().unwrap_or(all).into_iter();
        let mut typed = (false, false);
        let summary: SessionSummary = loop {
            let event = match &self.screen {
                Some(s) if acted.as_ref() != Some(&without_countdown(s)) => KioskEvent::Screen { screen: s.clone() },
                _ => self.next_event().await?,
            };
            let screen = match event {
                KioskEvent::SessionEnded { summary } => break summary,
                KioskEvent::Screen { screen } => screen,
                KioskEvent::Rated { .. } => continue,
            };
            let plain = without_countdown(&screen);
            if acted.as_ref() == Some(&plain) || gone {
                acted = Some(plain);
                continue;
            }
            acted = Some(plain);
            if let Some(f) = fault.take_if(|f| f.at == screen.id) {
                self.world(WorldAction::Fault { device: f.device, fault: Some(f.kind) }).await?;
            }
            if w.walk_away_at.as_deref() == Some(screen.id.as_str()) {
                gone = true;
                continue;
            }
            if !self.pause.is_zero() {
                tokio::time::sleep(self.pause).await;
            }
            match screen.id.as_str() {
                "checkin.present" => match w.using {
                    Using::Card => {
                        self.world(WorldAction::PlaceIdCard { card: Box::new(card.clone()) }).await?;
                    }
                    Using::Code => {
                        let code = booking.or(me.bookings.first()).map(|b| b.code.clone()).unwrap_or_default();
                        self.cmd.call(&Request::EnterCode { code }).await?;
                    }
                },
                "checkin.confirm_card" => {
                    self.world(WorldAction::PlaceIdCard { card: Box::new(card.clone()) }).await?;
                }
                "endorse.documents" => {
                    if let Some(p) = permit
                        && screen.body.first().is_some_and(|t| !t.en.starts_with('✓'))
                    {
                        let action =
                            WorldAction::InsertPermit { permit: Box::new(p.clone()), upside_down: w.upside_down };
                        // A permit already in the slot (the reader has it) is not inserted twice.
                        if !inserted && self.world(action).await.is_ok() {
                            inserted = true;
                        }
                    }
                    self.world(WorldAction::PlaceIdCard { card: Box::new(card.clone()) }).await?;
                }
                "verify" => {
                    if let Some(f) = &face {
                        let presentation = match w.face {
                            Act::Photo => Presentation::PrintedPhoto,
                            Act::Video => Presentation::ReplayedVideo,
                            _ => Presentation::Live,
                        };
                        self.world(WorldAction::ShowFace { face: f.clone(), presentation }).await?;
                    }
                    let finger_wanted = screen.progress.as_ref().is_some_and(|p| p.en.contains("finger"));
                    if finger_wanted && let Some(pattern) = &finger_pattern {
                        // A dry finger images badly the first time only.
                        let poor = w.finger == Act::Poor && presses == 0;
                        presses += 1;
                        self.world(WorldAction::PlaceFinger { pattern: pattern.clone(), poor }).await?;
                    }
                }
                "endorse.choose" => {
                    result.seen.push(screen.render_text(kiosk_ui::Lang::En));
                    let choice = match &w.choose {
                        Some(c) if screen.has_button(c) => Some(c.clone()),
                        Some(_) => None,
                        None => screen.buttons.iter().find(|b| b.id != "cancel").map(|b| b.id.clone()),
                    };
                    match choice {
                        Some(c) => self.touch(&c).await?,
                        // What they wanted is not on offer: they give up.
                        None => self.touch("cancel").await?,
                    }
                }
                "endorse.confirm" => self.touch("confirm").await?,
                "identity.present" => {
                    self.world(WorldAction::PlaceIdCard { card: Box::new(card.clone()) }).await?;
                }
                "query.menu" => match queries.next() {
                    Some(q) => {
                        let id = if q == "travel" { "q_travel".to_string() } else { format!("q_{q}") };
                        self.touch(&id).await?
                    }
                    None => self.touch("done").await?,
                },
                "query.progress" | "query.endorsements" | "query.documents" => {
                    result.seen.push(screen.render_text(kiosk_ui::Lang::En));
                    self.touch("back").await?
                }
                "booking.existing" => {
                    let first =
                        |prefix: &str| screen.buttons.iter().find(|b| b.id.starts_with(prefix)).map(|b| b.id.clone());
                    let id = match w.held {
                        Held::New => Some("new".to_string()),
                        Held::Keep => Some("done".to_string()),
                        Held::Move => first("rebook:"),
                        Held::Cancel => first("cancel:"),
                    };
                    self.touch(id.as_deref().unwrap_or("done")).await?
                }
                "booking.certificate" => {
                    let c = w.certificate.as_deref().unwrap_or("passport");
                    self.touch(&format!("cert:{c}")).await?
                }
                "booking.business" => {
                    let b = w.business.as_deref().unwrap_or("first_application");
                    self.touch(&format!("business:{b}")).await?
                }
                "booking.slots" => {
                    let wanted = format!("slot:{}", w.slot);
                    // The slot they wanted filled up meanwhile: they take the first one left.
                    let id = if screen.has_button(&wanted) {
                        Some(wanted)
                    } else {
                        screen.buttons.iter().find(|b| b.id.starts_with("slot:")).map(|b| b.id.clone())
                    };
                    self.touch(id.as_deref().unwrap_or("cancel")).await?
                }
                "booking.phone" => {
                    let emergency = screen.title.en.contains("Emergency");
                    let done = if emergency { &mut typed.1 } else { &mut typed.0 };
                    if !*done {
                        *done = true;
                        let number = if emergency {
                            w.emergency_phone.as_deref().unwrap_or("13900139000")
                        } else {
                            w.phone.as_deref().unwrap_or("13800138000")
                        };
                        for d in number.chars() {
                            self.touch(&format!("key_{d}")).await?;
                        }
                        self.touch("ok").await?;
                    } else if screen.body.iter().any(|t| t.en.contains("11-digit")) {
                        // Refused: they clear the number (the delete key turns into cancel) and give up.
                        for _ in 0..11 {
                            self.touch("key_del").await?;
                        }
                        self.touch("cancel").await?;
                    }
                }
                "booking.relation" => self.touch("relation:spouse").await?,
                "booking.pickup" => {
                    let p = w.pickup.as_deref().unwrap_or("in_person");
                    self.touch(&format!("pickup_{p}")).await?
                }
                "booking.confirm" | "booking.cancel_confirm" => self.touch("confirm").await?,
                "endorse.pay" => match w.pay {
                    Pay::Pay => {
                        self.world(WorldAction::Pay { method: PaymentMethod::Wechat }).await?;
                    }
                    Pay::Decline => {
                        self.world(WorldAction::Decline { reason: "insufficient funds".into() }).await?;
                    }
                    Pay::WalkAway => gone = true,
                },
                "endorse.take_permit" => {
                    if w.take_permit == Take::Yes
                        && let WorldReply::Permit { permit: Some(_) } = self.world(WorldAction::TakePermit).await?
                    {
                        result.permit = Some("returned".into());
                    }
                }
                _ => {}
            }
        };
        // Rate the service on the last screen (before it times out), if this applicant wants to.
        if let Some(r) = &w.rating {
            let button = format!("rate_{r}");
            if self.screen.as_ref().is_some_and(|s| s.has_button(&button)) {
                self.touch(&button).await?;
            }
        }
        // Leave: take what is theirs; staff clear the fault.
        self.clear_fault(w).await?;
        self.world(WorldAction::RemoveIdCard).await?;
        self.world(WorldAction::LeaveCamera).await?;
        self.world(WorldAction::LiftFinger).await?;
        if let WorldReply::Prints { texts } = self.world(WorldAction::TakePrints).await? {
            result.prints = texts;
        }
        if let WorldReply::Permit { permit: Some(_) } = self.world(WorldAction::TakePermit).await? {
            result.permit = Some("returned".into());
        }
        if inserted && result.permit.is_none() {
            result.permit = Some("retained".into());
        }
        if let Some(s) = &self.screen
            && s.id == "refusal"
        {
            result.message = s.body.first().map(|t| t.en.clone());
        }
        result.outcome = summary.outcome;
        result.reason = summary.reason;
        result.ticket = summary.ticket;
        result.endorsement = summary.endorsement;
        result.fee_fen = summary.fee_fen;
        result.refunded = summary.refunded;
        result.booking = summary.booking;
        result.session = Some(summary.session);
        Ok(result)
    }
}

impl Walker<'_> {
    async fn clear_fault(&mut self, w: &WalkIn) -> Result<(), String> {
        if let Some(f) = &w.fault {
            self.world(WorldAction::Fault { device: f.device, fault: None }).await?;
        }
        Ok(())
    }
}

fn without_countdown(s: &Screen) -> Screen {
    Screen { countdown: None, ..s.clone() }
}
