//! SIGTERM/SIGINT as a clean exit: may installs no signal handling, and the
//! default action would kill the process with a signal status.

use std::io;
use std::mem::MaybeUninit;

pub struct Shutdown {
    set: libc::sigset_t,
}

impl Shutdown {
    /// Blocks SIGTERM and SIGINT in this thread; threads spawned later
    /// inherit the mask, so only `wait` ever receives them.
    pub fn block() -> io::Result<Self> {
        // SAFETY: sigemptyset initialises the set before it is read.
        let set = unsafe {
            let mut set = MaybeUninit::<libc::sigset_t>::uninit();
            libc::sigemptyset(set.as_mut_ptr());
            let mut set = set.assume_init();
            libc::sigaddset(&mut set, libc::SIGTERM);
            libc::sigaddset(&mut set, libc::SIGINT);
            set
        };
        // SAFETY: a valid, initialised set.
        let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        Ok(Shutdown { set })
    }

    /// Returns once SIGTERM or SIGINT arrives.
    pub fn wait(&self) {
        let mut sig = 0;
        // SAFETY: the set is initialised and blocked in this thread.
        while unsafe { libc::sigwait(&self.set, &mut sig) } != 0 {}
    }
}
