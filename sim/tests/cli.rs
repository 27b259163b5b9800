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
