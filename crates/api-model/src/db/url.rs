//! `ARENA_DATABASE_URL` taken apart, for a server whose PostgreSQL client
//! speaks the wire protocol itself and has no URL parser of its own
//! (may-minihttp's). The clients that parse URLs (tokio-postgres,
//! xitca-postgres) take the variable as it is.

use std::fmt;

/// Where and as whom to connect: `postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME`
/// (also `postgresql://`; user and password percent-decoded; a query
/// string such as `?sslmode=disable` ignored).
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectParams {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    pub dbname: String,
}

/// PostgreSQL's own default port.
pub const DEFAULT_PORT: u16 = 5432;

/// The password stays out of logs.
impl fmt::Debug for ConnectParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectParams")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("dbname", &self.dbname)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadUrl(&'static str);

impl fmt::Display for BadUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a postgres:// URL: {}", self.0)
    }
}

impl std::error::Error for BadUrl {}

impl ConnectParams {
    pub fn from_url(url: &str) -> Result<ConnectParams, BadUrl> {
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or(BadUrl("scheme"))?;
        let rest = rest.split_once('?').map_or(rest, |(r, _)| r);
        let (authority, dbname) = rest.split_once('/').ok_or(BadUrl("no database"))?;
        let (userinfo, hostport) = authority.rsplit_once('@').ok_or(BadUrl("no user"))?;
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (u, Some(decode(p)?)),
            None => (userinfo, None),
        };
        let (host, port) = split_host_port(hostport)?;
        let user = decode(user)?;
        let dbname = decode(dbname)?;
        if user.is_empty() || host.is_empty() || dbname.is_empty() {
            return Err(BadUrl("empty user, host or database"));
        }
        Ok(ConnectParams {
            host: host.to_owned(),
            port,
            user,
            password,
            dbname,
        })
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(hostport: &str) -> Result<(&str, u16), BadUrl> {
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or(BadUrl("unclosed ["))?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':').ok_or(BadUrl("port"))?)),
        }
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            p.parse().map_err(|_| BadUrl("port"))?
        }
        Some(_) => return Err(BadUrl("port")),
    };
    Ok((host, port))
}

fn decode(s: &str) -> Result<String, BadUrl> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next(), bytes.next()];
            let [Some(hi), Some(lo)] = hex else {
                return Err(BadUrl("percent escape"));
            };
            let digit = |c: u8| (c as char).to_digit(16).ok_or(BadUrl("percent escape"));
            out.push((digit(hi)? * 16 + digit(lo)?) as u8);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).map_err(|_| BadUrl("not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_harness_url() {
        let p = ConnectParams::from_url(
            "postgres://benchmarkdbuser:benchmarkdbpass@127.0.0.1:54321/hello_world",
        )
        .unwrap();
        assert_eq!(p.host, "127.0.0.1");
        assert_eq!(p.port, 54321);
        assert_eq!(p.user, "benchmarkdbuser");
        assert_eq!(p.password.as_deref(), Some("benchmarkdbpass"));
        assert_eq!(p.dbname, "hello_world");
        assert!(!format!("{p:?}").contains("benchmarkdbpass"));
    }

    #[test]
    fn other_shapes() {
        let p = ConnectParams::from_url("postgresql://u@localhost/db?sslmode=disable").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("localhost", DEFAULT_PORT));
        assert_eq!(p.password, None);
        assert_eq!(p.dbname, "db");
        let p = ConnectParams::from_url("postgres://u%40x:p%2Fw%3A@[::1]:6000/d%20b").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("::1", 6000));
        assert_eq!(p.user, "u@x");
        assert_eq!(p.password.as_deref(), Some("p/w:"));
        assert_eq!(p.dbname, "d b");
        let p = ConnectParams::from_url("postgres://u:p@[::1]/d").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("::1", DEFAULT_PORT));
    }

    #[test]
    fn refusals() {
        for url in [
            "",
            "mysql://u:p@h/d",
            "postgres://u:p@h",
            "postgres://h/d",
            "postgres://u:p@h:/d",
            "postgres://u:p@h:+5/d",
            "postgres://u:p@h:99999/d",
            "postgres://u:p@h:5x/d",
            "postgres://u:p@[::1/d",
            "postgres://u:p@/d",
            "postgres://u:p@h/",
            "postgres://u%4:p@h/d",
            "postgres://u%ff:p@h/d",
        ] {
            assert!(ConnectParams::from_url(url).is_err(), "{url:?}");
        }
    }
}
