//! Queries and booking begin the same way: the holder proves who they are with the ID card and a
//! fingerprint (or the face, for a card without fingerprints). Only mainland residents are served by
//! this channel.

use super::*;

impl Session {
    /// The inputs of [`Step::IdPresent`] and [`Step::Verify`] for queries and booking; `None` when
    /// the input belongs to a later step.
    pub(super) fn step_holder(&mut self, input: &Input, ctx: &Ctx) -> Option<Vec<Effect>> {
        let effects = match (self.step, input) {
            (Step::IdPresent, Input::Card { result: Ok(card) }) => {
                let card = card.clone();
                let resident = card.card_type == CardType::Resident && card.number_valid;
                self.card = Some(card);
                if !resident {
                    return Some(self.refuse(Reason::NonMainland, None, ctx));
                }
                self.begin_verify(ctx)
            }
            (Step::IdPresent, Input::Card { result: Err(f) }) => self.device_fault(f, ctx),
            (Step::IdPresent, Input::CardUnreadable) => vec![Effect::ReadCard],
            (Step::IdPresent | Step::Verify, Input::Timeout) => self.refuse(Reason::WalkedAway, None, ctx),
            (Step::Verify, Input::Finger { .. } | Input::Face { .. } | Input::FingerPoor) => {
                self.on_biometric(input.clone(), ctx)
            }
            _ => return None,
        };
        Some(effects)
    }

    /// The holder's ID number (proven by now).
    pub(super) fn holder(&self) -> String {
        self.card.as_ref().map(|c| c.id_number.clone()).unwrap_or_default()
    }

    /// A session that did what the applicant asked without a ticket or an endorsement ends here.
    pub(super) fn finish_with(&mut self, done: &str, ctx: &Ctx) -> Vec<Effect> {
        self.done = Some(done.to_string());
        self.finish(ctx)
    }
}
