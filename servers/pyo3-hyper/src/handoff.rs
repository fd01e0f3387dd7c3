//! The hand-off: how Python work leaves a tokio thread and how its outcome
//! comes back. The native API (`service.rs`) uses it for every handler and
//! every streamed chunk; an ASGI/WSGI layer can use it unchanged: implement
//! [`Call`] and [`Handoff::submit`] it.
//!
//! Two kinds of work:
//!
//! - [`Kind::Async`] (an `async def` handler, an async generator's next chunk):
//!   runs on the server's asyncio loop. The loop thread owns the loop through
//!   the *gate*; it gives the gate up only while it sleeps in `epoll_wait`
//!   (`pyo3_hyper/_loop.py`). A tokio thread that finds the gate free takes
//!   it and, attached to the interpreter, starts the coroutine as a real
//!   `asyncio.Task` and runs its first step at once, on the tokio thread. A
//!   handler that never suspends is answered right there: no thread switch,
//!   no wake-up. One that suspends stays a task of the loop, which the tokio
//!   thread wakes before it lets the gate go; the task's done-callback sends
//!   the outcome. When the gate is taken (the loop is running callbacks, or
//!   another worker is stepping), the work is queued for the loop thread.
//! - [`Kind::Blocking`] (a plain `def` handler, a generator's next chunk): runs
//!   on a bounded pool of threads, so that one blocking handler holds one pool
//!   thread and nothing else. If it returns an awaitable, that is awaited on
//!   the loop.
//!
//! The outcome is turned into Rust data ([`Call::finish`]) with the GIL still
//! held, on whichever thread finished it, and crosses back on a oneshot. A
//! caller that stops waiting ([`Pending`] dropped: hyper dropped the request
//! because its client left) cancels the work: a task still running on the
//! loop is cancelled, a blocking call not yet started never starts.

use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::task::{Context, Poll};

use pyo3::exceptions::asyncio::InvalidStateError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3::{ffi, intern};
use tokio::sync::oneshot;

/// The name of every handler's task (`asyncio.Task.get_name()`).
pub const TASK_NAME: &str = "pyo3-hyper-handler";

/// Where a [`Call`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Its result is awaited on the server's event loop (first step eagerly,
    /// on the submitting thread, when the loop is idle).
    Async,
    /// On the bounded thread pool: it may block.
    Blocking,
}

/// One piece of Python work for a request.
pub trait Call: Send + 'static {
    type Output: Send + 'static;
    /// Calls into Python (the GIL is held). For [`Kind::Async`] work the
    /// result is awaited if it is awaitable; otherwise it is the outcome.
    fn call<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;
    /// Turns the outcome into Rust data while the GIL is held.
    fn finish(self, py: Python<'_>, outcome: PyResult<Bound<'_, PyAny>>) -> Self::Output;
}

/// A submitted call, type-erased.
trait Job: Send {
    fn call<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;
    fn finish(self: Box<Self>, py: Python<'_>, outcome: PyResult<Bound<'_, PyAny>>) {
        self.finish_then(py, outcome, &|| {});
    }
    /// `finish`, calling `before_reply` just before the output is sent.
    fn finish_then(
        self: Box<Self>,
        py: Python<'_>,
        outcome: PyResult<Bound<'_, PyAny>>,
        before_reply: &dyn Fn(),
    );
    fn token(&self) -> &Arc<Token>;
}

struct Packed<C: Call> {
    call: C,
    reply: oneshot::Sender<C::Output>,
    token: Arc<Token>,
}

impl<C: Call> Job for Packed<C> {
    fn call<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.call.call(py)
    }

    fn finish_then(
        self: Box<Self>,
        py: Python<'_>,
        outcome: PyResult<Bound<'_, PyAny>>,
        before_reply: &dyn Fn(),
    ) {
        let Packed { call, reply, .. } = *self;
        let output = call.finish(py, outcome);
        before_reply();
        // A caller that left drops the output here, with the GIL held.
        let _ = reply.send(output);
    }

    fn token(&self) -> &Arc<Token> {
        &self.token
    }
}

