//! kioskd's configuration: one TOML file, defaults that work, unknown keys rejected, and errors that
//! name the key and say what was expected.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// This kiosk's id (unique in the province), e.g. `gz-tianhe-03`.
    #[serde(default = "default_kiosk_id")]
    pub kiosk_id: String,
    /// The hall this kiosk stands in.
    #[serde(default = "default_hall")]
    pub hall_id: String,
    /// Prefix of this kiosk's queue numbers, unique within the hall (1 to 3 letters or digits).
    #[serde(default = "default_prefix")]
    pub ticket_prefix: String,
    /// Hall time zone as a UTC offset; mainland China is `+08:00`.
    #[serde(default = "default_tz")]
    pub utc_offset: String,
    /// Where the store lives.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Policy data (fees, windows, timeouts): a TOML file from central.
    pub policy_file: PathBuf,
    /// The store.
    #[serde(default)]
    pub store: StoreConfig,
    /// Devices.
    #[serde(default)]
    pub devices: DevicesConfig,
    /// The screen and touch panel.
    #[serde(default)]
    pub display: DisplayConfig,
    /// The staff socket (kioskctl).
    #[serde(default)]
    pub staff: StaffConfig,
    /// How a face is shown to be a living one: `colour_flash` (the screen flashes colours the face
    /// must take on) or `blink` (where the screen cannot flash; a replayed video can fool it).
    #[serde(default)]
    pub liveness: Liveness,
    /// Central (the national scheduler). Absent: no central link (with `sim.deck`, the deck stands in).
    pub central: Option<CentralConfig>,
    /// The Prometheus metrics endpoint. Absent (or no `listen`): no metrics server.
    #[serde(default)]
    pub metrics: MetricsConfig,
    /// The simulator (when devices are simulated).
    #[serde(default)]
    pub sim: SimConfig,
}

/// Store settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// SQLite `synchronous`: `full` (survives power loss; the default) or `normal`.
    #[serde(default = "default_sync")]
    pub synchronous: String,
    /// Days personal data is kept (sessions, delivered events, permit numbers); purged daily.
    #[serde(default = "default_retention")]
    pub retention_days: u32,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig { synchronous: default_sync(), retention_days: default_retention() }
    }
}

fn default_retention() -> u32 {
    30
}

/// The staff socket.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffConfig {
    /// Where kioskctl finds the daemon.
    #[serde(default = "default_staff_socket")]
    pub socket: PathBuf,
    /// The group whose members may use it.
    #[serde(default = "default_staff_group")]
    pub group: String,
}

impl Default for StaffConfig {
    fn default() -> Self {
        StaffConfig { socket: default_staff_socket(), group: default_staff_group() }
    }
}

/// Where kioskctl and kioskd meet by default.
pub fn default_staff_socket() -> PathBuf {
    PathBuf::from("/run/kioskd/kioskctl.sock")
}
fn default_staff_group() -> String {
    "kiosk-staff".into()
}

/// The face liveness check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Liveness {
    /// A random sequence of screen colours the face must take on.
    #[default]
    ColourFlash,
    /// A blink within two seconds.
    Blink,
}

/// The screen and its touch panel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayConfig {
    /// `framebuffer` (the hall's screen), `frames` (each distinct screen as a numbered PNG in
    /// `frames_dir`) or `none`.
    #[serde(default = "default_display")]
    pub backend: String,
    /// The framebuffer device.
    #[serde(default = "default_fb")]
    pub device: PathBuf,
    /// The touch panel's evdev node (e.g. `/dev/input/by-path/...-event`); absent: no touch.
    pub touch: Option<PathBuf>,
    /// Where `frames` go.
    pub frames_dir: Option<PathBuf>,
    /// Screen width in pixels (the framebuffer's own size wins).
    #[serde(default = "default_width")]
    pub width: u32,
    /// Screen height in pixels.
    #[serde(default = "default_height")]
    pub height: u32,
    /// Larger text and high contrast for every applicant.
    #[serde(default)]
    pub accessible: bool,
}

