//! kioskd under a service manager: the notify protocol through a NOTIFY_SOCKET this test binds
//! (READY=1 after start, WATCHDOG=1 from the main loop, STATUS= lines), SIGHUP reloading the
//! configuration (a broken one refused, the daemon going on), SIGTERM stopping it cleanly.

mod common;

use common::{kiosk_setup, test_deck};
use sim::demo::KioskSetup;
use std::time::{Duration, Instant};
use tokio::net::UnixDatagram;

async fn next(sock: &UnixDatagram, within: Duration) -> String {
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(within, sock.recv(&mut buf)).await.expect("a notification in time").expect("recv");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// Read notifications until one contains `what`; returns it.
async fn until(sock: &UnixDatagram, what: &str) -> String {
    let end = Instant::now() + Duration::from_secs(15);
    loop {
        let m = next(sock, end.saturating_duration_since(Instant::now())).await;
        if m.lines().any(|l| l == what || l.starts_with(what)) {
            return m;
        }
    }
}

fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill").args([sig, &pid.to_string()]).status().expect("kill runs");
    assert!(ok.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_watchdog_reload_and_stop_through_the_notify_socket() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let deck = t.write(dir.path());
    let setup = KioskSetup { time_scale: 1.0, verbose: false, ..kiosk_setup(&t, dir.path(), deck) };
    let config = setup.write_config().expect("config");
    let sock_path = dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).expect("bind");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kioskd"))
        .args(["run", "--config"])
        .arg(&config)
        .env("NOTIFY_SOCKET", &sock_path)
        .env("WATCHDOG_USEC", "400000")
        .env("KIOSKD_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("kioskd starts");
    let pid = child.id().expect("pid");

    let ready = until(&sock, "READY=1").await;
    assert!(ready.contains("STATUS=idle"), "{ready}");
    // The main loop pings at half the watchdog timeout: several within a second.
    let start = Instant::now();
    for _ in 0..3 {
        let m = until(&sock, "WATCHDOG=1").await;
        assert!(m.contains("STATUS="), "{m}");
    }
    assert!(start.elapsed() < Duration::from_secs(2), "pings every 200 ms: {:?}", start.elapsed());

    // SIGHUP with a good configuration: reloaded.
    signal(pid, "-HUP");
    until(&sock, "RELOADING=1").await;
    let m = until(&sock, "READY=1").await;
    assert!(m.contains("STATUS=reloaded: policy"), "{m}");
    // A broken one is refused and the daemon goes on.
    let good = std::fs::read_to_string(&config).expect("config");
    std::fs::write(&config, format!("{good}\ncolour = \"blue\"\n")).expect("break it");
    signal(pid, "-HUP");
    let m = until(&sock, "READY=1").await;
    assert!(m.contains("STATUS=reload refused"), "{m}");
    until(&sock, "WATCHDOG=1").await;

    signal(pid, "-TERM");
    let m = until(&sock, "STOPPING=1").await;
    assert!(m.contains("STATUS=stopping"), "{m}");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("exits").expect("status");
    assert!(status.success(), "{status}");
}
