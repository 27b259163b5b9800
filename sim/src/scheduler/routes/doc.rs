//! What the derived OpenAPI document cannot say by itself, added to it as JSON: the exact shapes the
//! server enforces (patterns, lengths, ranges, the certificate types of each document, the address
//! a mail pickup needs), the error answers every operation can give, and a description on every
//! response (OpenAPI requires one).
//!
//! The rule the document keeps (checked by a schema fuzzer, see `sim/SCHEDULER.md`): whatever the
//! document calls malformed the server refuses with a 4xx, and every status it answers with is
//! listed. The few rules no schema can state (an ID number's check character and birth date, `to`
//! not before `from`, `lat` with `lon`, a whitespace-only name) are said in the descriptions.

use crate::scheduler::presets::CERTIFICATE_TYPES;
use crate::scheduler::routes::kiosk::MAX_EVENTS;
use crate::scheduler::rules::add_days;
use crate::scheduler::strict::{
    CURSOR_PATTERN, ID_NUMBER_PATTERN, NO_CONTROL_PATTERN, PHONE_PATTERN, TIME_PATTERN, TRAVEL_REFERENCE_PATTERN,
};
use chrono::{Datelike, NaiveDate, Weekday};
use serde_json::{Map, Value, json};

/// An ID number of the seeded deck, as an example.
const EXAMPLE_ID: &str = "430104197908101729";
/// That person's name.
const EXAMPLE_NAME: &str = "丁婷";
/// That person's HK/Macau permit.
const EXAMPLE_PERMIT: &str = "C62136234";

fn error_body() -> Value {
    json!({"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}})
}

/// What an error status means when the operation does not say.
fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "400" => "`bad_request`: a malformed body, field, path or query parameter (the message names it)",
        "401" => "`unauthorised`: no, malformed or unknown bearer token",
        "403" => "`forbidden`: the token may not act for that applicant",
        "404" => "Not found (`unknown_applicant`, `no_such_hall`, `no_such_booking`, `unknown_reference`)",
        "409" => "Conflict with the current state",
        "413" => "`bad_request`: the body is larger than 2 MiB (32 MiB for POST /v1/kiosk/events)",
        "415" => "`bad_request`: the body is not sent as `Content-Type: application/json`",
        "422" => "A booking rule refuses it",
        "503" => "`busy`: the database stayed locked for 15 s; try again",
        _ => "See ApiError",
    }
}

fn merge(target: &mut Value, patch: Value) {
    if let (Some(t), Value::Object(p)) = (target.as_object_mut(), patch) {
        for (k, v) in p {
            t.insert(k, v);
        }
    }
}

/// Patches that found nothing to patch (a renamed field or path): empty when the document is whole.
#[derive(Debug, Default)]
pub struct Missed(pub Vec<String>);

impl Missed {
    fn at(&mut self, doc: &mut Value, pointer: &str, patch: Value) {
        match doc.pointer_mut(pointer) {
            Some(t) if t.is_object() => merge(t, patch),
            _ => self.0.push(pointer.to_string()),
        }
    }

    fn replace(&mut self, doc: &mut Value, pointer: &str, with: Value) {
        match doc.pointer_mut(pointer) {
            Some(t) => *t = with,
            None => self.0.push(pointer.to_string()),
        }
    }

    fn param(&mut self, doc: &mut Value, path: &str, method: &str, name: &str, patch: Value) {
        let pointer = format!("/paths/{}/{method}/parameters", path.replace('~', "~0").replace('/', "~1"));
        let found = doc
            .pointer_mut(&pointer)
            .and_then(Value::as_array_mut)
            .and_then(|ps| ps.iter_mut().find(|p| p.get("name").and_then(Value::as_str) == Some(name)));
        match found {
            Some(p) => {
                let (schema_patch, rest): (Map<String, Value>, Map<String, Value>) = match patch {
                    Value::Object(m) => m.into_iter().partition(|(k, _)| k != "description" && k != "example"),
                    _ => Default::default(),
                };
                merge(p, Value::Object(rest));
                match p.get_mut("schema") {
                    Some(s) => merge(s, Value::Object(schema_patch)),
                    None => self.0.push(format!("{pointer}[{name}]/schema")),
                }
            }
            None => self.0.push(format!("{pointer}[{name}]")),
        }
    }
}

fn schema(name: &str) -> String {
    format!("/components/schemas/{name}")
}

fn prop(schema_name: &str, field: &str) -> String {
    format!("/components/schemas/{schema_name}/properties/{field}")
}

/// The first day after `after` that the seeded halls are open (Monday to Saturday).
fn open_day_after(after: NaiveDate) -> NaiveDate {
    let mut d = add_days(after, 1);
    while d.weekday() == Weekday::Sun {
        d = add_days(d, 1);
    }
    d
}

