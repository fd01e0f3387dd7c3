use core::mem::MaybeUninit;

use httparse::Header;
use xitca_unsafe_collection::uninit::PartialInit;

use crate::http::header::HeaderValue;

use super::error::ProtoError;

#[derive(Clone, Copy)]
pub struct HeaderIndex {
    pub name: (usize, usize),
    pub value: (usize, usize),
}

impl HeaderIndex {
    /// Record indices of pointer offset of give &[Header<'_>] slice from the &[u8] it parse from.
    pub fn record<'i>(indices: &'i mut [MaybeUninit<Self>], buf: &[u8], headers: &[Header<'_>]) -> &'i [Self] {
        let head = buf.as_ptr() as usize;
        indices.init_from(headers.iter()).into_init_with(|header| {
            let name_start = header.name.as_ptr() as usize - head;
            let value_start = header.value.as_ptr() as usize - head;
            let name_end = name_start + header.name.len();
            let value_end = value_start + header.value.len();
            Self {
                name: (name_start, name_end),
                value: (value_start, value_end),
            }
        })
    }
}

pub(super) fn parse_content_length(val: &HeaderValue) -> Result<u64, ProtoError> {
    // Content-Length = 1*DIGIT (RFC 9110 §8.6). str::parse::<u64> would also take a sign ("+7"),
    // which another hop may read differently: the bytes after the body become a request.
    let bytes = val.as_bytes();
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(ProtoError::HeaderValue);
    }
    val.to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .ok_or(ProtoError::HeaderValue)
}
