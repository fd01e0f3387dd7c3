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
        use std::io::Write as _;
        write!(out, "{n}").expect("writing to a Vec cannot fail");
    } else {
        // Beyond 64 bits: int's own decimal text (json uses int.__repr__ too).
        let text = PyInt::type_object(i.py()).call_method1("__repr__", (i,))?;
        out.extend_from_slice(text.cast::<PyString>()?.to_str()?.as_bytes());
    }
    Ok(())
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
