//! Places: city coordinates for halls, distances, province names of ID area codes, and a
//! deterministic hash for seeded data.

use sha2::{Digest, Sha256};

/// City centres (lat, lon), by Chinese city name.
const CITIES: &[(&str, f64, f64)] = &[
    ("北京", 39.9042, 116.4074),
    ("上海", 31.2304, 121.4737),
    ("天津", 39.3434, 117.3616),
    ("重庆", 29.5630, 106.5516),
    ("广州", 23.1291, 113.2644),
    ("深圳", 22.5431, 114.0579),
    ("珠海", 22.2707, 113.5767),
    ("东莞", 23.0207, 113.7518),
    ("杭州", 30.2741, 120.1551),
    ("宁波", 29.8683, 121.5440),
    ("成都", 30.5728, 104.0668),
    ("武汉", 30.5928, 114.3055),
    ("西安", 34.3416, 108.9398),
    ("南京", 32.0603, 118.7969),
    ("苏州", 31.2990, 120.5853),
    ("厦门", 24.4798, 118.0894),
    ("福州", 26.0745, 119.2965),
    ("长沙", 28.2282, 112.9388),
    ("郑州", 34.7466, 113.6254),
    ("沈阳", 41.8057, 123.4315),
    ("昆明", 24.8801, 102.8329),
];

/// A deterministic 64-bit number from text (the first 8 bytes of its SHA-256).
pub fn det(text: &str) -> u64 {
    let d = Sha256::digest(text.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_be_bytes(b)
}

/// A deterministic fraction in [0, 1) from text.
fn unit(text: &str) -> f64 {
    (det(text) >> 11) as f64 / (1u64 << 53) as f64
}

/// A hall's coordinates: its city's centre (a point in the mainland drawn from the city's name when
/// the city is not in the table), moved by up to about 5 km, deterministically from the hall id.
pub fn hall_coordinates(hall_id: &str, city: &str) -> (f64, f64) {
    let city_trimmed = city.trim_end_matches('市');
    let (lat, lon) =
        CITIES.iter().find(|(c, _, _)| *c == city_trimmed).map(|&(_, la, lo)| (la, lo)).unwrap_or_else(|| {
            (23.0 + 17.0 * unit(&format!("lat:{city}")), 103.0 + 17.0 * unit(&format!("lon:{city}")))
        });
    let dlat = (unit(&format!("dlat:{hall_id}")) - 0.5) * 0.09;
    let dlon = (unit(&format!("dlon:{hall_id}")) - 0.5) * 0.09;
    (round6(lat + dlat), round6(lon + dlon))
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Great-circle distance in km.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const R: f64 = 6371.0;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * R * a.sqrt().min(1.0).asin()
}

/// Provinces by the first two digits of an area code (GB/T 2260).
const PROVINCES: &[(&str, &str)] = &[
    ("11", "北京市"),
    ("12", "天津市"),
    ("13", "河北省"),
    ("14", "山西省"),
    ("15", "内蒙古自治区"),
    ("21", "辽宁省"),
    ("22", "吉林省"),
    ("23", "黑龙江省"),
    ("31", "上海市"),
    ("32", "江苏省"),
    ("33", "浙江省"),
    ("34", "安徽省"),
    ("35", "福建省"),
    ("36", "江西省"),
    ("37", "山东省"),
    ("41", "河南省"),
    ("42", "湖北省"),
    ("43", "湖南省"),
    ("44", "广东省"),
    ("45", "广西壮族自治区"),
    ("46", "海南省"),
    ("50", "重庆市"),
    ("51", "四川省"),
    ("52", "贵州省"),
    ("53", "云南省"),
    ("54", "西藏自治区"),
    ("61", "陕西省"),
    ("62", "甘肃省"),
    ("63", "青海省"),
    ("64", "宁夏回族自治区"),
    ("65", "新疆维吾尔自治区"),
    ("81", "香港特别行政区"),
    ("82", "澳门特别行政区"),
    ("83", "台湾地区"),
];

/// The province of an ID number (by its area code), if known.
pub fn province(id_number: &str) -> Option<&'static str> {
    let p = id_number.get(..2)?;
    PROVINCES.iter().find(|(c, _)| *c == p).map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_plausible() {
        let (gz, sz) = ((23.1291, 113.2644), (22.5431, 114.0579));
        let d = distance_km(gz.0, gz.1, sz.0, sz.1);
        assert!((95.0..110.0).contains(&d), "{d}");
        assert!(distance_km(1.0, 2.0, 1.0, 2.0).abs() < 1e-9);
    }

    #[test]
    fn hall_coordinates_are_deterministic_and_near_their_city() {
        let a = hall_coordinates("gz-tianhe", "广州");
        assert_eq!(a, hall_coordinates("gz-tianhe", "广州"));
        assert!(distance_km(a.0, a.1, 23.1291, 113.2644) < 8.0);
        assert_ne!(a, hall_coordinates("gz-baiyun", "广州"));
        let far = hall_coordinates("x", "某市");
        assert!((23.0..40.0).contains(&far.0) && (103.0..120.0).contains(&far.1));
    }

    #[test]
    fn provinces_by_area_code() {
        assert_eq!(province("440106199001011234"), Some("广东省"));
        assert_eq!(province("99"), None);
        assert_eq!(province(""), None);
    }
}
