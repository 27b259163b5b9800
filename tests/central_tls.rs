//! Mutual TLS between kioskd and the central scheduler stand-in (cargo feature `tls`), both as real
//! processes on loopback, with certificates made by `kiosk-sim scheduler certs`: the link comes up
//! and a check-in reaches central; a client without a certificate, or with one from another CA, is
//! refused at the handshake; one kiosk's token with another kiosk's certificate is a 401.

#![cfg(feature = "tls")]

mod common;

use common::{TestDeck, day, policy, test_deck};
use serde_json::Value;
use sim::demo::client::Client;
use sim::demo::scheduler::{SchedulerSetup, kiosk_token};
use sim::demo::script::{Script, WalkIn, Want};
use sim::demo::{KioskSetup, run_script};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A copy of `bin` as `name` in the test's temporary directory, put in place by a rename so that a
/// test running the previous copy meanwhile keeps it.
fn copy_out(bin: &Path, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let (tmp, copy) = (dir.join(format!("{name}.{}", std::process::id())), dir.join(name));
    std::fs::copy(bin, &tmp).unwrap_or_else(|e| panic!("copy {}: {e}", bin.display()));
    std::fs::rename(&tmp, &copy).unwrap_or_else(|e| panic!("{}: {e}", copy.display()));
    copy
}

/// kiosk-sim built with `tls`, copied out of the target dir (a build of it without the feature,
/// for another test, would replace `target/debug/kiosk-sim`).
fn kiosk_sim() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_BIN_EXE_kioskd")).parent().expect("target dir").to_path_buf();
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let status = std::process::Command::new(cargo)
                .args(["build", "--quiet", "-p", "sim", "--features", "tls", "--bin", "kiosk-sim"])
                .current_dir(common::manifest_dir())
                .status()
                .expect("cargo runs");
            assert!(status.success(), "building kiosk-sim with TLS failed");
            copy_out(&dir.join("kiosk-sim"), "kiosk-sim-tls")
        })
        .clone()
}

/// kioskd as this test was built with it (feature `tls`), copied out of the target dir like
/// kiosk-sim. Checked: a kioskd without TLS refuses an https:// central in `check-config`; then it
/// was replaced meanwhile (by a build without the feature in the same target dir) and is built again.
fn kioskd() -> PathBuf {
    static COPY: OnceLock<PathBuf> = OnceLock::new();
    COPY.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("k.toml");
        let text = format!(
            "policy_file = {}\n[central]\nurl = \"https://127.0.0.1:1\"\ntoken = \"t\"\nca_file = \"ca.pem\"\n\
             cert_file = \"k.pem\"\nkey_file = \"k.key\"\n",
            toml::Value::String(policy().display().to_string())
        );
        std::fs::write(&config, text).expect("config");
        for attempt in 0..2 {
            if attempt > 0 {
                let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
                let status = std::process::Command::new(cargo)
                    .args(["build", "--quiet", "--features", "tls", "--bin", "kioskd"])
                    .current_dir(common::manifest_dir())
                    .status()
                    .expect("cargo runs");
                assert!(status.success(), "building kioskd with TLS failed");
            }
            let copy = copy_out(Path::new(env!("CARGO_BIN_EXE_kioskd")), "kioskd-tls");
            let out = std::process::Command::new(&copy).arg("check-config").arg(&config).output().expect("kioskd runs");
            if out.status.success() {
                return copy;
            }
            eprintln!("kioskd check-config: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        panic!("{} takes no https:// central: not built with the feature tls", env!("CARGO_BIN_EXE_kioskd"));
    })
    .clone()
}

fn start_time() -> String {
    format!("{}T08:00:00+08:00", day())
}

