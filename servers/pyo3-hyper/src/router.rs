//! The generic router: user path patterns like `/users/{id}`,
//! `/users/{id:int}` or `/files/{rest:path}`, matched segment by segment in
//! registration order. Segments are split on the raw path, then
//! percent-decoded, so `%2F` stays inside its parameter. `HEAD` is answered
//! by a path's `GET` handler unless `HEAD` has its own.

use std::sync::Arc;

use api_model::ApiError;
use hyper::Method;

use crate::handler::Handler;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param { name: Arc<str>, kind: ParamKind },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Str,
    /// ASCII digits that fit a u64; anything else is `400 bad_request`.
    Int,
    /// The rest of the path, slashes included (maybe empty); the last segment only.
    Path,
}

/// A path parameter as matched; converted to a Python object only when the
/// handler asks for `request.path_params`.
#[derive(Debug, Clone)]
pub enum ParamValue {
    Str(String),
    Int(u64),
}

/// One path pattern and the handler of each method registered on it.
#[derive(Clone)]
pub struct Entry {
    pattern: String,
    segments: Vec<Segment>,
    methods: Vec<(Method, Arc<Handler>)>,
    allow: String,
}

#[derive(Default, Clone)]
pub struct Router {
    entries: Vec<Entry>,
}

pub enum Match<'r> {
    Found(&'r Arc<Handler>, Params),
    /// The path exists with other methods: 405 with this `Allow` value.
    WrongMethod(&'r str),
    Error(ApiError),
}

impl Router {
    pub fn add(&mut self, method: Method, pattern: &str, handler: Handler) -> Result<(), String> {
        let segments = parse(pattern)?;
        let rest_at = segments.iter().position(|s| {
            matches!(
                s,
                Segment::Param {
                    kind: ParamKind::Path,
                    ..
                }
            )
        });
        if rest_at.is_some_and(|i| i + 1 != segments.len()) {
            return Err(format!(
                "a {{name:path}} parameter must be the last segment of {pattern:?}"
            ));
        }
        let index = match self.entries.iter().position(|e| e.segments == segments) {
            Some(i) => i,
            None => {
                self.entries.push(Entry {
                    pattern: pattern.to_owned(),
                    segments,
                    methods: Vec::new(),
                    allow: String::new(),
                });
                self.entries.len() - 1
            }
        };
        let entry = &mut self.entries[index];
        if entry.methods.iter().any(|(m, _)| *m == method) {
            return Err(format!("{method} {} is already registered", entry.pattern));
        }
        entry.methods.push((method, Arc::new(handler)));
        // HEAD rides on GET (RFC 9110 §9.3.2), so Allow names it too.
        let has = |m: &Method| entry.methods.iter().any(|(x, _)| x == m);
        let implied_head = has(&Method::GET) && !has(&Method::HEAD);
        entry.allow = entry
            .methods
            .iter()
            .flat_map(|(m, _)| {
                let head = (implied_head && *m == Method::GET).then_some("HEAD");
                std::iter::once(m.as_str()).chain(head)
            })
            .collect::<Vec<_>>()
            .join(", ");
        Ok(())
    }

    pub fn find(&self, method: &Method, path: &str) -> Option<Match<'_>> {
        let raw = path.strip_prefix('/')?;
        let parts: Vec<&str> = raw.split('/').collect();
        for entry in &self.entries {
            match entry.capture(raw, &parts) {
                None => continue,
                Some(Err(e)) => return Some(Match::Error(e)),
                Some(Ok(params)) => return Some(entry.pick(method, params)),
            }
        }
        None
    }

    pub fn routes(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for e in &self.entries {
            for (m, _) in &e.methods {
                out.push((m.to_string(), e.pattern.clone()));
            }
        }
        out
    }
}