/// Examples a fuzzer can start from: a booking the seeded deck's [`EXAMPLE_ID`] can make on the
/// first open day after central's tomorrow (when the document was made), and a move of it.
fn examples(doc: &mut Value, m: &mut Missed, today: NaiveDate) {
    let day = open_day_after(add_days(today, 1));
    let booking = json!({
        "id_number": EXAMPLE_ID,
        "hall": "gz-tianhe",
        "date": day.format("%Y-%m-%d").to_string(),
        "start": "10:00",
        "business": "first_application",
        "document": "passport",
        "certificate_type": "passport",
        "hukou_location": "湖南省长沙市岳麓区",
        "contact": {"name": EXAMPLE_NAME, "phone": "13800138000"},
        "emergency_contact": {"name": "丁伟", "phone": "13900139000"},
        "pickup": {"method": "mail", "address": "广州市天河区天河路1号"}
    });
    m.at(doc, &schema("BookingRequest"), json!({"examples": [booking]}));
    let moved = json!({"date": open_day_after(day).format("%Y-%m-%d").to_string(), "start": "10:30"});
    m.at(doc, &schema("RebookRequest"), json!({"examples": [moved]}));
    let today_text = today.format("%Y-%m-%d").to_string();
    let auth = json!({"key": "sess-0001", "id_number": EXAMPLE_ID, "permit_number": EXAMPLE_PERMIT,
                      "permit_kind": "hk_macau", "today": today_text});
    m.at(doc, &schema("AuthRequest"), json!({"examples": [auth]}));
    let at = format!("{today_text}T10:00:00+08:00");
    let batch = json!({"events": [
        {"key": "k1-000001", "kind": "health", "at": at, "payload": {"devices": []}},
        {"key": "k1-000002", "kind": "session", "at": at,
         "payload": {"session": "s1", "flow": "checkin", "outcome": "ticket", "reason": null, "kiosk": "k1", "at": at}},
    ]});
    m.at(doc, &schema("EventBatch"), json!({"examples": [batch]}));
}

/// The field constraints the server enforces, on the request schemas and parameters.
fn constrain(doc: &mut Value, m: &mut Missed) {
    let id = json!({"pattern": ID_NUMBER_PATTERN, "examples": [EXAMPLE_ID]});
    let id_text = "ID number: 18 characters, 17 digits then a digit or X, with a real birth date and the right \
                   check character (ISO 7064 MOD 11-2); anything else is a 400";
    m.at(doc, &prop("LoginRequest", "id_number"), id.clone());
    m.at(doc, &prop("LoginRequest", "id_number"), json!({"description": id_text}));
    m.at(doc, &prop("LoginRequest", "name"), json!({"examples": [EXAMPLE_NAME]}));
    m.at(doc, &prop("BookingRequest", "id_number"), id.clone());
    m.at(doc, &prop("BookingRequest", "start"), json!({"pattern": TIME_PATTERN, "examples": ["10:00"]}));
    m.at(doc, &prop("RebookRequest", "start"), json!({"pattern": TIME_PATTERN, "examples": ["10:30"]}));
    m.at(doc, &prop("BookingRequest", "hall"), json!({"examples": ["gz-tianhe"]}));
    let codes: Vec<&str> = CERTIFICATE_TYPES.iter().map(|c| c.code).collect();
    m.at(doc, &prop("BookingRequest", "certificate_type"), json!({"enum": codes}));
    m.at(
        doc,
        &prop("BookingRequest", "hukou_location"),
        json!({"minLength": 1, "maxLength": 100, "description": "Hukou location (户籍所在地): 1 to 100 characters, not all white space."}),
    );
    m.at(
        doc,
        &prop("Contact", "name"),
        json!({"minLength": 1, "maxLength": 30, "pattern": NO_CONTROL_PATTERN,
               "description": "Name: 1 to 30 characters, not all white space, no control characters."}),
    );
    m.at(doc, &prop("Contact", "phone"), json!({"pattern": PHONE_PATTERN, "examples": ["13800138000"]}));
    m.at(
        doc,
        &prop("AuthRequest", "key"),
        json!({"minLength": 1, "description": "Idempotency key (the session); not all white space."}),
    );
    m.at(doc, &prop("AuthRequest", "id_number"), json!({"examples": [EXAMPLE_ID]}));
    m.at(doc, &prop("EventBatch", "events"), json!({"maxItems": MAX_EVENTS}));
    // A payload that is not an object for its kind is rejected in the event's result, not by a 4xx
    // of the whole batch: the schema takes any value.
    m.replace(
        doc,
        &prop("Event", "payload"),
        json!({"description": "The event's body: an object whose fields depend on `kind` (see POST /v1/kiosk/events). \
                               Anything else is answered `rejected` in the event's result, the batch goes on."}),
    );
    // `certificate_type` must be one of its document's.
    let mut pairs = Vec::new();
    for doc_code in ["passport", "hk_macau_permit", "taiwan_permit"] {
        let certs: Vec<&str> = CERTIFICATE_TYPES.iter().filter(|c| c.document == doc_code).map(|c| c.code).collect();
        pairs.push(json!({"properties": {"document": {"enum": [doc_code]}, "certificate_type": {"enum": certs}}}));
    }
    if let Some(original) = doc.pointer(&schema("BookingRequest")).cloned() {
        let description = original.get("description").cloned().unwrap_or(Value::Null);
        let mut object = original;
        if let Some(o) = object.as_object_mut() {
            o.remove("description");
        }
        m.replace(
            doc,
            &schema("BookingRequest"),
            json!({"description": description, "allOf": [object, {"oneOf": pairs}]}),
        );
    } else {
        m.0.push(schema("BookingRequest"));
    }
    // A mail pickup needs an address.
    m.replace(
        doc,
        &schema("Pickup"),
        json!({
            "description": "Pickup: `{\"method\": \"in_person\"}` or `{\"method\": \"mail\", \"address\": \"...\"}`.",
            "oneOf": [
                {"type": "object", "required": ["method"],
                 "properties": {"method": {"type": "string", "enum": ["in_person"]},
                                "address": {"type": ["string", "null"], "description": "Ignored."}}},
                {"type": "object", "required": ["method", "address"],
                 "properties": {"method": {"type": "string", "enum": ["mail"]},
                                "address": {"type": "string", "minLength": 1, "maxLength": 200,
                                            "description": "Mailing address: 1 to 200 characters, not all white space."}}},
            ]
        }),
    );

    for sub in ["bookings", "progress", "endorsements", "documents", "travel-records"] {
        let path = format!("/v1/applicants/{{id}}/{sub}");
        m.param(
            doc,
            &path,
            "get",
            "id",
            json!({"pattern": ID_NUMBER_PATTERN, "description": id_text, "example": EXAMPLE_ID}),
        );
    }
    m.param(
        doc,
        "/v1/kiosk/lookup",
        "get",
        "id_number",
        json!({"pattern": ID_NUMBER_PATTERN, "description": id_text, "example": EXAMPLE_ID}),
    );
    m.param(doc, "/v1/halls/{hall}/slots", "get", "hall", json!({"example": "gz-tianhe"}));
    m.param(
        doc,
        "/v1/travel-records/{reference}",
        "get",
        "reference",
        json!({"pattern": TRAVEL_REFERENCE_PATTERN, "minLength": 32, "maxLength": 32,
               "example": "3f2a9c0e7b5d41e8a6c2d9f0b1e4a7c3"}),
    );
    m.at(doc, &prop("TravelRecords", "reference"), json!({"pattern": TRAVEL_REFERENCE_PATTERN}));
    m.at(doc, &prop("TravelRecords", "url"), json!({"format": "uri"}));
    // Larger limits are taken as the largest; beyond an unsigned 64-bit number is malformed.
    let limit_max = json!(u64::MAX);
    m.param(doc, "/v1/halls", "get", "limit", json!({"minimum": 1, "maximum": limit_max}));
    m.param(doc, "/v1/kiosk/bookings", "get", "limit", json!({"minimum": 1, "maximum": limit_max}));
    let both = "; give both `lat` and `lon` or neither (400 otherwise)";
    m.param(
        doc,
        "/v1/halls",
        "get",
        "lat",
        json!({"minimum": -90, "maximum": 90, "description": format!("Your latitude, -90 to 90{both}")}),
    );
    m.param(
        doc,
        "/v1/halls",
        "get",
        "lon",
        json!({"minimum": -180, "maximum": 180, "description": format!("Your longitude, -180 to 180{both}")}),
    );
    m.param(doc, "/v1/kiosk/bookings", "get", "cursor", json!({"pattern": CURSOR_PATTERN}));
}

