//! A PostgreSQL connection for may coroutines. may_postgres, the client
//! TechEmpower's may-minihttp entry uses, is not on crates.io (that entry
//! takes it from git), so this speaks the extended query protocol through
//! postgres-protocol, the message codec under may_postgres and
//! tokio-postgres, over may's `TcpStream`: a read or write that would block
//! parks the coroutine, never the worker thread.
//!
//! Like may_postgres, a request's queries are written together and their
//! answers read afterwards (pipelined), each query with its own Sync, so
//! each runs as its own implicit transaction as it would alone.
//!
//! Every call takes a deadline. Each socket operation waits at most until
//! then (may's per-socket timeouts, which its timer wheel enforces by waking
//! the parked coroutine), so a database that stops answering costs a request
//! its remaining time and no more; a connection that timed out or failed is
//! dropped, never reused mid-conversation.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use api_model::db::url::ConnectParams;
use api_model::db::{sql, Fortune, World};
use bytes::{BufMut, BytesMut};
use fallible_iterator::FallibleIterator;
use may::net::TcpStream;
use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256, SCRAM_SHA_256};
use postgres_protocol::message::backend::{DataRowBody, Message};
use postgres_protocol::message::frontend;
use postgres_protocol::{IsNull, Oid};

/// `int4`'s type oid: the statements' parameters are ids and numbers.
const INT4: Oid = 23;
/// Binary format, for parameters and results: an `int4` is 4 bytes, a
/// `text` its UTF-8 bytes.
const BINARY: i16 = 1;
/// Statement names on each connection.
const SELECT_WORLD: &str = "world";
const SELECT_FORTUNES: &str = "fortunes";
const UPDATE_WORLD: &str = "update";
/// A socket's timeout is reset only when it is off from the time left by
/// more than this: a fast request makes no extra system call, and no wait
/// outlasts its deadline by more than this.
const TIMEOUT_SLACK: Duration = Duration::from_millis(20);
const READ_CHUNK: usize = 8192;
/// Less time left than this counts as none. may 0.3.51 arms a socket's
/// timer before it parks the coroutine (`subscribe` in its io/sys/unix/net),
/// so a timer that fires in between, as one of a few microseconds can,
/// finds no coroutine to wake and the wait goes on until the socket is
/// ready: measured here with a frozen database, waits armed with under a
/// millisecond left hung until it was thawed.
const MIN_WAIT: Duration = Duration::from_millis(5);

/// Why a call failed. Any of these ends the connection.
#[derive(Debug)]
pub enum Error {
    Io(io::Error),
    /// The deadline passed.
    Timeout,
    /// An ErrorResponse, or a message out of place.
    Server(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Io(e) => write!(f, "PostgreSQL connection: {e}"),
            Error::Timeout => write!(f, "PostgreSQL did not answer in time"),
            Error::Server(m) => write!(f, "PostgreSQL: {m}"),
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Error::Timeout,
            _ => Error::Io(e),
        }
    }
}

