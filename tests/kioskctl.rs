//! kioskctl as hall staff use it against a running kioskd: status (human and JSON, no personal
//! data), drain and resume, self-test with a test ticket, consumables and their reset, a device
//! reset, the audit log exported and verified.

mod common;

use common::{day, kiosk_setup, test_deck};
use sim::demo::run_script;
use sim::demo::script::{Script, WalkIn, Want};
use std::process::Output;

fn kioskctl(socket: &std::path::Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kioskctl"))
        .arg("--socket")
        .arg(socket)
        .args(args)
        .output()
        .expect("kioskctl runs")
}

fn text(o: &Output) -> String {
    assert!(
        o.status.success(),
        "kioskctl failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_watch_and_service_the_kiosk() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let deck = t.write(dir.path());
    let setup = kiosk_setup(&t, dir.path(), deck);
    let k = setup.start().await.expect("kioskd starts");
    let sock = setup.data_dir.join("kioskctl.sock");
    let script = Script {
        date: Some(day()),
        walkins: vec![
            WalkIn { at: Some("08:50".into()), ..WalkIn::new(t.id("checkin_ok"), Want::Checkin) },
            WalkIn::new(t.id("endorse_ok"), Want::Endorsement),
        ],
    };
    let results = run_script(&k, &t.deck, &script, sim::HALL_OFFSET, None, |_| {}).await.expect("walk-ins");
    assert_eq!(results.iter().map(|r| r.outcome.as_str()).collect::<Vec<_>>(), ["ticket", "issued"]);

    let s = tokio::task::spawn_blocking({
        let sock = sock.clone();
        move || {
            let human = text(&kioskctl(&sock, &["status"]));
            let json: serde_json::Value =
                serde_json::from_str(&text(&kioskctl(&sock, &["status", "--json"]))).expect("JSON");
            (human, json)
        }
    })
    .await
    .expect("status");
    let (human, json) = s;
    assert!(human.contains("devices:") && human.contains("receipt") && human.contains("outbox"), "{human}");
    assert_eq!(json["reply"], "status");
    assert_eq!(json["devices"].as_array().map(|d| d.len()), Some(7), "{json}");
    let consumables = &json["consumables"];
    let used = |name: &str| {
        consumables.as_array().and_then(|a| a.iter().find(|c| c["name"] == name)).map(|c| c["used"].clone())
    };
    assert!(used("paper").and_then(|v| v.as_u64()).is_some_and(|n| n >= 2), "ticket and receipt: {consumables}");
    assert_eq!(used("cards"), Some(serde_json::json!(1)), "{consumables}");
    // No personal data in what staff see.
    for p in &t.deck.personas {
        for needle in [p.card.id_number.as_str(), p.card.name.as_str()] {
            assert!(!human.contains(needle) && !json.to_string().contains(needle), "personal data in status");
        }
    }

    let sock2 = sock.clone();
    let checks = tokio::task::spawn_blocking(move || {
        let sock = sock2;
        assert!(text(&kioskctl(&sock, &["drain"])).contains("out of service"));
        let st: serde_json::Value = serde_json::from_str(&text(&kioskctl(&sock, &["--json", "status"]))).expect("JSON");
        assert_eq!(st["draining"], true);
        let self_test = text(&kioskctl(&sock, &["selftest"]));
        assert!(self_test.contains("test ticket printed"), "{self_test}");
        assert!(text(&kioskctl(&sock, &["selftest", "camera"])).contains("camera"));
        assert!(text(&kioskctl(&sock, &["consumables", "reset", "paper"])).contains("zero"));
        let c = text(&kioskctl(&sock, &["consumables"]));
        assert!(c.lines().any(|l| l.starts_with("paper") && l.contains(" 0 used")), "{c}");
        assert!(!kioskctl(&sock, &["consumables", "reset", "ink"]).status.success());
        assert!(text(&kioskctl(&sock, &["reset", "receipt"])).contains("reset"));
        let bad = kioskctl(&sock, &["reset", "toaster"]);
        assert_eq!(bad.status.code(), Some(2));
        assert!(text(&kioskctl(&sock, &["resume"])).contains("in service"));
        let audit = text(&kioskctl(&sock, &["audit", "export"]));
        let records: Vec<serde_json::Value> =
            audit.lines().map(|l| serde_json::from_str(l).expect("one JSON record a line")).collect();
        assert!(records.iter().any(|r| r["action"] == "drain") && records.iter().any(|r| r["action"] == "resume"));
        assert!(records.iter().any(|r| r["action"] == "consumable_reset"));
        let later = text(&kioskctl(&sock, &["audit", "export", "--from", "2100-01-01T00:00:00+08:00"]));
        assert!(later.trim().is_empty(), "{later}");
        assert!(text(&kioskctl(&sock, &["audit", "verify"])).contains("intact"));
        records.len()
    })
    .await
    .expect("checks");
    assert!(checks > 5);
    k.stop().await.expect("kioskd stops");

    // Tamper with the store while the daemon is down: the next verify finds it.
    let db = rusqlite::Connection::open(setup.data_dir.join("kioskd.sqlite")).expect("store");
    db.execute("UPDATE audit SET detail = 'nothing happened' WHERE action = 'drain'", []).expect("tamper");
    drop(db);
    let k = setup.start().await.expect("kioskd restarts");
    let out = tokio::task::spawn_blocking(move || kioskctl(&sock, &["audit", "verify"])).await.expect("verify");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("BROKEN"), "{}", String::from_utf8_lossy(&out.stderr));
    k.stop().await.expect("kioskd stops");
}
