//! The response body hyper writes: a whole body, or chunks pulled from a
//! Python (async) generator through the hand-off, one chunk per poll, so
//! hyper's own backpressure (it polls the body only while its write buffer
//! has room) holds the generator when the client reads slowly.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use pyo3::exceptions::{PyStopAsyncIteration, PyStopIteration, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};

use crate::handoff::{Call, Handoff, Kind, Pending};
use crate::reply::Generator;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Logs a handler's exception (with its route), with the GIL held.
pub type Report = Arc<dyn Fn(Python<'_>, PyErr) + Send + Sync>;

pub enum Body {
    Full(Option<Bytes>),
    Stream(Stream),
}

impl Body {
    pub fn full(bytes: Bytes) -> Self {
        Body::Full((!bytes.is_empty()).then_some(bytes))
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.get_mut() {
            Body::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Body::Stream(stream) => stream.poll_chunk(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(data) => SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64)),
            Body::Stream(_) => SizeHint::default(),
        }
    }
}

/// The generator of a streamed body. It is closed (`close()` / `aclose()`)
/// when the last holder lets go: the body (done, or dropped because the
/// client left or the request was HEAD) or a chunk call still running, so
/// closing never races a running step.
struct Source {
    iterator: Mutex<Option<Py<PyAny>>>,
    kind: Kind,
    handoff: Arc<Handoff>,
    report: Report,
}

impl Drop for Source {
    fn drop(&mut self) {
        if let Some(iterator) = self.iterator.get_mut().expect("not poisoned").take() {
            // Anywhere, maybe attached: submit_attached never waits for the gate.
            self.handoff
                .submit_attached(
                    self.kind,
                    Close {
                        iterator: Some(iterator),
                    },
                )
                .detach();
        }
    }
}

pub struct Stream {
    source: Option<Arc<Source>>,
    next: Option<Pending<Chunk>>,
}

impl Stream {
    pub fn new(generator: Generator, handoff: Arc<Handoff>) -> Self {
        Stream {
            source: Some(Arc::new(Source {
                iterator: Mutex::new(Some(generator.iterator)),
                kind: generator.kind,
                handoff,
                report: generator.report,
            })),
            next: None,
        }
    }

    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        loop {
            let Some(source) = &self.source else {
                return Poll::Ready(None);
            };
            let next = self.next.get_or_insert_with(|| {
                source.handoff.submit(
                    source.kind,
                    NextChunk {
                        source: source.clone(),
                    },
                )
            });
            let chunk = std::task::ready!(Pin::new(next).poll(cx));
            self.next = None;
            match chunk {
                Some(Chunk::Data(bytes)) if bytes.is_empty() => continue,
                Some(Chunk::Data(bytes)) => return Poll::Ready(Some(Ok(Frame::data(bytes)))),
                Some(Chunk::End) => {
                    // Exhausted: nothing to close.
                    if let Some(source) = self.source.take() {
                        source.iterator.lock().expect("not poisoned").take();
                    }
                    return Poll::Ready(None);
                }
                Some(Chunk::Failed) | None => {
                    self.source = None;
                    // hyper ends the connection without the last chunk: the
                    // client sees a truncated body, not a complete one.
                    return Poll::Ready(Some(Err("the response stream failed".into())));
                }
            }
        }
    }
}

enum Chunk {
    Data(Bytes),
    End,
    Failed,
}

struct NextChunk {
    source: Arc<Source>,
}

impl Call for NextChunk {
    type Output = Chunk;

    fn call<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        // Not held across the call: `__next__` may block for long.
        let iterator = self
            .source
            .iterator
            .lock()
            .expect("not poisoned")
            .as_ref()
            .map(|i| i.clone_ref(py));
        let Some(iterator) = iterator else {
            return Err(PyStopIteration::new_err(()));
        };
        let method = match self.source.kind {
            Kind::Async => intern!(py, "__anext__"),
            Kind::Blocking => intern!(py, "__next__"),
        };
        iterator.bind(py).call_method0(method)
    }

    fn finish(self, py: Python<'_>, outcome: PyResult<Bound<'_, PyAny>>) -> Chunk {
        let err = match outcome.and_then(|v| chunk_bytes(&v)) {
            Ok(bytes) => return Chunk::Data(bytes),
            Err(err) => err,
        };
        if err.is_instance_of::<PyStopIteration>(py)
            || err.is_instance_of::<PyStopAsyncIteration>(py)
        {
            return Chunk::End;
        }
        if !err.is_instance_of::<pyo3::exceptions::asyncio::CancelledError>(py) {
            (self.source.report)(py, err);
        }
        Chunk::Failed
    }
}

/// A chunk: bytes, or str (UTF-8).
fn chunk_bytes(value: &Bound<'_, PyAny>) -> PyResult<Bytes> {
    if let Ok(b) = value.cast::<PyBytes>() {
        Ok(Bytes::copy_from_slice(b.as_bytes()))
    } else if let Ok(s) = value.cast::<PyString>() {
        Ok(Bytes::copy_from_slice(s.to_str()?.as_bytes()))
    } else if let Ok(b) = value.cast::<PyByteArray>() {
        Ok(Bytes::from(b.to_vec()))
    } else {
        Err(PyTypeError::new_err(format!(
            "a streamed chunk must be bytes or str, not {}",
            value.get_type().name()?
        )))
    }
}

/// Closes a generator that was not exhausted.
struct Close {
    iterator: Option<Py<PyAny>>,
}

impl Call for Close {
    type Output = ();

    fn call<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let iterator = self.iterator.take().expect("called once").into_bound(py);
        for name in [intern!(py, "aclose"), intern!(py, "close")] {
            if iterator.hasattr(name)? {
                return iterator.call_method0(name);
            }
        }
        Ok(py.None().into_bound(py))
    }

    fn finish(self, py: Python<'_>, outcome: PyResult<Bound<'_, PyAny>>) {
        if let Err(err) = outcome {
            err.print(py);
        }
    }
}