pub struct Connection {
    stream: TcpStream,
    read_buf: BytesMut,
    write_buf: BytesMut,
    /// What the socket's timeouts are set to; None until first set (may's
    /// sockets start with none: a wait without end).
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl Connection {
    /// Connects, authenticates (trust, cleartext, MD5 or SCRAM-SHA-256) and
    /// prepares the three statements, all before `deadline`.
    pub fn open(params: &ConnectParams, deadline: Instant) -> Result<Connection, Error> {
        let addr = resolve(params)?;
        let stream = TcpStream::connect_timeout(&addr, remaining(deadline)?)?;
        stream.set_nodelay(true)?;
        let mut conn = Connection {
            stream,
            read_buf: BytesMut::with_capacity(READ_CHUNK),
            write_buf: BytesMut::with_capacity(READ_CHUNK),
            read_timeout: None,
            write_timeout: None,
        };
        conn.startup(params, deadline)?;
        conn.prepare(deadline)?;
        Ok(conn)
    }

    /// False when the server has closed its end or sent something unasked
    /// (a FATAL before it closes, as on a fast shutdown): a pooled
    /// connection that sat idle through a restart is found dead here,
    /// without a request failing on it. One non-blocking peek.
    pub fn is_usable(&self) -> bool {
        // may's sockets are non-blocking underneath; the inner std socket's
        // peek answers at once.
        match self.stream.inner().peek(&mut [0u8; 1]) {
            Err(e) => e.kind() == io::ErrorKind::WouldBlock,
            Ok(_) => false,
        }
    }

    /// One `world` row per id, the queries pipelined.
    pub fn worlds(&mut self, ids: &[i32], deadline: Instant) -> Result<Vec<World>, Error> {
        for &id in ids {
            self.bind_execute(SELECT_WORLD, &[id])?;
        }
        self.flush(deadline)?;
        let mut rows = Vec::with_capacity(ids.len());
        for _ in ids {
            let mut row = None;
            self.read_result(deadline, |data| {
                row = Some(world(&data)?);
                Ok(())
            })?;
            rows.push(row.ok_or_else(|| Error::Server("no such world row".into()))?);
        }
        Ok(rows)
    }

    /// Every `fortune` row.
    pub fn fortunes(&mut self, deadline: Instant) -> Result<Vec<Fortune>, Error> {
        self.bind_execute(SELECT_FORTUNES, &[])?;
        self.flush(deadline)?;
        let mut fortunes = Vec::with_capacity(16);
        self.read_result(deadline, |data| {
            fortunes.push(fortune(&data)?);
            Ok(())
        })?;
        Ok(fortunes)
    }

    /// One UPDATE per row (the shared statement), pipelined; returns when
    /// every one has completed.
    pub fn update(&mut self, rows: &[World], deadline: Instant) -> Result<(), Error> {
        for row in rows {
            self.bind_execute(UPDATE_WORLD, &[row.random_number, row.id])?;
        }
        self.flush(deadline)?;
        for _ in rows {
            self.read_result(deadline, |_| {
                Err(Error::Server("rows from an UPDATE".into()))
            })?;
        }
        Ok(())
    }

    fn startup(&mut self, params: &ConnectParams, deadline: Instant) -> Result<(), Error> {
        let options = [
            ("user", params.user.as_str()),
            ("database", params.dbname.as_str()),
            ("client_encoding", "UTF8"),
        ];
        frontend::startup_message(options, &mut self.write_buf)?;
        self.flush(deadline)?;
        let password = || {
            params
                .password
                .as_deref()
                .ok_or_else(|| Error::Server("the server asks for a password".into()))
        };
        let mut scram: Option<ScramSha256> = None;
        loop {
            match self.next_message(deadline)? {
                Message::AuthenticationOk => break,
                Message::AuthenticationCleartextPassword => {
                    frontend::password_message(password()?.as_bytes(), &mut self.write_buf)?;
                }
                Message::AuthenticationMd5Password(body) => {
                    let hash = postgres_protocol::authentication::md5_hash(
                        params.user.as_bytes(),
                        password()?.as_bytes(),
                        body.salt(),
                    );
                    frontend::password_message(hash.as_bytes(), &mut self.write_buf)?;
                }
                Message::AuthenticationSasl(body) => {
                    let offered: Vec<&str> = body.mechanisms().collect()?;
                    if !offered.contains(&SCRAM_SHA_256) {
                        return Err(Error::Server(format!("SASL mechanisms {offered:?}")));
                    }
                    let client =
                        ScramSha256::new(password()?.as_bytes(), ChannelBinding::unsupported());
                    frontend::sasl_initial_response(
                        SCRAM_SHA_256,
                        client.message(),
                        &mut self.write_buf,
                    )?;
                    scram = Some(client);
                }
                Message::AuthenticationSaslContinue(body) => {
                    let client = scram.as_mut().ok_or_else(out_of_place)?;
                    client.update(body.data())?;
                    frontend::sasl_response(client.message(), &mut self.write_buf)?;
                }
                Message::AuthenticationSaslFinal(body) => {
                    scram
                        .as_mut()
                        .ok_or_else(out_of_place)?
                        .finish(body.data())?;
                    continue;
                }
                Message::ErrorResponse(body) => return Err(server_error(&body)),
                _ => return Err(out_of_place()),
            }
            self.flush(deadline)?;
        }
        // ParameterStatus and BackendKeyData until the server is ready.
        loop {
            match self.next_message(deadline)? {
                Message::ReadyForQuery(_) => return Ok(()),
                Message::ErrorResponse(body) => return Err(server_error(&body)),
                _ => {}
            }
        }
    }

    fn prepare(&mut self, deadline: Instant) -> Result<(), Error> {
        frontend::parse(SELECT_WORLD, sql::SELECT_WORLD, [INT4], &mut self.write_buf)?;
        frontend::parse(
            SELECT_FORTUNES,
            sql::SELECT_FORTUNES,
            [],
            &mut self.write_buf,
        )?;
        frontend::parse(
            UPDATE_WORLD,
            sql::UPDATE_WORLD,
            [INT4, INT4],
            &mut self.write_buf,
        )?;
        frontend::sync(&mut self.write_buf);
        self.flush(deadline)?;
        let mut parsed = 0;
        loop {
            match self.next_message(deadline)? {
                Message::ParseComplete => parsed += 1,
                Message::ReadyForQuery(_) if parsed == 3 => return Ok(()),
                Message::ErrorResponse(body) => return Err(server_error(&body)),
                _ => return Err(out_of_place()),
            }
        }
    }

    /// Bind (parameters and results in binary), Execute and Sync, buffered.
    fn bind_execute(&mut self, statement: &str, params: &[i32]) -> Result<(), Error> {
        frontend::bind(
            "",
            statement,
            [BINARY],
            params,
            |value, buf| {
                buf.put_i32(*value);
                Ok(IsNull::No)
            },
            [BINARY],
            &mut self.write_buf,
        )
        .map_err(|e| match e {
            frontend::BindError::Conversion(e) => Error::Server(e.to_string()),
            frontend::BindError::Serialization(e) => Error::Io(e),
        })?;
        frontend::execute("", 0, &mut self.write_buf)?;
        frontend::sync(&mut self.write_buf);
        Ok(())
    }

    /// The answer to one Bind/Execute/Sync: its data rows through `on_row`,
    /// up to and including its ReadyForQuery.
    fn read_result(
        &mut self,
        deadline: Instant,
        mut on_row: impl FnMut(DataRowBody) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut failed = None;
        loop {
            match self.next_message(deadline)? {
                Message::BindComplete | Message::CommandComplete(_) => {}
                Message::DataRow(data) if failed.is_none() => on_row(data)?,
                Message::DataRow(_) => {}
                // Reported once the connection is back in step.
                Message::ErrorResponse(body) => failed = Some(server_error(&body)),
                Message::ReadyForQuery(_) => return failed.map_or(Ok(()), Err),
                _ => return Err(out_of_place()),
            }
        }
    }

    /// The next message, skipping those the server may send at any time.
    fn next_message(&mut self, deadline: Instant) -> Result<Message, Error> {
        loop {
            if let Some(message) = Message::parse(&mut self.read_buf)? {
                match message {
                    Message::NoticeResponse(_)
                    | Message::ParameterStatus(_)
                    | Message::NotificationResponse(_) => continue,
                    message => return Ok(message),
                }
            }
            self.fill(deadline)?;
        }
    }

    fn fill(&mut self, deadline: Instant) -> Result<(), Error> {
        let left = remaining(deadline)?;
        if off(self.read_timeout, left) {
            self.stream.set_read_timeout(Some(left))?;
            self.read_timeout = Some(left);
        }
        let start = self.read_buf.len();
        self.read_buf.resize(start + READ_CHUNK, 0);
        let read = self.stream.read(&mut self.read_buf[start..]);
        self.read_buf.truncate(start + *read.as_ref().unwrap_or(&0));
        match read? {
            0 => Err(Error::Io(io::ErrorKind::UnexpectedEof.into())),
            _ => Ok(()),
        }
    }

    fn flush(&mut self, deadline: Instant) -> Result<(), Error> {
        let left = remaining(deadline)?;
        if off(self.write_timeout, left) {
            self.stream.set_write_timeout(Some(left))?;
            self.write_timeout = Some(left);
        }
        self.stream.write_all(&self.write_buf)?;
        self.write_buf.clear();
        Ok(())
    }
}

fn resolve(params: &ConnectParams) -> Result<SocketAddr, Error> {
    // An IP address needs no lookup; a name is looked up by the system
    // resolver, which blocks the worker thread for that moment (only on
    // connecting; "localhost" is a file read).
    (params.host.as_str(), params.port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| Error::Io(io::ErrorKind::NotFound.into()))
}

/// Whether a socket timeout must be reset to `left`: never set yet, or more
/// than the slack away from it.
fn off(set: Option<Duration>, left: Duration) -> bool {
    set.is_none_or(|set| set.abs_diff(left) > TIMEOUT_SLACK)
}

fn remaining(deadline: Instant) -> Result<Duration, Error> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left < MIN_WAIT {
        Err(Error::Timeout)
    } else {
        Ok(left)
    }
}

