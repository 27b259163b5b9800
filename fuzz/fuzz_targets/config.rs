//! Fuzz the configuration parser (`kioskd::config::Config::parse`): any text a hall's file may
//! hold is a validated configuration or a list of errors that name the file; never a panic. A
//! configuration that parses answers every question the daemon asks of it at start.
#![no_main]

use kioskd::config::{Config, ConfigError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Config::parse(text, "k.toml") {
        Ok(c) => {
            let _ = c.utc_offset();
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in &errors {
                assert!(e.to_string().starts_with("k.toml"));
                if let ConfigError::Value { line, .. } = e {
                    assert!(*line >= 1 && *line <= text.lines().count().max(1));
                }
            }
        }
    }
});
