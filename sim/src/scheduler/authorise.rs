//! `POST /v1/kiosk/authorisations` in the database: gather what central knows, apply
//! [`rules::authorise`], store the answer under the request's key and replay it for that key.

use super::api::{AuthRequest, Authorisation};
use super::clock::stamp;
use super::error::AppError;
use super::policy::Policy;
use super::rules::{self, ApplicantFacts};
use super::store::{AUTH_NO, next_counter, parse_day};
use chrono::{DateTime, NaiveDate, Utc};
use drivers::permit::{Destination, Endorsement, EndorsementKind, PermitKind, Trips};
use rusqlite::{Connection, OptionalExtension, params};

/// Permit kind as stored in `endorsements_held.permit_kind`.
pub fn permit_kind_text(k: PermitKind) -> &'static str {
    match k {
        PermitKind::HkMacau => "hk_macau",
        PermitKind::Taiwan => "taiwan",
    }
}

/// A permit kind as stored.
pub fn parse_permit_kind(s: &str) -> Option<PermitKind> {
    match s {
        "hk_macau" | "hk_macau_permit" => Some(PermitKind::HkMacau),
        "taiwan" | "taiwan_permit" => Some(PermitKind::Taiwan),
        _ => None,
    }
}

/// The document kind (`documents.kind`) of a permit kind.
pub fn document_kind(k: PermitKind) -> &'static str {
    match k {
        PermitKind::HkMacau => "hk_macau_permit",
        PermitKind::Taiwan => "taiwan_permit",
    }
}

/// Serde names of the endorsement enums, as stored.
pub fn enum_text<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn enum_parse<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

/// An endorsement held as stored: (permit kind, permit number, endorsement, source).
pub type HeldRow = (PermitKind, String, Endorsement, String);

/// Every endorsement a person holds, by permit.
pub fn held(conn: &Connection, id_number: &str) -> Result<Vec<HeldRow>, AppError> {
    let mut stmt = conn.prepare(
        "SELECT permit_kind, permit_number, destination, kind, trips, trips_left, valid_from, valid_to, issue_key, \
         source FROM endorsements_held WHERE id_number = ?1 ORDER BY permit_kind, valid_from, id",
    )?;
    let rows = stmt
        .query_map(params![id_number], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, String>(9)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for (pk, number, dest, kind, trips, left, from, to, issue_key, source) in rows {
        let bad = || AppError::internal(format!("stored endorsement on {number} is malformed"));
        let e = Endorsement {
            destination: Destination::from_code(&dest).ok_or_else(bad)?,
            kind: enum_parse::<EndorsementKind>(&kind).ok_or_else(bad)?,
            trips: enum_parse::<Trips>(&trips).ok_or_else(bad)?,
            trips_left: left.and_then(|n| u8::try_from(n).ok()),
            valid_from: parse_day(&from)?,
            valid_to: parse_day(&to)?,
            issue_key,
        };
        out.push((parse_permit_kind(&pk).ok_or_else(bad)?, number, e, source));
    }
    Ok(out)
}

fn facts(conn: &Connection, id_number: &str) -> Result<Option<ApplicantFacts>, AppError> {
    let row = conn
        .query_row(
            "SELECT non_mainland, counter_only, address, residence_permit FROM applicants WHERE id_number = ?1",
            params![id_number],
            |r| {
                Ok((r.get::<_, bool>(0)?, r.get::<_, bool>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?))
            },
        )
        .optional()?;
    let Some((non_mainland, counter_only, address, residence_permit)) = row else { return Ok(None) };
    let mut stmt = conn.prepare("SELECT kind, number FROM documents WHERE id_number = ?1")?;
    let permits = stmt
        .query_map(params![id_number], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter_map(|(k, n)| parse_permit_kind(&k).map(|k| (k, n)))
        .collect();
    let residence_permits = residence_permit.into_iter().collect();
    Ok(Some(ApplicantFacts { non_mainland, counter_only, permits, address, residence_permits }))
}

fn issued(conn: &Connection, id_number: &str) -> Result<Vec<(Destination, NaiveDate)>, AppError> {
    let mut stmt = conn.prepare(
        "SELECT destination, valid_to FROM issued_endorsements WHERE id_number = ?1 AND destination IS NOT NULL",
    )?;
    let rows = stmt
        .query_map(params![id_number], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .filter_map(|(d, to)| Destination::from_code(&d).map(|d| (d, to)))
        .map(|(d, to)| Ok((d, parse_day(&to)?)))
        .collect()
}

/// Decide (or replay) an authorisation for `kiosk`. Returns the answer and whether it is new.
pub fn authorise(
    conn: &Connection,
    kiosk: &str,
    req: &AuthRequest,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Authorisation, AppError> {
    let stored: Option<String> = conn
        .query_row("SELECT response FROM authorisations WHERE kiosk = ?1 AND key = ?2", params![kiosk, req.key], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(json) = stored {
        return Ok(serde_json::from_str(&json)?);
    }
    let id_number = req.id_number.trim().to_ascii_uppercase();
    let applicant = facts(conn, &id_number)?;
    let held: Vec<(PermitKind, Endorsement)> = held(conn, &id_number)?.into_iter().map(|(k, _, e, _)| (k, e)).collect();
    let issued = issued(conn, &id_number)?;
    let n = next_counter(conn, AUTH_NO)?;
    let auth_id = format!("AU{}{n:08}", now.format("%Y%m%d"));
    let answer = match rules::authorise(
        applicant.as_ref(),
        req.permit_kind,
        &req.permit_number,
        req.today,
        policy,
        &held,
        &issued,
    ) {
        Ok(allowed) => Authorisation::Granted {
            auth_id: auth_id.clone(),
            allowed,
            residence_permits: applicant.map(|a| a.residence_permits).unwrap_or_default(),
        },
        Err(reason) => Authorisation::Denied { reason },
    };
    let decision = if matches!(answer, Authorisation::Granted { .. }) { "granted" } else { "denied" };
    conn.execute(
        "INSERT INTO authorisations (kiosk, key, auth_id, id_number, decision, response, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![kiosk, req.key, auth_id, id_number, decision, serde_json::to_string(&answer)?, stamp(now)],
    )?;
    Ok(answer)
}
