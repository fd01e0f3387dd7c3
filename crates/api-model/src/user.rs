use serde::Serialize;

use crate::limits::{USER_ID_MAX, USER_ID_MIN};
use crate::ApiError;

/// A user of `GET /users/{id}`, derived from its id alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: u64,
    pub name: String,
    pub email: String,
    pub active: bool,
    pub score: u64,
}

impl User {
    /// Derives the user with this id; the id must already be in range.
    pub fn from_id(id: u64) -> Self {
        User {
            id,
            name: format!("user-{id}"),
            email: format!("user-{id}@example.com"),
            active: id.is_multiple_of(2),
            score: (id * 7919) % 1000,
        }
    }

    /// Parses the `{id}` path segment and looks the user up: a segment that
    /// is not a plain decimal u64 is `BadRequest`, an id outside the range is
    /// `NotFound`.
    pub fn lookup(segment: &str) -> Result<Self, ApiError> {
        let id = parse_id(segment)?;
        if (USER_ID_MIN..=USER_ID_MAX).contains(&id) {
            Ok(User::from_id(id))
        } else {
            Err(ApiError::NotFound)
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("User always serializes")
    }
}

/// Only ASCII digits: `u64::from_str` would also take a leading `+`.
fn parse_id(segment: &str) -> Result<u64, ApiError> {
    if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::BadRequest);
    }
    segment.parse().map_err(|_| ApiError::BadRequest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_fields_in_contract_order() {
        let json = String::from_utf8(User::lookup("42").unwrap().to_json()).unwrap();
        assert_eq!(
            json,
            r#"{"id":42,"name":"user-42","email":"user-42@example.com","active":true,"score":598}"#
        );
    }

    #[test]
    fn odd_ids_are_inactive() {
        assert!(!User::lookup("7").unwrap().active);
    }

    #[test]
    fn range_edges() {
        assert_eq!(User::lookup("1").unwrap().id, 1);
        assert_eq!(User::lookup("1000000").unwrap().id, 1_000_000);
        assert_eq!(User::lookup("0"), Err(ApiError::NotFound));
        assert_eq!(User::lookup("1000001"), Err(ApiError::NotFound));
        assert_eq!(
            User::lookup("18446744073709551615"),
            Err(ApiError::NotFound)
        );
    }

    #[test]
    fn leading_zeros_are_decimal() {
        assert_eq!(User::lookup("007").unwrap().id, 7);
    }

    #[test]
    fn not_decimal_is_bad_request() {
        for s in [
            "",
            "abc",
            "+5",
            "-5",
            "1.5",
            "1e3",
            " 5",
            "18446744073709551616",
            "٣",
        ] {
            assert_eq!(User::lookup(s), Err(ApiError::BadRequest), "{s:?}");
        }
    }
}
