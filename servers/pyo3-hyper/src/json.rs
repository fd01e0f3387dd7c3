//! Python values to compact JSON bytes, written in Rust: what
//! `json.dumps(value, separators=(",", ":"), ensure_ascii=False,
//! allow_nan=False)` writes, byte for byte, for the types the `json` module
//! encodes (dict, list, tuple, str, int, float, bool, None and their
//! subclasses), without the module's Python-level layers (a new encoder per
//! call, `iterencode`, joining the pieces) and without an intermediate str.

use pyo3::exceptions::{PyRecursionError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use pyo3::PyTypeInfo;

/// Deeper than this is refused as the `json` module refuses it (a
/// RecursionError), which also stops a value that contains itself.
const MAX_DEPTH: usize = 512;

pub fn dumps(value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let mut out = Vec::with_capacity(128);
    write(value, &mut out, 0)?;
    Ok(out)
}

fn write(value: &Bound<'_, PyAny>, out: &mut Vec<u8>, depth: usize) -> PyResult<()> {
    if depth > MAX_DEPTH {
        return Err(PyRecursionError::new_err(
            "maximum recursion depth exceeded while encoding a JSON value",
        ));
    }
    if let Ok(s) = value.cast::<PyString>() {
        write_str(s.to_str()?, out);
    } else if value.is_none() {
        out.extend_from_slice(b"null");
    } else if let Ok(b) = value.cast::<PyBool>() {
        out.extend_from_slice(if b.is_true() { b"true" } else { b"false" });
    } else if let Ok(i) = value.cast::<PyInt>() {
        write_int(i, out)?;
    } else if let Ok(f) = value.cast::<PyFloat>() {
        write_float(f, out)?;
    } else if let Ok(d) = value.cast::<PyDict>() {
        out.push(b'{');
        for (i, (k, v)) in d.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_key(&k, out)?;
            out.push(b':');
            write(&v, out, depth + 1)?;
        }
        out.push(b'}');
    } else if let Ok(l) = value.cast::<PyList>() {
        out.push(b'[');
        for (i, item) in l.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write(&item, out, depth + 1)?;
        }
        out.push(b']');
    } else if let Ok(t) = value.cast::<PyTuple>() {
        out.push(b'[');
        for (i, item) in t.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write(&item, out, depth + 1)?;
        }
        out.push(b']');
    } else {
        return Err(PyTypeError::new_err(format!(
            "Object of type {} is not JSON serializable",
            value.get_type().name()?
        )));
    }
    Ok(())
}

/// Keys as the `json` module takes them: str, or a number, bool or None
/// written as a string.
fn write_key(key: &Bound<'_, PyAny>, out: &mut Vec<u8>) -> PyResult<()> {
    if let Ok(s) = key.cast::<PyString>() {
        write_str(s.to_str()?, out);
        return Ok(());
    }
    let mut text = Vec::new();
    if key.is_none() || key.is_instance_of::<PyBool>() || key.is_instance_of::<PyInt>() {
        write(key, &mut text, 0)?;
    } else if let Ok(f) = key.cast::<PyFloat>() {
        write_float(f, &mut text)?;
    } else {
        return Err(PyTypeError::new_err(format!(
            "keys must be str, int, float, bool or None, not {}",
            key.get_type().name()?
        )));
    }
    out.push(b'"');
    out.extend_from_slice(&text);
    out.push(b'"');
    Ok(())
}

fn write_int(i: &Bound<'_, PyInt>, out: &mut Vec<u8>) -> PyResult<()> {
    if let Ok(n) = i.extract::<i64>() {
        write_i64(n, out);
    } else {
        // Beyond 64 bits: int's own decimal text (json uses int.__repr__ too).
        let text = PyInt::type_object(i.py()).call_method1("__repr__", (i,))?;
        out.extend_from_slice(text.cast::<PyString>()?.to_str()?.as_bytes());
    }
    Ok(())
}

/// Decimal digits of `n` (`core::fmt` would go through its formatter).
fn write_i64(n: i64, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[at..]);
}

fn write_float(f: &Bound<'_, PyFloat>, out: &mut Vec<u8>) -> PyResult<()> {
    let v = f.value();
    if !v.is_finite() {
        return Err(PyValueError::new_err(format!(
            "Out of range float values are not JSON compliant: {v}"
        )));
    }
    // float.__repr__, as json writes it (shortest round trip, Python's format).
    let text = PyFloat::type_object(f.py()).call_method1("__repr__", (f,))?;
    out.extend_from_slice(text.cast::<PyString>()?.to_str()?.as_bytes());
    Ok(())
}

