//! The arena's database routes (docs/API.md, "Database endpoints") answered
//! in Rust on the tokio worker, without the interpreter: what a user of the
//! embedded server does for a hot path. Each worker keeps its own
//! connections (`arena_postgres::Pool::for_this_worker`), as the arena's
//! hyper server does; `/fortunes` renders templates/fortunes.html with
//! askama, the template the Python variant renders with jinja2.

use api_model::db::{self, Endpoint, Fortune};
use api_model::ApiError;
use arena_postgres::Pool;
use askama::Template;
use hyper::header::HeaderValue;

use crate::reply::{Reply, JSON};

const HTML: HeaderValue = HeaderValue::from_static(db::HTML_CONTENT_TYPE);

/// The answer of `endpoint` for a request with this raw query string.
pub async fn answer(endpoint: Endpoint, query: Option<&str>) -> Reply {
    let count = db::queries_count(query);
    let pool = Pool::for_this_worker();
    let answer = match endpoint {
        Endpoint::World => pool.world().await.map(|row| json(&row)),
        Endpoint::Queries => pool.worlds(count).await.map(|rows| json(&rows)),
        Endpoint::Updates => pool.updates(count).await.map(|rows| json(&rows)),
        Endpoint::Fortunes => pool.fortunes().await.and_then(|fortunes| {
            let page = FortunesPage {
                fortunes: &fortunes,
            };
            let html = page.render().map_err(|_| ApiError::Internal)?;
            Ok(Reply::ok(HTML, html.into()))
        }),
    };
    answer.unwrap_or_else(Reply::error)
}

fn json(value: &impl serde::Serialize) -> Reply {
    Reply::ok(
        JSON,
        serde_json::to_vec(value)
            .expect("rows always serialize")
            .into(),
    )
}

/// templates/fortunes.html; askama escapes every `{{ }}` of an .html template.
#[derive(Template)]
#[template(path = "fortunes.html")]
struct FortunesPage<'a> {
    fortunes: &'a [Fortune],
}