/// Shared by a submitted call and its caller: cancellation, and the task
/// that runs it once it has suspended on the loop.
#[derive(Default)]
pub struct Token {
    state: Mutex<TokenState>,
}

#[derive(Default)]
struct TokenState {
    cancelled: bool,
    task: Option<Py<PyAny>>,
}

impl Token {
    fn cancelled(&self) -> bool {
        self.state.lock().expect("not poisoned").cancelled
    }

    /// The caller left: true when a task must be cancelled on the loop.
    fn cancel(&self) -> bool {
        let mut state = self.state.lock().expect("not poisoned");
        state.cancelled = true;
        state.task.is_some()
    }

    /// Remembers the task of a suspended call; false when the caller already left.
    fn park(&self, task: &Bound<'_, PyAny>) -> bool {
        let mut state = self.state.lock().expect("not poisoned");
        if state.cancelled {
            return false;
        }
        state.task = Some(task.clone().unbind());
        true
    }

    fn take_task(&self) -> Option<Py<PyAny>> {
        self.state.lock().expect("not poisoned").task.take()
    }
}

/// What the loop thread does when it wakes.
enum Msg {
    /// Start a call (queued because the gate was taken).
    Start(Box<dyn Job>),
    /// Await what a blocking call returned.
    Await(Box<dyn Job>, Py<PyAny>),
    /// The caller left: cancel its task.
    Cancel(Arc<Token>),
}

/// Who may run the event loop's Python code: the loop thread, except while
/// it sleeps in `epoll_wait`, when one tokio thread at a time may.
#[derive(Default)]
struct Gate {
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Default)]
struct GateState {
    held: bool,
    /// Held by the loop thread (else by a worker, for one step).
    by_loop: bool,
    /// The loop thread waits to take the gate back: workers let it go first.
    loop_waiting: bool,
    workers_waiting: usize,
}

impl Gate {
    /// A worker's attempt. A gate another worker holds for one step is
    /// waited for when `may_wait` (the GIL would make it wait as long
    /// anyway); a gate the loop holds, or wants back, is not: the work is
    /// queued for the loop.
    fn try_enter(&self, may_wait: bool) -> bool {
        let mut state = self.state.lock().expect("not poisoned");
        loop {
            if state.by_loop || state.loop_waiting {
                return false;
            }
            if !state.held {
                state.held = true;
                return true;
            }
            if !may_wait {
                return false;
            }
            state.workers_waiting += 1;
            state = self.changed.wait(state).expect("not poisoned");
            state.workers_waiting -= 1;
        }
    }

    /// The loop thread takes the gate back, waiting for the worker that holds it.
    fn enter(&self) {
        let mut state = self.state.lock().expect("not poisoned");
        while state.held {
            state.loop_waiting = true;
            state = self.changed.wait(state).expect("not poisoned");
        }
        state.loop_waiting = false;
        state.held = true;
        state.by_loop = true;
    }

    fn try_enter_loop(&self) -> bool {
        let mut state = self.state.lock().expect("not poisoned");
        if state.held {
            return false;
        }
        state.held = true;
        state.by_loop = true;
        true
    }

    fn leave(&self) {
        let mut state = self.state.lock().expect("not poisoned");
        state.held = false;
        state.by_loop = false;
        // A notify is a syscall: only when someone waits.
        if state.loop_waiting || state.workers_waiting > 0 {
            self.changed.notify_all();
        }
    }
}

