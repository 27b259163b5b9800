//! The wire types of the applicant-facing API (`/v1/login`, `/v1/halls`, `/v1/bookings`,
//! `/v1/applicants/...`): what the NIA app or a mini program would send and get.

use super::strict;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `POST /v1/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// ID number (18 characters).
    pub id_number: String,
    /// Name, exactly as on the ID card.
    pub name: String,
}

/// A session token for the applicant endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Whose token it is.
    pub id_number: String,
    /// When it stops working.
    pub expires_at: DateTime<FixedOffset>,
}

/// `GET /v1/halls` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HallsQuery {
    /// Your latitude (with `lon`: halls nearest first).
    pub lat: Option<f64>,
    /// Your longitude.
    pub lon: Option<f64>,
    /// How many halls (default 10; more than 100 is taken as 100).
    pub limit: Option<usize>,
}

/// A hall's opening hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OpeningHours {
    /// Open weekdays, e.g. `["Mon", ..., "Sat"]`.
    pub days: Vec<String>,
    /// First slot starts, `HH:MM`.
    pub opens: String,
    /// Last slot ends, `HH:MM`.
    pub closes: String,
}

/// A hall's booking policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HallPolicy {
    /// Slot length, minutes.
    pub slot_minutes: u32,
    /// Seats per slot.
    pub slot_capacity: u32,
    /// Cancel or move until this many hours before the slot.
    pub cancel_cutoff_hours: i64,
    /// This many cancellations within `cancel_window_days`...
    pub max_cancellations: u32,
    /// ...days...
    pub cancel_window_days: i64,
    /// ...refuse booking for this many days.
    pub ban_days: i64,
}

/// An exit-entry hall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HallInfo {
    /// Id, e.g. `gz-tianhe`.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// City.
    pub city: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Distance from the point asked about, km (absent without `lat`/`lon`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    /// Opening hours.
    pub opening_hours: OpeningHours,
    /// Booking policy.
    pub policy: HallPolicy,
}

/// `GET /v1/halls` answer, nearest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Halls {
    /// The halls.
    pub halls: Vec<HallInfo>,
}

/// `GET /v1/halls/{hall}/slots` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotsQuery {
    /// First day (default: central's today).
    #[serde(default, deserialize_with = "strict::de_opt_date")]
    pub from: Option<NaiveDate>,
    /// Last day (default: `from` + 13 days; at most 62 days after `from`).
    #[serde(default, deserialize_with = "strict::de_opt_date")]
    pub to: Option<NaiveDate>,
}

/// One slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SlotInfo {
    /// Day.
    pub date: NaiveDate,
    /// Start, `HH:MM`.
    pub start: String,
    /// End, `HH:MM`.
    pub end: String,
    /// Seats.
    pub capacity: u32,
    /// Seats taken.
    pub booked: u32,
    /// Seats left (0: 已约满, full).
    pub remaining: u32,
    /// Whether it can be booked now (seats left, and not today or earlier, nor before 08:30 tomorrow).
    pub bookable: bool,
}

/// `GET /v1/halls/{hall}/slots` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HallSlots {
    /// Hall id.
    pub hall: String,
    /// Slots, by day and time.
    pub slots: Vec<SlotInfo>,
}

/// Business types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Business {
    /// 首次申请.
    FirstApplication,
    /// 换发补发.
    Renewal,
    /// 失效重新申请.
    Reapplication,
}

impl Business {
    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            Business::FirstApplication => "first_application",
            Business::Renewal => "renewal",
            Business::Reapplication => "reapplication",
        }
    }
}

/// Documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Document {
    /// 普通护照.
    Passport,
    /// 往来港澳通行证.
    HkMacauPermit,
    /// 往来台湾通行证.
    TaiwanPermit,
}

impl Document {
    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            Document::Passport => "passport",
            Document::HkMacauPermit => "hk_macau_permit",
            Document::TaiwanPermit => "taiwan_permit",
        }
    }
}

/// A contact person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    /// Name.
    pub name: String,
    /// Mainland mobile number (11 digits, optionally `+86` first).
    pub phone: String,
}

/// How the document is collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PickupMethod {
    /// At the hall.
    InPerson,
    /// By mail (needs `address`).
    Mail,
}

/// Pickup: `{"method": "in_person"}` or `{"method": "mail", "address": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Pickup {
    /// Method.
    pub method: PickupMethod,
    /// Mailing address (required for `mail`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// `POST /v1/bookings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BookingRequest {
    /// Whose booking: required with a kiosk token; with an applicant token, absent or the token's own.
    #[serde(default)]
    pub id_number: Option<String>,
    /// Hall id.
    pub hall: String,
    /// Day (from tomorrow on).
    #[serde(deserialize_with = "strict::de_date")]
    pub date: NaiveDate,
    /// Slot start, `HH:MM`.
    pub start: String,
    /// Business.
    pub business: Business,
    /// Document the business is for.
    pub document: Document,
    /// Certificate type code (办证类型, see `GET /v1/presets`); must go with `document`.
    pub certificate_type: String,
    /// Hukou location (户籍所在地).
    pub hukou_location: String,
    /// Contact.
    pub contact: Contact,
    /// Emergency contact.
    pub emergency_contact: Contact,
    /// Pickup.
    pub pickup: Pickup,
}

/// `POST /v1/bookings/{code}/rebook`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RebookRequest {
    /// New day.
    #[serde(deserialize_with = "strict::de_date")]
    pub date: NaiveDate,
    /// New slot start, `HH:MM`.
    pub start: String,
}

