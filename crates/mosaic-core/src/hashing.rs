//! Hashing a serializable value in one pass, without building its text.
//!
//! [`hash_serialized`] walks a value's `serde::Serialize` implementation and
//! feeds what it sees straight into a [`Hasher`]: no JSON, no `String`, no
//! allocation (unless the value's own `Serialize` implementation allocates;
//! none of Mosaic's parameter types does). It is what
//! [`Operation::hash_cache_key`](crate::Operation::hash_cache_key) uses to
//! key a cached read by its parameters.
//!
//! The bytes fed to the hasher are an unambiguous encoding of the value as
//! serde sees it: every value starts with a type tag, strings end with a
//! `0xff` byte (which UTF-8 never contains), sequences and maps mark each
//! element and their end, struct fields are written with their names (so a
//! field skipped by `skip_serializing_if` cannot be confused with another),
//! and enum variants by index. Two values of one type that serialize
//! differently therefore feed different bytes; whether they hash
//! differently is then up to the hasher (a 128-bit keyed hash makes a
//! collision a practical impossibility).
//!
//! Floating-point numbers are fed as their bit patterns, so `0.0` and
//! `-0.0` differ and each NaN is equal only to the same NaN bits — equal
//! parameters always agree, which is all a cache key needs. Maps are fed in
//! their iteration order, like any serializer: a `HashMap` with the same
//! entries in another order keys differently (a cache miss, never a wrong
//! hit).

use std::fmt;
use std::hash::Hasher;

use serde::ser::{self, Serialize};

/// Feed `value`, as serde serializes it, into `state`.
///
/// Returns `false` if the value's `Serialize` implementation fails (a live
/// stream, for instance); what was fed until then is then meaningless.
///
/// ```
/// use std::collections::hash_map::DefaultHasher;
/// use std::hash::Hasher;
/// use mosaic_core::git::RepoRef;
/// use mosaic_core::hashing::hash_serialized;
///
/// let hash = |r: &RepoRef| {
///     let mut h = DefaultHasher::new();
///     assert!(hash_serialized(r, &mut h));
///     h.finish()
/// };
/// assert_eq!(hash(&RepoRef::new("acme", "tools")), hash(&RepoRef::new("acme", "tools")));
/// assert_ne!(hash(&RepoRef::new("acme", "tools")), hash(&RepoRef::new("acmet", "ools")));
/// ```
pub fn hash_serialized<T, H>(value: &T, state: &mut H) -> bool
where
    T: Serialize + ?Sized,
    H: Hasher,
{
    value.serialize(HashSerializer { state }).is_ok()
}

/// Tags and markers of the encoding.
mod tag {
    pub(super) const UNIT: u8 = 0;
    pub(super) const BOOL: u8 = 1;
    pub(super) const SIGNED: u8 = 2;
    pub(super) const UNSIGNED: u8 = 3;
    pub(super) const I128: u8 = 4;
    pub(super) const U128: u8 = 5;
    pub(super) const F32: u8 = 6;
    pub(super) const F64: u8 = 7;
    pub(super) const CHAR: u8 = 8;
    pub(super) const STR: u8 = 9;
    pub(super) const BYTES: u8 = 10;
    pub(super) const NONE: u8 = 11;
    pub(super) const SOME: u8 = 12;
    pub(super) const UNIT_STRUCT: u8 = 13;
    pub(super) const UNIT_VARIANT: u8 = 14;
    pub(super) const NEWTYPE_STRUCT: u8 = 15;
    pub(super) const NEWTYPE_VARIANT: u8 = 16;
    pub(super) const SEQ: u8 = 17;
    pub(super) const TUPLE: u8 = 18;
    pub(super) const TUPLE_STRUCT: u8 = 19;
    pub(super) const TUPLE_VARIANT: u8 = 20;
    pub(super) const MAP: u8 = 21;
    pub(super) const STRUCT: u8 = 22;
    pub(super) const STRUCT_VARIANT: u8 = 23;
    /// Another element follows (sequences, tuples, maps).
    pub(super) const MORE: u8 = 0xfd;
    /// The end of a sequence, tuple, map or struct (not a UTF-8 byte, so a
    /// struct's end cannot be read as a field name).
    pub(super) const END: u8 = 0xfe;
    /// The end of a string (not a UTF-8 byte).
    pub(super) const STR_END: u8 = 0xff;
}

/// The error of a value that cannot be hashed (its `Serialize` failed).
#[derive(Debug)]
pub struct Unhashable;

impl fmt::Display for Unhashable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the value cannot be serialized, so it cannot be hashed")
    }
}

impl std::error::Error for Unhashable {}