impl Entry {
    fn pick(&self, method: &Method, params: Params) -> Match<'_> {
        let find = |m: &Method| self.methods.iter().find(|(x, _)| x == m);
        let found = match find(method) {
            None if *method == Method::HEAD => find(&Method::GET),
            other => other,
        };
        match found {
            Some((_, handler)) => Match::Found(handler, params),
            None => Match::WrongMethod(&self.allow),
        }
    }

    /// `None`: the path is not this pattern. `Some(Err)`: it is, but a
    /// parameter does not convert (the contract's 400 for `/users/abc`, or
    /// bytes that do not decode to UTF-8).
    fn capture(&self, raw: &str, parts: &[&str]) -> Option<Result<Params, ApiError>> {
        let rest = matches!(
            self.segments.last(),
            Some(Segment::Param {
                kind: ParamKind::Path,
                ..
            })
        );
        let fixed = self.segments.len() - usize::from(rest);
        if parts.len() < self.segments.len() || (!rest && parts.len() != fixed) {
            return None;
        }
        let mut params = Vec::new();
        let mut error = None;
        for (seg, part) in self.segments[..fixed].iter().zip(parts) {
            let decoded = match decode(part) {
                Some(d) => d,
                None => {
                    // Not UTF-8: it cannot equal a literal, and is no parameter value.
                    match seg {
                        Segment::Literal(_) => return None,
                        Segment::Param { .. } => {
                            error = error.or(Some(ApiError::BadRequest));
                            continue;
                        }
                    }
                }
            };
            match seg {
                Segment::Literal(lit) if *lit == *decoded => {}
                Segment::Literal(_) => return None,
                // An empty segment never matches a parameter: `/users/` is unknown.
                Segment::Param { .. } if part.is_empty() => return None,
                Segment::Param {
                    name,
                    kind: ParamKind::Int,
                } => match parse_u64(&decoded) {
                    Some(v) => params.push((name.clone(), ParamValue::Int(v))),
                    None => error = error.or(Some(ApiError::BadRequest)),
                },
                Segment::Param { name, .. } => {
                    params.push((name.clone(), ParamValue::Str(decoded.into_owned())))
                }
            }
        }
        if let Some(Segment::Param { name, .. }) = self.segments.last().filter(|_| rest) {
            // The raw remainder after the fixed segments and their slashes.
            let skip: usize = parts[..fixed].iter().map(|p| p.len() + 1).sum();
            match decode(&raw[skip..]) {
                Some(d) => params.push((name.clone(), ParamValue::Str(d.into_owned()))),
                None => error = error.or(Some(ApiError::BadRequest)),
            }
        }
        Some(error.map_or(Ok(params), Err))
    }
}

pub type Params = Vec<(Arc<str>, ParamValue)>;

/// Percent-decodes a path piece; `None` when the bytes are not UTF-8. A `%`
/// not followed by two hex digits stays as it is.
fn decode(part: &str) -> Option<std::borrow::Cow<'_, str>> {
    if !part.contains('%') {
        return Some(part.into());
    }
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h)? * 16 + hex(l)?) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok().map(Into::into)
}

fn parse_u64(s: &str) -> Option<u64> {
    // `u64::from_str` would also take a leading `+`.
    if s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn parse(pattern: &str) -> Result<Vec<Segment>, String> {
    let rest = pattern
        .strip_prefix('/')
        .ok_or_else(|| format!("path {pattern:?} must start with '/'"))?;
    rest.split('/')
        .map(
            |part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                None if part.contains(['{', '}']) => {
                    Err(format!("bad segment {part:?} in {pattern:?}"))
                }
                None => Ok(Segment::Literal(part.to_owned())),
                Some(spec) => {
                    let (name, kind) = match spec.split_once(':') {
                        None => (spec, ParamKind::Str),
                        Some((name, "int")) => (name, ParamKind::Int),
                        Some((name, "str")) => (name, ParamKind::Str),
                        Some((name, "path")) => (name, ParamKind::Path),
                        Some((_, other)) => {
                            return Err(format!(
                                "unknown converter {other:?} in {pattern:?} (int, str, path)"
                            ))
                        }
                    };
                    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        return Err(format!("bad parameter name {name:?} in {pattern:?}"));
                    }
                    Ok(Segment::Param {
                        name: name.into(),
                        kind,
                    })
                }
            },
        )
        .collect()
}