/// A booking as its holder sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Booking {
    /// Booking code (shown as a QR code).
    pub code: String,
    /// Hall id.
    pub hall: String,
    /// Holder's ID number.
    pub id_number: String,
    /// Day.
    pub date: NaiveDate,
    /// Slot start, `HH:MM`.
    pub start: String,
    /// Slot end, `HH:MM`.
    pub end: String,
    /// Business code.
    pub business: String,
    /// Document code.
    pub document: String,
    /// Certificate type code.
    pub certificate_type: String,
    /// Hukou location.
    pub hukou_location: String,
    /// Contact.
    pub contact: Contact,
    /// Emergency contact.
    pub emergency_contact: Contact,
    /// Pickup.
    pub pickup: Pickup,
    /// `active`, `cancelled` or `checked_in`.
    pub status: String,
    /// Booked at.
    pub created_at: DateTime<FixedOffset>,
    /// Cancelled (or moved) at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<DateTime<FixedOffset>>,
    /// The booking this one replaced (rebooking).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebooked_from: Option<String>,
    /// The booking that replaced this one (rebooking).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebooked_to: Option<String>,
    /// Cancel or move until then (hall time).
    pub cancel_until: DateTime<FixedOffset>,
}

/// `GET /v1/applicants/{id}/bookings` answer, newest day first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Bookings {
    /// The orders.
    pub bookings: Vec<Booking>,
}

/// `POST /v1/bookings/{code}/cancel` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CancelResult {
    /// The booking, now cancelled.
    pub booking: Booking,
    /// Cancellations counted within the hall's window, this one included.
    pub cancellations_in_window: u32,
    /// Booking is refused until then, if this cancellation caused a ban.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banned_until: Option<DateTime<FixedOffset>>,
}

/// An application's progress (进度查询).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApplicationProgress {
    /// Application number.
    pub application_no: String,
    /// Business code.
    pub business: String,
    /// Document code.
    pub document: String,
    /// Certificate type code.
    pub certificate_type: String,
    /// Hall where it was lodged.
    pub hall: String,
    /// Lodged on.
    pub submitted_on: NaiveDate,
    /// `accepted`, `reviewing`, `approved`, `ready_for_pickup`, `mailed`, `collected`.
    pub status: String,
    /// The status in Chinese.
    pub status_zh: String,
    /// Expected ready on.
    pub expected_on: NaiveDate,
    /// `in_person` or `mail`.
    pub pickup_method: String,
    /// Status since.
    pub updated_on: NaiveDate,
}

