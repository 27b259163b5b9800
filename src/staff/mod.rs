//! The staff socket: `kioskctl` talks to the daemon here, one JSON command a line
//! ([`protocol`]). Only the staff may: the socket file is `0660` with the staff group, and each
//! connection's peer is checked as well (root, the daemon's own user, or a member of the staff
//! group); anyone else is told so and disconnected.

pub mod protocol;

use crate::runtime::{KioskHandle, Request};
use crate::sync::LinkHandle;
use protocol::{Command, LinkStatus, Reply};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

/// The longest command line accepted.
const MAX_LINE: usize = 4096;

/// Whether a peer may use the socket.
pub fn authorised(peer_uid: u32, peer_gids: &[u32], own_uid: u32, staff_gid: Option<u32>) -> bool {
    peer_uid == 0 || peer_uid == own_uid || staff_gid.is_some_and(|g| peer_gids.contains(&g))
}

/// A group's id, from `/etc/group`-formatted text.
pub fn group_id(etc_group: &str, name: &str) -> Option<u32> {
    etc_group.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next()? == name).then_some(())?;
        f.nth(1)?.parse().ok()
    })
}

/// A process's primary and supplementary groups, from `/proc/PID/status`-formatted text.
pub fn groups_of(proc_status: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for l in proc_status.lines() {
        if let Some(v) = l.strip_prefix("Gid:") {
            out.extend(v.split_whitespace().take(1).filter_map(|g| g.parse::<u32>().ok()));
        }
        if let Some(v) = l.strip_prefix("Groups:") {
            out.extend(v.split_whitespace().filter_map(|g| g.parse::<u32>().ok()));
        }
    }
    out
}

/// A user's groups from `/etc/passwd` and `/etc/group`-formatted texts: the primary group and
/// every group that lists the user as a member. For peers whose `/proc` entry kioskd cannot read
/// (systemd's `ProtectProc=invisible`).
pub fn groups_from_files(uid: u32, primary: u32, etc_passwd: &str, etc_group: &str) -> Vec<u32> {
    let name = etc_passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.get(2)?.parse::<u32>().ok()? == uid).then(|| f[0].to_string())
    });
    let mut out = vec![primary];
    if let Some(name) = name {
        for l in etc_group.lines() {
            let f: Vec<&str> = l.split(':').collect();
            if let (Some(gid), Some(members)) = (f.get(2).and_then(|g| g.parse::<u32>().ok()), f.get(3))
                && members.split(',').any(|m| m.trim() == name)
            {
                out.push(gid);
            }
        }
    }
    out
}

/// The staff socket's settings.
#[derive(Debug, Clone)]
pub struct StaffSocket {
    /// Socket path.
    pub path: PathBuf,
    /// The staff group's name.
    pub group: String,
}

/// Serve staff commands until the daemon stops.
pub async fn serve(s: StaffSocket, kiosk: KioskHandle, link: Option<LinkHandle>) -> std::io::Result<()> {
    if let Some(dir) = s.path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let _ = std::fs::remove_file(&s.path);
    let listener = UnixListener::bind(&s.path)?;
    std::fs::set_permissions(&s.path, std::fs::Permissions::from_mode(0o660))?;
    let staff_gid = std::fs::read_to_string("/etc/group").ok().and_then(|g| group_id(&g, &s.group));
    match staff_gid {
        // Under systemd the directory is setgid to the staff group already (and chown is filtered).
        Some(gid) if std::fs::metadata(&s.path).is_ok_and(|m| m.gid() == gid) => {}
        Some(gid) => {
            if let Err(e) = std::os::unix::fs::chown(&s.path, None, Some(gid)) {
                tracing::warn!(group = %s.group, error = %e, "cannot give the staff socket to the staff group");
            }
        }
        None => tracing::warn!(group = %s.group, "no such group: only root and kioskd's own user may use kioskctl"),
    }
    let own_uid = std::fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(u32::MAX);
    loop {
        let (stream, _) = listener.accept().await?;
        let (kiosk, link) = (kiosk.clone(), link.clone());
        tokio::spawn(async move {
            if let Err(e) = connection(stream, kiosk, link, own_uid, staff_gid).await {
                tracing::debug!(error = %e, "staff connection closed");
            }
        });
    }
}

async fn send(w: &mut tokio::net::unix::OwnedWriteHalf, r: &Reply) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(r).map_err(std::io::Error::other)?;
    line.push(b'\n');
    w.write_all(&line).await
}

