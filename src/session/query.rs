//! Queries (自助查询): once the holder is proven, a menu of what the national platform tells a person
//! about their own documents: application progress, endorsements held, documents held, and the
//! entry/exit record, printed with a QR code that fetches the same record later. Answers go to the
//! screen and the paper only: the session (and so the journal) never keeps them.

use super::*;
use crate::central::{Documents, Endorsements, Progress};
use crate::documents;
use kiosk_ui::view::QueryView;
use kiosk_ui::{DocumentLine, EndorsementLine, ProgressLine, Text};
use sim::scheduler::presets;

impl Session {
    pub(super) fn step_query(&mut self, input: Input, ctx: &Ctx) -> Vec<Effect> {
        if let Some(effects) = self.step_holder(&input, ctx) {
            return effects;
        }
        match (self.step, input) {
            (Step::QMenu, Input::Touch { button }) => {
                let what = match button.as_str() {
                    "q_progress" => QueryKind::Progress,
                    "q_endorsements" => QueryKind::Endorsements,
                    "q_documents" => QueryKind::Documents,
                    "q_travel" => QueryKind::TravelRecords,
                    "done" => return self.finish_with("queried", ctx),
                    _ => return Vec::new(),
                };
                self.step = Step::QAsking;
                vec![
                    Effect::Show { view: View::Working { what: Text::new("正在查询", "Looking it up") } },
                    ctx.idle(),
                    Effect::Query { what, id_number: self.holder() },
                ]
            }
            (Step::QAsking, Input::Queried { result: Err(f) }) => {
                let notice = Text::new(
                    format!("查询暂不可用，请稍后再试或到人工窗口（{}）", f.message),
                    format!("The query is not available now; try later or ask at a counter ({})", f.message),
                );
                self.menu(Some(notice), ctx)
            }
            (Step::QAsking, Input::Queried { result: Ok(QueryAnswer::TravelRecords(records)) }) => {
                let Some(card) = &self.card else { return self.refuse(Reason::Interrupted, None, ctx) };
                self.step = Step::QPrinting;
                let doc = documents::travel_record(card, &records, ctx.now);
                let what = Text::new("正在打印出入境记录", "Printing your entry/exit record");
                vec![Effect::Idle { after: None }, Effect::Show { view: View::Working { what } }, Effect::Print { doc }]
            }
            (Step::QAsking, Input::Queried { result: Ok(answer) }) => {
                self.step = Step::QShowing;
                let view = match answer {
                    QueryAnswer::Progress(p) => progress_view(&p),
                    QueryAnswer::Endorsements(e) => endorsements_view(&e),
                    QueryAnswer::Documents(d) => documents_view(&d),
                    QueryAnswer::TravelRecords(_) => return Vec::new(),
                };
                vec![Effect::Show { view: View::Query(view) }, ctx.idle()]
            }
            (Step::QShowing, Input::Touch { button }) if button == "back" => self.menu(None, ctx),
            (Step::QShowing, Input::Touch { button }) if button == "done" => self.finish_with("queried", ctx),
            (Step::QPrinting, Input::Printed { result }) => {
                let notice = match result {
                    Ok(()) => Text::new(
                        "出入境记录已打印，请取走；扫描二维码可再次获取",
                        "Your record is printed: take it; its QR code fetches it again",
                    ),
                    Err(f) => Text::new(
                        format!("出入境记录未能打印（{}），请到人工窗口", f.fault),
                        format!("The record could not be printed ({}); please ask at a counter", f.fault),
                    ),
                };
                self.menu(Some(notice), ctx)
            }
            (Step::QMenu | Step::QShowing | Step::QAsking, Input::Timeout) => {
                self.refuse(Reason::WalkedAway, None, ctx)
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn after_verify_query(&mut self, ctx: &Ctx) -> Vec<Effect> {
        self.menu(None, ctx)
    }

    fn menu(&mut self, notice: Option<Text>, ctx: &Ctx) -> Vec<Effect> {
        self.step = Step::QMenu;
        vec![Effect::Show { view: View::Query(QueryView::Menu { notice }) }, ctx.idle()]
    }
}

/// A preset's label in both languages (the code itself when central sends one we do not know).
pub(super) fn preset(list: &[presets::Preset], code: &str) -> Text {
    list.iter().find(|p| p.code == code).map_or_else(|| Text::new(code, code), |p| Text::new(p.zh, p.en))
}

fn status_en(code: &str) -> &str {
    match code {
        "accepted" => "accepted",
        "reviewing" => "under review",
        "approved" => "approved, being made",
        "ready_for_pickup" => "ready for pickup",
        "mailed" => "mailed",
        "collected" => "collected",
        other => other,
    }
}

fn progress_view(p: &Progress) -> QueryView {
    let applications = p
        .applications
        .iter()
        .map(|a| {
            let (b, d) = (preset(presets::BUSINESSES, &a.business), preset(presets::DOCUMENTS, &a.document));
            ProgressLine {
                application_no: a.application_no.clone(),
                what: Text::new(format!("{} {}", b.zh, d.zh), format!("{}: {}", b.en, d.en)),
                status: Text::new(a.status_zh.clone(), status_en(&a.status)),
                submitted_on: a.submitted_on.to_string(),
                expected_on: a.expected_on.to_string(),
                pickup: match a.pickup_method.as_str() {
                    "mail" => Text::new("邮寄", "by mail"),
                    _ => Text::new("现场领取", "collect in person"),
                },
            }
        })
        .collect();
    QueryView::Progress { applications }
}

fn kind_text(kind: &str) -> Text {
    match kind {
        "group_tour" => Text::new("团队旅游", "group tour"),
        "individual_tour" => Text::new("个人旅游", "individual tour"),
        "business" => Text::new("商务", "business"),
        "family_visit" => Text::new("探亲", "family visit"),
        _ => Text::new("其他", "other"),
    }
}

fn permit_text(kind: &str, number: &str) -> Text {
    match kind {
        "hk_macau" | "hk_macau_permit" => Text::new(format!("港澳通行证{number}"), format!("HK/Macau permit {number}")),
        "taiwan" | "taiwan_permit" => Text::new(format!("台湾通行证{number}"), format!("Taiwan permit {number}")),
        "passport" => Text::new(format!("护照{number}"), format!("passport {number}")),
        other => Text::new(format!("{other} {number}"), format!("{other} {number}")),
    }
}

fn endorsements_view(e: &Endorsements) -> QueryView {
    let endorsements = e
        .endorsements
        .iter()
        .map(|h| {
            let dest = drivers::permit::Destination::from_code(&h.destination)
                .map_or_else(|| Text::new(h.destination.clone(), h.destination.clone()), |d| Text::new(d.zh(), d.en()));
            let kind = kind_text(&h.kind);
            let trips = match (h.trips.as_str(), h.trips_left) {
                ("multiple", _) => Text::new("多次有效", "multiple trips"),
                (_, Some(n)) => Text::new(format!("剩余{n}次"), format!("{n} trip(s) left")),
                (_, None) => Text::new("次数未知", "trips unknown"),
            };
            EndorsementLine {
                permit: permit_text(&h.permit_kind, &h.permit_number),
                what: Text::new(format!("{} {}", dest.zh, kind.zh), format!("{} {}", dest.en, kind.en)),
                trips,
                valid_from: h.valid_from.to_string(),
                valid_to: h.valid_to.to_string(),
                usable: h.usable,
            }
        })
        .collect();
    QueryView::Endorsements { endorsements }
}

fn documents_view(d: &Documents) -> QueryView {
    let documents = d
        .documents
        .iter()
        .map(|doc| DocumentLine {
            kind: preset(presets::DOCUMENTS, &doc.kind),
            number: doc.number.clone(),
            birth_date: doc.birth_date.to_string(),
            place_of_issue: doc.place_of_issue.clone(),
            issue_date: doc.issue_date.to_string(),
            expiry_date: doc.expiry_date.to_string(),
            expired: doc.expired,
            renewal_due: doc.renewal_due,
        })
        .collect();
    QueryView::Documents { documents }
}