/// `GET /v1/applicants/{id}/progress` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Progress {
    /// Applications, newest first.
    pub applications: Vec<ApplicationProgress>,
}

/// An endorsement held (签注查询).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EndorsementHeld {
    /// Permit kind, `hk_macau` or `taiwan`.
    pub permit_kind: String,
    /// Permit number.
    pub permit_number: String,
    /// `HK`, `MO` or `TW`.
    pub destination: String,
    /// `group_tour`, `individual_tour`, `business`, `family_visit`, `other`.
    pub kind: String,
    /// `one`, `two`, `multiple`.
    pub trips: String,
    /// Trips left (absent for multiple trips).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trips_left: Option<u8>,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_to: NaiveDate,
    /// Usable today (valid and trips left).
    pub usable: bool,
    /// `deck` (held before) or `kiosk` (issued at a kiosk).
    pub source: String,
}

/// `GET /v1/applicants/{id}/endorsements` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Endorsements {
    /// Held endorsements.
    pub endorsements: Vec<EndorsementHeld>,
}

/// A document held (证件查询).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentInfo {
    /// `passport`, `hk_macau_permit` or `taiwan_permit`.
    pub kind: String,
    /// Document number.
    pub number: String,
    /// Name on it.
    pub name_zh: String,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Place of issue.
    pub place_of_issue: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Expiry date.
    pub expiry_date: NaiveDate,
    /// Expired already.
    pub expired: bool,
    /// Expires within six months (or has): time to renew.
    pub renewal_due: bool,
}

/// `GET /v1/applicants/{id}/documents` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Documents {
    /// Documents held.
    pub documents: Vec<DocumentInfo>,
}

/// `GET /v1/applicants/{id}/travel-records` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TravelQuery {
    /// First day (default: all).
    #[serde(default, deserialize_with = "strict::de_opt_date")]
    pub from: Option<NaiveDate>,
    /// Last day (default: all).
    #[serde(default, deserialize_with = "strict::de_opt_date")]
    pub to: Option<NaiveDate>,
}

/// One border crossing (出入境记录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TravelRecord {
    /// Day.
    pub date: NaiveDate,
    /// Time, `HH:MM`.
    pub time: String,
    /// `exit` or `entry`.
    pub direction: String,
    /// Port (口岸).
    pub port: String,
    /// Document kind.
    pub document_kind: String,
    /// Document number.
    pub document_number: String,
}

/// `GET /v1/applicants/{id}/travel-records` and `GET /v1/travel-records/{reference}` answer, oldest
/// first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TravelRecords {
    /// Crossings.
    pub records: Vec<TravelRecord>,
    /// The reference that fetches the same records later, without a token (查验编号): 32 lower-case
    /// hex digits, a random 128-bit value. Each query of an applicant's records makes a new one; a
    /// fetch by reference answers with the same one.
    pub reference: String,
    /// Where the records are fetched by reference: `{central's public URL}/v1/travel-records/{reference}`
    /// (what the QR code of a printed record holds).
    pub url: String,
}

/// `GET /v1/kiosk/bookings` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KioskBookingsQuery {
    /// Cursor from the previous answer, exactly as given (absent or empty: from the start).
    pub cursor: Option<String>,
    /// First day (default: central's today).
    #[serde(default, deserialize_with = "strict::de_opt_date")]
    pub from: Option<NaiveDate>,
    /// Last day (default: the day after `from`, i.e. central's tomorrow).
    #[serde(default, deserialize_with = "strict::de_opt_date")]
    pub to: Option<NaiveDate>,
    /// Most bookings per answer (default 500; more than 5000 is taken as 5000).
    pub limit: Option<usize>,
}

/// `GET /v1/kiosk/lookup` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// ID number.
    pub id_number: String,
    /// Day (default: central's today).
    #[serde(default, deserialize_with = "strict::de_opt_date")]
    pub date: Option<NaiveDate>,
}