fn world(data: &DataRowBody) -> Result<World, Error> {
    let mut columns = column_bytes(data);
    let (Some(id), Some(number)) = (columns.next(), columns.next()) else {
        return Err(Error::Server("world row without two columns".into()));
    };
    Ok(World {
        id: int4(id?)?,
        random_number: int4(number?)?,
    })
}

fn fortune(data: &DataRowBody) -> Result<Fortune, Error> {
    let mut columns = column_bytes(data);
    let (Some(id), Some(message)) = (columns.next(), columns.next()) else {
        return Err(Error::Server("fortune row without two columns".into()));
    };
    let message = std::str::from_utf8(message?)
        .map_err(|_| Error::Server("fortune message is not UTF-8".into()))?;
    Ok(Fortune {
        id: int4(id?)?,
        message: message.to_owned(),
    })
}

/// Each column's bytes; NULL is an error (both tables' columns are NOT NULL).
fn column_bytes(data: &DataRowBody) -> impl Iterator<Item = Result<&[u8], Error>> {
    let buffer = data.buffer();
    let mut ranges = data.ranges();
    std::iter::from_fn(move || match ranges.next() {
        Ok(Some(Some(range))) => Some(Ok(&buffer[range])),
        Ok(Some(None)) => Some(Err(Error::Server("NULL column".into()))),
        Ok(None) => None,
        Err(e) => Some(Err(Error::Io(e))),
    })
}