impl Default for DisplayConfig {
    fn default() -> Self {
        DisplayConfig {
            backend: default_display(),
            device: default_fb(),
            touch: None,
            frames_dir: None,
            width: default_width(),
            height: default_height(),
            accessible: false,
        }
    }
}

fn default_display() -> String {
    "none".into()
}
fn default_fb() -> PathBuf {
    PathBuf::from("/dev/fb0")
}
fn default_width() -> u32 {
    1080
}
fn default_height() -> u32 {
    1920
}

/// The metrics endpoint: `GET /metrics` in Prometheus text format (see `crate::metrics`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Address and port to serve on, e.g. `127.0.0.1:9464`; absent: no metrics server.
    pub listen: Option<String>,
    /// Allow a `listen` address other than loopback (the figures then reach the hall's network).
    #[serde(default)]
    pub allow_remote: bool,
}

/// The link to central.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CentralConfig {
    /// Central's base URL, e.g. `http://127.0.0.1:7300`.
    pub url: String,
    /// This kiosk's credential (or `token_file`).
    pub token: Option<String>,
    /// A file holding this kiosk's credential (first line).
    pub token_file: Option<PathBuf>,
    /// Milliseconds each request may take.
    #[serde(default = "default_central_timeout")]
    pub timeout_ms: u64,
    /// Milliseconds between sync rounds while the link is up.
    #[serde(default = "default_sync_interval")]
    pub sync_interval_ms: u64,
    /// Mutual TLS (cargo feature `tls`; all three or none, with an `https://` URL): the CA central's
    /// certificate must chain to (PEM).
    pub ca_file: Option<PathBuf>,
    /// This kiosk's client certificate (PEM; subject CN: this kiosk's id).
    pub cert_file: Option<PathBuf>,
    /// Its private key (PEM).
    pub key_file: Option<PathBuf>,
}

impl CentralConfig {
    /// The credential, from `token` or `token_file`.
    pub fn credential(&self) -> Result<String, String> {
        match (&self.token, &self.token_file) {
            (Some(t), _) => Ok(t.clone()),
            (None, Some(f)) => std::fs::read_to_string(f)
                .map_err(|e| format!("central.token_file {}: {e}", f.display()))
                .and_then(|t| {
                    let t = t.lines().next().unwrap_or("").trim().to_string();
                    if t.is_empty() { Err(format!("central.token_file {} is empty", f.display())) } else { Ok(t) }
                }),
            (None, None) => Err("central: expected `token` or `token_file`".into()),
        }
    }
}

/// Device backends: every device is simulated in process unless its section says otherwise.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DevicesConfig {
    /// The resident ID card reader.
    pub idcard: Option<PortConfig>,
    /// The fingerprint scanner.
    pub fingerprint: Option<PortConfig>,
    /// The receipt / ticket printer.
    pub receipt: Option<PortConfig>,
    /// The permit reader (MRZ).
    pub permit: Option<PortConfig>,
    /// The endorsement printer.
    pub endorser: Option<PortConfig>,
    /// The face camera.
    pub camera: Option<PortConfig>,
}

/// One device's backend.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortConfig {
    /// `serial` (a real device, or a simulator's pty), `socket` (the endorsement printer's command
    /// set over a unix socket: the simulator's stand-in for its USB pipes) or `simulated` (in
    /// process).
    pub backend: String,
    /// The serial port, e.g. `/dev/kiosk/idcard`.
    pub port: Option<PathBuf>,
    /// Baud rate (default: the device family's).
    pub baud: Option<u32>,
    /// Milliseconds to wait for each answer (default: the protocol's).
    pub timeout_ms: Option<u64>,
    /// Debug: record every byte in and out of the device to this JSON-lines file.
    pub record: Option<PathBuf>,
    /// `usb` backend: the device's `VID:PID` (hex).
    pub usb: Option<String>,
    /// `usb` backend: the interface to claim (default 0).
    pub interface: Option<u8>,
    /// `usb` backend: the bulk OUT endpoint (default 0x01).
    pub ep_out: Option<u8>,
    /// `usb` backend: the bulk IN endpoint (default 0x81).
    pub ep_in: Option<u8>,
    /// `v4l2` backend (camera): the frame width asked for (default 640).
    pub width: Option<u32>,
    /// `v4l2` backend (camera): the frame height asked for (default 480).
    pub height: Option<u32>,
}

