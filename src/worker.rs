//! A thread whose work ends in a result, waited for when dropped: the safety backup, the file's
//! SHA-256, the journal and the checked rows of an import each run on one.

use std::thread::JoinHandle;

use anyhow::{Context, bail};

/// A thread whose work ends in a result: [`Worker::finish`] waits for it and gives it (a panic
/// there goes on here); dropped unfinished, it is waited for all the same.
pub(crate) struct Worker<T> {
    pub(crate) thread: Option<JoinHandle<anyhow::Result<T>>>,
}

impl<T: Send + 'static> Worker<T> {
    /// Starts a named thread (names show in profilers).
    pub(crate) fn spawn(
        name: &str,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<Worker<T>> {
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(work)
            .context("cannot start a thread")?;
        Ok(Worker {
            thread: Some(thread),
        })
    }

    pub(crate) fn finish(mut self) -> anyhow::Result<T> {
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => bail!("the thread was already waited for"),
        }
    }
}

impl<T> Drop for Worker<T> {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
