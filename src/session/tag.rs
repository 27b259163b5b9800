//! The name serde gives an enum value (its variant, renamed as the derive says), read without
//! serialising the rest of it: the journal names every transition's step, input and effects, and
//! going through `serde_json::Value` for that built and dropped a whole document each time (a
//! screen, a decision, a payload).
//!
//! [`tag`] runs the value's own `Serialize` against a serializer that keeps the first thing that
//! names the variant (an internally tagged enum's tag field, a unit variant's name) and stops there
//! with an error of its own, so the names can never drift from what serde writes.

use serde::ser::{self, Impossible, Serialize};
use std::fmt;

/// The variant name serde writes for `value`: the `tag` field of an internally tagged enum
/// (`#[serde(tag = "...")]`, a struct or unit variant), or the name of a unit variant. `None` for
/// a value that is not a string at its top or in its first field (it is meant for enums: a struct
/// whose first field is a string would give that string).
pub fn tag<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    let mut found = None;
    let _ = value.serialize(Tag { found: &mut found });
    found
}

/// Why the [`Tag`] serializer stopped: it found the name, or the value has none.
#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stopped at the variant's name")
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Stop
    }
}

/// Looks for the name at the top of a value.
struct Tag<'a> {
    found: &'a mut Option<String>,
}

/// Takes the first field of a struct (where an internally tagged enum writes its tag) as the name.
struct FirstField<'a> {
    found: &'a mut Option<String>,
}

/// Takes a string.
struct Text<'a> {
    found: &'a mut Option<String>,
}

macro_rules! stop {
    ($($name:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $name(self, $(_: $arg),*) -> Result<Self::Ok, Self::Error> { Err(Stop) })*
    };
}

macro_rules! no_compounds {
    () => {
        type SerializeSeq = Impossible<(), Stop>;
        type SerializeTuple = Impossible<(), Stop>;
        type SerializeTupleStruct = Impossible<(), Stop>;
        type SerializeTupleVariant = Impossible<(), Stop>;
        type SerializeMap = Impossible<(), Stop>;
        type SerializeStructVariant = Impossible<(), Stop>;

        fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Stop> {
            Err(Stop)
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, _: &T) -> Result<(), Stop> {
            Err(Stop)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<(), Stop> {
            Err(Stop)
        }
        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
            Err(Stop)
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Stop> {
            Err(Stop)
        }
        fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Stop> {
            Err(Stop)
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Stop> {
            Err(Stop)
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Stop> {
            Err(Stop)
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Stop> {
            Err(Stop)
        }
        stop!(
            serialize_bool(bool),
            serialize_i8(i8),
            serialize_i16(i16),
            serialize_i32(i32),
            serialize_i64(i64),
            serialize_u8(u8),
            serialize_u16(u16),
            serialize_u32(u32),
            serialize_u64(u64),
            serialize_f32(f32),
            serialize_f64(f64),
            serialize_char(char),
            serialize_bytes(&[u8]),
            serialize_none(),
            serialize_unit(),
            serialize_unit_struct(&'static str),
        );
    };
}

impl<'a> ser::Serializer for Tag<'a> {
    type Ok = ();
    type Error = Stop;
    type SerializeStruct = FirstField<'a>;
    no_compounds!();

    fn serialize_str(self, _: &str) -> Result<(), Stop> {
        Err(Stop)
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Stop> {
        *self.found = Some(variant.to_string());
        Err(Stop)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<FirstField<'a>, Stop> {
        Ok(FirstField { found: self.found })
    }
}

impl ser::SerializeStruct for FirstField<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, _: &'static str, value: &T) -> Result<(), Stop> {
        let _ = value.serialize(Text { found: self.found });
        Err(Stop)
    }

    fn end(self) -> Result<(), Stop> {
        Err(Stop)
    }
}

impl ser::Serializer for Text<'_> {
    type Ok = ();
    type Error = Stop;
    type SerializeStruct = Impossible<(), Stop>;
    no_compounds!();

    fn serialize_str(self, v: &str) -> Result<(), Stop> {
        *self.found = Some(v.to_string());
        Err(Stop)
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Stop> {
        Err(Stop)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Stop> {
        Err(Stop)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::tag;
    use serde::Serialize;

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case", tag = "kind")]
    enum Tagged {
        OneThing { big: Vec<u32> },
        Nothing,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Plain {
        WaitingHere,
    }

    #[derive(Serialize)]
    struct NotAnEnum {
        a: u8,
    }

    /// What serde_json writes for `v`'s name: its `field` (an internally tagged enum's tag), or
    /// `v` itself when it is a string (a unit variant). The reference [`tag`] is checked against.
    pub(crate) fn serde_says<T: Serialize>(v: &T, field: &str) -> Option<String> {
        let v = serde_json::to_value(v).ok()?;
        v.get(field).or(Some(&v)).and_then(|x| x.as_str()).map(String::from)
    }

    #[test]
    fn names_what_serde_names_and_nothing_else() {
        let big = Tagged::OneThing { big: (0..10_000).collect() };
        assert_eq!(tag(&big).as_deref(), Some("one_thing"));
        assert_eq!(tag(&big), serde_says(&big, "kind"));
        assert_eq!(tag(&Tagged::Nothing).as_deref(), Some("nothing"));
        assert_eq!(tag(&Tagged::Nothing), serde_says(&Tagged::Nothing, "kind"));
        assert_eq!(tag(&Plain::WaitingHere).as_deref(), Some("waiting_here"));
        assert_eq!(tag(&Plain::WaitingHere), serde_says(&Plain::WaitingHere, "-"));
        assert_eq!(tag(&NotAnEnum { a: 1 }), None, "a struct's first field is a number, not a name");
        assert_eq!(tag(&"text"), None);
        assert_eq!(tag(&3u8), None);
    }
}
