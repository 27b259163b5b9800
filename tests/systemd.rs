//! kioskd's systemd integration as installed: `systemd/install.sh` stages the unit, udev rules,
//! sysusers and tmpfiles entries and this build's binaries into a temporary root; then
//! `systemd-analyze verify` must print nothing at all (it exits 0 on unknown keys), `systemd-analyze
//! security` must score the unit at 2.0 or lower, the sysusers and tmpfiles entries must apply under
//! that root, and the files must agree with each other and with the example configuration.
//!
//! Without systemd's tools the checks that need them print a note and pass, unless
//! `KIOSKD_SYSTEMD_CHECKS=require` (set by `.ci/run`) makes that a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The highest `systemd-analyze security` exposure the unit may have.
const MAX_EXPOSURE: f64 = 2.0;

/// The /dev/kiosk/ names the kiosk's devices go by.
const DEVICE_NAMES: [&str; 7] = ["idcard", "fingerprint", "receipt", "permit", "endorser", "camera", "touch"];

fn repo() -> PathBuf {
    manifest_dir()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn both(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Whether `tool` is here; without it, a note (or a failure when the checks are required).
fn have(tool: &str) -> bool {
    if Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success()) {
        return true;
    }
    assert!(
        std::env::var("KIOSKD_SYSTEMD_CHECKS").as_deref() != Ok("require"),
        "{tool} is not on this machine, and KIOSKD_SYSTEMD_CHECKS=require"
    );
    eprintln!("note: {tool} is not on this machine: its checks of the systemd files are skipped");
    false
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Run `systemd/install.sh --no-build` with this build's binaries into `destdir`.
fn install(destdir: &Path, prefix: &str) -> String {
    let mut cmd = Command::new("sh");
    cmd.arg(repo().join("systemd/install.sh"))
        .args(["--prefix", prefix, "--destdir"])
        .arg(destdir)
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_kioskd"))
        .env_remove("DESTDIR");
    if let Some(ctl) = option_env!("CARGO_BIN_EXE_kioskctl") {
        cmd.arg("--kioskctl").arg(ctl);
    }
    let out = cmd.output().expect("sh runs install.sh");
    assert!(out.status.success(), "install.sh failed:\n{}", both(&out));
    both(&out)
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).mode() & 0o7777
}

/// The installed unit, copied where `systemd-analyze` can check it: the same file, with ExecStart=
/// pointing at the staged binary (verify requires the program to exist at its path).
fn unit_for_analysis(root: &Path, scratch: &Path) -> PathBuf {
    let unit = read(&root.join("usr/local/lib/systemd/system/kioskd.service"));
    let staged = root.join("usr/local/bin/kioskd");
    let unit = unit.replace("ExecStart=/usr/local/bin/kioskd ", &format!("ExecStart={} ", staged.display()));
    assert!(unit.contains(&format!("ExecStart={} run", staged.display())), "no ExecStart= to point at the build");
    let dir = scratch.join("unit");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join("kioskd.service");
    std::fs::write(&path, unit).expect("write unit");
    path
}

#[test]
fn install_stages_everything_under_destdir_without_root() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    install(&root, "/usr/local");
    for (path, want) in [
        ("usr/local/bin/kioskd", 0o755),
        ("usr/local/lib/systemd/system/kioskd.service", 0o644),
        ("usr/local/lib/udev/rules.d/99-kiosk.rules", 0o644),
        ("usr/local/lib/sysusers.d/kioskd.conf", 0o644),
        ("usr/local/lib/tmpfiles.d/kioskd.conf", 0o644),
        ("usr/local/share/doc/kioskd/README.md", 0o644),
        ("usr/local/share/doc/kioskd/kioskd.toml.example", 0o644),
        ("usr/local/share/doc/kioskd/policy.toml.example", 0o644),
        ("etc/kioskd/kioskd.toml", 0o640),
        ("etc/kioskd/policy.toml", 0o644),
    ] {
        assert_eq!(mode(&root.join(path)), want, "{path}");
    }
    if option_env!("CARGO_BIN_EXE_kioskctl").is_some() {
        assert_eq!(mode(&root.join("usr/local/bin/kioskctl")), 0o755);
    }
    assert_eq!(
        read(&root.join("usr/local/lib/systemd/system/kioskd.service")),
        read(&repo().join("systemd/kioskd.service")),
        "the default prefix installs the unit as it is in the repository"
    );
    assert!(
        std::fs::read_dir(root.join("usr/local/lib/systemd/system")).expect("unit dir").count() == 1,
        "no leftover temporary files next to the unit"
    );

    // Another prefix: the unit's paths follow it.
    let usr = dir.path().join("usr-root");
    install(&usr, "/usr/");
    let unit = read(&usr.join("usr/lib/systemd/system/kioskd.service"));
    assert!(unit.contains("\nExecStart=/usr/bin/kioskd run --config /etc/kioskd/kioskd.toml\n"), "{unit}");
    assert!(unit.contains("\nDocumentation=file:/usr/share/doc/kioskd/README.md\n"), "{unit}");
    assert!(!unit.contains("/usr/local/"), "{unit}");
    assert!(usr.join("usr/bin/kioskd").is_file());

    // A kiosk's own configuration survives a reinstall; the new example is beside the docs.
    std::fs::write(root.join("etc/kioskd/kioskd.toml"), "# this kiosk's\n").expect("write");
    std::fs::remove_file(root.join("etc/kioskd/policy.toml")).expect("rm");
    let out = install(&root, "/usr/local");
    assert_eq!(read(&root.join("etc/kioskd/kioskd.toml")), "# this kiosk's\n");
    assert!(out.contains("kioskd.toml exists: kept"), "{out}");
    assert_eq!(read(&root.join("etc/kioskd/policy.toml")), read(&repo().join("sim/data/policy.toml")));

    // Mistakes are refused before anything is written.
    for args in [&["--prefix", "relative"][..], &["--prefix", "/opt/a b"], &["--bogus"]] {
        let out = Command::new("sh")
            .arg(repo().join("systemd/install.sh"))
            .args(args)
            .args(["--destdir", "/nonexistent/never", "--bin", env!("CARGO_BIN_EXE_kioskd")])
            .output()
            .expect("sh runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", both(&out));
        assert!(!Path::new("/nonexistent/never").exists());
    }
}