fn int4(bytes: &[u8]) -> Result<i32, Error> {
    let bytes: [u8; 4] = bytes
        .try_into()
        .map_err(|_| Error::Server("int4 column of another size".into()))?;
    Ok(i32::from_be_bytes(bytes))
}

fn server_error(body: &postgres_protocol::message::backend::ErrorResponseBody) -> Error {
    let mut fields = body.fields();
    let mut text = String::new();
    while let Ok(Some(field)) = fields.next() {
        if matches!(field.type_(), b'C' | b'M') {
            text.push_str(&String::from_utf8_lossy(field.value_bytes()));
            text.push(' ');
        }
    }
    Error::Server(text)
}

fn out_of_place() -> Error {
    Error::Server("a message out of place".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_timeout_is_set_first_then_only_when_off() {
        // Unset, even a very short time left must be set: may's default is no timeout.
        assert!(off(None, Duration::from_millis(1)));
        assert!(!off(
            Some(Duration::from_millis(2000)),
            Duration::from_millis(1990)
        ));
        assert!(off(
            Some(Duration::from_millis(2000)),
            Duration::from_millis(1000)
        ));
        assert!(off(
            Some(Duration::from_millis(5)),
            Duration::from_millis(2000)
        ));
    }

    #[test]
    fn rows_from_binary_columns() {
        let mut body = BytesMut::new();
        // A DataRow as the server sends it: column count, then length-prefixed values.
        body.put_u8(b'D');
        let values: [&[u8]; 2] = [&7i32.to_be_bytes(), "a<b".as_bytes()];
        let len = 4 + 2 + values.iter().map(|v| 4 + v.len()).sum::<usize>();
        body.put_i32(len as i32);
        body.put_i16(2);
        for v in values {
            body.put_i32(v.len() as i32);
            body.put_slice(v);
        }
        let Some(Message::DataRow(row)) = Message::parse(&mut body).unwrap() else {
            panic!("not a DataRow");
        };
        let f = fortune(&row).unwrap();
        assert_eq!((f.id, f.message.as_str()), (7, "a<b"));
        assert!(world(&row).is_err(), "a text column is not an int4");
        assert_eq!(int4(&(-3i32).to_be_bytes()).unwrap(), -3);
        assert!(int4(&[0, 1]).is_err());
    }
}
