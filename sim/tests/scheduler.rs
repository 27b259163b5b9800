//! `kiosk-sim scheduler` as kioskd and applicants see it: the real binary, seeded from a deck, on a
//! free loopback port with a temporary database, spoken to over plain HTTP.
//!
//! Central's clock starts at 2026-05-18 (a Monday) 10:00 hall time; the deck is made for that day.

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use sim::persona::{Deck, Persona, generate::generate};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const DAY: &str = "2026-05-18";
const NOW: &str = "2026-05-18T10:00:00+08:00";
const GZ: &str = "gz-tianhe";
const GZ_TOKEN: &str = "tok-gz-1";
const SZ_TOKEN: &str = "tok-sz-1";

fn sim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kiosk-sim"))
}

fn day(offset: i64) -> String {
    let d = chrono::NaiveDate::parse_from_str(DAY, "%Y-%m-%d").expect("day") + chrono::TimeDelta::days(offset);
    d.format("%Y-%m-%d").to_string()
}

/// A running scheduler with its own database.
struct Central {
    child: Child,
    base: String,
    deck: Deck,
    http: Client,
    _dir: tempfile::TempDir,
}

impl Central {
    fn start() -> Central {
        let dir = tempfile::tempdir().expect("tempdir");
        let deck = generate(120, 5, chrono::NaiveDate::parse_from_str(DAY, "%Y-%m-%d").expect("day"));
        let deck_path = dir.path().join("deck.toml");
        std::fs::write(&deck_path, deck.to_toml().expect("toml")).expect("write deck");
        let db = dir.path().join("central.db");
        let out = sim()
            .args(["scheduler", "seed", "--db"])
            .arg(&db)
            .arg("--personas")
            .arg(&deck_path)
            .args(["--kiosk", &format!("k1@{GZ}={GZ_TOKEN}"), "--kiosk", &format!("k2@sz-futian={SZ_TOKEN}")])
            .output()
            .expect("seed runs");
        assert!(out.status.success(), "seed: {}", String::from_utf8_lossy(&out.stderr));
        let mut child = sim()
            .args(["scheduler", "--listen", "127.0.0.1:0", "--now", NOW, "--db"])
            .arg(&db)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("scheduler starts");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout).read_line(&mut line).expect("a line");
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
        let addr = v["listening"].as_str().expect("listening").to_string();
        Central { child, base: format!("http://{addr}"), deck, http: Client::new(), _dir: dir }
    }

    async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {text:?}"));
        if !status.is_success() {
            assert!(v["error"].is_string() && v["message"].is_string(), "{path}: not an ApiError: {v}");
        }
        (status, v)
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::GET, path, token, None).await
    }

    async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }

    async fn book(&self, body: &Value) -> (StatusCode, Value) {
        self.post("/v1/bookings", Some(GZ_TOKEN), body).await
    }

    async fn stats(&self) -> Value {
        let (s, v) = self.get("/v1/admin/stats", None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    }

    /// Mainland people without any booking in the deck: free to book anything.
    fn free_people(&self) -> Vec<&Persona> {
        self.deck.personas.iter().filter(|p| !p.flags.non_mainland && p.bookings.is_empty()).collect()
    }
}

