//! Start to `READY=1` with a full store, then idle RSS and idle CPU.
//!
//! The store is made by kioskd itself (a first start, then a clean stop), filled with `bookings`
//! rows (half today, half tomorrow, spread over the deck's halls) in one transaction and
//! checkpointed, as a store at rest is. Then kioskd is started `runs` times with a `NOTIFY_SOCKET`
//! this program binds: the time from the spawn to the `READY=1` datagram. After the last start the
//! kiosk is left idle (home screen, devices polled every 2 s, no applicant) and measured from `/proc`.

use super::{BenchEnv, median, spawn, stop, wait_socket};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::net::UnixDatagram;

/// What to measure.
#[derive(Debug, Clone)]
pub struct ReadyOptions {
    /// Bookings in the store.
    pub bookings: u64,
    /// Starts timed.
    pub runs: usize,
    /// Seconds of idle measured.
    pub idle_secs: u64,
    /// Seconds left after READY=1 before the idle measurement (start-up work after READY settles).
    pub settle_secs: u64,
}

/// The figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReadyFigures {
    /// Bookings in the store.
    pub bookings: u64,
    /// The store file's size, MB.
    pub store_mb: f64,
    /// Each start, spawn to READY=1, ms.
    pub ready_ms: Vec<f64>,
    /// Their median.
    pub ready_median_ms: f64,
    /// VmRSS after the idle period, MB.
    pub idle_rss_mb: f64,
    /// VmHWM (peak RSS) of that run, MB.
    pub peak_rss_mb: f64,
    /// CPU time (user + system) over the idle period, ms.
    pub idle_cpu_ms: f64,
    /// The same as a share of one core, percent.
    pub idle_cpu_percent: f64,
    /// How long the idle period was, s.
    pub idle_secs: u64,
    /// CPU time from the spawn to the end of the settling, ms (start-up work).
    pub startup_cpu_ms: f64,
}

fn fill(store: &Path, env: &BenchEnv, n: u64) -> Result<(), String> {
    let e = |e: rusqlite::Error| format!("{}: {e}", store.display());
    let mut db = rusqlite::Connection::open(store).map_err(e)?;
    let days = [env.day.to_string(), env.day.succ_opt().unwrap_or(env.day).to_string()];
    let halls: Vec<&str> = env.deck.halls.iter().map(|h| h.id.as_str()).collect();
    let tx = db.transaction().map_err(e)?;
    {
        let mut st = tx
            .prepare(
                "INSERT OR IGNORE INTO bookings (code, hall, id_number, day, slot_start, slot_end, business)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'renewal')",
            )
            .map_err(e)?;
        for i in 0..n {
            let minute = 8 * 60 + 30 + (i % 16) * 30;
            let hhmm = |m: u64| format!("{:02}:{:02}", m / 60, m % 60);
            let (start, end) = (hhmm(minute), hhmm(minute + 30));
            st.execute(rusqlite::params![
                format!("BN{i:08}"),
                halls[(i as usize) % halls.len()],
                format!("11010119{:010}", i),
                days[(i % 2) as usize],
                start,
                end
            ])
            .map_err(e)?;
        }
    }
    tx.commit().map_err(e)?;
    db.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").map_err(e)?;
    Ok(())
}

fn clk_tck() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Result<u64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| e.to_string())?;
    // The fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).ok_or("unreadable /proc stat")?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14, stime 15.
    let n = |i: usize| f.get(i - 3).and_then(|x| x.parse::<u64>().ok()).ok_or("unreadable /proc stat");
    Ok(n(14)? + n(15)?)
}

/// A `Vm*` line of /proc/PID/status, in MB.
fn vm(pid: u32, what: &str) -> Result<f64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix(what).and_then(|r| r.trim_start_matches(':').split_whitespace().next()))
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or(format!("no {what} in /proc/{pid}/status"))?;
    Ok(kb / 1024.0)
}

/// Run it.
pub async fn run(kioskd: &Path, o: &ReadyOptions) -> Result<ReadyFigures, String> {
    let env = BenchEnv::new()?;
    let setup = env.setup(kioskd, "fast", Vec::new());
    let socket = setup.data_dir.join("control.sock");
    // The store as kioskd makes it (migrations and all).
    let mut child = spawn(&setup, &[])?;
    wait_socket(&mut child, &socket).await?;
    stop(child, &socket).await?;
    let store = setup.data_dir.join("kioskd.sqlite");
    let t = Instant::now();
    fill(&store, &env, o.bookings)?;
    eprintln!("store filled with {} bookings in {:.1} s", o.bookings, t.elapsed().as_secs_f64());
    let store_mb = std::fs::metadata(&store).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
    let notify = env.dir.path().join("notify.sock");
    let tck = clk_tck();
    let mut ready_ms = Vec::new();
    let mut idle = None;
    for run in 0..o.runs.max(1) {
        let _ = std::fs::remove_file(&notify);
        let sock = UnixDatagram::bind(&notify).map_err(|e| format!("{}: {e}", notify.display()))?;
        let t0 = Instant::now();
        let mut child = spawn(&setup, &[("NOTIFY_SOCKET", notify.as_path())])?;
        let pid = child.id().ok_or("kioskd has no pid")?;
        let mut buf = vec![0u8; 4096];
        loop {
            let n = tokio::time::timeout(Duration::from_secs(30), sock.recv(&mut buf))
                .await
                .map_err(|_| "no READY=1 within 30 s".to_string())?
                .map_err(|e| e.to_string())?;
            if String::from_utf8_lossy(&buf[..n]).lines().any(|l| l == "READY=1") {
                break;
            }
        }
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        eprintln!("start {}: READY=1 after {ms:.1} ms", run + 1);
        ready_ms.push(ms);
        if run + 1 == o.runs.max(1) {
            tokio::time::sleep(Duration::from_secs(o.settle_secs)).await;
            let before = cpu_ticks(pid)?;
            tokio::time::sleep(Duration::from_secs(o.idle_secs)).await;
            let after = cpu_ticks(pid)?;
            let cpu_ms = (after - before) as f64 * 1000.0 / tck;
            idle = Some((vm(pid, "VmRSS")?, vm(pid, "VmHWM")?, cpu_ms, before as f64 * 1000.0 / tck));
        }
        wait_socket(&mut child, &socket).await?;
        stop(child, &socket).await?;
    }
    let (idle_rss_mb, peak_rss_mb, idle_cpu_ms, startup_cpu_ms) = idle.unwrap_or_default();
    Ok(ReadyFigures {
        bookings: o.bookings,
        store_mb,
        ready_median_ms: median(&ready_ms),
        ready_ms,
        idle_rss_mb,
        peak_rss_mb,
        idle_cpu_ms,
        idle_cpu_percent: idle_cpu_ms / (o.idle_secs.max(1) as f64 * 1000.0) * 100.0,
        idle_secs: o.idle_secs,
        startup_cpu_ms,
    })
}
