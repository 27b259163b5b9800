//! One endorsement with realistic wire timing, against its critical path of device times.
//!
//! The ID card reader, fingerprint scanner, receipt printer and permit reader run here as emulators
//! on ptys (their bytes paced at each line's baud rate, plus the device's processing time of
//! `speed = realistic`), the endorsement printer behind its socket, and kioskd drives them with its
//! real drivers; the camera and the payment terminal are simulated inside kioskd at the same speed.
//! Every simulated device records its busy spans ([`crate::devices::spans`]) into one file, from both
//! processes. A scripted applicant (the demo's walker, acting at once on every screen) does the
//! endorsement; the wall time is the walk-in's, from the home screen to the permit taken back.

use super::critical::{self, Span};
use super::{BenchEnv, median, spawn, stop, wait_socket};
use crate::demo::Walker;
use crate::demo::script::{Script, WalkIn, Want};
use crate::devices::rig::{RigOptions, Speed, build};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The figures of one endorsement.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EndorseRun {
    /// Wall time, s.
    pub wall_s: f64,
    /// Critical path of device times, s.
    pub critical_s: f64,
    /// Plain sum of device times, s.
    pub sum_s: f64,
    /// wall / critical.
    pub wall_over_critical: f64,
    /// wall / sum.
    pub wall_over_sum: f64,
    /// Device time per device, s.
    pub per_device_s: BTreeMap<String, f64>,
    /// The critical chain, merged per device in order: (device, s).
    pub chain: Vec<(String, f64)>,
    /// Spans recorded in the walk-in.
    pub spans: usize,
    /// The best wall/sum any schedule could reach: critical / sum (the wall time can never be
    /// shorter than the critical path).
    pub best_over_sum: f64,
    /// The same figures for the part of the walk-in before the chip write starts (identity,
    /// verification, choice, payment), where most of the independent device work is: wall,
    /// critical, sum, s.
    pub before_write: Option<(f64, f64, f64)>,
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or_default()
}

fn figures(spans: &[Span], from: u64, to: u64) -> EndorseRun {
    let w = critical::within(spans, from, to);
    let (crit, chain) = critical::critical_path(&w);
    let sum = critical::sum(&w);
    let mut per_device = BTreeMap::new();
    for s in &w {
        *per_device.entry(s.device.clone()).or_insert(0.0) += s.len() as f64 / 1e6;
    }
    let mut merged: Vec<(String, f64)> = Vec::new();
    for s in &chain {
        match merged.last_mut() {
            Some((d, t)) if *d == s.device => *t += s.len() as f64 / 1e6,
            _ => merged.push((s.device.clone(), s.len() as f64 / 1e6)),
        }
    }
    let wall = (to - from) as f64 / 1e6;
    let write = w.iter().filter(|s| s.device == "endorser" && s.what == "write").map(|s| s.start_us).min();
    let before_write = write.map(|at| {
        let b = critical::within(spans, from, at);
        ((at - from) as f64 / 1e6, critical::critical_path(&b).0 as f64 / 1e6, critical::sum(&b) as f64 / 1e6)
    });
    EndorseRun {
        wall_s: wall,
        critical_s: crit as f64 / 1e6,
        sum_s: sum as f64 / 1e6,
        wall_over_critical: wall / (crit as f64 / 1e6),
        wall_over_sum: wall / (sum as f64 / 1e6),
        per_device_s: per_device,
        chain: merged,
        spans: w.len(),
        best_over_sum: crit as f64 / sum as f64,
        before_write,
    }
}