/// `kiosk-sim scheduler certs` into `dir`.
async fn certs(dir: &Path, kiosks: &[&str]) -> Value {
    let mut cmd = Command::new(kiosk_sim());
    cmd.args(["scheduler", "certs", "--dir"]).arg(dir).args(["--host", "127.0.0.1", "--host", "localhost"]);
    for k in kiosks {
        cmd.args(["--kiosk", k]);
    }
    let out = cmd.output().await.expect("kiosk-sim runs");
    assert!(out.status.success(), "certs: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("certs prints JSON")
}

/// The scheduler with mutual TLS, seeded for kiosks 1 and 2 of the deck's hall.
struct Central {
    _child: Child,
    url: String,
}

async fn central(t: &TestDeck, dir: &Path, deck: &Path, pki: &Path) -> Central {
    let setup = SchedulerSetup {
        kiosk_sim: kiosk_sim(),
        db: dir.join("central.sqlite"),
        now: start_time(),
        verbose: std::env::var_os("KIOSKD_TEST_VERBOSE").is_some(),
    };
    let ids: Vec<(String, String)> = [1, 2].iter().map(|n| (format!("{}-{n:02}", t.hall), t.hall.clone())).collect();
    setup.seed(deck, &ids).await.expect("seed");
    let mut cmd = Command::new(kiosk_sim());
    cmd.args(["scheduler", "--listen", "127.0.0.1:0", "--db"]).arg(&setup.db).args(["--now", &setup.now]);
    cmd.arg("--tls-cert").arg(pki.join("server.pem")).arg("--tls-key").arg(pki.join("server.key"));
    cmd.arg("--client-ca").arg(pki.join("ca.pem"));
    cmd.stdout(Stdio::piped()).stdin(Stdio::null()).kill_on_drop(true);
    if !setup.verbose {
        cmd.stderr(Stdio::null());
    }
    let mut child = cmd.spawn().expect("scheduler starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("the scheduler listens within 10 s")
        .expect("its stdout")
        .expect("a first line");
    let l: Value = serde_json::from_str(&first).expect("{\"listening\": ADDR}");
    let addr = l["listening"].as_str().expect("an address").to_string();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Central { _child: child, url: format!("https://{addr}") }
}

/// A reqwest client trusting `ca`, showing the kiosk certificate `id` of `pki` when given.
fn client(ca: &Path, identity: Option<(&Path, &str)>) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ca = reqwest::Certificate::from_pem(&std::fs::read(ca).expect("ca.pem")).expect("a CA");
    let mut b = reqwest::Client::builder().tls_certs_only([ca]).timeout(Duration::from_secs(5));
    if let Some((pki, id)) = identity {
        let mut pem = std::fs::read(pki.join(format!("{id}.pem"))).expect("cert");
        pem.extend(std::fs::read(pki.join(format!("{id}.key"))).expect("key"));
        b = b.identity(reqwest::Identity::from_pem(&pem).expect("an identity"));
    }
    b.build().expect("a client")
}

/// kioskd as the test deck's kiosk 1 with an https:// central: [`KioskSetup`] adds `ca_file`,
/// `cert_file` and `key_file` from its `central_tls_dir()`.
fn kiosk_setup(t: &TestDeck, dir: &Path, deck: &Path, url: &str) -> KioskSetup {
    let id = format!("{}-01", t.hall);
    KioskSetup {
        kioskd: kioskd(),
        central: Some((url.to_string(), kiosk_token(&id))),
        ..common::kiosk_setup(t, dir, deck.to_path_buf())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kioskd_syncs_over_mutual_tls_and_a_check_in_reaches_central() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let deck = t.write(dir.path());
    let pki = dir.path().join("pki");
    let (k1, k2) = (format!("{}-01", t.hall), format!("{}-02", t.hall));
    let made = certs(&pki, &[&k1, &k2]).await;
    assert_eq!(made["ca"], "created", "{made}");
    let c = central(&t, dir.path(), &deck, &pki).await;

    let setup = kiosk_setup(&t, dir.path(), &deck, &c.url);
    // The kiosk's files where KioskSetup points an https:// central's [central] section at them.
    let tls = setup.central_tls_dir();
    std::fs::create_dir_all(&tls).expect("central-tls dir");
    for f in ["ca.pem".to_string(), format!("{k1}.pem"), format!("{k1}.key")] {
        std::fs::copy(pki.join(&f), tls.join(&f)).expect("copy a TLS file");
    }
    let k = setup.start().await.expect("kioskd starts");
    let mut control = Client::connect(&k.socket).await.expect("control socket");
    let link = control.wait_synced(Duration::from_secs(20)).await.expect("the link comes up over mutual TLS");
    assert!(link["bookings_applied"].as_u64().is_some_and(|n| n > 0), "bookings synced in: {link}");

    let script = Script {
        date: Some(day()),
        walkins: vec![WalkIn { at: Some("08:50".into()), ..WalkIn::new(t.id("checkin_ok"), Want::Checkin) }],
    };
    let r = run_script(&k, &t.deck, &script, sim::HALL_OFFSET, None, |r| eprintln!("{}", sim::demo::line(r)))
        .await
        .expect("walk-in");
    assert_eq!(r[0].outcome, "ticket");
    control.wait_synced(Duration::from_secs(20)).await.expect("the check-in is delivered");

    // Admin is loopback-only, and over mutual TLS it too needs a client certificate.
    let s: Value = client(&pki.join("ca.pem"), Some((&pki, &k2)))
        .get(format!("{}/v1/admin/stats", c.url))
        .send()
        .await
        .expect("stats over TLS")
        .json()
        .await
        .expect("stats JSON");
    assert_eq!(s["checkins"], 1, "{s}");
    assert_eq!(s["events"]["checkin"], 1, "{s}");
    k.stop().await.expect("kioskd stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn central_refuses_clients_without_a_kiosk_certificate_and_stolen_tokens() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let deck = t.write(dir.path());
    let (pki, other) = (dir.path().join("pki"), dir.path().join("other"));
    let (k1, k2) = (format!("{}-01", t.hall), format!("{}-02", t.hall));
    certs(&pki, &[&k1, &k2]).await;
    certs(&other, &[&k1]).await;
    let c = central(&t, dir.path(), &deck, &pki).await;
    let ca = pki.join("ca.pem");
    let bookings = format!("{}/v1/kiosk/bookings?limit=1", c.url);

    // Kiosk 1's own certificate and token: in.
    let ok = client(&ca, Some((&pki, &k1))).get(&bookings).bearer_auth(kiosk_token(&k1)).send().await;
    assert_eq!(ok.expect("kiosk 1 gets in").status(), 200);

    // No certificate: refused at the handshake, token or not (no HTTP answer at all).
    let none = client(&ca, None).get(&bookings).bearer_auth(kiosk_token(&k1)).send().await;
    assert!(none.is_err(), "a client without a certificate got an answer: {none:?}");
    let time = client(&ca, None).get(format!("{}/v1/time", c.url)).send().await;
    assert!(time.is_err(), "not even the public endpoints: {time:?}");

    // A certificate for the same kiosk id from another CA: refused likewise.
    let foreign = client(&ca, Some((&other, &k1))).get(&bookings).bearer_auth(kiosk_token(&k1)).send().await;
    assert!(foreign.is_err(), "another CA's certificate got an answer: {foreign:?}");

    // Plain HTTP on the TLS port: no answer the kiosk could take.
    let plain = reqwest::Client::new().get(format!("{}/v1/time", c.url.replace("https://", "http://"))).send().await;
    assert!(!matches!(&plain, Ok(r) if r.status().is_success()), "{plain:?}");

    // Kiosk 1's token on kiosk 2's certificate: 401 with an ApiError.
    let stolen = client(&ca, Some((&pki, &k2))).get(&bookings).bearer_auth(kiosk_token(&k1)).send().await;
    let stolen = stolen.expect("an answer");
    assert_eq!(stolen.status(), 401);
    let body: Value = stolen.json().await.expect("an ApiError");
    assert_eq!(body["error"], "unauthorised", "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains(&k2)), "{body}");
    // ... and on the applicant endpoints, where a kiosk token acts for anyone.
    let person = &t.deck.persona(&t.id("checkin_ok")).expect("persona").card.id_number;
    let mine = client(&ca, Some((&pki, &k2)))
        .get(format!("{}/v1/applicants/{person}/bookings", c.url))
        .bearer_auth(kiosk_token(&k1))
        .send()
        .await
        .expect("an answer");
    assert_eq!(mine.status(), 401);
    // Kiosk 2 with its own token is fine.
    let own = client(&ca, Some((&pki, &k2))).get(&bookings).bearer_auth(kiosk_token(&k2)).send().await;
    assert_eq!(own.expect("kiosk 2 gets in").status(), 200);
}