async fn connection(
    stream: UnixStream,
    kiosk: KioskHandle,
    link: Option<LinkHandle>,
    own_uid: u32,
    staff_gid: Option<u32>,
) -> std::io::Result<()> {
    let cred = stream.peer_cred()?;
    let gids = cred
        .pid()
        .and_then(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .map(|s| groups_of(&s))
        .unwrap_or_else(|| {
            let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
            groups_from_files(cred.uid(), cred.gid(), &read("/etc/passwd"), &read("/etc/group"))
        });
    let (r, mut w) = stream.into_split();
    if !authorised(cred.uid(), &gids, own_uid, staff_gid) {
        tracing::warn!(uid = cred.uid(), "kioskctl refused: not in the staff group");
        return send(&mut w, &Reply::Error { message: "permission denied: kioskctl is for the staff group".into() })
            .await;
    }
    let mut lines = BufReader::new(r);
    let mut line = String::new();
    loop {
        line.clear();
        let n = (&mut lines).take(MAX_LINE as u64).read_line(&mut line).await?;
        if n == 0 {
            return Ok(());
        }
        let reply = match serde_json::from_str::<Command>(line.trim()) {
            Err(e) => Reply::Error { message: format!("not a command: {e}") },
            Ok(cmd) => {
                tracing::info!(uid = cred.uid(), command = ?cmd, "staff command");
                let (tx, rx) = tokio::sync::oneshot::channel();
                if !kiosk.send(Request::Staff(cmd, tx)) {
                    Reply::Error { message: "the kiosk is stopping".into() }
                } else {
                    match rx.await {
                        Ok(Reply::Status(mut st)) => {
                            st.link = link.as_ref().map(link_status);
                            Reply::Status(st)
                        }
                        Ok(r) => r,
                        Err(_) => Reply::Error { message: "the kiosk did not answer".into() },
                    }
                }
            }
        };
        send(&mut w, &reply).await?;
    }
}

fn link_status(l: &LinkHandle) -> LinkStatus {
    let l = l.snapshot();
    let lag_s = l
        .last_ok
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_milliseconds().max(0) as f64 / 1000.0);
    LinkStatus {
        state: serde_json::to_value(l.state).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
        lag_s,
        outbox_pending: l.outbox.pending,
        outbox_rejected: l.outbox.rejected,
        last_error: l.last_error,
    }
}

/// Send one command to the staff socket at `path` and read the answer (what kioskctl does).
pub async fn call(path: &Path, cmd: &Command) -> Result<Reply, String> {
    let stream =
        UnixStream::connect(path).await.map_err(|e| format!("cannot reach kioskd at {}: {e}", path.display()))?;
    let (r, mut w) = stream.into_split();
    let mut line = serde_json::to_vec(cmd).map_err(|e| e.to_string())?;
    line.push(b'\n');
    w.write_all(&line).await.map_err(|e| e.to_string())?;
    let mut answer = String::new();
    BufReader::new(r).take(64 << 20).read_line(&mut answer).await.map_err(|e| e.to_string())?;
    serde_json::from_str(answer.trim()).map_err(|e| format!("garbled answer from kioskd: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_root_the_daemon_and_the_staff_group_get_in() {
        assert!(authorised(0, &[], 999, Some(50)));
        assert!(authorised(999, &[999], 999, Some(50)));
        assert!(authorised(1000, &[1000, 50], 999, Some(50)));
        assert!(!authorised(1001, &[1001, 100], 999, Some(50)));
        assert!(!authorised(1001, &[1001], 999, None));
    }

    #[test]
    fn without_proc_the_groups_come_from_passwd_and_group() {
        let passwd =
            "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nmallory:x:1001:1001::/:/bin/sh\n";
        let group = "alice:x:1000:\nkiosk-staff:x:1042:bob,alice\nvideo:x:44:alice\n";
        assert_eq!(groups_from_files(1000, 1000, passwd, group), [1000, 1042, 44]);
        assert_eq!(groups_from_files(1001, 1001, passwd, group), [1001], "mallory is in no staff group");
        assert_eq!(groups_from_files(4242, 7, passwd, group), [7], "an unknown user: the primary group only");
    }

    #[test]
    fn groups_come_from_etc_group_and_proc_status() {
        let etc = "root:x:0:\nkiosk-staff:x:1042:alice,bob\nvideo:x:44:\n";
        assert_eq!(group_id(etc, "kiosk-staff"), Some(1042));
        assert_eq!(group_id(etc, "kiosk"), None);
        let status = "Name:\tkioskctl\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nGroups:\t44 1042 \n";
        assert_eq!(groups_of(status), [1000, 44, 1042]);
    }
}
