//! Fingerprint 1:1 against the card's templates, and the face against the card's photo, with a
//! bounded number of tries each. Both run at the same time when both are needed.

use super::*;
use kiosk_ui::Step as UiStep;

impl Session {
    pub(super) fn begin_verify(&mut self, ctx: &Ctx) -> Vec<Effect> {
        let fingers = self.card.as_ref().is_some_and(|c| c.has_fingerprints);
        self.finger = Check { needed: fingers, ..Check::default() };
        // Check-in uses the face only when the card carries no fingerprint; the endorsement needs both.
        self.face = Check { needed: self.flow == Flow::Endorsement || !fingers, ..Check::default() };
        self.step = Step::Verify;
        let mut effects = vec![Effect::Show { view: self.verify_view(ctx) }, ctx.idle()];
        if self.finger.needed {
            effects.push(Effect::VerifyFinger);
        }
        if self.face.needed {
            effects.push(Effect::VerifyFace);
        }
        effects
    }

    fn verify_view(&self, ctx: &Ctx) -> View {
        let ui = |c: &Check| match (c.needed, c.passed) {
            (false, _) => UiStep::NotNeeded,
            (true, true) => UiStep::Passed,
            (true, false) => UiStep::Waiting,
        };
        View::Verify {
            finger: ui(&self.finger),
            face: ui(&self.face),
            attempt: 1 + self.finger.failures.max(self.face.failures),
            max_attempts: ctx.policy.session.biometric_attempts,
            press_again: self.finger.press_again && !self.finger.passed,
        }
    }

    pub(super) fn on_biometric(&mut self, input: Input, ctx: &Ctx) -> Vec<Effect> {
        if input == Input::FingerPoor {
            if !self.finger.needed || self.finger.passed {
                return Vec::new();
            }
            self.finger.press_again = true;
            return vec![Effect::Show { view: self.verify_view(ctx) }, ctx.idle(), Effect::VerifyFinger];
        }
        let (is_finger, result) = match input {
            Input::Finger { result } => (true, result),
            Input::Face { result } => (false, result),
            _ => return Vec::new(),
        };
        let check = if is_finger { &mut self.finger } else { &mut self.face };
        if !check.needed || check.passed {
            return Vec::new();
        }
        if is_finger {
            check.press_again = false;
        }
        match result {
            Err(f) => self.device_fault(&f, ctx),
            Ok(true) => {
                check.passed = true;
                if (!self.finger.needed || self.finger.passed) && (!self.face.needed || self.face.passed) {
                    match self.flow {
                        Flow::Checkin => self.after_verify_checkin(ctx),
                        Flow::Endorsement => self.after_verify_endorse(ctx),
                        Flow::Query => self.after_verify_query(ctx),
                        Flow::Booking => self.after_verify_booking(ctx),
                    }
                } else {
                    vec![Effect::Show { view: self.verify_view(ctx) }, ctx.idle()]
                }
            }
            Ok(false) => {
                check.failures += 1;
                if check.failures >= ctx.policy.session.biometric_attempts {
                    let reason = if is_finger { Reason::FingerprintNotMatched } else { Reason::FaceNotMatched };
                    return self.refuse(reason, None, ctx);
                }
                let again = if is_finger { Effect::VerifyFinger } else { Effect::VerifyFace };
                vec![Effect::Show { view: self.verify_view(ctx) }, ctx.idle(), again]
            }
        }
    }
}