#[test]
fn unit_verifies_without_a_word_and_scores_at_most_2() {
    if !have("systemd-analyze") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    install(&root, "/usr/local");
    let unit = unit_for_analysis(&root, dir.path());

    // verify exits 0 on unknown keys and bad values: any output at all is a failure.
    let out = Command::new("systemd-analyze").arg("verify").arg(&unit).output().expect("systemd-analyze runs");
    assert!(out.status.success() && both(&out).trim().is_empty(), "systemd-analyze verify:\n{}", both(&out));

    let out = Command::new("systemd-analyze")
        .args(["--offline=true", "security"])
        .arg(&unit)
        .output()
        .expect("systemd-analyze runs");
    let text = both(&out);
    let line = text
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or_else(|| panic!("no overall exposure in systemd-analyze security:\n{text}"));
    let score: f64 = line
        .rsplit_once(": ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("cannot read the exposure in {line:?}"));
    eprintln!("{}", line.trim());
    assert!(score <= MAX_EXPOSURE, "exposure {score} is above {MAX_EXPOSURE}:\n{text}");
}

#[test]
fn sysusers_and_tmpfiles_entries_apply_under_a_root() {
    if !have("systemd-sysusers") || !have("systemd-tmpfiles") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    install(&root, "/usr/local");
    let root_arg = format!("--root={}", root.display());
    // By name: the installed files must be where systemd looks for them under the prefix.
    let diagnostics = |o: &Output| {
        both(o).lines().filter(|l| l.contains("kioskd.conf") || l.contains("Failed")).map(String::from).collect()
    };
    let out = Command::new("systemd-sysusers")
        .args([root_arg.as_str(), "--dry-run", "kioskd.conf"])
        .output()
        .expect("systemd-sysusers runs");
    let said: Vec<String> = diagnostics(&out);
    assert!(out.status.success() && said.is_empty(), "systemd-sysusers --dry-run:\n{}", both(&out));
    for name in ["group 'kiosk-devices'", "group 'kiosk-staff'", "user 'kioskd'"] {
        assert!(both(&out).contains(name), "sysusers would not create {name}:\n{}", both(&out));
    }
    if !is_root() {
        eprintln!("note: not root: the tmpfiles entries are not applied (they chown)");
        return;
    }

    let out = Command::new("systemd-sysusers").args([root_arg.as_str(), "kioskd.conf"]).output().expect("runs");
    assert!(out.status.success(), "systemd-sysusers:\n{}", both(&out));
    let out = Command::new("systemd-tmpfiles")
        .args([root_arg.as_str(), "--create", "kioskd.conf"])
        .output()
        .expect("systemd-tmpfiles runs");
    assert!(out.status.success() && both(&out).trim().is_empty(), "systemd-tmpfiles --create:\n{}", both(&out));

    let ids = |file: &str| -> BTreeMap<String, u32> {
        read(&root.join(file))
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                Some((f.first()?.to_string(), f.get(2)?.parse().ok()?))
            })
            .collect()
    };
    let (users, groups) = (ids("etc/passwd"), ids("etc/group"));
    let members = read(&root.join("etc/group"));
    assert!(members.lines().any(|l| l.starts_with("kiosk-devices:") && l.ends_with(":kioskd")), "{members}");
    for (path, want_mode, user, group) in [
        ("var/lib/kioskd", 0o750, "kioskd", "kioskd"),
        ("run/kioskd", 0o2750, "kioskd", "kiosk-staff"),
        ("etc/kioskd", 0o755, "root", "root"),
        ("etc/kioskd/kioskd.toml", 0o640, "root", "kioskd"),
    ] {
        let m = std::fs::metadata(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(m.mode() & 0o7777, want_mode, "{path} mode");
        assert_eq!(Some(m.uid()), users.get(user).copied().or((user == "root").then_some(0)), "{path} owner");
        assert_eq!(Some(m.gid()), groups.get(group).copied().or((group == "root").then_some(0)), "{path} group");
    }
}