impl Drop for Central {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn booking(id: &str, date: &str, start: &str) -> Value {
    json!({
        "id_number": id,
        "hall": GZ,
        "date": date,
        "start": start,
        "business": "renewal",
        "document": "passport",
        "certificate_type": "passport",
        "hukou_location": "广东省广州市天河区",
        "contact": {"name": "张三", "phone": "13800138000"},
        "emergency_contact": {"name": "李四", "phone": "+8613900139000"},
        "pickup": {"method": "in_person"}
    })
}

fn code_of(v: &Value) -> String {
    v["code"].as_str().unwrap_or_else(|| panic!("no code in {v}")).to_string()
}

fn id(p: &Persona) -> &str {
    &p.card.id_number
}

async fn slot(c: &Central, date: &str, start: &str) -> Value {
    let (s, v) = c.get(&format!("/v1/halls/{GZ}/slots?from={date}&to={date}"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["slots"].as_array().and_then(|a| a.iter().find(|x| x["start"] == start).cloned()).expect("the slot")
}

#[tokio::test]
async fn every_booking_rule_is_enforced() {
    let c = Central::start();
    let people = c.free_people();
    let p = id(people[0]);
    let refused = |v: &Value| v["error"].as_str().unwrap_or("").to_string();

    for (date, start, status, code) in [
        (day(0), "15:00", 422, "same_day"),
        (day(-1), "10:00", 422, "past"),
        (day(1), "08:00", 422, "too_early"),
        (day(2), "17:00", 422, "no_such_slot"),
        (day(2), "08:00", 422, "no_such_slot"),
        (day(2), "08:45", 422, "no_such_slot"),
        (day(6), "10:00", 422, "no_such_slot"),  // Sunday
        (day(60), "10:00", 422, "no_such_slot"), // not published
    ] {
        let (s, v) = c.book(&booking(p, &date, start)).await;
        assert_eq!((s.as_u16(), refused(&v).as_str()), (status, code), "{date} {start}: {v}");
    }

    // Malformed fields are a 400 bad_request naming the field.
    let mut mail = booking(p, &day(2), "10:00");
    mail["pickup"] = json!({"method": "mail"});
    let (s, v) = c.book(&mail).await;
    assert_eq!((s, refused(&v).as_str()), (StatusCode::BAD_REQUEST, "bad_request"), "{v}");
    assert!(v["message"].as_str().unwrap_or("").contains("address"), "{v}");
    mail["pickup"] = json!({"method": "mail", "address": "  "});
    assert_eq!(c.book(&mail).await.0, StatusCode::BAD_REQUEST);
    for (field, value) in [
        ("/contact/phone", json!("12345")),
        ("/emergency_contact/phone", json!("1380013800a")),
        ("/contact/name", json!("")),
        ("/id_number", json!("440106199001011230")),
        ("/certificate_type", json!("spaceship")),
        ("/certificate_type", json!("taiwan_permit_card")),
        ("/hukou_location", json!("")),
        ("/start", json!("10.00")),
    ] {
        let mut b = booking(p, &day(2), "10:00");
        if let Some(slot) = b.pointer_mut(field) {
            *slot = value.clone();
        }
        let (s, v) = c.book(&b).await;
        assert_eq!((s, refused(&v).as_str()), (StatusCode::BAD_REQUEST, "bad_request"), "{field}={value}: {v}");
    }
    let mut elsewhere = booking(p, &day(2), "10:00");
    elsewhere["hall"] = json!("nowhere");
    let (s, v) = c.book(&elsewhere).await;
    assert_eq!((s, refused(&v).as_str()), (StatusCode::NOT_FOUND, "no_such_hall"));

    // A good booking takes a seat; the same business and document again is a duplicate.
    let before = slot(&c, &day(2), "10:00").await["booked"].as_u64().unwrap_or(0);
    let (s, first) = c.book(&booking(p, &day(2), "10:00")).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["status"], "active");
    assert_eq!(first["end"], "10:30");
    assert_eq!(slot(&c, &day(2), "10:00").await["booked"].as_u64(), Some(before + 1));
    let (s, v) = c.book(&booking(p, &day(3), "11:00")).await;
    assert_eq!((s, refused(&v).as_str()), (StatusCode::CONFLICT, "duplicate_booking"), "{v}");
    let mut other_doc = booking(p, &day(3), "11:00");
    other_doc["document"] = json!("hk_macau_permit");
    other_doc["certificate_type"] = json!("hk_macau_booklet_to_card");
    other_doc["pickup"] = json!({"method": "mail", "address": "广州市天河区天河路1号"});
    let (s, v) = c.book(&other_doc).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["pickup"]["address"], "广州市天河区天河路1号");

    // Tomorrow 09:00 can be booked now (10:00) but no longer cancelled: the cut-off is 24 h.
    let q = id(people[1]);
    let (s, tomorrow) = c.book(&booking(q, &day(1), "09:00")).await;
    assert_eq!(s, StatusCode::CREATED, "{tomorrow}");
    let (s, v) = c.post(&format!("/v1/bookings/{}/cancel", code_of(&tomorrow)), Some(GZ_TOKEN), &json!({})).await;
    assert_eq!((s.as_u16(), refused(&v).as_str()), (422, "cancel_cutoff"), "{v}");
    let (s, v) = c
        .post(
            &format!("/v1/bookings/{}/rebook", code_of(&tomorrow)),
            Some(GZ_TOKEN),
            &json!({"date": day(4), "start": "10:00"}),
        )
        .await;
    assert_eq!((s.as_u16(), refused(&v).as_str()), (422, "cancel_cutoff"), "{v}");

    // Rebooking moves the seat atomically: the old booking is cancelled and points to the new one.
    let code = code_of(&first);
    let target_before = slot(&c, &day(3), "14:00").await["booked"].as_u64().unwrap_or(0);
    let (s, moved) = c
        .post(&format!("/v1/bookings/{code}/rebook"), Some(GZ_TOKEN), &json!({"date": day(3), "start": "14:00"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{moved}");
    assert_ne!(code_of(&moved), code);
    assert_eq!(moved["rebooked_from"], code.as_str());
    assert_eq!((moved["date"].as_str(), moved["start"].as_str()), (Some(day(3).as_str()), Some("14:00")));
    assert_eq!(slot(&c, &day(2), "10:00").await["booked"].as_u64(), Some(before));
    assert_eq!(slot(&c, &day(3), "14:00").await["booked"].as_u64(), Some(target_before + 1));
    let (_, mine) = c.get(&format!("/v1/applicants/{p}/bookings"), Some(GZ_TOKEN)).await;
    let old = mine["bookings"].as_array().and_then(|a| a.iter().find(|b| b["code"] == code.as_str()).cloned());
    let old = old.expect("the old booking is listed");
    assert_eq!(old["status"], "cancelled");
    assert_eq!(old["rebooked_to"], moved["code"]);
    let (s, v) = c.post(&format!("/v1/bookings/{code}/cancel"), Some(GZ_TOKEN), &json!({})).await;
    assert_eq!((s.as_u16(), refused(&v).as_str()), (409, "not_active"), "{v}");

    // The third cancellation within 30 days bans booking for 30 days; moving did not count.
    let r = id(people[2]);
    for n in 1..=3u64 {
        let (s, b) = c.book(&booking(r, &day(4), "15:00")).await;
        assert_eq!(s, StatusCode::CREATED, "booking {n}: {b}");
        let (s, v) = c.post(&format!("/v1/bookings/{}/cancel", code_of(&b)), Some(GZ_TOKEN), &json!({})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["booking"]["status"], "cancelled");
        assert_eq!(v["cancellations_in_window"].as_u64(), Some(n));
        assert_eq!(v["banned_until"].is_string(), n == 3, "{v}");
    }
    let (s, v) = c.book(&booking(r, &day(4), "15:00")).await;
    assert_eq!((s.as_u16(), refused(&v).as_str()), (403, "booking_banned"), "{v}");
    let (s, _) = c.book(&booking(p, &day(4), "15:30")).await;
    assert_eq!(s, StatusCode::CONFLICT, "p still holds its moved passport booking: duplicate");

    // Non-mainland residents are not served by this channel.
    if let Some(nm) = c.deck.personas.iter().find(|x| x.flags.non_mainland) {
        let (s, v) = c.book(&booking(id(nm), &day(2), "11:00")).await;
        assert_eq!((s.as_u16(), refused(&v).as_str()), (403, "non_mainland"), "{v}");
    }
}

#[tokio::test]
async fn forty_concurrent_bookings_for_three_seats_give_exactly_three() {
    let c = Central::start();
    let people = c.free_people();
    assert!(people.len() >= 45, "the deck has {} free people", people.len());
    let (date, start) = (day(4), "15:00");
    for p in &people[..3] {
        let (s, v) = c.book(&booking(id(p), &date, start)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    assert_eq!(slot(&c, &date, start).await["remaining"].as_u64(), Some(3));
    let mut racers = tokio::task::JoinSet::new();
    for p in &people[3..43] {
        let (http, url, body) = (c.http.clone(), format!("{}/v1/bookings", c.base), booking(id(p), &date, start));
        racers.spawn(async move {
            let resp = http.post(url).bearer_auth(GZ_TOKEN).json(&body).send().await.expect("request");
            let status = resp.status();
            (status, resp.json::<Value>().await.expect("JSON"))
        });
    }
    let results = racers.join_all().await;
    let ok = results.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
    let full = results.iter().filter(|(s, v)| *s == StatusCode::CONFLICT && v["error"] == "slot_full").count();
    assert_eq!((ok, full), (3, 37), "{results:?}");
    let s = slot(&c, &date, start).await;
    assert_eq!(
        (s["booked"].as_u64(), s["remaining"].as_u64(), s["bookable"].as_bool()),
        (Some(6), Some(0), Some(false))
    );

    // A full slot refuses a rebooking, and the booking being moved stays as it was.
    let mover = id(people[44]);
    let (_, b) = c.book(&booking(mover, &day(5), "09:00")).await;
    let (st, v) = c
        .post(&format!("/v1/bookings/{}/rebook", code_of(&b)), Some(GZ_TOKEN), &json!({"date": date, "start": start}))
        .await;
    assert_eq!((st, v["error"].as_str()), (StatusCode::CONFLICT, Some("slot_full")), "{v}");
    let (_, mine) = c.get(&format!("/v1/applicants/{mover}/bookings"), Some(GZ_TOKEN)).await;
    assert_eq!(mine["bookings"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine["bookings"][0]["status"], "active");
    assert_eq!(slot(&c, &day(5), "09:00").await["booked"].as_u64(), Some(1));
}

#[tokio::test]
async fn applicants_log_in_and_query_their_own_records_only() {
    let c = Central::start();
    let me = c.free_people()[0];
    let other = c.free_people()[1];
    let (s, v) = c.post("/v1/login", None, &json!({"id_number": id(me), "name": "某某某"})).await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("bad_credentials")));
    let (s, v) = c.post("/v1/login", None, &json!({"id_number": "123", "name": "x"})).await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
    let (s, v) = c.post("/v1/login", None, &json!({"id_number": id(me), "name": me.card.name})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let token = v["token"].as_str().expect("token").to_string();
    let t = Some(token.as_str());

    // My own booking, without repeating my ID number.
    let mut b = booking(id(me), &day(2), "11:00");
    b.as_object_mut().map(|o| o.remove("id_number"));
    let (s, v) = c.post("/v1/bookings", t, &b).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["id_number"], id(me));
    let (s, v) = c.post("/v1/bookings", t, &booking(id(other), &day(2), "11:00")).await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    let (s, v) = c.get(&format!("/v1/applicants/{}/bookings", id(me)), t).await;
    assert_eq!((s, v["bookings"].as_array().map(Vec::len)), (StatusCode::OK, Some(1)));
    for what in ["bookings", "progress", "endorsements", "documents", "travel-records"] {
        let (s, _) = c.get(&format!("/v1/applicants/{}/{what}", id(other)), t).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{what}");
        let (s, _) = c.get(&format!("/v1/applicants/{}/{what}", id(me)), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{what}");
        let (s, v) = c.get(&format!("/v1/applicants/{}/{what}", id(me)), t).await;
        assert_eq!(s, StatusCode::OK, "{what}: {v}");
    }
    // An applicant token is no kiosk token.
    let (s, _) = c.get("/v1/kiosk/bookings", t).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // The queries answer with the deck's documents and endorsements, and some travel records.
    let holder =
        c.deck.personas.iter().find(|p| p.permits.iter().any(|x| !x.endorsements.is_empty())).expect("a holder");
    let (_, docs) = c.get(&format!("/v1/applicants/{}/documents", id(holder)), Some(GZ_TOKEN)).await;
    for permit in &holder.permits {
        let d = docs["documents"]
            .as_array()
            .and_then(|a| a.iter().find(|d| d["number"] == permit.number.as_str()).cloned());
        let d = d.expect("the permit is listed");
        assert_eq!(d["expiry_date"], permit.expiry.to_string());
        assert_eq!(d["issue_date"], permit.issued.to_string());
        assert!(d["renewal_due"].is_boolean() && d["place_of_issue"].is_string());
    }
    let (_, held) = c.get(&format!("/v1/applicants/{}/endorsements", id(holder)), Some(GZ_TOKEN)).await;
    let count: usize = holder.permits.iter().map(|p| p.endorsements.len()).sum();
    assert_eq!(held["endorsements"].as_array().map(Vec::len), Some(count));
    let mut records = 0;
    for p in &c.deck.personas {
        let (_, r) = c.get(&format!("/v1/applicants/{}/travel-records", id(p)), Some(GZ_TOKEN)).await;
        records += r["records"].as_array().map(Vec::len).unwrap_or(0);
    }
    assert!(records > 0, "the seed makes entry/exit records");
    let (s, v) = c.get("/v1/applicants/110105199001011232/progress", Some(GZ_TOKEN)).await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_applicant")));

    // Halls nearest first; presets; a bad query is an ApiError.
    let (_, halls) = c.get("/v1/halls?lat=22.54&lon=114.06", None).await;
    assert_eq!(halls["halls"][0]["id"], "sz-futian");
    assert!(halls["halls"][0]["distance_km"].as_f64().unwrap_or(99.0) < 10.0);
    let (_, presets) = c.get("/v1/presets", None).await;
    assert!(
        presets["certificate_types"].as_array().is_some_and(|a| a.iter().any(|x| x["zh"] == "往来港澳通行证（卡式）"))
    );
    let (s, _) = c.get("/v1/halls?lat=22.54", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = c.get(&format!("/v1/halls/{GZ}/slots?from=tomorrow"), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

/// A printed entry/exit record's QR code: the reference a query hands out fetches the same records
/// later, without a token, at the URL the answer names; each query hands out a new one.
#[tokio::test]
async fn travel_records_can_be_fetched_again_by_their_reference() {
    let c = Central::start();
    let mut holder = None;
    for p in &c.deck.personas {
        let (_, r) = c.get(&format!("/v1/applicants/{}/travel-records", id(p)), Some(GZ_TOKEN)).await;
        if r["records"].as_array().is_some_and(|a| a.len() >= 4) {
            holder = Some((p, r));
            break;
        }
    }
    let (p, first) = holder.expect("someone with a few crossings");
    let reference = first["reference"].as_str().expect("a reference").to_string();
    assert!(sim::scheduler::strict::travel_reference(&reference), "{reference}");
    let url = first["url"].as_str().expect("a url").to_string();
    assert_eq!(url, format!("{}/v1/travel-records/{reference}", c.base), "the listening address by default");

    // No token: the reference is the credential. Same records, same reference and URL.
    let path = format!("/v1/travel-records/{reference}");
    let (s, again) = c.get(&path, None).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again, first);
    let (s, with_token) = c.get(&path, Some("anything")).await;
    assert_eq!((s, &with_token), (StatusCode::OK, &first), "a token is not looked at");

    // Every query: a new reference; each keeps working.
    let (_, second) = c.get(&format!("/v1/applicants/{}/travel-records", id(p)), Some(GZ_TOKEN)).await;
    assert_eq!(second["records"], first["records"]);
    assert_ne!(second["reference"], first["reference"]);
    let (_, by_second) =
        c.get(&format!("/v1/travel-records/{}", second["reference"].as_str().unwrap_or("")), None).await;
    assert_eq!(by_second, second);
    assert_eq!(c.get(&path, None).await.1, first);

    // The days asked for go with the reference.
    let records = first["records"].as_array().expect("records");
    let (from, to) = (records[1]["date"].as_str().unwrap_or(""), records[2]["date"].as_str().unwrap_or(""));
    let (_, some) =
        c.get(&format!("/v1/applicants/{}/travel-records?from={from}&to={to}", id(p)), Some(GZ_TOKEN)).await;
    let n = some["records"].as_array().map(Vec::len).unwrap_or(0);
    assert!(n >= 2 && n < records.len(), "{some}");
    let (_, fetched) = c.get(&format!("/v1/travel-records/{}", some["reference"].as_str().unwrap_or("")), None).await;
    assert_eq!(fetched, some);

    // An applicant's own query hands out references too.
    let (_, login) = c.post("/v1/login", None, &json!({"id_number": id(p), "name": p.card.name})).await;
    let token = login["token"].as_str().expect("token").to_string();
    let (s, own) = c.get(&format!("/v1/applicants/{}/travel-records", id(p)), Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{own}");
    assert_eq!(c.get(&format!("/v1/travel-records/{}", own["reference"].as_str().unwrap_or("")), None).await.1, own);

    // Unknown and malformed references.
    let (s, v) = c.get(&format!("/v1/travel-records/{}", "0".repeat(32)), None).await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_reference")), "{v}");
    for bad in
        [reference.to_uppercase(), format!("{reference}0"), reference[1..].to_string(), format!("%20{reference}")]
    {
        let (s, v) = c.get(&format!("/v1/travel-records/{bad}"), None).await;
        assert_eq!((s, v["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{bad}: {v}");
    }
}

#[tokio::test]
async fn kiosk_endpoints_need_a_kiosk_token() {
    let c = Central::start();
    let auth = json!({"key": "s1", "id_number": "x", "permit_number": "C1", "permit_kind": "hk_macau", "today": DAY});
    let events = json!({"events": []});
    for token in [None, Some("wrong"), Some("")] {
        for (method, path, body) in [
            (Method::GET, "/v1/kiosk/bookings", None),
            (Method::GET, "/v1/kiosk/lookup?id_number=44010619900101123X", None),
            (Method::POST, "/v1/kiosk/authorisations", Some(&auth)),
            (Method::POST, "/v1/kiosk/events", Some(&events)),
            (Method::POST, "/v1/bookings", Some(&booking("x", &day(2), "10:00"))),
        ] {
            let (s, v) = c.call(method, path, token, body).await;
            assert_eq!((s, v["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorised")), "{path} {token:?}");
        }
    }
    let (s, v) = c.get("/v1/time", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["now"].as_str().is_some_and(|t| t.starts_with("2026-05-18T10:0") && t.ends_with("+08:00")), "{v}");
}

async fn feed(c: &Central, token: &str, query: &str) -> Value {
    let (s, v) = c.get(&format!("/v1/kiosk/bookings{query}"), Some(token)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

#[tokio::test]
async fn the_booking_feed_pages_and_follows_changes() {
    let c = Central::start();
    let expected: Vec<&str> = c
        .deck
        .personas
        .iter()
        .flat_map(|p| &p.bookings)
        .filter(|b| b.hall == GZ && (b.date.to_string() == DAY || b.date.to_string() == day(1)))
        .map(|b| b.code.as_str())
        .collect();
    assert!(expected.len() > 5, "the deck has {} bookings at {GZ} today and tomorrow", expected.len());
    // Page through with a small limit.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let v = feed(&c, GZ_TOKEN, &format!("?limit=4&cursor={cursor}")).await;
        let page = v["bookings"].as_array().cloned().unwrap_or_default();
        assert!(page.len() <= 4);
        seen.extend(page.iter().map(|b| b["code"].as_str().unwrap_or("").to_string()));
        assert!(page.iter().all(|b| b["hall"] == GZ && b["status"] == "active"));
        cursor = v["cursor"].as_str().expect("cursor").to_string();
        if !v["more"].as_bool().expect("more") {
            break;
        }
    }
    let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    want.sort();
    let mut got = seen.clone();
    got.sort();
    assert_eq!(got, want);
    assert_eq!(feed(&c, GZ_TOKEN, &format!("?cursor={cursor}")).await["bookings"], json!([]));

    // A new booking for tomorrow shows up after the cursor; its cancellation shows up as cancelled.
    let p = id(c.free_people()[0]).to_string();
    let (s, b) = c.book(&booking(&p, &day(1), "16:30")).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let v = feed(&c, GZ_TOKEN, &format!("?cursor={cursor}")).await;
    assert_eq!(v["bookings"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (v["bookings"][0]["code"].clone(), v["bookings"][0]["status"].clone()),
        (b["code"].clone(), json!("active"))
    );
    let cursor = v["cursor"].as_str().expect("cursor").to_string();
    let (s, _) = c.post(&format!("/v1/bookings/{}/cancel", code_of(&b)), Some(GZ_TOKEN), &json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let v = feed(&c, GZ_TOKEN, &format!("?cursor={cursor}")).await;
    assert_eq!(
        (v["bookings"][0]["code"].clone(), v["bookings"][0]["status"].clone()),
        (b["code"].clone(), json!("cancelled"))
    );
    assert_eq!(v["bookings"].as_array().map(Vec::len), Some(1));

    // A check-in event shows up as checked_in.
    let cursor = v["cursor"].as_str().expect("cursor").to_string();
    let today = c.deck.personas.iter().flat_map(|p| &p.bookings).find(|b| b.hall == GZ && b.date.to_string() == DAY);
    let today = today.expect("a booking today");
    let ev = json!({"events": [{"key": "ci-1", "kind": "checkin", "at": NOW,
        "payload": {"booking": today.code, "ticket": "A001", "hall": GZ, "kiosk": "k1", "at": NOW}}]});
    let (s, r) = c.post("/v1/kiosk/events", Some(GZ_TOKEN), &ev).await;
    assert_eq!((s, r["results"][0]["status"].as_str()), (StatusCode::OK, Some("accepted")), "{r}");
    let v = feed(&c, GZ_TOKEN, &format!("?cursor={cursor}")).await;
    assert_eq!(v["bookings"][0]["code"], today.code.as_str());
    assert_eq!(v["bookings"][0]["status"], "checked_in");

    // Another hall's kiosk sees only its hall; another window starts over; garbage is a 400.
    let sz = feed(&c, SZ_TOKEN, "").await;
    assert!(sz["bookings"].as_array().is_some_and(|a| a.iter().all(|b| b["hall"] == "sz-futian")));
    let wider = feed(&c, GZ_TOKEN, &format!("?from={DAY}&to={}&cursor={cursor}", day(2))).await;
    assert!(wider["bookings"].as_array().map(Vec::len).unwrap_or(0) >= expected.len());
    for bad in ["garbage", "v1.x.20260518.20260519", "v1.1.2026", "42"] {
        let (s, v) = c.get(&format!("/v1/kiosk/bookings?cursor={bad}"), Some(GZ_TOKEN)).await;
        assert_eq!((s, v["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{bad}");
    }
    let (s, _) = c.get("/v1/kiosk/bookings?limit=0", Some(GZ_TOKEN)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = c.get(&format!("/v1/kiosk/bookings?from={}&to={DAY}", day(1)), Some(GZ_TOKEN)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Lookup finds a person's bookings in any hall.
    let away =
        c.deck.personas.iter().find(|p| p.bookings.iter().any(|b| b.hall != GZ)).expect("someone booked elsewhere");
    let b = away.bookings.iter().find(|b| b.hall != GZ).expect("booking");
    let (s, v) = c.get(&format!("/v1/kiosk/lookup?id_number={}&date={}", id(away), b.date), Some(GZ_TOKEN)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v.as_array().is_some_and(|a| a.iter().any(|x| x["code"] == b.code.as_str() && x["hall"] == b.hall.as_str()))
    );
    let (s, _) = c.get("/v1/kiosk/lookup?id_number=123", Some(GZ_TOKEN)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

fn auth(key: &str, p: &Persona, number: &str, kind: &str) -> Value {
    json!({"key": key, "id_number": id(p), "permit_number": number, "permit_kind": kind, "today": DAY})
}

#[tokio::test]
async fn authorisations_follow_the_rules_and_are_idempotent() {
    let c = Central::start();
    let offers = sim::scheduler::policy::load(None).expect("policy");
    let deck = &c.deck;
    let cr = &c;
    let ask = |body: Value| async move {
        let (s, v) = cr.post("/v1/kiosk/authorisations", Some(GZ_TOKEN), &body).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    };
    let denied = |v: &Value| (v["decision"].as_str().map(str::to_string), v["reason"].as_str().map(str::to_string));
    let d = |r: &str| (Some("denied".to_string()), Some(r.to_string()));

    // A valid ID number central does not know.
    let stranger = json!({"key": "a0", "id_number": "110105199001011232", "permit_number": "C00000000",
        "permit_kind": "hk_macau", "today": DAY});
    assert_eq!(denied(&ask(stranger).await), d("not_eligible"));
    let nm = deck.personas.iter().find(|p| p.flags.non_mainland).expect("a non-mainland persona");
    assert_eq!(denied(&ask(auth("a1", nm, "C00000000", "hk_macau")).await), d("non_mainland"));
    let co = deck.personas.iter().find(|p| p.flags.counter_only && !p.flags.non_mainland).expect("counter-only");
    let co_permit = co.permits.first().map(|x| x.number.clone()).unwrap_or_default();
    assert_eq!(denied(&ask(auth("a2", co, &co_permit, "hk_macau")).await), d("counter_only"));

    let holder = deck
        .personas
        .iter()
        .find(|p| {
            !p.flags.non_mainland
                && !p.flags.counter_only
                && p.permits.iter().any(|x| x.kind == drivers::permit::PermitKind::HkMacau)
        })
        .expect("a HK/Macau permit holder");
    let permit = holder.permits.iter().find(|x| x.kind == drivers::permit::PermitKind::HkMacau).expect("permit");
    assert_eq!(denied(&ask(auth("a3", holder, "C99999999", "hk_macau")).await), d("identity_mismatch"));
    assert_eq!(denied(&ask(auth("a4", holder, &permit.number, "taiwan")).await), d("identity_mismatch"));

    // Granted: the HK/Macau offers except destinations with a usable group-tour endorsement.
    let today = chrono::NaiveDate::parse_from_str(DAY, "%Y-%m-%d").expect("day");
    let usable = |dest| {
        permit.endorsements.iter().any(|e| {
            e.destination == dest && e.kind == drivers::permit::EndorsementKind::GroupTour && e.usable_on(today)
        })
    };
    let want: Vec<String> = offers
        .iter()
        .filter(|o| o.permit == drivers::permit::PermitKind::HkMacau && !usable(o.destination))
        .map(|o| o.id.clone())
        .collect();
    let granted = ask(auth("s-1", holder, &permit.number, "hk_macau")).await;
    assert_eq!(granted["decision"], "granted", "{granted}");
    assert_eq!(granted["allowed"], json!(want));
    let auth_id = granted["auth_id"].as_str().expect("auth_id").to_string();

    assert!(!want.is_empty());

    // Someone already holding a usable group-tour endorsement is not offered that destination again.
    let hk = drivers::permit::PermitKind::HkMacau;
    let usable_on = |p: &drivers::permit::PermitKind, e: &drivers::permit::Endorsement| {
        *p == hk && e.kind == drivers::permit::EndorsementKind::GroupTour && e.usable_on(today)
    };
    let with_usable = deck
        .personas
        .iter()
        .filter(|p| !p.flags.non_mainland && !p.flags.counter_only)
        .find_map(|p| {
            let permit = p.permits.iter().find(|x| x.endorsements.iter().any(|e| usable_on(&x.kind, e)))?;
            Some((p, permit))
        })
        .expect("someone holds a usable group-tour endorsement");
    let (p2, permit2) = with_usable;
    let held: Vec<_> =
        permit2.endorsements.iter().filter(|e| usable_on(&permit2.kind, e)).map(|e| e.destination).collect();
    let want2: Vec<String> =
        offers.iter().filter(|o| o.permit == hk && !held.contains(&o.destination)).map(|o| o.id.clone()).collect();
    assert!(want2.len() < offers.iter().filter(|o| o.permit == hk).count());
    let v = ask(auth("u-1", p2, &permit2.number, "hk_macau")).await;
    assert_eq!((v["decision"].as_str(), &v["allowed"]), (Some("granted"), &json!(want2)), "{v}");

    // Same key: the stored answer, even if the request changed. New key: a new authorisation.
    assert_eq!(ask(auth("s-1", holder, "C99999999", "hk_macau")).await, granted);
    let again = ask(auth("s-2", holder, &permit.number, "hk_macau")).await;
    assert_ne!(again["auth_id"].as_str(), Some(auth_id.as_str()));
    assert_eq!(c.stats().await["authorisations"].as_u64(), Some(8));

    // Once a kiosk reports an issued endorsement for a destination, it is no longer offered.
    let Some(first) = want.first() else { return };
    let dest = offers.iter().find(|o| &o.id == first).map(|o| o.destination).expect("offer");
    let issued = json!({"events": [{"key": "iss-1", "kind": "endorsement_issued", "at": NOW, "payload": {
        "issue_key": "IK-1", "id_number": id(holder), "permit": permit.number, "offer": first,
        "valid_from": DAY, "valid_to": day(90), "order_no": "O-1", "fee_fen": 1500, "kiosk": "k1", "hall": GZ, "at": NOW}}]});
    let (s, r) = c.post("/v1/kiosk/events", Some(GZ_TOKEN), &issued).await;
    assert_eq!((s, r["results"][0]["status"].as_str()), (StatusCode::OK, Some("accepted")), "{r}");
    let after = ask(auth("s-3", holder, &permit.number, "hk_macau")).await;
    let still: Vec<String> =
        want.iter().filter(|id| offers.iter().any(|o| &o.id == *id && o.destination != dest)).cloned().collect();
    assert_eq!(after["allowed"], json!(still));
    let (_, held) = c.get(&format!("/v1/applicants/{}/endorsements", id(holder)), Some(GZ_TOKEN)).await;
    assert!(
        held["endorsements"]
            .as_array()
            .is_some_and(|a| a.iter().any(|e| e["source"] == "kiosk" && e["usable"] == true))
    );
}

/// The Taiwan individual tour (TW-G-6M-1) only for a hukou in an open city or a residence permit of
/// one; the group tour (TW-L-6M-1) for every Taiwan permit holder. The deck's three cases.
#[tokio::test]
async fn the_taiwan_individual_tour_needs_an_open_city() {
    let c = Central::start();
    let cases = sim::persona::generate::taiwan_cases(c.deck.personas.len(), 5).expect("the deck has them");
    let [open_city, resident, neither] = cases.map(|i| &c.deck.personas[i]);
    let taiwan = |p: &Persona| {
        p.permits.iter().find(|m| m.kind == drivers::permit::PermitKind::Taiwan).map(|m| m.number.clone())
    };
    for (key, p, allowed, permits) in [
        ("tw-1", open_city, json!(["TW-L-6M-1", "TW-G-6M-1"]), json!([])),
        ("tw-2", resident, json!(["TW-L-6M-1", "TW-G-6M-1"]), json!(["350200"])),
        ("tw-3", neither, json!(["TW-L-6M-1"]), json!([])),
    ] {
        let number = taiwan(p).expect("a Taiwan permit");
        let (s, v) = c.post("/v1/kiosk/authorisations", Some(GZ_TOKEN), &auth(key, p, &number, "taiwan")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!((&v["decision"], &v["allowed"]), (&json!("granted"), &allowed), "{} {}: {v}", p.id, p.card.address);
        assert_eq!(v["residence_permits"], permits, "{v}");
    }
    // A policy with no open city: nobody gets it.
    let policy = sim::scheduler::policy::load_policy(None).expect("policy");
    assert!(policy.open_cities.iter().any(|o| o.code == "350200"));
    let mut p = policy.clone();
    p.open_cities.clear();
    let facts = sim::scheduler::rules::ApplicantFacts {
        permits: vec![(drivers::permit::PermitKind::Taiwan, "T1".into())],
        address: open_city.card.address.clone(),
        residence_permits: vec!["350200".into()],
        ..Default::default()
    };
    let today = chrono::NaiveDate::parse_from_str(DAY, "%Y-%m-%d").expect("day");
    let allowed =
        sim::scheduler::rules::authorise(Some(&facts), drivers::permit::PermitKind::Taiwan, "T1", today, &p, &[], &[]);
    assert_eq!(allowed, Ok(vec!["TW-L-6M-1".to_string()]));
}

#[tokio::test]
async fn events_are_recorded_once_and_malformed_ones_rejected() {
    let c = Central::start();
    let booked = c.deck.personas.iter().flat_map(|p| &p.bookings).find(|b| b.hall == GZ).expect("a booking");
    let holder = c.deck.personas.iter().find(|p| !p.permits.is_empty()).expect("a permit holder");
    let batch = json!({"events": [
        {"key": "e1", "kind": "checkin", "at": NOW,
         "payload": {"booking": booked.code, "ticket": "A001", "hall": GZ, "kiosk": "k1", "at": NOW}},
        {"key": "e1", "kind": "checkin", "at": NOW,
         "payload": {"booking": booked.code, "ticket": "A001", "hall": GZ, "kiosk": "k1", "at": NOW}},
        {"key": "e2", "kind": "session", "at": NOW,
         "payload": {"session": "s1", "flow": "checkin", "outcome": "ticket", "reason": null, "kiosk": "k1", "at": NOW}},
        {"key": "e3", "kind": "health", "at": NOW, "payload": {"devices": [{"device": "printer", "state": "ok"}]}},
        {"key": "e4", "kind": "receipt", "at": NOW, "payload": {"order_no": "O-9", "kiosk": "k1"}},
        {"key": "e5", "kind": "refund", "at": NOW,
         "payload": {"order_no": "O-9", "refund_no": "R-9", "amount_fen": 1500, "kiosk": "k1", "at": NOW}},
        {"key": "e6", "kind": "teleport", "at": NOW, "payload": {}},
        {"key": "e7", "kind": "checkin", "at": NOW, "payload": {"booking": booked.code}},
        {"key": "e8", "kind": "refund", "at": NOW,
         "payload": {"order_no": "O-9", "refund_no": "R-9", "amount_fen": "lots", "kiosk": "k1", "at": NOW}},
        {"key": "e9", "kind": "checkin", "at": NOW,
         "payload": {"booking": "NOSUCHBK", "ticket": "A002", "hall": GZ, "kiosk": "k1", "at": NOW}},
        {"key": "e10", "kind": "endorsement_issued", "at": NOW, "payload": {
            "issue_key": "IK-7", "id_number": id(holder), "permit": holder.permits[0].number, "offer": "HK-L-3M-1",
            "valid_from": DAY, "valid_to": day(90), "order_no": "O-7", "fee_fen": 1500, "kiosk": "k1", "hall": GZ, "at": NOW}},
        {"key": "e11", "kind": "endorsement_issued", "at": NOW, "payload": {
            "issue_key": "IK-7", "id_number": id(holder), "permit": holder.permits[0].number, "offer": "HK-L-3M-1",
            "valid_from": DAY, "valid_to": day(90), "order_no": "O-7", "fee_fen": 1500, "kiosk": "k1", "hall": GZ, "at": NOW}}
    ]});
    let (s, r) = c.post("/v1/kiosk/events", Some(GZ_TOKEN), &batch).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let statuses: Vec<(String, String)> = r["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|x| (x["key"].as_str().unwrap_or("").into(), x["status"].as_str().unwrap_or("").into()))
        .collect();
    let want = [
        ("e1", "accepted"),
        ("e1", "duplicate"),
        ("e2", "accepted"),
        ("e3", "accepted"),
        ("e4", "accepted"),
        ("e5", "accepted"),
        ("e6", "rejected"),
        ("e7", "rejected"),
        ("e8", "rejected"),
        ("e9", "rejected"),
        ("e10", "accepted"),
        ("e11", "duplicate"),
    ];
    assert_eq!(statuses, want.iter().map(|(k, s)| (k.to_string(), s.to_string())).collect::<Vec<_>>());
    for i in [6, 7, 8, 9] {
        assert!(r["results"][i]["error"].is_string(), "{}", r["results"][i]);
    }
    assert!(r["results"][7]["error"].as_str().is_some_and(|e| e.contains("ticket")), "{}", r["results"][7]);

    let counts = |v: &Value| {
        (
            v["events"].clone(),
            v["checkins"].as_u64(),
            v["refunds"].as_u64(),
            v["issued_endorsements"].as_u64(),
            v["bookings"]["checked_in"].as_u64(),
        )
    };
    let first = c.stats().await;
    let want_events =
        json!({"checkin": 1, "session": 1, "health": 1, "receipt": 1, "refund": 1, "endorsement_issued": 1});
    assert_eq!(counts(&first), (want_events.clone(), Some(1), Some(1), Some(1), Some(1)));
    // Delivered again (a retry after a lost answer): nothing changes.
    let (_, again) = c.post("/v1/kiosk/events", Some(GZ_TOKEN), &batch).await;
    assert!(again["results"].as_array().is_some_and(|a| {
        a.iter().all(|x| x["status"] == if x["error"].is_string() { "rejected" } else { "duplicate" })
    }));
    assert_eq!(counts(&c.stats().await), counts(&first));
    // The same key from another kiosk is another event.
    let other = json!({"events": [{"key": "e3", "kind": "health", "at": NOW, "payload": {"devices": []}}]});
    let (_, r) = c.post("/v1/kiosk/events", Some(SZ_TOKEN), &other).await;
    assert_eq!(r["results"][0]["status"], "accepted");
    assert_eq!(c.stats().await["events"]["health"].as_u64(), Some(2));
}

#[tokio::test]
async fn malformed_requests_get_api_errors() {
    let c = Central::start();
    for (path, body) in [
        ("/v1/bookings", "{not json"),
        ("/v1/bookings", r#"{"hall": 5}"#),
        ("/v1/bookings", "[]"),
        ("/v1/login", ""),
        ("/v1/kiosk/events", r#"{"events": [{"key": "k"}]}"#),
        ("/v1/kiosk/events", r#"{"events": "none"}"#),
        (
            "/v1/kiosk/authorisations",
            r#"{"key": "k", "id_number": "x", "permit_number": "C1", "permit_kind": "boat", "today": "2026-05-18"}"#,
        ),
        ("/v1/bookings/ABC/rebook", r#"{"date": "soon"}"#),
    ] {
        let resp = c
            .http
            .post(format!("{}{path}", c.base))
            .bearer_auth(GZ_TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or_else(|e| panic!("{path} {body}: not JSON: {e}"));
        assert!(status.is_client_error(), "{path} {body}: {status}");
        assert_eq!(v["error"], "bad_request", "{path} {body}: {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // Without a JSON content type: 415, still an ApiError.
    let resp = c.http.post(format!("{}/v1/login", c.base)).body("{}").send().await.expect("request");
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let v: Value = resp.json().await.expect("JSON");
    assert!(v["error"].is_string());
    let (s, v) = c.get("/v1/nowhere", None).await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (s, _) = c.call(Method::DELETE, "/v1/time", None, None).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    let (s, v) = c.post("/v1/bookings/NOSUCHBK/cancel", Some(GZ_TOKEN), &json!({})).await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::NOT_FOUND, Some("no_such_booking")));
}

#[tokio::test]
async fn the_openapi_document_lists_every_path() {
    let c = Central::start();
    let (s, doc) = c.get("/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let paths = doc["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/v1/login", "post"),
        ("/v1/presets", "get"),
        ("/v1/halls", "get"),
        ("/v1/halls/{hall}/slots", "get"),
        ("/v1/bookings", "post"),
        ("/v1/applicants/{id}/bookings", "get"),
        ("/v1/bookings/{code}/cancel", "post"),
        ("/v1/bookings/{code}/rebook", "post"),
        ("/v1/applicants/{id}/progress", "get"),
        ("/v1/applicants/{id}/endorsements", "get"),
        ("/v1/applicants/{id}/documents", "get"),
        ("/v1/applicants/{id}/travel-records", "get"),
        ("/v1/travel-records/{reference}", "get"),
        ("/v1/time", "get"),
        ("/v1/kiosk/bookings", "get"),
        ("/v1/kiosk/lookup", "get"),
        ("/v1/kiosk/authorisations", "post"),
        ("/v1/kiosk/events", "post"),
        ("/v1/admin/stats", "get"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} is not documented");
    }
    assert_eq!(paths.len(), 19, "{:?}", paths.keys().collect::<Vec<_>>());
    let shared = &paths["/v1/travel-records/{reference}"]["get"];
    assert!(shared.get("security").is_none(), "fetching by reference needs no token: {shared}");
    assert_eq!(shared["parameters"][0]["schema"]["pattern"], sim::scheduler::strict::TRAVEL_REFERENCE_PATTERN);
    assert!(shared["responses"]["404"].is_object());
    for schema in ["ApiError", "BookingChanges", "AuthRequest", "Authorisation", "EventBatch", "EventResults", "Stats"]
    {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

/// What a schema fuzzer (schemathesis, see `sim/SCHEDULER.md`) found the server taking although
/// `/openapi.json` calls it malformed: chrono's lenient dates and date-times, white space around
/// ID numbers, times, phones and cursors, a `+` in a cursor's sequence, a name over 30 characters
/// once trimmed. Each was answered 2xx; each is a 400 now.
#[tokio::test]
async fn what_the_fuzzer_found_is_refused() {
    let c = Central::start();
    let people = c.free_people();
    let p = id(people[0]);
    let bad = |what: &str, s: StatusCode, v: &Value| {
        assert_eq!((s, v["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{what}: {v}");
    };

    for path in [
        format!("/v1/halls/{GZ}/slots?from=2026-5-19"),
        format!("/v1/halls/{GZ}/slots?from=%202026-05-19"),
        format!("/v1/halls/{GZ}/slots?to=%2B2026-05-19"),
        format!("/v1/kiosk/lookup?id_number=%20{p}"),
        format!("/v1/kiosk/lookup?id_number={p}&date=2026-5-19"),
        format!("/v1/applicants/%20{p}/progress"),
        format!("/v1/applicants/{p}/travel-records?from=2026-1-1"),
        "/v1/kiosk/bookings?from=2026-5-18".to_string(),
    ] {
        let (s, v) = c.get(&path, Some(GZ_TOKEN)).await;
        bad(&path, s, &v);
    }
    let v = feed(&c, GZ_TOKEN, "?limit=1").await;
    let cursor = v["cursor"].as_str().expect("cursor").to_string();
    let plus = cursor.replacen("v1.", "v1.+", 1);
    for q in [format!("%20{cursor}"), format!("{cursor}%20"), plus.replace('+', "%2B")] {
        let (s, v) = c.get(&format!("/v1/kiosk/bookings?cursor={q}"), Some(GZ_TOKEN)).await;
        bad(&q, s, &v);
    }
    // The cursor as given still works.
    assert_eq!(c.get(&format!("/v1/kiosk/bookings?cursor={cursor}"), Some(GZ_TOKEN)).await.0, StatusCode::OK);

    let name31 = format!("{} ", "名".repeat(30));
    for (field, value) in [
        ("/start", json!(" 9:30")),
        ("/date", json!(day(2).replacen("-0", "-", 1))),
        ("/date", json!(format!("+{}", day(2)))),
        ("/contact/phone", json!(" 13800138000")),
        ("/emergency_contact/phone", json!("13900139000 ")),
        ("/contact/name", json!(name31)),
        ("/id_number", json!(format!("{p} "))),
    ] {
        let mut body = booking(p, &day(2), "09:30");
        *body.pointer_mut(field).expect(field) = value.clone();
        let (s, v) = c.book(&body).await;
        bad(&format!("{field} = {value}"), s, &v);
    }
    // The same booking, well formed, is taken; moving it to a lenient date is not.
    let (s, v) = c.book(&booking(p, &day(2), "09:30")).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let code = code_of(&v);
    let (s, v) = c
        .post(
            &format!("/v1/bookings/{code}/rebook"),
            Some(GZ_TOKEN),
            &json!({"date": format!(" {}", day(3)), "start": "10:00"}),
        )
        .await;
    bad("rebook date", s, &v);

    let (s, v) = c
        .post(
            "/v1/kiosk/authorisations",
            Some(GZ_TOKEN),
            &json!({"key": "fz-1", "id_number": p, "permit_number": "C1", "permit_kind": "hk_macau", "today": "2026-5-18"}),
        )
        .await;
    bad("authorisation today", s, &v);
    for at in
        ["2026-05-18 10:00:00+08:00", "2026-05-18T10:00:00+0800", "2026-05-18T10:00:60+08:00", " 2026-05-18T10:00:00Z"]
    {
        let batch = json!({"events": [{"key": "fz-at", "kind": "health", "at": at, "payload": {"devices": []}}]});
        let (s, v) = c.post("/v1/kiosk/events", Some(GZ_TOKEN), &batch).await;
        bad(at, s, &v);
    }
    // Inside a payload a lenient date or time rejects that event alone.
    let at = NOW;
    let batch = json!({"events": [
        {"key": "fz-p1", "kind": "refund", "at": at,
         "payload": {"order_no": "O1", "refund_no": "R1", "amount_fen": 1, "kiosk": "k1", "at": "2026-05-18 10:00:00+08:00"}},
        {"key": "fz-p2", "kind": "endorsement_issued", "at": at,
         "payload": {"issue_key": "I1", "id_number": p, "permit": "C1", "offer": "HK-L-3M-1", "valid_from": "+2026-05-18",
                     "valid_to": "2026-08-17", "order_no": "O1", "fee_fen": 1500, "kiosk": "k1", "hall": GZ, "at": at}},
    ]});
    let (s, v) = c.post("/v1/kiosk/events", Some(GZ_TOKEN), &batch).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["results"][0]["status"], "rejected", "{v}");
    assert_eq!(v["results"][1]["status"], "rejected", "{v}");
}

/// A full batch of ordinary events fits in a request: the documented 5000 events used to overflow
/// axum's 2 MiB body limit (413, found by the fuzzer's `maxItems` probe), so a kiosk whose outbox
/// batch was that large could never deliver it.
#[tokio::test]
async fn a_full_batch_of_events_is_taken() {
    let c = Central::start();
    let events: Vec<Value> = (0..5000)
        .map(
            |i| json!({"key": format!("big-{i}"), "kind": "receipt", "at": NOW, "payload": {"text": "x".repeat(1000)}}),
        )
        .collect();
    let (s, v) = c.post("/v1/kiosk/events", Some(GZ_TOKEN), &json!({"events": events})).await;
    assert_eq!(s, StatusCode::OK, "{}", v["message"]);
    let results = v["results"].as_array().expect("results");
    assert_eq!(results.len(), 5000);
    assert!(results.iter().all(|r| r["status"] == "accepted"));
    assert_eq!(c.stats().await["events"]["receipt"], 5000);
    // One more is a 400 naming the limit, not a 413.
    let events: Vec<Value> =
        (0..5001).map(|i| json!({"key": format!("more-{i}"), "kind": "receipt", "at": NOW, "payload": {}})).collect();
    let (s, v) = c.post("/v1/kiosk/events", Some(GZ_TOKEN), &json!({"events": events})).await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{v}");
}

/// Every operation lists every status it can answer with (the fuzzer's status-code check), each
/// response has a description, and the shapes the server enforces are in the document.
#[tokio::test]
async fn the_openapi_document_lists_every_answer() {
    let c = Central::start();
    let (_, doc) = c.get("/openapi.json", None).await;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let responses = op["responses"].as_object().expect("responses");
            for (status, r) in responses {
                assert!(r["description"].as_str().is_some_and(|d| !d.is_empty()), "{method} {path} {status}");
            }
            let has = |s: &str| responses.contains_key(s);
            if op.get("requestBody").is_some() {
                assert!(has("400") && has("413") && has("415"), "{method} {path}: {:?}", responses.keys());
            }
            if op.get("parameters").and_then(Value::as_array).is_some_and(|p| !p.is_empty()) {
                assert!(has("400"), "{method} {path}");
            }
            if path != "/v1/time" && path != "/v1/presets" {
                assert!(has("503"), "{method} {path}");
            }
        }
    }
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["Contact"]["properties"]["phone"]["pattern"], sim::scheduler::strict::PHONE_PATTERN);
    assert_eq!(schemas["EventBatch"]["properties"]["events"]["maxItems"], 5000);
    assert!(schemas["Pickup"]["oneOf"].is_array());
    assert!(schemas["BookingRequest"]["allOf"].is_array());
    let id_param = &doc["paths"]["/v1/applicants/{id}/progress"]["get"]["parameters"][0];
    assert_eq!(id_param["schema"]["pattern"], sim::scheduler::strict::ID_NUMBER_PATTERN);
    // The examples are well formed: the booking one books (for someone of this test's deck).
    let mut example = schemas["BookingRequest"]["examples"][0].clone();
    example["id_number"] = json!(id(c.free_people()[0]));
    let (s, v) = c.book(&example).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

#[test]
fn sigterm_stops_the_scheduler_cleanly_and_seed_is_idempotent() {
    let mut c = Central::start();
    let pid = c.child.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
    assert!(status.success());
    let exit = c.child.wait().expect("exits");
    assert!(exit.success(), "{exit:?}");

    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("c.db");
    let seed = || {
        let out = sim()
            .args(["scheduler", "seed", "--date", DAY, "--days", "3", "--kiosk", "k9@gz-tianhe=t", "--db"])
            .arg(&db)
            .output()
            .expect("seed runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).expect("a JSON summary")
    };
    let first = seed();
    assert_eq!(first["halls"], 4);
    assert_eq!(first["applicants"], 40);
    assert!(first["bookings"].as_u64().unwrap_or(0) > 0);
    let second = seed();
    assert!(second.as_object().is_some_and(|o| o.values().all(|v| v == 0)), "{second}");
    let out = sim().args(["scheduler", "seed", "--kiosk", "bad", "--db"]).arg(&db).output().expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ID@HALL=TOKEN"));
}
