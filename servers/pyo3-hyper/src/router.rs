//! The generic router: user path patterns like `/users/{id}` or
//! `/users/{id:int}`, matched segment by segment in registration order.

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
    Found(&'r Arc<Handler>, Vec<(Arc<str>, ParamValue)>),
    /// The path exists with other methods: 405 with this `Allow` value.
    WrongMethod(&'r str),
    Error(ApiError),
}

impl Router {
    pub fn add(&mut self, method: Method, pattern: &str, handler: Handler) -> Result<(), String> {
        let segments = parse(pattern)?;
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
        entry.allow = entry
            .methods
            .iter()
            .map(|(m, _)| m.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Ok(())
    }

    pub fn find(&self, method: &Method, path: &str) -> Option<Match<'_>> {
        let parts: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        for entry in &self.entries {
            match entry.capture(&parts) {
                None => continue,
                Some(Err(e)) => return Some(Match::Error(e)),
                Some(Ok(params)) => {
                    return Some(match entry.methods.iter().find(|(m, _)| m == method) {
                        Some((_, handler)) => Match::Found(handler, params),
                        None => Match::WrongMethod(&entry.allow),
                    })
                }
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
    /// `None`: the path is not this pattern. `Some(Err)`: it is, but a typed
    /// parameter does not convert (the contract's 400 for `/users/abc`).
    #[allow(clippy::type_complexity)]
    fn capture(&self, parts: &[&str]) -> Option<Result<Vec<(Arc<str>, ParamValue)>, ApiError>> {
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        let mut error = None;
        for (seg, part) in self.segments.iter().zip(parts) {
            match seg {
                Segment::Literal(lit) if lit == part => {}
                Segment::Literal(_) => return None,
                // An empty segment never matches a parameter: `/users/` is unknown.
                Segment::Param { .. } if part.is_empty() => return None,
                Segment::Param {
                    name,
                    kind: ParamKind::Str,
                } => params.push((name.clone(), ParamValue::Str((*part).to_owned()))),
                Segment::Param {
                    name,
                    kind: ParamKind::Int,
                } => match parse_u64(part) {
                    Some(v) => params.push((name.clone(), ParamValue::Int(v))),
                    None => error = error.or(Some(ApiError::BadRequest)),
                },
            }
        }
        Some(error.map_or(Ok(params), Err))
    }
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
                        Some((_, other)) => {
                            return Err(format!(
                                "unknown converter {other:?} in {pattern:?} (int, str)"
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