/// A udev rule line: its `KEY{attr}`, operator and value triples.
fn udev_rule(line: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut rest = line.trim();
    while !rest.is_empty() {
        let op_at = rest.find(['=', '!', '+', '-', ':']).unwrap_or_else(|| panic!("no operator in {rest:?}"));
        let key = rest[..op_at].trim().to_string();
        let after = &rest[op_at..];
        let op = ["==", "!=", "+=", "-=", ":=", "="]
            .into_iter()
            .find(|op| after.starts_with(op))
            .unwrap_or_else(|| panic!("bad operator after {key:?} in {line:?}"));
        let after = after[op.len()..].trim_start();
        assert!(after.starts_with('"'), "unquoted value for {key} in {line:?}");
        let end = after[1..].find('"').unwrap_or_else(|| panic!("unterminated value in {line:?}")) + 1;
        out.push((key, op.to_string(), after[1..end].to_string()));
        rest = after[end + 1..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    out
}

#[test]
fn udev_rules_name_every_device_the_example_configuration_opens() {
    let rules = read(&repo().join("systemd/99-kiosk.rules"));
    let known = [
        "ACTION",
        "SUBSYSTEM",
        "SUBSYSTEMS",
        "KERNEL",
        "ATTR",
        "ATTRS",
        "ENV",
        "SYMLINK",
        "GROUP",
        "MODE",
        "TAG",
        "GOTO",
        "LABEL",
    ];
    let (mut names, mut gotos, mut labels) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for line in rules.lines().filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')) {
        let rule = udev_rule(line);
        let get = |k: &str| rule.iter().find(|(key, _, _)| key == k).map(|(_, op, v)| (op.as_str(), v.as_str()));
        for (key, op, value) in &rule {
            let base = key.split('{').next().unwrap_or_default();
            assert!(known.contains(&base), "unknown key {key} in {line:?}");
            if key.contains('{') {
                assert!(key.ends_with('}'), "bad key {key}");
            }
            match base {
                "GOTO" => {
                    gotos.insert(value.clone());
                }
                "LABEL" => {
                    labels.insert(value.clone());
                }
                _ => {}
            }
            if ["SYMLINK", "GROUP", "MODE", "TAG", "GOTO", "LABEL"].contains(&base) {
                assert!(op != "==" && op != "!=", "{key} is assigned, not matched: {line:?}");
            }
        }
        if let Some((op, link)) = get("SYMLINK") {
            assert_eq!(op, "+=", "{line:?}");
            let name = link.strip_prefix("kiosk/").unwrap_or_else(|| panic!("a name outside /dev/kiosk/: {line:?}"));
            assert!(names.insert(name.to_string()), "/dev/kiosk/{name} named twice");
            assert_eq!(get("GROUP"), Some(("=", "kiosk-devices")), "{line:?}");
            assert_eq!(get("MODE"), Some(("=", "0660")), "{line:?}");
            assert_eq!(get("TAG"), Some(("+=", "systemd")), "{line:?}");
            assert!(rule.iter().any(|(_, op, _)| op == "=="), "a rule that matches everything: {line:?}");
        }
    }
    assert_eq!(gotos, labels, "every GOTO has its LABEL and every LABEL is used");
    for name in DEVICE_NAMES {
        assert!(names.contains(name), "no rule names /dev/kiosk/{name}");
    }
    // Every /dev/kiosk/ path in the example configuration, commented ones included, exists.
    let config = read(&repo().join("systemd/kioskd.toml"));
    for path in config.split("/dev/kiosk/").skip(1) {
        let name: String = path.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        assert!(names.contains(&name), "the example configuration opens /dev/kiosk/{name}, which no rule makes");
    }
}

#[test]
fn unit_tmpfiles_sysusers_and_install_agree() {
    let unit = read(&repo().join("systemd/kioskd.service"));
    let tmpfiles = read(&repo().join("systemd/kioskd.tmpfiles"));
    let sysusers = read(&repo().join("systemd/kioskd.sysusers"));
    let install = read(&repo().join("systemd/install.sh"));
    let settings: Vec<(&str, &str)> =
        unit.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split_once('=')).collect();
    let setting = |k: &str| settings.iter().filter(|(key, _)| *key == k).map(|(_, v)| *v).collect::<Vec<_>>();
    let tmp: BTreeMap<&str, Vec<&str>> = tmpfiles
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[1], f)
        })
        .collect();

    assert_eq!(setting("User"), ["kioskd"]);
    assert!(sysusers.lines().any(|l| l.starts_with("u kioskd ")), "sysusers makes the unit's user");
    for group in setting("SupplementaryGroups").concat().split_whitespace().filter(|g| g.starts_with("kiosk")) {
        assert!(sysusers.lines().any(|l| l.starts_with(&format!("g {group} "))), "sysusers makes {group}");
    }
    assert!(sysusers.lines().any(|l| l.starts_with("g kiosk-staff ")));
    // The state directory: the unit and tmpfiles give it the same owner and mode.
    assert_eq!(setting("StateDirectory"), ["kioskd"]);
    assert_eq!(tmp["/var/lib/kioskd"][..5], ["d", "/var/lib/kioskd", "0750", "kioskd", "kioskd"]);
    assert_eq!(setting("StateDirectoryMode"), ["0750"]);
    // The configuration directory keeps systemd's default mode, or systemd warns at every start.
    assert_eq!(setting("ConfigurationDirectory"), ["kioskd"]);
    assert!(setting("ConfigurationDirectoryMode").is_empty());
    assert_eq!(tmp["/etc/kioskd"][..5], ["d", "/etc/kioskd", "0755", "root", "root"]);
    // The staff socket's directory is tmpfiles', made writable and re-made before each start.
    assert!(setting("RuntimeDirectory").is_empty(), "systemd would chown /run/kioskd to kioskd:kioskd");
    assert_eq!(tmp["/run/kioskd"][..5], ["d", "/run/kioskd", "2750", "kioskd", "kiosk-staff"]);
    assert_eq!(setting("ReadWritePaths"), ["/run/kioskd"]);
    assert_eq!(setting("ExecStartPre"), ["+/usr/bin/systemd-tmpfiles --create kioskd.conf"]);
    assert!(install.contains("\"$lib/tmpfiles.d/kioskd.conf\""), "install.sh installs tmpfiles as kioskd.conf");
    // The stop timeout covers kioskd's 90 s session grace.
    let stop: u32 = setting("TimeoutStopSec").concat().trim_end_matches('s').parse().expect("seconds");
    assert!(stop > 90, "TimeoutStopSec={stop}s");
    assert_eq!(setting("Type"), ["notify"]);
    assert_eq!(setting("ExecStart"), ["/usr/local/bin/kioskd run --config /etc/kioskd/kioskd.toml"]);
}

/// This package's directory: as `cargo` gives it to the running program (a binary built from another
/// checkout sharing the target directory is still right), else as it was at build time.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), Into::into)
}
