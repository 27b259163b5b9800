//! Who is calling: a kiosk (per-kiosk token, which also names its hall) or an applicant (token from
//! `POST /v1/login`). Tokens are stored as SHA-256 hashes only. Over mutual TLS the connection also
//! names its kiosk ([`ClientIdentity`]), and a kiosk token must be that kiosk's own.

use super::clock::{parse_stamp, stamp};
use super::error::AppError;
use super::state::Shared;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::io::Read;

/// How long an applicant token lasts.
pub const TOKEN_HOURS: i64 = 24;

/// Lower-case hex SHA-256 of a token.
pub fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random token: `prefix` and 32 hex digits from the kernel's random source.
pub fn new_token(prefix: &str) -> Result<String, AppError> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    Ok(format!("{prefix}{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A kiosk: may act for any applicant.
    Kiosk {
        /// Kiosk id.
        id: String,
        /// Its hall.
        hall: String,
    },
    /// An applicant: may act for themselves only.
    Applicant {
        /// Their ID number.
        id_number: String,
    },
}

impl Caller {
    /// Refuse (403) unless this caller may act for `id_number`.
    pub fn may_act_for(&self, id_number: &str) -> Result<(), AppError> {
        match self {
            Caller::Kiosk { .. } => Ok(()),
            Caller::Applicant { id_number: own } if own.eq_ignore_ascii_case(id_number) => Ok(()),
            Caller::Applicant { .. } => Err(AppError::forbidden("a token acts for its own applicant only")),
        }
    }
}

/// A calling kiosk (401 for anyone else).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskCaller {
    /// Kiosk id.
    pub id: String,
    /// Its hall.
    pub hall: String,
}

/// The kiosk a mutual-TLS connection's client certificate names (its subject CN), put into every
/// request of the connection by the TLS acceptor. Absent on plain HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity(pub String);

/// Over mutual TLS, a kiosk token is good only on the connection of its own kiosk's certificate: a
/// token stolen from one kiosk does not work with another's certificate. Applicant tokens are not
/// bound to a kiosk.
pub fn check_binding(caller: &Caller, peer: Option<&ClientIdentity>) -> Result<(), AppError> {
    match (caller, peer) {
        (Caller::Kiosk { id, .. }, Some(ClientIdentity(cn))) if id != cn => Err(AppError::unauthorised(format!(
            "this kiosk token is not the token of kiosk {cn:?}, whose client certificate this connection uses"
        ))),
        _ => Ok(()),
    }
}

fn bearer(parts: &Parts) -> Result<String, AppError> {
    let value = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| AppError::unauthorised("missing Authorization: Bearer <token>"))?;
    let text = value.to_str().map_err(|_| AppError::unauthorised("the Authorization header is not text"))?;
    let token = text
        .strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AppError::unauthorised("the Authorization header must be: Bearer <token>"))?;
    Ok(token.to_string())
}

async fn resolve(state: &Shared, token: String) -> Result<Caller, AppError> {
    let hash = sha256_hex(&token);
    let now = state.clock.now();
    state
        .store
        .read(move |c| {
            if let Some((id, hall)) = c
                .query_row("SELECT id, hall FROM kiosks WHERE token_sha256 = ?1", params![hash], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .optional()?
            {
                return Ok(Caller::Kiosk { id, hall });
            }
            let row = c
                .query_row("SELECT id_number, expires_at FROM tokens WHERE token_sha256 = ?1", params![hash], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .optional()?;
            match row {
                Some((id_number, expires)) if parse_stamp(&expires).is_some_and(|e| e > now) => {
                    Ok(Caller::Applicant { id_number })
                }
                Some(_) => Err(AppError::unauthorised("the token has expired; log in again")),
                None => Err(AppError::unauthorised("unknown token")),
            }
        })
        .await
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Caller, AppError> {
        let token = bearer(parts)?;
        let caller = resolve(state, token).await?;
        check_binding(&caller, parts.extensions.get::<ClientIdentity>())?;
        Ok(caller)
    }
}

impl FromRequestParts<Shared> for KioskCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<KioskCaller, AppError> {
        let token = bearer(parts)?;
        let caller = resolve(state, token).await?;
        check_binding(&caller, parts.extensions.get::<ClientIdentity>())?;
        match caller {
            Caller::Kiosk { id, hall } => Ok(KioskCaller { id, hall }),
            Caller::Applicant { .. } => Err(AppError::unauthorised("this endpoint needs a kiosk token")),
        }
    }
}

/// Store a new applicant token; returns it and its expiry.
pub fn issue_applicant_token(
    conn: &rusqlite::Connection,
    id_number: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(String, chrono::DateTime<chrono::Utc>), AppError> {
    let token = new_token("ap_")?;
    let expires = now + chrono::TimeDelta::hours(TOKEN_HOURS);
    conn.execute(
        "INSERT INTO tokens (token_sha256, id_number, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![sha256_hex(&token), id_number, stamp(now), stamp(expires)],
    )?;
    Ok((token, expires))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_tokens() {
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let a = new_token("k_").unwrap();
        assert!(a.starts_with("k_") && a.len() == 34);
        assert_ne!(a, new_token("k_").unwrap());
    }

    #[test]
    fn applicants_act_for_themselves_kiosks_for_anyone() {
        let k = Caller::Kiosk { id: "k1".into(), hall: "h".into() };
        let a = Caller::Applicant { id_number: "44010619900101123X".into() };
        assert!(k.may_act_for("anyone").is_ok());
        assert!(a.may_act_for("44010619900101123x").is_ok());
        assert_eq!(a.may_act_for("440106199001011220").map_err(|e| e.code), Err("forbidden"));
    }

    #[test]
    fn over_mutual_tls_a_kiosk_token_is_good_with_its_own_certificate_only() {
        let k1 = Caller::Kiosk { id: "k1".into(), hall: "h".into() };
        let a = Caller::Applicant { id_number: "44010619900101123X".into() };
        let (c1, c2) = (ClientIdentity("k1".into()), ClientIdentity("k2".into()));
        assert!(check_binding(&k1, None).is_ok(), "plain HTTP: the token alone");
        assert!(check_binding(&k1, Some(&c1)).is_ok());
        let e = check_binding(&k1, Some(&c2)).unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (401, "unauthorised"));
        assert!(e.message.contains("k2") && !e.message.contains("\"k1\""), "names the certificate's kiosk only: {e}");
        assert!(check_binding(&a, Some(&c2)).is_ok(), "applicant tokens are not bound to a kiosk");
    }
}
