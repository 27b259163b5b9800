//! The preset lists of the booking form: businesses, documents, certificate types (办证类型) and
//! pickup methods. One place; published at `GET /v1/presets`.

use serde::Serialize;
use utoipa::ToSchema;

/// One entry of a preset list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Preset {
    /// The code a request uses.
    pub code: &'static str,
    /// Chinese label.
    pub zh: &'static str,
    /// English label.
    pub en: &'static str,
}

/// A certificate type and the document it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct CertificateType {
    /// The code a request uses.
    pub code: &'static str,
    /// Chinese label.
    pub zh: &'static str,
    /// English label.
    pub en: &'static str,
    /// The booking `document` it goes with.
    pub document: &'static str,
}

/// Businesses that work in any hall.
pub const BUSINESSES: &[Preset] = &[
    Preset { code: "first_application", zh: "首次申请", en: "First application" },
    Preset { code: "renewal", zh: "换发补发", en: "Renewal or replacement" },
    Preset { code: "reapplication", zh: "失效重新申请", en: "Re-application after invalidation" },
];

/// Documents a booking is for.
pub const DOCUMENTS: &[Preset] = &[
    Preset { code: "passport", zh: "普通护照", en: "Ordinary passport" },
    Preset { code: "hk_macau_permit", zh: "往来港澳通行证", en: "Exit-entry permit for Hong Kong and Macau" },
    Preset { code: "taiwan_permit", zh: "往来台湾通行证", en: "Exit-entry permit for Taiwan" },
];

/// Certificate types (办证类型).
pub const CERTIFICATE_TYPES: &[CertificateType] = &[
    CertificateType {
        code: "passport", zh: "因私普通护照", en: "Ordinary passport (private)", document: "passport"
    },
    CertificateType {
        code: "passport_amendment",
        zh: "因私普通护照加注",
        en: "Ordinary passport: amendment",
        document: "passport",
    },
    CertificateType {
        code: "hk_macau_permit_card",
        zh: "往来港澳通行证（卡式）",
        en: "HK/Macau permit (card)",
        document: "hk_macau_permit",
    },
    CertificateType {
        code: "hk_macau_booklet_to_card",
        zh: "往来港澳通行证（本式换卡式）",
        en: "HK/Macau permit: booklet replaced by card",
        document: "hk_macau_permit",
    },
    CertificateType {
        code: "hk_macau_endorsement",
        zh: "往来港澳通行证签注",
        en: "HK/Macau endorsement",
        document: "hk_macau_permit",
    },
    CertificateType {
        code: "taiwan_permit_card",
        zh: "往来台湾通行证（卡式）",
        en: "Taiwan permit (card)",
        document: "taiwan_permit",
    },
    CertificateType {
        code: "taiwan_endorsement",
        zh: "往来台湾通行证签注",
        en: "Taiwan endorsement",
        document: "taiwan_permit",
    },
];

/// Pickup methods.
pub const PICKUP_METHODS: &[Preset] = &[
    Preset { code: "in_person", zh: "现场领取", en: "Collect in person" },
    Preset { code: "mail", zh: "邮寄", en: "By mail (needs a mailing address)" },
];

/// Look a certificate type up by code.
pub fn certificate_type(code: &str) -> Option<&'static CertificateType> {
    CERTIFICATE_TYPES.iter().find(|c| c.code == code)
}

/// The default certificate type of a document (for deck bookings, which carry none).
pub fn default_certificate_type(document: &str) -> &'static str {
    CERTIFICATE_TYPES.iter().find(|c| c.document == document).map(|c| c.code).unwrap_or("passport")
}

/// `GET /v1/presets`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Presets {
    /// `business` values.
    pub businesses: Vec<Preset>,
    /// `document` values.
    pub documents: Vec<Preset>,
    /// `certificate_type` values.
    pub certificate_types: Vec<CertificateType>,
    /// `pickup.method` values.
    pub pickup_methods: Vec<Preset>,
}

/// Every preset list.
pub fn all() -> Presets {
    Presets {
        businesses: BUSINESSES.to_vec(),
        documents: DOCUMENTS.to_vec(),
        certificate_types: CERTIFICATE_TYPES.to_vec(),
        pickup_methods: PICKUP_METHODS.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_certificate_type_names_a_known_document_and_codes_are_unique() {
        for c in CERTIFICATE_TYPES {
            assert!(DOCUMENTS.iter().any(|d| d.code == c.document), "{}", c.code);
            assert_eq!(CERTIFICATE_TYPES.iter().filter(|o| o.code == c.code).count(), 1);
        }
        for d in DOCUMENTS {
            assert_eq!(certificate_type(default_certificate_type(d.code)).map(|c| c.document), Some(d.code));
        }
    }
}