/// The simulator, when devices are simulated.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    /// Persona deck: the simulated central's bookings, applicants and flags.
    pub deck: Option<PathBuf>,
    /// Device speed: `zero`, `fast`, `realistic`.
    #[serde(default)]
    pub speed: sim::devices::rig::Speed,
    /// Seed of capture noise.
    #[serde(default)]
    pub seed: u64,
    /// The kiosk's clock starts at this time (RFC 3339) instead of the real time.
    pub start_time: Option<String>,
    /// Timers run this many times faster than real time (1.0 = real time).
    #[serde(default = "one")]
    pub time_scale: f64,
    /// Unix socket for the simulator's control protocol.
    pub control_socket: Option<PathBuf>,
    /// Keep every printed ticket and receipt as a text file here.
    pub print_dir: Option<PathBuf>,
    /// The simulated payment provider keeps its books (orders, payments, refunds) in this file, so
    /// that they outlive a restart of kioskd as a real provider's do (none: in memory only).
    pub payment_books: Option<PathBuf>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            deck: None,
            speed: Default::default(),
            seed: 0,
            start_time: None,
            time_scale: one(),
            control_socket: None,
            print_dir: None,
            payment_books: None,
        }
    }
}

fn default_kiosk_id() -> String {
    "kiosk-01".into()
}
fn default_hall() -> String {
    "gz-tianhe".into()
}
fn default_prefix() -> String {
    "A".into()
}
fn default_tz() -> String {
    "+08:00".into()
}
fn default_data_dir() -> PathBuf {
    PathBuf::from("/var/lib/kioskd")
}
fn default_sync() -> String {
    "full".into()
}
fn default_central_timeout() -> u64 {
    3000
}
fn default_sync_interval() -> u64 {
    2000
}
fn one() -> f64 {
    1.0
}

/// A configuration error: where and what.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Cannot read the file.
    #[error("cannot read {path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The TOML is malformed, has an unknown key, or a value of the wrong type.
    #[error("{path}: {message}")]
    Parse {
        /// Path.
        path: String,
        /// The parser's message (names the key and the line).
        message: String,
    },
    /// A value is out of its range.
    #[error("{path}:{line}: key `{key}`: {message}")]
    Value {
        /// Path.
        path: String,
        /// The line of the key (or of its table, when the key is missing; 1 when neither is there).
        line: usize,
        /// Key.
        key: String,
        /// What is expected.
        message: String,
    },
}

