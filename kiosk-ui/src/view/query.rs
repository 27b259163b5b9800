//! The query screens (自助查询): a menu, then application progress, endorsements held and documents
//! held, one screen each. The entry/exit record is printed, not shown: the menu says it was.
//!
//! The kiosk passes the answers as display lines (both languages already chosen by it); these
//! screens only lay them out.

use super::{back, done};
use crate::{Button, Screen, Text};
use serde::{Deserialize, Serialize};

/// One application (进度查询).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressLine {
    /// Application number.
    pub application_no: String,
    /// Business and document, e.g. 换发补发 往来港澳通行证.
    pub what: Text,
    /// Status, e.g. 审批中.
    pub status: Text,
    /// Lodged on, YYYY-MM-DD.
    pub submitted_on: String,
    /// Expected ready on, YYYY-MM-DD.
    pub expected_on: String,
    /// How it is collected.
    pub pickup: Text,
}

/// One endorsement held (签注查询).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndorsementLine {
    /// The permit it is on (kind and number).
    pub permit: Text,
    /// Destination and kind, e.g. 香港 团队旅游.
    pub what: Text,
    /// Trips left, e.g. 剩余1次 / multiple trips.
    pub trips: Text,
    /// First valid day.
    pub valid_from: String,
    /// Last valid day.
    pub valid_to: String,
    /// Usable today.
    pub usable: bool,
}

/// One document held (证件查询).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentLine {
    /// Kind, e.g. 普通护照.
    pub kind: Text,
    /// Number.
    pub number: String,
    /// Birth date.
    pub birth_date: String,
    /// Place of issue.
    pub place_of_issue: String,
    /// Issue date.
    pub issue_date: String,
    /// Expiry date.
    pub expiry_date: String,
    /// Expired already.
    pub expired: bool,
    /// Expires within six months (or has): time to renew.
    pub renewal_due: bool,
}

/// What a query screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "screen")]
pub enum QueryView {
    /// Choose a query.
    Menu {
        /// What happened last (a record printed, a query that failed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notice: Option<Text>,
    },
    /// Application progress.
    Progress {
        /// Newest first.
        applications: Vec<ProgressLine>,
    },
    /// Endorsements held.
    Endorsements {
        /// The endorsements.
        endorsements: Vec<EndorsementLine>,
    },
    /// Documents held.
    Documents {
        /// The documents.
        documents: Vec<DocumentLine>,
    },
}

/// The most endorsements or documents listed on one screen; the rest are counted. Three, and the
/// count, fit the portrait panel in accessible mode in either language.
pub const MAX_LINES: usize = 3;

/// The most applications listed on one screen (each takes more lines than an endorsement or a
/// document); the rest are counted.
pub const MAX_APPLICATIONS: usize = 2;

/// The count of the items not listed, if any.
fn more(s: &mut Screen, total: usize, listed: usize) {
    if total > listed {
        let n = total - listed;
        s.body.push(Text::new(format!("另有{n}项，请到人工窗口查询"), format!("{n} more: ask at a counter")));
    }
}

fn none(s: &mut Screen, zh: &str, en: &str) {
    s.body.push(Text::new(zh, en));
}

fn result_buttons(s: &mut Screen) {
    s.buttons.push(back());
    s.buttons.push(done());
}