/// Run `runs` endorsements (one kioskd, one applicant after another).
pub async fn run(kioskd: &Path, runs: usize) -> Result<Vec<EndorseRun>, String> {
    let env = BenchEnv::new()?;
    let span_file = env.dir.path().join("spans.jsonl");
    if !crate::devices::spans::record_to(&span_file) {
        return Err("device spans were already being recorded elsewhere".into());
    }
    let (_, rig) = build(&RigOptions {
        speed: Speed::Realistic,
        print_dir: Some(env.dir.path().join("prints")),
        ..Default::default()
    });
    std::fs::create_dir_all(env.dir.path().join("prints")).map_err(|e| e.to_string())?;
    let wire =
        crate::wire::WireRig::start(&env.dir.path().join("dev"), &rig).map_err(|e| format!("cannot make ptys: {e}"))?;
    wire.ready().await.map_err(|e| e.to_string())?;
    let kinds: Vec<drivers::DeviceKind> = wire.ports().iter().map(|(k, _, _)| *k).collect();
    let setup = env.setup(kioskd, "realistic", wire.ports().to_vec());
    let socket = setup.data_dir.join("control.sock");
    let mut child = spawn(&setup, &[(crate::devices::spans::ENV, span_file.as_path())])?;
    wait_socket(&mut child, &socket).await?;
    // A different applicant for each endorsement (one may not get the same endorsement twice):
    // the demo's endorsement walk-in, then others like it (mainland, two enrolled fingers, an
    // adult, a HK/Macau permit valid well past a year with no group-tour endorsement on it).
    let script = Script::default_for(&env.deck, &env.hall);
    let first = script
        .walkins
        .iter()
        .find(|w| w.flow == Want::Endorsement)
        .map(|w| w.persona.clone())
        .ok_or("the deck has no persona for an endorsement")?;
    let mut applicants = vec![first.clone()];
    applicants.extend(super::endorsement_applicants(&env.deck).into_iter().filter(|p| *p != first));
    if applicants.len() < runs {
        return Err(format!("the deck has {} applicants for an endorsement, {runs} asked for", applicants.len()));
    }
    let mut walker = Walker::connect(&socket, &env.deck, crate::HALL_OFFSET).await?.with_local(rig.clone(), kinds);
    let mut out = Vec::new();
    let mut clock = None;
    for (i, applicant) in applicants.iter().take(runs.max(1)).enumerate() {
        // The next applicant steps up once the home screen offers the endorsement again (after an
        // endorsement, once the printer's card path has settled empty, about a second): the wall
        // time is their walk-in's, not the gap between two applicants.
        if !walker.until_offered(Want::Endorsement, Duration::from_secs(30)).await? {
            return Err("the home screen did not offer the endorsement within 30 s".into());
        }
        let from = now_us();
        let walkin = WalkIn::new(applicant.clone(), Want::Endorsement);
        let r = walker.walk(&walkin, env.day, &mut clock).await?;
        let to = now_us();
        if r.outcome != "issued" {
            return Err(format!("the endorsement was not issued: {r:?}"));
        }
        let spans = critical::load(&span_file)?;
        let f = figures(&spans, from, to);
        eprintln!(
            "endorsement {}: wall {:.2} s, critical path {:.2} s, sum {:.2} s",
            i + 1,
            f.wall_s,
            f.critical_s,
            f.sum_s
        );
        out.push(f);
    }
    drop(walker);
    stop(child, &socket).await?;
    drop(wire);
    Ok(out)
}

/// Print the figures as BENCHMARKS.md quotes them.
pub fn report(runs: &[EndorseRun]) {
    let m = |f: fn(&EndorseRun) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    for (i, r) in runs.iter().enumerate() {
        println!(
            "endorsement {}: wall {:.3} s, critical path {:.3} s, sum of device times {:.3} s, wall/critical {:.3}, wall/sum {:.3} ({} spans)",
            i + 1,
            r.wall_s,
            r.critical_s,
            r.sum_s,
            r.wall_over_critical,
            r.wall_over_sum,
            r.spans
        );
        let per: Vec<String> = r.per_device_s.iter().map(|(d, t)| format!("{d} {t:.3}")).collect();
        println!("  device time, s: {}", per.join(", "));
        let chain: Vec<String> = r.chain.iter().map(|(d, t)| format!("{d} {t:.3}")).collect();
        println!("  critical chain, s: {}", chain.join(" -> "));
        println!("  best possible wall/sum (critical/sum): {:.3}", r.best_over_sum);
        if let Some((wall, crit, sum)) = r.before_write {
            println!(
                "  before the chip write: wall {wall:.3} s, critical path {crit:.3} s, sum {sum:.3} s, wall/critical {:.3}, wall/sum {:.3}",
                wall / crit,
                wall / sum
            );
        }
    }
    println!(
        "endorsement median of {}: wall/critical {:.3} (target <= 1.05), wall/sum {:.3} (target <= 0.7; best possible {:.3})",
        runs.len(),
        m(|r| r.wall_over_critical),
        m(|r| r.wall_over_sum),
        m(|r| r.best_over_sum)
    );
    let pre: Vec<(f64, f64, f64)> = runs.iter().filter_map(|r| r.before_write).collect();
    if !pre.is_empty() {
        println!(
            "before the chip write, median: wall/critical {:.3}, wall/sum {:.3}",
            median(&pre.iter().map(|(w, c, _)| w / c).collect::<Vec<_>>()),
            median(&pre.iter().map(|(w, _, s)| w / s).collect::<Vec<_>>())
        );
    }
}
