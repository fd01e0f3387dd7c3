use serde::Serialize;

/// Body of `GET /plaintext`. A static body is allowed: the response around it
/// (status line, headers, Date) is still written per request by the server.
pub const PLAINTEXT_BODY: &[u8] = b"Hello, World!";

/// Body of `GET /json`, serialized per request.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Message {
    pub message: &'static str,
}

impl Message {
    pub const fn hello() -> Self {
        Message {
            message: "Hello, World!",
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("Message always serializes")
    }

    /// The same bytes as `to_json`, serialized into `out`: for a server
    /// that writes the body straight into its response buffer instead of
    /// allocating one per request.
    pub fn write_json<W: std::io::Write>(&self, out: W) -> std::io::Result<()> {
        serde_json::to_writer(out, self).map_err(std::io::Error::from)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hello_json() {
        assert_eq!(
            super::Message::hello().to_json(),
            br#"{"message":"Hello, World!"}"#
        );
        let mut written = Vec::new();
        super::Message::hello().write_json(&mut written).unwrap();
        assert_eq!(written, super::Message::hello().to_json());
    }
}