impl ser::Error for Unhashable {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Unhashable
    }
}

/// The serializer behind [`hash_serialized`].
struct HashSerializer<'a, H> {
    state: &'a mut H,
}

impl<'a, H: Hasher> HashSerializer<'a, H> {
    fn str(&mut self, v: &str) {
        self.state.write_u8(tag::STR);
        self.state.write(v.as_bytes());
        self.state.write_u8(tag::STR_END);
    }

    fn name(&mut self, v: &str) {
        self.state.write(v.as_bytes());
        self.state.write_u8(tag::STR_END);
    }

    fn compound(self, tag: u8) -> Compound<'a, H> {
        self.state.write_u8(tag);
        Compound { state: self.state }
    }
}

/// Sequences, tuples, maps and structs in progress.
struct Compound<'a, H> {
    state: &'a mut H,
}

impl<H: Hasher> Compound<'_, H> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unhashable> {
        self.state.write_u8(tag::MORE);
        value.serialize(HashSerializer {
            state: &mut *self.state,
        })
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Unhashable> {
        self.state.write(key.as_bytes());
        self.state.write_u8(tag::STR_END);
        value.serialize(HashSerializer {
            state: &mut *self.state,
        })
    }

    fn end(self) -> Result<(), Unhashable> {
        self.state.write_u8(tag::END);
        Ok(())
    }
}

/// Feeds formatted text into a hasher (for `collect_str`).
struct FmtHash<'a, H>(&'a mut H);

impl<H: Hasher> fmt::Write for FmtHash<'_, H> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

impl<'a, H: Hasher> ser::Serializer for HashSerializer<'a, H> {
    type Ok = ();
    type Error = Unhashable;
    type SerializeSeq = Compound<'a, H>;
    type SerializeTuple = Compound<'a, H>;
    type SerializeTupleStruct = Compound<'a, H>;
    type SerializeTupleVariant = Compound<'a, H>;
    type SerializeMap = Compound<'a, H>;
    type SerializeStruct = Compound<'a, H>;
    type SerializeStructVariant = Compound<'a, H>;

