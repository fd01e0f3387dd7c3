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
}

#[cfg(test)]
mod tests {
    #[test]
    fn hello_json() {
        assert_eq!(
            super::Message::hello().to_json(),
            br#"{"message":"Hello, World!"}"#
        );
    }
}