/// Every operation's error answers, and a description on every response.
fn responses(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for op in item.values_mut() {
            let has_params = op.get("parameters").and_then(Value::as_array).is_some_and(|p| !p.is_empty());
            let has_body = op.get("requestBody").is_some();
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            let mut add = |status: &str| {
                responses.entry(status.to_string()).or_insert_with(|| json!({"content": error_body()}));
            };
            if has_params || has_body {
                add("400");
            }
            if has_body {
                add("413");
                add("415");
            }
            if !matches!(path.as_str(), "/v1/time" | "/v1/presets") {
                add("503");
            }
            for (status, response) in responses.iter_mut() {
                let Some(r) = response.as_object_mut() else { continue };
                let missing = r.get("description").and_then(Value::as_str).is_none_or(str::is_empty);
                if missing {
                    r.insert("description".into(), json!(default_description(status)));
                }
            }
        }
    }
}

/// Add to the derived document what it cannot say by itself; `today` is central's, for the
/// examples.
pub fn refine(doc: &mut Value, today: NaiveDate) -> Missed {
    let mut missed = Missed::default();
    constrain(doc, &mut missed);
    examples(doc, &mut missed, today);
    responses(doc);
    missed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_patch_finds_its_place() {
        let (_, derived) = crate::scheduler::routes::api();
        let mut doc = serde_json::to_value(&derived).unwrap_or_default();
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default();
        let missed = refine(&mut doc, today);
        assert!(missed.0.is_empty(), "{:?}", missed.0);
        // Saturday 21st: the first open day after tomorrow (Sunday) is Monday; the move goes to Tuesday.
        assert_eq!(doc.pointer("/components/schemas/BookingRequest/examples/0/date"), Some(&json!("2026-11-23")));
        assert_eq!(doc.pointer("/components/schemas/RebookRequest/examples/0/date"), Some(&json!("2026-11-24")));
    }
}
