//! `kiosk-sim personas` and `kiosk-sim check-deck` as a developer runs them.

use std::process::Command;

fn sim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kiosk-sim"))
}

fn personas(count: &str, seed: &str) -> String {
    let out =
        sim().args(["personas", "--count", count, "--seed", seed, "--date", "2026-11-21"]).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn personas_are_deterministic_and_valid() {
    let a = personas("25", "42");
    assert_eq!(a, personas("25", "42"), "same seed, same deck");
    assert_ne!(a, personas("25", "43"), "another seed, another deck");
    let deck = sim::persona::Deck::parse(&a, false).expect("a deck");
    assert_eq!(deck.personas.len(), 25);
    assert!(sim::persona::validate::validate(&deck).is_empty());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("deck.toml");
    std::fs::write(&path, &a).expect("write");
    let out = sim().arg("check-deck").arg(&path).output().expect("runs");
    assert!(out.status.success());
}

#[test]
fn a_broken_deck_is_refused_with_the_problem_named() {
    let text = personas("3", "1");
    let broken = text.replacen("mrz = \"CS", "mrz = \"CX", 1);
    let broken = if broken == text { text.replacen("mrz = \"CD", "mrz = \"CX", 1) } else { broken };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("deck.toml");
    std::fs::write(&path, broken).expect("write");
    let out = sim().arg("check-deck").arg(&path).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mrz"), "{err}");
    std::fs::write(&path, "this is not toml [").expect("write");
    let out = sim().arg("check-deck").arg(&path).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("malformed"));
}

/// The README's first command, as a developer runs it: kioskd, the scheduler as its own process,
/// the default walk-ins, and central's counts at the end matching what the kiosk did.
#[test]
fn the_demo_runs_against_the_scheduler_and_central_hears_of_everything() {
    let out = sim().args(["demo", "--json", "--speed", "zero", "--time-scale", "50"]).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    let (central, walkins) = lines.split_last().expect("lines");
    let tickets = walkins.iter().filter(|w| w["outcome"] == "ticket").count() as u64;
    let issued = walkins.iter().filter(|w| w["outcome"] == "issued").count() as u64;
    let sessions = walkins.iter().filter(|w| w["session"].is_string()).count() as u64;
    assert!(tickets >= 1 && issued >= 1, "{walkins:?}");
    let c = &central["central"];
    assert_eq!(c["checkins"], tickets, "{c}");
    assert_eq!(c["issued_endorsements"], issued, "{c}");
    assert_eq!(c["events"]["session"], sessions, "{c}");
}
