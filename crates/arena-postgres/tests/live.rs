//! The pool against a real PostgreSQL (`python -m harness db start`, then
//! export the `ARENA_DATABASE_URL` it prints); a test that needs one and has
//! none says so and passes. The failure paths need no database: a closed
//! port and a peer that never answers stand in for a database that is down
//! or hung.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use api_model::db::{self, ADDED_FORTUNE, DATABASE_URL_ENV, WORLD_ROWS};
use api_model::ApiError;
use arena_postgres::Pool;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::AbortHandle;

fn database_url(test: &str) -> Option<String> {
    let url = std::env::var(DATABASE_URL_ENV).ok();
    if url.is_none() {
        eprintln!("{test}: skipped, {DATABASE_URL_ENV} is not set (`python -m harness db start` prints it)");
    }
    url
}

/// A server worker's runtime: the pool's connections run as its tasks.
fn worker_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn in_range(w: &db::World) -> bool {
    (1..=WORLD_ROWS).contains(&w.id) && (1..=WORLD_ROWS).contains(&w.random_number)
}

#[test]
fn every_endpoint_answers_from_the_database() {
    let Some(url) = database_url("every_endpoint_answers_from_the_database") else {
        return;
    };
    worker_runtime().block_on(async {
        let pool = Pool::new(Some(url), db::CONNECTIONS_PER_WORKER);

        assert!(in_range(&pool.world().await.unwrap()));

        let rows = pool.worlds(db::QUERIES_MAX).await.unwrap();
        assert_eq!(rows.len(), db::QUERIES_MAX);
        assert!(rows.iter().all(in_range));
        assert!(rows.iter().any(|w| w.id != rows[0].id), "ids are random");

        let fortunes = pool.fortunes().await.unwrap();
        assert_eq!(
            fortunes.len(),
            13,
            "the 12 rows of the table and the added one"
        );
        assert!(fortunes.windows(2).all(|p| p[0].message <= p[1].message));
        assert!(fortunes
            .iter()
            .any(|f| f.id == 0 && f.message == ADDED_FORTUNE));
        // Escaping is the template's job: the rows carry the text as stored.
        assert!(fortunes.iter().any(|f| f.message.starts_with("<script>")));
    });
}

#[test]
fn updates_are_written_before_they_are_answered() {
    let Some(url) = database_url("updates_are_written_before_they_are_answered") else {
        return;
    };
    worker_runtime().block_on(async {
        let pool = Pool::new(Some(url.clone()), db::CONNECTIONS_PER_WORKER);
        let updated = pool.updates(20).await.unwrap();
        assert_eq!(updated.len(), 20);
        assert!(updated.iter().all(in_range));

        // Read back on a connection of our own, outside the pool.
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        for (i, row) in updated.iter().enumerate() {
            // An id drawn twice holds the value of its last update.
            if updated[i + 1..].iter().any(|later| later.id == row.id) {
                continue;
            }
            let stored: i32 = client
                .query_one("SELECT randomnumber FROM world WHERE id = $1", &[&row.id])
                .await
                .unwrap()
                .get(0);
            assert_eq!(stored, row.random_number, "world {}", row.id);
        }
    });
}

#[test]
fn no_database_configured_is_service_unavailable() {
    worker_runtime().block_on(async {
        let pool = Pool::new(None, 1);
        assert_eq!(pool.world().await, Err(ApiError::ServiceUnavailable));
    });
}

#[test]
fn refused_connection_is_service_unavailable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    worker_runtime().block_on(async {
        let pool = Pool::new(Some(format!("postgres://u:p@127.0.0.1:{port}/db")), 1);
        assert_eq!(pool.world().await, Err(ApiError::ServiceUnavailable));
        assert_eq!(pool.fortunes().await, Err(ApiError::ServiceUnavailable));
    });
}

/// A peer that accepts and never says a word: the pool gives up at the
/// contract's timeout instead of waiting for it.
#[test]
fn silent_database_is_service_unavailable() {
    worker_runtime().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let held = Arc::new(Mutex::new(Vec::new()));
        let keep = held.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                keep.lock().unwrap().push(stream);
            }
        });
        let pool = Pool::new(Some(format!("postgres://u:p@127.0.0.1:{port}/db")), 1);
        assert_eq!(pool.worlds(3).await, Err(ApiError::ServiceUnavailable));
        assert!(!held.lock().unwrap().is_empty(), "the pool did connect");
    });
}

/// A TCP relay to the database that can cut every connection and refuse new
/// ones, as a database restart does, then let them through again; or make
/// the connections it carries go silent while new ones still work, as a
/// connection to a host that vanished does.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<Link>>>,
}

struct Link {
    task: AbortHandle,
    silence: oneshot::Sender<()>,
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let links = Arc::new(Mutex::new(Vec::new()));
        let (up2, links2) = (up.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: the client sees the connection closed
                }
                let target = target.clone();
                let (silence, silenced) = oneshot::channel::<()>();
                let task = tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        // Both sockets stay open and nothing moves any more.
                        Ok(()) = silenced => std::future::pending::<()>().await,
                    }
                });
                links2.lock().unwrap().push(Link {
                    task: task.abort_handle(),
                    silence,
                });
            }
        });
        Relay { port, up, links }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.task.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }

    /// The connections open now stop carrying bytes, and stay open.
    fn silence(&self) {
        for link in self.links.lock().unwrap().drain(..) {
            let _ = link.silence.send(());
        }
    }
}

fn database_address(url: &str) -> String {
    let config: tokio_postgres::Config = url.parse().unwrap();
    let (tokio_postgres::config::Host::Tcp(host), Some(port)) =
        (&config.get_hosts()[0], config.get_ports().first())
    else {
        panic!("{DATABASE_URL_ENV} must name a TCP host and port");
    };
    format!("{host}:{port}")
}

/// `url` with its port replaced by `port`.
fn via_port(url: &str, port: u16) -> String {
    let config: tokio_postgres::Config = url.parse().unwrap();
    let old = config.get_ports()[0];
    url.replacen(&format!(":{old}/"), &format!(":{port}/"), 1)
}

#[test]
fn serves_again_after_the_database_comes_back() {
    let Some(url) = database_url("serves_again_after_the_database_comes_back") else {
        return;
    };
    worker_runtime().block_on(async {
        let relay = Relay::start(database_address(&url)).await;
        let pool = Pool::new(Some(via_port(&url, relay.port)), 2);
        for _ in 0..4 {
            assert!(pool.world().await.is_ok());
        }

        relay.cut();
        for _ in 0..4 {
            assert_eq!(pool.world().await, Err(ApiError::ServiceUnavailable));
        }

        relay.restore();
        for _ in 0..4 {
            assert!(pool.world().await.is_ok(), "every slot reconnects");
        }
        assert!(pool.fortunes().await.is_ok());
    });
}

/// A connection whose peer goes silent without closing it (a host that
/// vanished) is not waited on forever: after one call times out, the slot
/// opens a new connection.
#[test]
fn a_connection_gone_silent_is_replaced() {
    let Some(url) = database_url("a_connection_gone_silent_is_replaced") else {
        return;
    };
    worker_runtime().block_on(async {
        let relay = Relay::start(database_address(&url)).await;
        let pool = Pool::new(Some(via_port(&url, relay.port)), 1);
        assert!(pool.world().await.is_ok());

        relay.silence();
        assert_eq!(pool.world().await, Err(ApiError::ServiceUnavailable));
        assert!(pool.world().await.is_ok(), "a new connection answers");
    });
}