pub(super) fn screen(q: &QueryView, s: &mut Screen) {
    match q {
        QueryView::Menu { notice } => {
            s.id = "query.menu".into();
            s.title = Text::new("自助查询", "Queries");
            s.body.push(Text::new("请选择查询项目", "Choose what to look up"));
            if let Some(n) = notice {
                s.body.push(n.clone());
            }
            for (id, zh, en) in [
                ("q_progress", "办证进度查询", "Application progress"),
                ("q_endorsements", "签注查询", "Endorsements held"),
                ("q_documents", "证件查询", "Documents held"),
                ("q_travel", "打印出入境记录", "Print my entry/exit record"),
            ] {
                s.buttons.push(Button::new(id, Text::new(zh, en)));
            }
            s.buttons.push(done());
        }
        QueryView::Progress { applications } => {
            s.id = "query.progress".into();
            s.title = Text::new("办证进度", "My applications");
            if applications.is_empty() {
                none(s, "没有在办的申请", "No applications under way");
            }
            for a in applications.iter().take(MAX_APPLICATIONS) {
                s.body.push(Text::new(
                    format!(
                        "{}：{}\n受理号{}，{}\n{}受理，预计{}办结",
                        a.what.zh, a.status.zh, a.application_no, a.pickup.zh, a.submitted_on, a.expected_on
                    ),
                    format!(
                        "{}: {}\nNo. {}, {}\nLodged {}, expected {}",
                        a.what.en, a.status.en, a.application_no, a.pickup.en, a.submitted_on, a.expected_on
                    ),
                ));
            }
            more(s, applications.len(), MAX_APPLICATIONS);
            result_buttons(s);
        }
        QueryView::Endorsements { endorsements } => {
            s.id = "query.endorsements".into();
            s.title = Text::new("签注查询", "My endorsements");
            if endorsements.is_empty() {
                none(s, "您的通行证上没有签注", "Your permits hold no endorsement");
            }
            for e in endorsements.iter().take(MAX_LINES) {
                let (zh, en) = if e.usable { ("可用", "usable") } else { ("不可用", "not usable") };
                s.body.push(Text::new(
                    format!(
                        "{}：{}，{zh}\n有效期{}至{}\n{}",
                        e.what.zh, e.trips.zh, e.valid_from, e.valid_to, e.permit.zh
                    ),
                    format!(
                        "{}: {}, {en}\nValid {} to {}\n{}",
                        e.what.en, e.trips.en, e.valid_from, e.valid_to, e.permit.en
                    ),
                ));
            }
            more(s, endorsements.len(), MAX_LINES);
            result_buttons(s);
        }
        QueryView::Documents { documents } => {
            s.id = "query.documents".into();
            s.title = Text::new("证件查询", "My documents");
            if documents.is_empty() {
                none(s, "您没有出入境证件", "You hold no exit-entry document");
            }
            for d in documents.iter().take(MAX_LINES) {
                let (zh, en) = match (d.expired, d.renewal_due) {
                    (true, _) => ("已过期，请换发", "expired: renew it"),
                    (false, true) => ("即将到期，可申请换发", "expires soon: you may renew"),
                    (false, false) => ("有效", "valid"),
                };
                s.body.push(Text::new(
                    format!(
                        "{} {}\n有效期至{}（{zh}）\n{}签发于{}，出生{}",
                        d.kind.zh, d.number, d.expiry_date, d.issue_date, d.place_of_issue, d.birth_date
                    ),
                    format!(
                        "{} {}\nExpires {} ({en})\nIssued {} at {}; born {}",
                        d.kind.en, d.number, d.expiry_date, d.issue_date, d.place_of_issue, d.birth_date
                    ),
                ));
            }
            more(s, documents.len(), MAX_LINES);
            result_buttons(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Lang, View};

    fn show(q: QueryView) -> Screen {
        crate::screen(&View::Query(q))
    }

    fn ids(s: &Screen) -> Vec<&str> {
        s.buttons.iter().map(|b| b.id.as_str()).collect()
    }

    fn application(no: &str) -> ProgressLine {
        ProgressLine {
            application_no: no.into(),
            what: Text::new("换发补发 往来港澳通行证", "Renewal or replacement: HK/Macau permit"),
            status: Text::new("审批中", "under review"),
            submitted_on: "2025-06-10".into(),
            expected_on: "2025-06-17".into(),
            pickup: Text::new("邮寄", "By mail"),
        }
    }

    fn endorsement(what: &str, usable: bool) -> EndorsementLine {
        EndorsementLine {
            permit: Text::new("港澳通行证C12345678", "HK/Macau permit C12345678"),
            what: Text::new(what, what),
            trips: Text::new("剩余1次", "1 trip(s) left"),
            valid_from: "2025-03-01".into(),
            valid_to: "2025-08-31".into(),
            usable,
        }
    }

    fn document(expired: bool, renewal_due: bool) -> DocumentLine {
        DocumentLine {
            kind: Text::new("普通护照", "Ordinary passport"),
            number: "E12345678".into(),
            birth_date: "1985-03-12".into(),
            place_of_issue: "广东".into(),
            issue_date: "2015-11-20".into(),
            expiry_date: "2025-11-19".into(),
            expired,
            renewal_due,
        }
    }

    #[test]
    fn the_menu_offers_every_query_and_shows_what_happened() {
        let s = show(QueryView::Menu { notice: None });
        assert_eq!(s.id, "query.menu");
        assert_eq!(ids(&s), ["q_progress", "q_endorsements", "q_documents", "q_travel", "done"]);
        let s =
            show(QueryView::Menu { notice: Some(Text::new("出入境记录已打印", "Your record was printed")) });
        assert!(s.render_text(Lang::En).contains("Your record was printed"));
    }

    #[test]
    fn progress_lists_each_application_with_its_status() {
        let s = show(QueryView::Progress { applications: vec![application("A1"), application("A2")] });
        assert_eq!(s.id, "query.progress");
        assert_eq!(s.body.len(), 2);
        let zh = s.render_text(Lang::Zh);
        assert!(
            zh.contains("换发补发 往来港澳通行证：审批中")
                && zh.contains("受理号A2")
                && zh.contains("预计2025-06-17办结")
        );
        assert!(s.render_text(Lang::En).contains("under review"));
        assert_eq!(ids(&s), ["back", "done"]);
    }

    #[test]
    fn long_lists_are_cut_and_the_rest_counted() {
        let many: Vec<ProgressLine> = (0..5).map(|i| application(&format!("A{i}"))).collect();
        let s = show(QueryView::Progress { applications: many });
        assert_eq!(s.body.len(), MAX_APPLICATIONS + 1);
        let zh = s.render_text(Lang::Zh);
        assert!(zh.contains("A0") && zh.contains(&format!("A{}", MAX_APPLICATIONS - 1)));
        assert!(!zh.contains(&format!("A{}", MAX_APPLICATIONS)), "{zh}");
        let left = 5 - MAX_APPLICATIONS;
        assert!(zh.contains(&format!("另有{left}项")), "{zh}");

        let s = show(QueryView::Endorsements {
            endorsements: (0..MAX_LINES + 2).map(|_| endorsement("香港", true)).collect(),
        });
        assert_eq!(s.body.len(), MAX_LINES + 1);
        assert_eq!(s.body.last().map(|t| t.en.as_str()), Some("2 more: ask at a counter"));
        let s = show(QueryView::Documents { documents: (0..MAX_LINES + 1).map(|_| document(false, false)).collect() });
        assert_eq!(s.body.len(), MAX_LINES + 1);
        assert!(s.render_text(Lang::Zh).contains("另有1项，请到人工窗口查询"));

        // Exactly the cap: nothing is counted.
        let s = show(QueryView::Documents { documents: (0..MAX_LINES).map(|_| document(false, false)).collect() });
        assert_eq!(s.body.len(), MAX_LINES);
        assert!(!s.render_text(Lang::Zh).contains("另有"));
    }

    #[test]
    fn endorsements_say_whether_they_can_be_used() {
        let s = show(QueryView::Endorsements {
            endorsements: vec![endorsement("香港 团队旅游", true), endorsement("台湾 个人旅游", false)],
        });
        assert_eq!(s.id, "query.endorsements");
        let zh = s.render_text(Lang::Zh);
        assert!(zh.contains("香港 团队旅游：剩余1次，可用") && zh.contains("台湾 个人旅游：剩余1次，不可用"), "{zh}");
        assert!(zh.contains("有效期2025-03-01至2025-08-31") && zh.contains("港澳通行证C12345678"));
        assert!(s.render_text(Lang::En).contains("not usable"));
    }

    #[test]
    fn documents_say_when_to_renew() {
        let s = show(QueryView::Documents {
            documents: vec![document(false, true), document(true, true), document(false, false)],
        });
        assert_eq!(s.id, "query.documents");
        let zh: Vec<&str> = s.body.iter().map(|t| t.zh.as_str()).collect();
        assert!(zh[0].contains("即将到期，可申请换发") && zh[0].contains("有效期至2025-11-19"), "{zh:?}");
        assert!(zh[1].contains("已过期，请换发"), "{zh:?}");
        assert!(
            zh[2].contains("（有效）") && zh[2].contains("签发于广东") && zh[2].contains("出生1985-03-12"),
            "{zh:?}"
        );
        assert!(s.body[0].en.contains("expires soon: you may renew"));
    }

    #[test]
    fn empty_answers_say_so() {
        for (q, zh) in [
            (QueryView::Progress { applications: Vec::new() }, "没有在办的申请"),
            (QueryView::Endorsements { endorsements: Vec::new() }, "没有签注"),
            (QueryView::Documents { documents: Vec::new() }, "没有出入境证件"),
        ] {
            let s = show(q);
            assert!(s.render_text(Lang::Zh).contains(zh), "{}", s.id);
            assert_eq!(ids(&s), ["back", "done"]);
        }
    }
}