/// A JSON string: `"` and `\` escaped, control characters as json writes
/// them (`\n`, `\r`, `\t`, `\b`, `\f`, else `\u00XX`); everything else as
/// UTF-8 (ensure_ascii=False).
fn write_str(s: &str, out: &mut Vec<u8>) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escaped: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escaped);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Parses JSON (RFC 8259, UTF-8) into Python objects: dict (keys in the
/// order sent, a repeated key's last value), list, str, int (any size),
/// float, bool, None, as `json.loads` builds them. Stricter than
/// `json.loads`: no `NaN`/`Infinity`, no lone surrogate escapes, no UTF-16,
/// nesting at most serde_json's 128 levels (what `body="json"` accepts).
pub fn loads<'py>(py: Python<'py>, text: &[u8]) -> Result<Bound<'py, PyAny>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let value = serde::de::DeserializeSeed::deserialize(Value(py), &mut de)?;
    de.end()?;
    Ok(value)
}

/// serde_json (built with `arbitrary_precision`) hands a number over as a
/// one-entry map under this key, its text as the value.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

struct Value<'py>(Python<'py>);

impl<'de, 'py> serde::de::DeserializeSeed<'de> for Value<'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn py_err<E: serde::de::Error>(e: PyErr) -> E {
    E::custom(e)
}

impl<'de, 'py> serde::de::Visitor<'de> for Value<'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.None().into_bound(self.0))
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.0, v).to_owned().into_any())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        let Ok(int) = v.into_pyobject(self.0);
        Ok(int.into_any())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        let Ok(int) = v.into_pyobject(self.0);
        Ok(int.into_any())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(PyFloat::new(self.0, v).into_any())
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.0, v).into_any())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.0);
        while let Some(item) = seq.next_element_seed(Value(self.0))? {
            list.append(item).map_err(py_err)?;
        }
        Ok(list.into_any())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let py = self.0;
        let dict = PyDict::new(py);
        let mut key = map.next_key_seed(Key(py))?;
        if let Some(None) = key {
            // The number token: a number's text, unless more keys follow (an
            // object that uses the token as a key, which serde_json cannot
            // tell from a number when it holds only a string).
            let value = map.next_value_seed(Value(py))?;
            key = map.next_key_seed(Key(py))?;
            match (value.cast::<PyString>(), &key) {
                (Ok(text), None) => return number(py, text.to_str().map_err(py_err)?),
                _ => dict.set_item(NUMBER_TOKEN, value).map_err(py_err)?,
            }
        }
        while let Some(k) = key {
            let k = k.unwrap_or_else(|| PyString::new(py, NUMBER_TOKEN));
            let value = map.next_value_seed(Value(py))?;
            dict.set_item(k, value).map_err(py_err)?;
            key = map.next_key_seed(Key(py))?;
        }
        Ok(dict.into_any())
    }
}

/// An object key; `None` for the number token.
struct Key<'py>(Python<'py>);

impl<'de, 'py> serde::de::DeserializeSeed<'de> for Key<'py> {
    type Value = Option<Bound<'py, PyString>>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, 'py> serde::de::Visitor<'de> for Key<'py> {
    type Value = Option<Bound<'py, PyString>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok((v != NUMBER_TOKEN).then(|| PyString::new(self.0, v)))
    }
}

/// A number's text: an int when it has no fraction or exponent (of any
/// size, as Python's int), else a float (correctly rounded both here and in
/// Python; too large is infinity, as `float()` gives).
fn number<'py, E: serde::de::Error>(py: Python<'py>, text: &str) -> Result<Bound<'py, PyAny>, E> {
    if text.contains(['.', 'e', 'E']) {
        let f: f64 = text.parse().map_err(E::custom)?;
        return Ok(PyFloat::new(py, f).into_any());
    }
    if let Ok(i) = text.parse::<i64>() {
        let Ok(int) = i.into_pyobject(py);
        return Ok(int.into_any());
    }
    PyInt::type_object(py).call1((text,)).map_err(py_err)
}

#[cfg(test)]
mod tests {
    use super::write_str;

    #[test]
    fn strings_escape_as_json_module_does() {
        let mut out = Vec::new();
        write_str("a\"b\\c\nd\u{1}é\u{7f}", &mut out);
        assert_eq!(out, "\"a\\\"b\\\\c\\nd\\u0001é\u{7f}\"".as_bytes());
    }
}
