//! The rules of the database endpoints (docs/API.md, "Database endpoints"):
//! the rows and their JSON, the `queries` parameter, the statements every
//! server prepares, and the fortunes page's content. Each server runs the
//! statements through its framework's own PostgreSQL client and renders the
//! page with its own template engine; what the answers contain is decided here.

pub mod url;

use std::time::Duration;

use serde::Serialize;

use crate::limits::generated as contract;

/// Rows of `world`: ids `1..=WORLD_ROWS`.
pub const WORLD_ROWS: i32 = contract::DATABASE_WORLD_ROWS as i32;
/// Fewest rows `/queries` and `/updates` answer.
pub const QUERIES_MIN: usize = contract::DATABASE_QUERIES_MIN as usize;
/// Most rows `/queries` and `/updates` answer.
pub const QUERIES_MAX: usize = contract::DATABASE_QUERIES_MAX as usize;
/// A database that does not answer within this time gets 503 `service_unavailable`.
pub const DB_TIMEOUT: Duration = Duration::from_millis(contract::LIMITS_DB_TIMEOUT_MS);
/// Connections each worker keeps to PostgreSQL (the pool policy of every server).
pub const CONNECTIONS_PER_WORKER: usize = contract::LIMITS_DB_CONNECTIONS_PER_WORKER as usize;

/// The environment variable every server reads its database from
/// (`postgres://USER:PASSWORD@HOST:PORT/DBNAME`).
pub const DATABASE_URL_ENV: &str = "ARENA_DATABASE_URL";

/// The statements, the same text for every server (so PostgreSQL's own
/// statistics compare like with like).
pub mod sql {
    pub const SELECT_WORLD: &str = "SELECT id, randomnumber FROM world WHERE id = $1";
    pub const SELECT_FORTUNES: &str = "SELECT id, message FROM fortune";
    pub const UPDATE_WORLD: &str = "UPDATE world SET randomnumber = $1 WHERE id = $2";
}

/// One `world` row as the endpoints answer it: `{"id":N,"randomNumber":N}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct World {
    pub id: i32,
    #[serde(rename = "randomNumber")]
    pub random_number: i32,
}

impl World {
    /// The body of `GET /db`.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("World always serializes")
    }
}

/// The body of `GET /queries` and `GET /updates`: a JSON array of rows.
pub fn worlds_json(rows: &[World]) -> Vec<u8> {
    serde_json::to_vec(rows).expect("World always serializes")
}

/// One `fortune` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fortune {
    pub id: i32,
    pub message: String,
}

/// The four database routes, for servers that route by hand (hyper,
/// pyo3-hyper) and for the `Allow` header of every server. A separate table
/// from [`crate::Route`] so a server gains them without its other routes
/// changing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /db`
    World,
    /// `GET /queries?queries=N`
    Queries,
    /// `GET /fortunes`
    Fortunes,
    /// `GET /updates?queries=N`
    Updates,
}

impl Endpoint {
    pub const ALL: [Endpoint; 4] = [
        Endpoint::World,
        Endpoint::Queries,
        Endpoint::Fortunes,
        Endpoint::Updates,
    ];
    /// The one method every database route answers, as it goes in an `Allow` header.
    pub const ALLOW: &'static str = "GET";

    pub const fn path(self) -> &'static str {
        match self {
            Endpoint::World => "/db",
            Endpoint::Queries => "/queries",
            Endpoint::Fortunes => "/fortunes",
            Endpoint::Updates => "/updates",
        }
    }

    /// Matches a request path (without query); `/db/` and `/DB` are no route.
    pub fn match_path(path: &str) -> Option<Endpoint> {
        Self::ALL.into_iter().find(|e| e.path() == path)
    }
}

/// `Content-Type` of `GET /fortunes`.
pub const HTML_CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// The row `/fortunes` adds at request time.
pub const ADDED_FORTUNE: &str = "Additional fortune added at request time.";

/// The `queries` parameter of `/queries` and `/updates`, from a raw query
/// string: missing or not an integer → 1; below 1 → 1; above 500 → 500.
/// The result is a count, never text that reaches SQL.
pub fn queries_count(query_string: Option<&str>) -> usize {
    let raw = query_string
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find_map(|(k, v)| (k == "queries").then_some(v));
    match raw.and_then(|v| v.parse::<i64>().ok()) {
        Some(n) => n.clamp(QUERIES_MIN as i64, QUERIES_MAX as i64) as usize,
        None => QUERIES_MIN,
    }
}

/// A uniformly random id of `world` (and a uniformly random new randomNumber).
pub fn random_id() -> i32 {
    fastrand::i32(1..=WORLD_ROWS)
}

/// The fortunes page's rows: those read from the database plus the one made
/// at request time (id 0), sorted by message.
pub fn fortunes_page_rows(mut rows: Vec<Fortune>) -> Vec<Fortune> {
    rows.push(Fortune {
        id: 0,
        message: ADDED_FORTUNE.to_owned(),
    });
    rows.sort_unstable_by(|a, b| a.message.cmp(&b.message));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_rules() {
        for (qs, n) in [
            (None, 1),
            (Some(""), 1),
            (Some("queries="), 1),
            (Some("queries=abc"), 1),
            (Some("queries=0"), 1),
            (Some("queries=-1"), 1),
            (Some("queries=1"), 1),
            (Some("queries=20"), 20),
            (Some("queries=500"), 500),
            (Some("queries=501"), 500),
            (Some("queries=99999999999999999999"), 1),
            (Some("queries=1.5"), 1),
            (Some("x=3&queries=7"), 7),
            (Some("queries"), 1),
        ] {
            assert_eq!(queries_count(qs), n, "{qs:?}");
        }
    }

    #[test]
    fn endpoints_by_path() {
        for e in Endpoint::ALL {
            assert_eq!(Endpoint::match_path(e.path()), Some(e));
        }
        for p in [
            "/",
            "/db/",
            "/DB",
            "/queries/1",
            "/fortune",
            "",
            "/plaintext",
        ] {
            assert_eq!(Endpoint::match_path(p), None, "{p:?}");
        }
    }

    #[test]
    fn world_json_and_ids() {
        let w = World {
            id: 3,
            random_number: 4,
        };
        assert_eq!(
            serde_json::to_string(&w).unwrap(),
            r#"{"id":3,"randomNumber":4}"#
        );
        for _ in 0..1000 {
            assert!((1..=WORLD_ROWS).contains(&random_id()));
        }
    }

    #[test]
    fn fortunes_sorted_with_the_added_row() {
        let rows = fortunes_page_rows(vec![
            Fortune {
                id: 1,
                message: "b".into(),
            },
            Fortune {
                id: 2,
                message: "<a".into(),
            },
        ]);
        let ids: Vec<i32> = rows.iter().map(|f| f.id).collect();
        assert_eq!(ids, [2, 0, 1]);
    }

    #[test]
    fn bodies_of_rows() {
        let w = World {
            id: 3,
            random_number: 4,
        };
        assert_eq!(w.to_json(), br#"{"id":3,"randomNumber":4}"#);
        assert_eq!(
            worlds_json(&[w, w]),
            br#"[{"id":3,"randomNumber":4},{"id":3,"randomNumber":4}]"#
        );
        assert_eq!(worlds_json(&[]), b"[]");
    }
}
