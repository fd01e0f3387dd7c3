use core::mem::MaybeUninit;

use httparse::Status;

use crate::{
    bytes::{Buf, Bytes, BytesMut},
    http::{
        Extension, Method, Request, RequestExt, Uri, Version,
        header::{CONNECTION, CONTENT_LENGTH, EXPECT, HeaderMap, HeaderName, HeaderValue, TRANSFER_ENCODING, UPGRADE},
    },
};

use super::{
    context::Context,
    error::ProtoError,
    header::{self, HeaderIndex},
    trasnder_coding::TransferCoding,
};

type Decoded = (Request<RequestExt<()>>, TransferCoding);

impl<D, const MAX_HEADERS: usize> Context<'_, D, MAX_HEADERS> {
    // decode head and generate request and body decoder.
    pub fn decode_head<const READ_BUF_LIMIT: usize>(
        &mut self,
        buf: &mut BytesMut,
    ) -> Result<Option<Decoded>, ProtoError> {
        let mut req = httparse::Request::new(&mut []);
        let mut headers = [const { MaybeUninit::uninit() }; MAX_HEADERS];

        match req.parse_with_uninit_headers(buf, &mut headers)? {
            Status::Complete(len) => {
                // Important: reset context state for new request.
                self.reset();

                let method = Method::from_bytes(req.method.unwrap().as_bytes())?;

                // default body decoder from method.
                let mut decoder = match method {
                    // set method to context so it can pass method to response.
                    Method::CONNECT => {
                        self.set_connect_method();
                        TransferCoding::upgrade()
                    }
                    Method::HEAD => {
                        self.set_head_method();
                        TransferCoding::eof()
                    }
                    _ => TransferCoding::eof(),
                };

                // Set connection type when doing version match.
                let version = if req.version.unwrap() == 1 {
                    // Default ctype is KeepAlive so set_ctype is skipped here.
                    Version::HTTP_11
                } else {
                    self.set_http10();
                    self.set_close();
                    Version::HTTP_10
                };

                // record indices of headers from bytes buffer.
                let mut header_idx = [const { MaybeUninit::uninit() }; MAX_HEADERS];
                let header_idx_slice = HeaderIndex::record(&mut header_idx, buf, req.headers);
                let headers_len = req.headers.len();

                // record indices of request path from buffer.
                let path = req.path.unwrap();
                let path_head = path.as_ptr() as usize - buf.as_ptr() as usize;
                let path_len = path.len();

                // split the headers from buffer.
                let slice = buf.split_to(len).freeze();

                let uri = Uri::from_maybe_shared(slice.slice(path_head..path_head + path_len))?;

                // pop a cached headermap or construct a new one.
                let mut headers = self.take_headers();
                headers.reserve(headers_len);

                // write headers to headermap and update request states.
                for idx in header_idx_slice {
                    self.try_write_header(&mut headers, &mut decoder, idx, &slice, version)?;
                }

                // a Transfer-Encoding whose final coding is not chunked (an unknown coding, "identity",
                // a quoted "chunked") leaves the body length unknown: RFC 9112 §6.3 requires 400 and
                // close, not a body framed by Content-Length or as empty.
                if !matches!(decoder, TransferCoding::DecodeChunked { .. }) && headers.contains_key(TRANSFER_ENCODING) {
                    return Err(ProtoError::HeaderValue);
                }

                let ext = Extension::new(*self.socket_addr());
                let mut req = Request::new(RequestExt::from_parts((), ext));

                let extensions = self.take_extensions();

                *req.method_mut() = method;
                *req.version_mut() = version;
                *req.uri_mut() = uri;
                *req.headers_mut() = headers;
                *req.extensions_mut() = extensions;

                Ok(Some((req, decoder)))
            }

            Status::Partial => {
                if buf.remaining() >= READ_BUF_LIMIT {
                    Err(ProtoError::HeaderTooLarge)
                } else {
                    Ok(None)
                }
            }
        }
    }

    pub fn try_write_header(
        &mut self,
        headers: &mut HeaderMap,
        decoder: &mut TransferCoding,
        idx: &HeaderIndex,
        slice: &Bytes,
        version: Version,
    ) -> Result<(), ProtoError> {
        let name = HeaderName::from_bytes(&slice[idx.name.0..idx.name.1]).unwrap();
        let value = HeaderValue::from_maybe_shared(slice.slice(idx.value.0..idx.value.1)).unwrap();

        match name {
            TRANSFER_ENCODING => {
                if version != Version::HTTP_11 {
                    return Err(ProtoError::HeaderName);
                }
                // with Content-Length beside it the sender's framing is ambiguous (RFC 9112 §6.1); try_set
                // alone lets a zero Content-Length through.
                if headers.contains_key(CONTENT_LENGTH) {
                    return Err(ProtoError::HeaderName);
                }
                for val in value.to_str().map_err(|_| ProtoError::HeaderValue)?.split(',') {
                    let val = val.trim();
                    if val.is_empty() {
                        continue;
                    }
                    // chunked must be the final coding and applied once (RFC 9112 §6.1), across
                    // all Transfer-Encoding lines: any coding after it is 400 and close.
                    if matches!(decoder, TransferCoding::DecodeChunked { .. }) {
                        return Err(ProtoError::HeaderValue);
                    }
                    // any other coding (gzip, ...) is one this crate does not decode: passing the coded
                    // bytes on as the body would misframe what the application reads. RFC 9112 §6.1
                    // asks for 501; a head error here is 400, and the connection closes either way.
                    if !val.eq_ignore_ascii_case("chunked") {
                        return Err(ProtoError::HeaderValue);
                    }
                    decoder.try_set(TransferCoding::decode_chunked(MAX_HEADERS))?;
                }
            }
            CONTENT_LENGTH => {
                // one Content-Length line and none beside Transfer-Encoding (RFC 9110 §8.6, RFC 9112
                // §6.1): try_set alone lets a zero length pair with another length or with chunked.
                if headers.contains_key(CONTENT_LENGTH) || headers.contains_key(TRANSFER_ENCODING) {
                    return Err(ProtoError::HeaderName);
                }
                let len = header::parse_content_length(&value)?;
                decoder.try_set(TransferCoding::length(len))?;
            }
            CONNECTION => self.try_set_close_from_header(&value)?,
            EXPECT => {
                if !value.as_bytes().eq_ignore_ascii_case(b"100-continue") {
                    return Err(ProtoError::HeaderValue);
                }
                self.set_expect_header()
            }
            UPGRADE => {
                if version != Version::HTTP_11 {
                    return Err(ProtoError::HeaderName);
                }
                decoder.try_set(TransferCoding::upgrade())?;
            }
            _ => {}
        }

        headers.append(name, value);

        Ok(())
    }

    pub(super) fn try_set_close_from_header(&mut self, val: &HeaderValue) -> Result<(), ProtoError> {
        for val in val.to_str().map_err(|_| ProtoError::HeaderValue)?.split(',') {
            let val = val.trim();
            if val.eq_ignore_ascii_case("keep-alive") {
                self.remove_close()
            } else if val.eq_ignore_ascii_case("close") {
                self.set_close()
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn connection_multiple_value() {
        let mut ctx = Context::<_, 4>::new(&());

        let head = b"\
                GET / HTTP/1.1\r\n\
                Connection: keep-alive, upgrade\r\n\
                \r\n\
                ";
        let mut buf = BytesMut::from(&head[..]);

        let _ = ctx.decode_head::<128>(&mut buf).unwrap().unwrap();
        assert!(!ctx.is_connection_closed());

        // this is a wrong connection header but instead of rejecting it the last close value is
        // used for the final value. there is no particular reason behind this behaviour and this
        // session of the test serves only as a consistency check to prevent regression.
        let head = b"\
                GET / HTTP/1.1\r\n\
                Connection: keep-alive, close, upgrade\r\n\
                \r\n\
                ";
        let mut buf = BytesMut::from(&head[..]);

        let _ = ctx.decode_head::<128>(&mut buf).unwrap().unwrap();
        assert!(ctx.is_connection_closed());

        let head = b"\
                GET / HTTP/1.1\r\n\
                Connection: close, keep-alive, upgrade\r\n\
                \r\n\
                ";
        let mut buf = BytesMut::from(&head[..]);

        let _ = ctx.decode_head::<128>(&mut buf).unwrap().unwrap();
        assert!(!ctx.is_connection_closed());
    }

    #[test]
    fn transfer_encoding() {
        let mut ctx = Context::<_, 4>::new(&());

        // a coding this crate does not decode.
        let head = b"\
                GET / HTTP/1.1\r\n\
                Transfer-Encoding: gzip\r\n\
                Transfer-Encoding: chunked\r\n\
                \r\n\
                ";
        let mut buf = BytesMut::from(&head[..]);

        assert!(ctx.decode_head::<128>(&mut buf).is_err());

        ctx.reset();

        // chunked not the final coding: RFC 9112 §6.3 requires 400 and close.
        let head = b"\
        GET / HTTP/1.1\r\n\
        Transfer-Encoding: chunked\r\n\
        Transfer-Encoding: gzip\r\n\
        \r\n\
        ";
        let mut buf = BytesMut::from(&head[..]);

        assert!(ctx.decode_head::<128>(&mut buf).is_err());

        ctx.reset();

        let head = b"\
                GET / HTTP/1.1\r\n\
                Transfer-Encoding: gzip, chunked\r\n\
                \r\n\
                ";
        let mut buf = BytesMut::from(&head[..]);

        assert!(ctx.decode_head::<128>(&mut buf).is_err());

        ctx.reset();

        let head = b"\
                GET / HTTP/1.1\r\n\
                Transfer-Encoding: chunked\r\n\
                \r\n\
                ";
        let mut buf = BytesMut::from(&head[..]);

        let (req, decoder) = ctx.decode_head::<128>(&mut buf).unwrap().unwrap();
        assert_eq!(
            req.headers().get(TRANSFER_ENCODING).unwrap().to_str().unwrap(),
            "chunked"
        );
        assert!(
            matches!(decoder, TransferCoding::DecodeChunked { .. }),
            "transfer coding is not decoded to chunked"
        );

        let head = b"\
                GET / HTTP/1.1\r\n\
                Transfer-Encoding: identity\r\n\
                \r\n\
                ";
        let mut buf = BytesMut::from(&head[..]);
        assert!(ctx.decode_head::<128>(&mut buf).is_err());

        let head = b"\
                GET / HTTP/1.1\r\n\
                Transfer-Encoding: chunked, gzip\r\n\
                \r\n\
                ";
        let mut buf = BytesMut::from(&head[..]);
        assert!(ctx.decode_head::<128>(&mut buf).is_err());
    }

    fn decode(head: &[u8]) -> Result<TransferCoding, ProtoError> {
        let mut ctx = Context::<_, 8>::new(&());
        let mut buf = BytesMut::from(head);
        ctx.decode_head::<1024>(&mut buf).map(|res| res.unwrap().1)
    }

    #[test]
    fn transfer_encoding_chunked_final_only() {
        for te in [
            "Transfer-Encoding: chunked, identity\r\n",
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n",
            "Transfer-Encoding: chunked, chunked\r\n",
            "Transfer-Encoding: xchunked\r\n",
            "Transfer-Encoding: \"chunked\"\r\n",
            "Transfer-Encoding: \r\n",
        ] {
            let head = format!("POST / HTTP/1.1\r\n{te}\r\n");
            assert!(decode(head.as_bytes()).is_err(), "{te:?}");
        }
        let head = b"POST / HTTP/1.1\r\nTransfer-Encoding: Chunked,\r\n\r\n";
        assert!(matches!(decode(head), Ok(TransferCoding::DecodeChunked { .. })));
    }

    #[test]
    fn content_length_digits_only() {
        for cl in ["+7", "-0", "-7", "7, 7", "0x7", " ", "7a"] {
            let head = format!("POST / HTTP/1.1\r\nContent-Length: {cl}\r\n\r\n");
            assert!(decode(head.as_bytes()).is_err(), "{cl:?}");
        }
        let head = b"POST / HTTP/1.1\r\nContent-Length: 007\r\n\r\n";
        assert_eq!(decode(head).unwrap(), TransferCoding::Length(7));
    }

    #[test]
    fn content_length_once_and_alone() {
        for fields in [
            "Content-Length: 7\r\nContent-Length: 7\r\n",
            "Content-Length: 0\r\nContent-Length: 7\r\n",
            "Content-Length: 7\r\nContent-Length: 0\r\n",
            "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
            "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
        ] {
            let head = format!("POST / HTTP/1.1\r\n{fields}\r\n");
            assert!(decode(head.as_bytes()).is_err(), "{fields:?}");
        }
    }
}