/// The server's event loop as the hand-off uses it; set once the loop thread
/// has made it.
struct LoopRefs {
    event_loop: Py<PyAny>,
    /// `functools.partial(asyncio.Task, loop=event_loop)`.
    new_task: Py<PyAny>,
    /// `event_loop._ready`: the loop's deque of callbacks due now.
    ready: Py<PyAny>,
    /// The loop's `call_soon`, which can hand a new task's first step back.
    soon: Py<Soon>,
    /// `types.CoroutineType`, to recognise a coroutine by its exact type.
    coroutine_type: Py<PyAny>,
    /// An `async def` wrapper that awaits any awaitable (`asyncio.Task` needs a coroutine).
    wrap: Py<PyAny>,
    set_running_loop: Py<PyAny>,
    /// Eager steps are off in asyncio debug mode, which checks the thread of every call.
    eager: bool,
}

thread_local! {
    /// Which hand-off's loop this thread has set as its running loop.
    static RUNNING_LOOP_OF: Cell<usize> = const { Cell::new(0) };
}

/// The bounded pool of threads for blocking calls; threads start on demand.
struct Pool {
    state: Mutex<PoolState>,
    work: Condvar,
    bound: usize,
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<Box<dyn Job>>,
    threads: usize,
    idle: usize,
    /// Threads inside a job, until just before its reply is sent: a thread
    /// that replied is about to take the next job, so a client sending
    /// requests one after another keeps one thread, not a new one each time.
    running: usize,
    closed: bool,
}

/// The hand-off of one server, shared by its tokio workers, its pool threads
/// and its loop thread.
pub struct Handoff {
    gate: Gate,
    inbox: Mutex<VecDeque<Msg>>,
    /// Written to wake the loop thread; the loop watches `wake_rx`.
    wake_tx: UnixStream,
    wake_rx: UnixStream,
    /// Set once a wake byte is in flight; the loop clears it before draining.
    notified: AtomicBool,
    closed: AtomicBool,
    refs: OnceLock<LoopRefs>,
    pool: Pool,
}

/// Jobs started per wake-up of the loop before its other callbacks get a turn.
const BATCH: usize = 256;

impl Handoff {
    pub fn new(blocking_threads: usize) -> std::io::Result<Arc<Self>> {
        let (wake_tx, wake_rx) = UnixStream::pair()?;
        wake_tx.set_nonblocking(true)?;
        wake_rx.set_nonblocking(true)?;
        Ok(Arc::new(Handoff {
            gate: Gate::default(),
            inbox: Mutex::new(VecDeque::new()),
            wake_tx,
            wake_rx,
            notified: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            refs: OnceLock::new(),
            pool: Pool {
                state: Mutex::new(PoolState::default()),
                work: Condvar::new(),
                bound: blocking_threads.max(1),
            },
        }))
    }

    /// Runs `call` where its kind says; the returned future gives its output,
    /// or `None` when the interpreter side is closed. Dropping the future
    /// before it is ready cancels the call.
    pub fn submit<C: Call>(self: &Arc<Self>, kind: Kind, call: C) -> Pending<C::Output> {
        self.submit_from(kind, call, true)
    }

    /// `submit` from a thread that may be attached to the interpreter (a
    /// drop that can run anywhere): it never waits for the gate, since its
    /// holder may need the GIL this thread holds, or be this thread.
    pub fn submit_attached<C: Call>(self: &Arc<Self>, kind: Kind, call: C) -> Pending<C::Output> {
        self.submit_from(kind, call, false)
    }

    fn submit_from<C: Call>(
        self: &Arc<Self>,
        kind: Kind,
        call: C,
        may_wait: bool,
    ) -> Pending<C::Output> {
        let (reply, rx) = oneshot::channel();
        let token = Arc::new(Token::default());
        let pending = Pending {
            rx,
            token: token.clone(),
            handoff: self.clone(),
            done: false,
        };
        if self.closed.load(Ordering::Acquire) {
            return pending; // the sender is dropped: None
        }
        let job: Box<dyn Job> = Box::new(Packed { call, reply, token });
        match kind {
            Kind::Blocking => self.to_pool(job),
            Kind::Async => self.start_async(job, may_wait),
        }
        pending
    }