impl Config {
    /// Load and validate a configuration file.
    pub fn load(path: &Path) -> Result<Config, Vec<ConfigError>> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| vec![ConfigError::Io { path: p.clone(), source }])?;
        Config::parse(&text, &p)
    }

    /// Parse and validate configuration text; `path` is used in messages.
    pub fn parse(text: &str, path: &str) -> Result<Config, Vec<ConfigError>> {
        let cfg: Config =
            toml::from_str(text).map_err(|e| vec![ConfigError::Parse { path: path.into(), message: e.to_string() }])?;
        let mut errors = Vec::new();
        let mut bad = |key: &str, message: &str| {
            let line = line_of(text, key);
            errors.push(ConfigError::Value { path: path.into(), line, key: key.into(), message: message.into() })
        };
        if cfg.kiosk_id.is_empty() || cfg.kiosk_id.len() > 64 {
            bad("kiosk_id", "expected 1 to 64 characters");
        }
        if cfg.hall_id.is_empty() {
            bad("hall_id", "expected the id of this kiosk's hall");
        }
        let pfx = &cfg.ticket_prefix;
        if pfx.is_empty() || pfx.len() > 3 || !pfx.chars().all(|c| c.is_ascii_alphanumeric()) {
            bad("ticket_prefix", "expected 1 to 3 letters or digits");
        }
        if cfg.utc_offset().is_none() {
            bad("utc_offset", "expected an offset like +08:00");
        }
        if !matches!(cfg.store.synchronous.as_str(), "full" | "normal") {
            bad("store.synchronous", "expected \"full\" or \"normal\"");
        }
        if !(1..=3650).contains(&cfg.store.retention_days) {
            bad("store.retention_days", "expected 1 to 3650 days");
        }
        for (name, dev) in [
            ("idcard", &cfg.devices.idcard),
            ("fingerprint", &cfg.devices.fingerprint),
            ("receipt", &cfg.devices.receipt),
            ("permit", &cfg.devices.permit),
            ("endorser", &cfg.devices.endorser),
            ("camera", &cfg.devices.camera),
        ] {
            let Some(d) = dev else { continue };
            let links = match name {
                "endorser" => "\"socket\", \"usb\" or \"simulated\"",
                "receipt" => "\"serial\", \"usb\" or \"simulated\"",
                "camera" => "\"v4l2\" or \"simulated\"",
                _ => "\"serial\" or \"simulated\"",
            };
            match (name, d.backend.as_str()) {
                (_, "simulated") => {}
                ("endorser" | "receipt", "usb") => {
                    if !cfg!(feature = "usb") {
                        bad(
                            &format!("devices.{name}.backend"),
                            "this kioskd was built without USB (cargo feature usb)",
                        );
                    }
                    let ok = d.usb.as_deref().is_some_and(|u| {
                        let hex = |x: &str| x.len() == 4 && x.chars().all(|c| c.is_ascii_hexdigit());
                        u.split_once(':').is_some_and(|(v, p)| hex(v) && hex(p))
                    });
                    if !ok {
                        bad(&format!("devices.{name}.usb"), "expected the device's VID:PID in hex, e.g. \"0483:5720\"");
                    }
                }
                ("endorser", "socket") | ("camera", "v4l2") | (_, "serial") if d.port.is_none() => {
                    bad(&format!("devices.{name}.port"), "expected the device's path")
                }
                ("endorser", "socket") | ("camera", "v4l2") => {}
                (n, "serial") if n != "endorser" && n != "camera" => {}
                _ => bad(&format!("devices.{name}.backend"), &format!("expected {links}")),
            }
            if d.baud.is_some_and(|b| !matches!(b, 1200..=921_600)) {
                bad(&format!("devices.{name}.baud"), "expected a baud rate from 1200 to 921600");
            }
            for (key, v) in [("width", d.width), ("height", d.height)] {
                if v.is_some_and(|v| !(16..=4096).contains(&v)) {
                    bad(&format!("devices.{name}.{key}"), "expected 16 to 4096 pixels");
                }
            }
            if d.timeout_ms.is_some_and(|t| t == 0 || t > 60_000) {
                bad(&format!("devices.{name}.timeout_ms"), "expected 1 to 60000 milliseconds");
            }
        }
        match cfg.display.backend.as_str() {
            "none" | "framebuffer" => {}
            "frames" if cfg.display.frames_dir.is_none() => {
                bad("display.frames_dir", "expected the directory the frames go to")
            }
            "frames" => {}
            _ => bad("display.backend", "expected \"framebuffer\", \"frames\" or \"none\""),
        }
        for (key, v) in [("display.width", cfg.display.width), ("display.height", cfg.display.height)] {
            if !(240..=8192).contains(&v) {
                bad(key, "expected 240 to 8192 pixels");
            }
        }
        if let Some(c) = &cfg.central {
            let tls = [
                ("ca_file", c.ca_file.is_some()),
                ("cert_file", c.cert_file.is_some()),
                ("key_file", c.key_file.is_some()),
            ];
            let mutual = tls.iter().any(|(_, set)| *set);
            for (key, _) in tls.iter().filter(|(_, set)| mutual && !*set) {
                bad(&format!("central.{key}"), "expected all three of `ca_file`, `cert_file` and `key_file`, or none");
            }
            if c.url.starts_with("https://") {
                if !cfg!(feature = "tls") {
                    bad(
                        "central.url",
                        "this kioskd was built without TLS (cargo feature tls): use http on a trusted link",
                    );
                } else if !mutual {
                    bad("central.url", "https is mutual TLS: expected `ca_file`, `cert_file` and `key_file` too");
                } else if c.url.len() <= "https://".len() {
                    bad("central.url", "expected a URL like https://127.0.0.1:7300");
                }
            } else if !c.url.starts_with("http://") || c.url.len() <= "http://".len() {
                bad("central.url", "expected a URL like http://127.0.0.1:7300");
            } else if mutual {
                bad("central.url", "mutual TLS (`ca_file`, `cert_file`, `key_file`) needs an https:// URL");
            }
            if c.token.is_some() == c.token_file.is_some() {
                bad("central.token", "expected exactly one of `token` and `token_file`");
            }
            if c.token.as_ref().is_some_and(|t| t.is_empty() || t.len() > 512) {
                bad("central.token", "expected 1 to 512 characters");
            }
            if !(100..=60_000).contains(&c.timeout_ms) {
                bad("central.timeout_ms", "expected 100 to 60000 milliseconds");
            }
            if !(100..=600_000).contains(&c.sync_interval_ms) {
                bad("central.sync_interval_ms", "expected 100 to 600000 milliseconds");
            }
        }
        if let Some(listen) = &cfg.metrics.listen {
            match listen.parse::<std::net::SocketAddr>() {
                Err(_) => bad("metrics.listen", "expected an address and port like 127.0.0.1:9464"),
                Ok(a) if !a.ip().is_loopback() && !cfg.metrics.allow_remote => bad(
                    "metrics.listen",
                    "expected a loopback address like 127.0.0.1:9464 (or set `allow_remote = true`)",
                ),
                Ok(_) => {}
            }
        }
        if !(cfg.sim.time_scale.is_finite() && cfg.sim.time_scale >= 0.01 && cfg.sim.time_scale <= 10_000.0) {
            bad("sim.time_scale", "expected a number from 0.01 to 10000");
        }
        if let Some(t) = &cfg.sim.start_time
            && chrono::DateTime::parse_from_rfc3339(t).is_err()
        {
            bad("sim.start_time", "expected an RFC 3339 time like 2026-11-21T09:00:00+08:00");
        }
        if errors.is_empty() { Ok(cfg) } else { Err(errors) }
    }

    /// The hall's UTC offset.
    pub fn utc_offset(&self) -> Option<chrono::FixedOffset> {
        let s = self.utc_offset.as_str();
        let sign = match s.get(..1)? {
            "+" => 1,
            "-" => -1,
            _ => return None,
        };
        let (h, m) = s.get(1..)?.split_once(':')?;
        let secs = h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60;
        if h.len() != 2 || m.len() != 2 || secs > 14 * 3600 {
            return None;
        }
        chrono::FixedOffset::east_opt(sign * secs)
    }

    /// Path of the SQLite store.
    pub fn store_path(&self) -> PathBuf {
        self.data_dir.join("kioskd.sqlite")
    }
}