    fn serialize_bool(self, v: bool) -> Result<(), Unhashable> {
        self.state.write_u8(tag::BOOL);
        self.state.write_u8(u8::from(v));
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Unhashable> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Unhashable> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Unhashable> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Unhashable> {
        self.state.write_u8(tag::SIGNED);
        self.state.write_i64(v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Unhashable> {
        self.state.write_u8(tag::I128);
        self.state.write_i128(v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Unhashable> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Unhashable> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Unhashable> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Unhashable> {
        self.state.write_u8(tag::UNSIGNED);
        self.state.write_u64(v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Unhashable> {
        self.state.write_u8(tag::U128);
        self.state.write_u128(v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Unhashable> {
        self.state.write_u8(tag::F32);
        self.state.write_u32(v.to_bits());
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Unhashable> {
        self.state.write_u8(tag::F64);
        self.state.write_u64(v.to_bits());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Unhashable> {
        self.state.write_u8(tag::CHAR);
        self.state.write_u32(u32::from(v));
        Ok(())
    }
    fn serialize_str(mut self, v: &str) -> Result<(), Unhashable> {
        self.str(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Unhashable> {
        self.state.write_u8(tag::BYTES);
        self.state.write_usize(v.len());
        self.state.write(v);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Unhashable> {
        self.state.write_u8(tag::NONE);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unhashable> {
        self.state.write_u8(tag::SOME);
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unhashable> {
        self.state.write_u8(tag::UNIT);
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Unhashable> {
        self.state.write_u8(tag::UNIT_STRUCT);
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
    ) -> Result<(), Unhashable> {
        self.state.write_u8(tag::UNIT_VARIANT);
        self.state.write_u32(index);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Unhashable> {
        self.state.write_u8(tag::NEWTYPE_STRUCT);
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<(), Unhashable> {
        self.state.write_u8(tag::NEWTYPE_VARIANT);
        self.state.write_u32(index);
        value.serialize(self)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a, H>, Unhashable> {
        Ok(self.compound(tag::SEQ))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Compound<'a, H>, Unhashable> {
        Ok(self.compound(tag::TUPLE))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, H>, Unhashable> {
        Ok(self.compound(tag::TUPLE_STRUCT))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, H>, Unhashable> {
        let c = self.compound(tag::TUPLE_VARIANT);
        c.state.write_u32(index);
        Ok(c)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a, H>, Unhashable> {
        Ok(self.compound(tag::MAP))
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, H>, Unhashable> {
        Ok(self.compound(tag::STRUCT))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, H>, Unhashable> {
        let c = self.compound(tag::STRUCT_VARIANT);
        c.state.write_u32(index);
        Ok(c)
    }
    fn collect_str<T: fmt::Display + ?Sized>(mut self, value: &T) -> Result<(), Unhashable> {
        self.state.write_u8(tag::STR);
        fmt::write(&mut FmtHash(&mut *self.state), format_args!("{value}"))
            .map_err(|_| Unhashable)?;
        self.name("");
        Ok(())
    }
}

impl<H: Hasher> ser::SerializeSeq for Compound<'_, H> {
    type Ok = ();
    type Error = Unhashable;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unhashable> {
        self.element(value)
    }
    fn end(self) -> Result<(), Unhashable> {
        Compound::end(self)
    }
}

impl<H: Hasher> ser::SerializeTuple for Compound<'_, H> {
    type Ok = ();
    type Error = Unhashable;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unhashable> {
        self.element(value)
    }
    fn end(self) -> Result<(), Unhashable> {
        Compound::end(self)
    }
}

impl<H: Hasher> ser::SerializeTupleStruct for Compound<'_, H> {
    type Ok = ();
    type Error = Unhashable;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unhashable> {
        self.element(value)
    }
    fn end(self) -> Result<(), Unhashable> {
        Compound::end(self)
    }
}

impl<H: Hasher> ser::SerializeTupleVariant for Compound<'_, H> {
    type Ok = ();
    type Error = Unhashable;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unhashable> {
        self.element(value)
    }
    fn end(self) -> Result<(), Unhashable> {
        Compound::end(self)
    }
}

impl<H: Hasher> ser::SerializeMap for Compound<'_, H> {
    type Ok = ();
    type Error = Unhashable;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unhashable> {
        self.element(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unhashable> {
        value.serialize(HashSerializer {
            state: &mut *self.state,
        })
    }
    fn end(self) -> Result<(), Unhashable> {
        Compound::end(self)
    }
}

impl<H: Hasher> ser::SerializeStruct for Compound<'_, H> {
    type Ok = ();
    type Error = Unhashable;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unhashable> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Unhashable> {
        Compound::end(self)
    }
}

impl<H: Hasher> ser::SerializeStructVariant for Compound<'_, H> {
    type Ok = ();
    type Error = Unhashable;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unhashable> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Unhashable> {
        Compound::end(self)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::hash::Hasher;

    use serde::Serialize;

    use super::hash_serialized;

    /// Records the bytes fed, to compare encodings exactly.
    #[derive(Default)]
    struct Bytes(Vec<u8>);

    impl Hasher for Bytes {
        fn finish(&self) -> u64 {
            0
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.extend_from_slice(bytes);
        }
    }

    fn bytes<T: Serialize + ?Sized>(v: &T) -> Vec<u8> {
        let mut b = Bytes::default();
        assert!(hash_serialized(v, &mut b));
        b.0
    }

    #[derive(Serialize)]
    struct Two {
        #[serde(skip_serializing_if = "Option::is_none")]
        a: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<String>,
    }

    #[test]
    fn skipped_fields_do_not_make_values_alike() {
        let a = Two {
            a: Some("x".into()),
            b: None,
        };
        let b = Two {
            a: None,
            b: Some("x".into()),
        };
        assert_ne!(bytes(&a), bytes(&b));
    }

    #[test]
    fn string_boundaries_are_kept() {
        assert_ne!(bytes(&("ab", "c")), bytes(&("a", "bc")));
        assert_ne!(bytes(&vec!["a", ""]), bytes(&vec!["a"]));
        assert_ne!(bytes(&Some("")), bytes(&None::<&str>));
        let mut m1 = BTreeMap::new();
        m1.insert("k", "v");
        let mut m2 = BTreeMap::new();
        m2.insert("kv", "");
        assert_ne!(bytes(&m1), bytes(&m2));
    }

    #[test]
    fn floats_are_fed_by_their_bits() {
        assert_eq!(bytes(&1.5f64), bytes(&1.5f64));
        assert_ne!(bytes(&0.0f64), bytes(&-0.0f64));
        assert_ne!(bytes(&1.0f32), bytes(&1.0f64));
    }

    #[test]
    fn display_values_are_fed_like_strings() {
        struct Shown;
        impl Serialize for Shown {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&format_args!("{}-{}", "a", 1))
            }
        }
        assert_eq!(bytes(&Shown), bytes("a-1"));
    }

    #[test]
    fn a_failing_serialize_is_reported() {
        struct Fails;
        impl Serialize for Fails {
            fn serialize<S: serde::Serializer>(&self, _s: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("no"))
            }
        }
        assert!(!hash_serialized(&Fails, &mut Bytes::default()));
    }
}