    fn start_async(self: &Arc<Self>, job: Box<dyn Job>, may_wait: bool) {
        let eager = self.refs.get().is_some_and(|r| r.eager);
        if eager && self.gate.try_enter(may_wait) {
            Python::attach(|py| {
                self.set_running_loop(py);
                self.run_async(py, job);
            });
            self.gate.leave();
        } else {
            self.post(Msg::Start(job));
        }
    }

    /// `asyncio.get_running_loop()` in a handler stepped on this thread is
    /// the server's loop.
    fn set_running_loop(&self, py: Python<'_>) {
        let me = self as *const Self as usize;
        if RUNNING_LOOP_OF.get() == me {
            return;
        }
        let refs = self.refs.get().expect("eager steps need the loop");
        if refs
            .set_running_loop
            .call1(py, (refs.event_loop.bind(py),))
            .is_ok()
        {
            RUNNING_LOOP_OF.set(me);
        }
    }

    /// Calls and steps an async job; the caller holds the gate.
    fn run_async(&self, py: Python<'_>, mut job: Box<dyn Job>) {
        if job.token().cancelled() {
            return;
        }
        match job.call(py) {
            Err(e) => job.finish(py, Err(e)),
            Ok(value) => self.await_value(py, job, value),
        }
    }

    /// Awaits `value` as a task of the loop, running its first step now; the
    /// caller holds the gate. A value that is not awaitable is the outcome.
    fn await_value(&self, py: Python<'_>, job: Box<dyn Job>, value: Bound<'_, PyAny>) {
        let Some(refs) = self.refs.get() else {
            let err = pyo3::exceptions::PyRuntimeError::new_err("the event loop is not running");
            return job.finish(py, Err(err));
        };
        let coroutine = if value.get_type().is(refs.coroutine_type.bind(py)) {
            value
        } else if value.hasattr(intern!(py, "__await__")).unwrap_or(false) {
            match refs.wrap.bind(py).call1((value,)) {
                Ok(c) => c,
                Err(e) => return job.finish(py, Err(e)),
            }
        } else {
            return job.finish(py, Ok(value));
        };
        let ready = refs.ready.bind(py);
        let event_loop = refs.event_loop.bind(py);
        let timers_before = timers(event_loop);
        // The Task's constructor asks the loop to call its first step soon;
        // the loop's `call_soon` (a `Soon`) hands that step back instead, and
        // it runs here, now (we hold the gate: we are the loop for this step).
        let soon = refs.soon.get();
        soon.capturing.store(true, Ordering::Relaxed);
        let task = refs.new_task.bind(py).call1((coroutine,));
        soon.capturing.store(false, Ordering::Relaxed);
        let task = match task {
            Ok(task) => task,
            Err(e) => return job.finish(py, Err(e)),
        };
        let step = soon.captured.lock().expect("not poisoned").take();
        if let Some((callback, context)) = step {
            // A SystemExit or KeyboardInterrupt escapes the step after the
            // task recorded it: the outcome below reports it.
            let _ = match context {
                Some(context) => context
                    .bind(py)
                    .call_method1(intern!(py, "run"), (callback,)),
                None => callback.bind(py).call0(),
            };
        }
        // `result()` of a task still pending raises InvalidStateError; one
        // call instead of done() and result() on the fast path.
        let outcome = task.call_method0(intern!(py, "result"));
        let done = !matches!(&outcome, Err(e) if e.is_instance_of::<InvalidStateError>(py));
        if done {
            job.finish(py, outcome);
        } else {
            self.park(py, job, &task);
        }
        if !done || ready.len().unwrap_or(1) > 0 || timers(event_loop) != timers_before {
            self.wake();
        }
    }

