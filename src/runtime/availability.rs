//! Which flows the kiosk can offer, from its devices' health: a flow whose device is unhealthy is
//! shown as out of service, with the device named, until the device recovers.

use crate::policy::Policy;
use crate::session::{Flow, device_zh};
use drivers::{DeviceKind, Health};
use kiosk_ui::{Availability, Text, View};
use std::collections::BTreeMap;

/// Why `flow` cannot be offered now, if it cannot. `applicants`: central offers the applicant
/// services (queries, booking).
pub fn flow(flow: Flow, health: &BTreeMap<DeviceKind, Health>, policy: &Policy, applicants: bool) -> Option<Text> {
    if matches!(flow, Flow::Query | Flow::Booking) && !applicants {
        return Some(Text::new("未连接全国出入境服务平台", "not connected to the national platform"));
    }
    for kind in flow.devices() {
        match health.get(kind) {
            // With no session under way, a card in the permit path was left behind: staff must
            // take it out before the next applicant can insert theirs.
            Some(h)
                if *kind == DeviceKind::Endorser
                    && matches!(h.media, Some(drivers::MediaState::Present | drivers::MediaState::AtExit)) =>
            {
                return Some(Text::new(
                    "签注设备内有遗留证件，请联系工作人员",
                    "a card was left in the machine; staff needed",
                ));
            }
            Some(h) if h.is_usable() => {}
            Some(h) => {
                let state = match (h.state, h.media) {
                    (drivers::DeviceState::HardwareError(f), _) => f.name().to_string(),
                    (_, Some(drivers::MediaState::Out)) => "out of stock".into(),
                    (_, Some(drivers::MediaState::Jammed)) => "jammed".into(),
                    (s, _) => format!("{s:?}").to_lowercase(),
                };
                return Some(Text::new(
                    format!("{}故障（{state}）", device_zh(*kind)),
                    format!("{kind} fault ({state})"),
                ));
            }
            None => return Some(Text::new(format!("{}未就绪", device_zh(*kind)), format!("{kind} not ready"))),
        }
    }
    if flow == Flow::Endorsement && policy.endorsements.is_empty() {
        return Some(Text::new("缺少收费标准", "no fee table from central"));
    }
    None
}

/// The home view.
pub fn home(health: &BTreeMap<DeviceKind, Health>, policy: &Policy, applicants: bool) -> View {
    let avail = |f| match flow(f, health, policy, applicants) {
        None => Availability::Available,
        Some(why) => Availability::OutOfService { why },
    };
    View::Home {
        checkin: avail(Flow::Checkin),
        endorse: avail(Flow::Endorsement),
        query: avail(Flow::Query),
        booking: avail(Flow::Booking),
    }
}