/// The line (1-based) where a dotted key such as `devices.idcard.baud` is set in a TOML text: the
/// key's own line, else its table's header, else 1.
pub fn line_of(text: &str, dotted: &str) -> usize {
    let (table, key) = match dotted.rsplit_once('.') {
        Some((t, k)) => (t, k),
        None => ("", dotted),
    };
    let mut current = String::new();
    let mut header = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            current = name.trim_matches(['[', ' ']).replace(' ', "");
            if current == table {
                header = Some(i + 1);
            }
            continue;
        }
        let Some((k, _)) = line.split_once('=') else { continue };
        let k = k.trim().trim_matches('"');
        // `a.b = 1` at top level, or `b = 1` inside `[a]`.
        let full = if current.is_empty() { k.to_string() } else { format!("{current}.{k}") };
        if full == dotted || (current == table && k == key) {
            return i + 1;
        }
    }
    header.unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The example configuration shipped for the hall, mangled anywhere (a typo, a pasted
        /// fragment, a truncated file): errors that name the file, never a panic; a value error
        /// names its key and a line that exists.
        #[test]
        fn mangled_config_files_get_errors_not_panics(cut in 0usize..8000, insert in "\\PC{0,16}") {
            let shipped = include_str!("../systemd/kioskd.toml");
            let mut at = cut.min(shipped.len());
            while !shipped.is_char_boundary(at) {
                at -= 1;
            }
            let text = format!("{}{insert}{}", &shipped[..at], &shipped[at..]);
            if let Err(errors) = Config::parse(&text, "k.toml") {
                proptest::prop_assert!(!errors.is_empty());
                for e in errors {
                    let m = e.to_string();
                    proptest::prop_assert!(m.starts_with("k.toml"), "{}", m);
                    if let ConfigError::Value { line, .. } = e {
                        proptest::prop_assert!(line >= 1 && line <= text.lines().count().max(1), "{}", m);
                    }
                }
            }
        }

        /// Any text at all.
        #[test]
        fn any_text_is_parsed_or_refused(text in "\\PC{0,200}") {
            let _ = Config::parse(&text, "k.toml");
        }
    }

    #[test]
    fn errors_point_at_the_line() {
        let text =
            "policy_file = \"p\"\nticket_prefix = \"TOOLONG\"\n\n[devices.idcard]\nbackend = \"serial\"\nbaud = 7\n";
        let all: Vec<String> = Config::parse(text, "k.toml").unwrap_err().iter().map(|e| e.to_string()).collect();
        assert!(all.iter().any(|m| m.starts_with("k.toml:2: key `ticket_prefix`")), "{all:?}");
        assert!(all.iter().any(|m| m.starts_with("k.toml:6: key `devices.idcard.baud`")), "{all:?}");
        // A missing key: its table's header.
        assert!(all.iter().any(|m| m.starts_with("k.toml:4: key `devices.idcard.port`")), "{all:?}");
        assert_eq!(line_of("a = 1\n[x]\n b = 2\n", "x.b"), 3);
        assert_eq!(line_of("", "nowhere"), 1);
    }

    #[test]
    fn minimal_config_has_working_defaults() {
        let c = Config::parse("policy_file = \"p.toml\"\n", "t").unwrap();
        assert_eq!(c.utc_offset().unwrap().local_minus_utc(), 8 * 3600);
        assert_eq!(c.sim.time_scale, 1.0, "no [sim] section: real time");
        assert_eq!(c.store.synchronous, "full");
    }

    #[test]
    fn usb_backends_need_a_vid_pid_and_the_feature() {
        let text = "policy_file = \"p\"\n[devices.receipt]\nbackend = \"usb\"\nusb = \"nope\"\n";
        let all: Vec<String> = Config::parse(text, "k.toml").unwrap_err().iter().map(|e| e.to_string()).collect();
        assert!(all.iter().any(|m| m.contains("devices.receipt.usb") && m.contains("VID:PID")), "{all:?}");
        let built_without = all.iter().any(|m| m.contains("without USB"));
        assert_eq!(built_without, !cfg!(feature = "usb"), "{all:?}");
        let text = "policy_file = \"p\"\n[devices.idcard]\nbackend = \"usb\"\n";
        let all: Vec<String> = Config::parse(text, "k.toml").unwrap_err().iter().map(|e| e.to_string()).collect();
        assert!(all.iter().any(|m| m.contains("devices.idcard.backend")), "the ID card reader is serial: {all:?}");
    }

    #[test]
    fn the_camera_runs_on_v4l2_with_a_device_node_and_a_sane_size() {
        let ok = "policy_file = \"p\"\n[devices.camera]\nbackend = \"v4l2\"\nport = \"/dev/video0\"\nwidth = 1280\n";
        assert_eq!(Config::parse(ok, "k.toml").unwrap().devices.camera.unwrap().width, Some(1280));
        let text = "policy_file = \"p\"\n[devices.camera]\nbackend = \"v4l2\"\nheight = 9\n";
        let all: Vec<String> = Config::parse(text, "k.toml").unwrap_err().iter().map(|e| e.to_string()).collect();
        assert!(all.iter().any(|m| m.contains("devices.camera.port")), "{all:?}");
        assert!(all.iter().any(|m| m.contains("devices.camera.height")), "{all:?}");
        let text = "policy_file = \"p\"\n[devices.camera]\nbackend = \"serial\"\nport = \"/dev/ttyS0\"\n";
        let all: Vec<String> = Config::parse(text, "k.toml").unwrap_err().iter().map(|e| e.to_string()).collect();
        assert!(all.iter().any(|m| m.contains("devices.camera.backend") && m.contains("v4l2")), "{all:?}");
    }

    #[test]
    fn central_needs_an_http_url_and_one_credential() {
        let ok = "policy_file = \"p\"\n[central]\nurl = \"http://127.0.0.1:7300\"\ntoken = \"k1-secret\"\n";
        let c = Config::parse(ok, "k.toml").unwrap().central.unwrap();
        assert_eq!((c.credential().unwrap().as_str(), c.timeout_ms), ("k1-secret", 3000));
        let text = "policy_file = \"p\"\n[central]\nurl = \"ftp://x\"\ntimeout_ms = 5\n";
        let all: Vec<String> = Config::parse(text, "k.toml").unwrap_err().iter().map(|e| e.to_string()).collect();
        for key in ["central.url", "central.token", "central.timeout_ms"] {
            assert!(all.iter().any(|m| m.contains(key)), "{key}: {all:?}");
        }
        let text = "policy_file = \"p\"\n[central]\nurl = \"http://x\"\ntoken_file = \"/nonexistent/token\"\n";
        let c = Config::parse(text, "k.toml").unwrap().central.unwrap();
        assert!(c.credential().unwrap_err().contains("/nonexistent/token"));
    }

    #[test]
    fn errors_name_the_key() {
        let e = Config::parse("policy_file = \"p\"\nticket_prefix = \"TOOLONG\"\nutc_offset = \"8\"\n", "k.toml")
            .unwrap_err();
        let all: Vec<String> = e.iter().map(|e| e.to_string()).collect();
        assert!(all.iter().any(|m| m.contains("ticket_prefix")), "{all:?}");
        assert!(all.iter().any(|m| m.contains("utc_offset")), "{all:?}");
        let e = Config::parse("policy_file = \"p\"\n[devices.idcard]\nbackend = \"serial\"\nbaud = 7\n", "k.toml")
            .unwrap_err();
        let all: Vec<String> = e.iter().map(|e| e.to_string()).collect();
        assert!(all.iter().any(|m| m.contains("devices.idcard.port")), "{all:?}");
        assert!(all.iter().any(|m| m.contains("devices.idcard.baud")), "{all:?}");
        let e = Config::parse("policy_file = \"p\"\ncolour = 3\n", "k.toml").unwrap_err();
        assert!(e[0].to_string().contains("unknown field `colour`"), "{}", e[0]);
        let e = Config::parse("policy_file = 3\n", "k.toml").unwrap_err();
        assert!(e[0].to_string().contains("policy_file"), "{}", e[0]);
    }
}