    /// Leaves a suspended task to the loop; its done-callback finishes the job.
    fn park(&self, py: Python<'_>, job: Box<dyn Job>, task: &Bound<'_, PyAny>) {
        let token = job.token().clone();
        let waiter = Waiter {
            job: Mutex::new(Some(job)),
        };
        let registered = Bound::new(py, waiter).and_then(|w| {
            let callback = w.getattr(intern!(py, "task_done"))?;
            task.call_method1(intern!(py, "add_done_callback"), (callback,))
        });
        if let Err(e) = registered {
            // Not expected; the task still runs but nobody hears of it.
            e.print(py);
            return;
        }
        if !token.park(task) {
            let _ = task.call_method0(intern!(py, "cancel"));
        }
    }

    fn to_pool(self: &Arc<Self>, job: Box<dyn Job>) {
        let mut state = self.pool.state.lock().expect("not poisoned");
        state.queue.push_back(job);
        if state.idle > 0 {
            self.pool.work.notify_one();
        }
        let coming = state.threads - state.running;
        if state.queue.len() > coming && state.threads < self.pool.bound {
            state.threads += 1;
            let handoff = self.clone();
            let n = state.threads;
            let spawned = std::thread::Builder::new()
                .name(format!("pyo3-hyper-blocking-{n}"))
                .spawn(move || handoff.pool_thread());
            if spawned.is_err() {
                state.threads -= 1;
            }
        }
        // Otherwise every thread is busy: the job waits for the first free one.
    }

    fn pool_thread(self: Arc<Self>) {
        let _state = KeptThreadState::new();
        loop {
            let job = {
                let mut state = self.pool.state.lock().expect("not poisoned");
                loop {
                    if let Some(job) = state.queue.pop_front() {
                        state.running += 1;
                        break job;
                    }
                    if state.closed {
                        state.threads -= 1;
                        return;
                    }
                    state.idle += 1;
                    state = self.pool.work.wait(state).expect("not poisoned");
                    state.idle -= 1;
                }
            };
            let released = Cell::new(false);
            let release = || {
                if !released.replace(true) {
                    self.pool.state.lock().expect("not poisoned").running -= 1;
                }
            };
            if !job.token().cancelled() {
                Python::attach(|py| self.run_blocking(py, job, &release));
            }
            release();
        }
    }

    fn run_blocking(&self, py: Python<'_>, mut job: Box<dyn Job>, release: &dyn Fn()) {
        match job.call(py) {
            Err(e) => job.finish_then(py, Err(e), release),
            Ok(value) => {
                let awaitable = self.refs.get().is_some_and(|r| {
                    value.get_type().is(r.coroutine_type.bind(py))
                        || value.hasattr(intern!(py, "__await__")).unwrap_or(false)
                });
                if awaitable {
                    release();
                    self.post(Msg::Await(job, value.unbind()));
                } else {
                    job.finish_then(py, Ok(value), release);
                }
            }
        }
    }

    fn post(&self, msg: Msg) {
        self.inbox.lock().expect("not poisoned").push_back(msg);
        self.wake();
    }

    fn wake(&self) {
        if !self.notified.swap(true, Ordering::AcqRel) {
            // Non-blocking: a full socket buffer already means "wake up".
            let _ = (&self.wake_tx).write(&[1]);
        }
    }

    /// No new calls; the loop thread is woken to notice.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.notified.store(false, Ordering::Release);
        self.wake();
        let mut pool = self.pool.state.lock().expect("not poisoned");
        pool.closed = true;
        self.pool.work.notify_all();
    }
}

/// The number of timers on the loop, to see whether a step added one the
/// sleeping loop does not know of.
fn timers(event_loop: &Bound<'_, PyAny>) -> usize {
    event_loop
        .getattr(intern!(event_loop.py(), "_scheduled"))
        .and_then(|s| s.len())
        .unwrap_or(usize::MAX)
}

/// The caller's end of a submitted call.
pub struct Pending<O> {
    rx: oneshot::Receiver<O>,
    token: Arc<Token>,
    handoff: Arc<Handoff>,
    done: bool,
}

impl<O> Pending<O> {
    /// Lets the call run to its end with nobody waiting (closing a generator).
    pub fn detach(mut self) {
        self.done = true;
    }
}

impl<O> Future for Pending<O> {
    type Output = Option<O>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<O>> {
        let out = std::task::ready!(Pin::new(&mut self.rx).poll(cx));
        self.done = true;
        Poll::Ready(out.ok())
    }
}

impl<O> Drop for Pending<O> {
    fn drop(&mut self) {
        if !self.done && self.token.cancel() {
            self.handoff.post(Msg::Cancel(self.token.clone()));
        }
    }
}

/// The done-callback of a task left to the loop.
#[pyclass(frozen, module = "pyo3_hyper._core")]
pub struct Waiter {
    job: Mutex<Option<Box<dyn Job>>>,
}

#[pymethods]
impl Waiter {
    /// `task.add_done_callback(waiter.task_done)`.
    fn task_done(&self, py: Python<'_>, task: &Bound<'_, PyAny>) {
        let Some(job) = self.job.lock().expect("not poisoned").take() else {
            return;
        };
        drop(job.token().take_task());
        // `result()` raises the task's exception, CancelledError included.
        let outcome = task.call_method0(intern!(py, "result"));
        job.finish(py, outcome);
    }
}

/// The server loop's `call_soon` (set on the loop object): the loop's own,
/// except while the gate's holder makes a Task, whose first step it keeps
/// for that holder to run at once. Only the gate's holder may call
/// `call_soon` (asyncio's rule: it is not thread-safe), so the one call made
/// while capturing is the Task's.
#[pyclass(frozen, module = "pyo3_hyper._core")]
pub struct Soon {
    original: Py<PyAny>,
    capturing: AtomicBool,
    #[allow(clippy::type_complexity)]
    captured: Mutex<Option<(Py<PyAny>, Option<Py<PyAny>>)>>,
}

#[pymethods]
impl Soon {
    #[pyo3(signature = (callback, *args, context=None))]
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        callback: Bound<'py, PyAny>,
        args: Bound<'py, pyo3::types::PyTuple>,
        context: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if args.is_empty() && self.capturing.swap(false, Ordering::Relaxed) {
            *self.captured.lock().expect("not poisoned") =
                Some((callback.unbind(), context.map(Bound::unbind)));
            return Ok(py.None().into_bound(py));
        }
        let kwargs = PyDict::new(py);
        if let Some(context) = context {
            kwargs.set_item(intern!(py, "context"), context)?;
        }
        let mut all = vec![callback];
        all.extend(args.iter());
        self.original
            .bind(py)
            .call(pyo3::types::PyTuple::new(py, all)?, Some(&kwargs))
    }
}

/// Keeps a Python thread state for the life of a thread that attaches often
/// (tokio workers, pool threads): without it every attach would create and
/// destroy one.
pub struct KeptThreadState {
    kept: Option<(ffi::PyGILState_STATE, *mut ffi::PyThreadState)>,
}

impl KeptThreadState {
    pub fn new() -> Self {
        // SAFETY: the interpreter is initialised (this module was imported by
        // it); the thread is not attached, so Ensure attaches it and
        // SaveThread detaches it again, keeping the state.
        let kept = unsafe {
            if ffi::Py_IsInitialized() == 0 {
                None
            } else {
                let gstate = ffi::PyGILState_Ensure();
                Some((gstate, ffi::PyEval_SaveThread()))
            }
        };
        KeptThreadState { kept }
    }
}

impl Default for KeptThreadState {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for KeptThreadState {
    fn drop(&mut self) {
        if let Some((gstate, saved)) = self.kept.take() {
            // SAFETY: the reverse of `new`, on the same thread.
            unsafe {
                if ffi::Py_IsInitialized() != 0 {
                    ffi::PyEval_RestoreThread(saved);
                    ffi::PyGILState_Release(gstate);
                }
            }
        }
    }
}

/// The loop thread's side of the hand-off (`pyo3_hyper/_loop.py` drives it).
#[pyclass(frozen, module = "pyo3_hyper._core")]
pub struct Dispatcher {
    pub handoff: Arc<Handoff>,
}

#[pymethods]
impl Dispatcher {
    /// The descriptor the loop watches (`loop.add_reader(fileno, run_ready)`).
    fn fileno(&self) -> i32 {
        self.handoff.wake_rx.as_raw_fd()
    }

    /// Makes `event_loop` the server's loop; called on the loop thread, which
    /// then holds the gate. `wrap(awaitable)` is a coroutine awaiting it.
    fn bind_loop(
        &self,
        py: Python<'_>,
        event_loop: &Bound<'_, PyAny>,
        wrap: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let asyncio = py.import("asyncio")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("loop", event_loop)?;
        // A name given spares every Task formatting its own ("Task-N"), a
        // twentieth of a plaintext request's instructions (callgrind).
        kwargs.set_item("name", TASK_NAME)?;
        let new_task = py
            .import("functools")?
            .getattr("partial")?
            .call((asyncio.getattr("Task")?,), Some(&kwargs))?;
        let debug = event_loop.call_method0("get_debug")?.is_truthy()?;
        let soon = Py::new(
            py,
            Soon {
                original: event_loop.getattr("call_soon")?.unbind(),
                capturing: AtomicBool::new(false),
                captured: Mutex::new(None),
            },
        )?;
        event_loop.setattr("call_soon", soon.clone_ref(py))?;
        let refs = LoopRefs {
            event_loop: event_loop.clone().unbind(),
            new_task: new_task.unbind(),
            ready: event_loop.getattr("_ready")?.unbind(),
            soon,
            coroutine_type: py.import("types")?.getattr("CoroutineType")?.unbind(),
            wrap: wrap.clone().unbind(),
            set_running_loop: asyncio.getattr("_set_running_loop")?.unbind(),
            eager: !debug,
        };
        self.handoff.gate.enter();
        RUNNING_LOOP_OF.set(Arc::as_ptr(&self.handoff) as usize);
        self.handoff
            .refs
            .set(refs)
            .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("the loop is already bound"))
    }

    /// Lets tokio threads step tasks while the loop sleeps (before `epoll_wait`).
    fn leave(&self) {
        self.handoff.gate.leave();
    }

    /// Takes the loop back after `epoll_wait`, waiting with the GIL released.
    fn enter(&self, py: Python<'_>) {
        let handoff = &self.handoff;
        if !handoff.gate.try_enter_loop() {
            py.detach(|| handoff.gate.enter());
        }
    }

    /// Runs the queued work; True once the hand-off is closed and drained.
    fn run_ready(&self, py: Python<'_>) -> bool {
        let handoff = &self.handoff;
        let mut sink = [0u8; 64];
        while matches!((&handoff.wake_rx).read(&mut sink), Ok(n) if n > 0) {}
        handoff.notified.store(false, Ordering::Release);
        for _ in 0..BATCH {
            let msg = handoff.inbox.lock().expect("not poisoned").pop_front();
            match msg {
                None => return handoff.closed.load(Ordering::Acquire),
                Some(Msg::Start(job)) => handoff.run_async(py, job),
                Some(Msg::Await(job, value)) => {
                    if !job.token().cancelled() {
                        handoff.await_value(py, job, value.into_bound(py));
                    }
                }
                Some(Msg::Cancel(token)) => {
                    if let Some(task) = token.take_task() {
                        let _ = task.bind(py).call_method0(intern!(py, "cancel"));
                    }
                }
            }
        }
        // More than one batch: come back after the loop's other callbacks.
        handoff.wake();
        false
    }

    /// Refuses new calls and wakes the loop so that it can stop.
    fn close(&self) {
        self.handoff.close();
    }
}
