//! Progress for people waiting at a terminal: after a second, a spinner on
//! stderr shows which objective level is being solved and for how long.
//! Nothing is drawn when stderr is not a terminal, so pipes, files and CI
//! logs stay clean.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the solver is doing now, as a short phrase.
static STAGE: Mutex<String> = Mutex::new(String::new());

/// The spinner while it is drawn, so messages can be printed around it.
static BAR: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);

thread_local! {
    /// While set, the lines this thread would print on stderr are kept
    /// here instead (a request of `seqplan serve` answers with them).
    static CAPTURED: std::cell::RefCell<Option<Vec<String>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `work`, keeping the lines it would print on stderr (through
/// [`eprint_line`]) instead of printing them; returns them with its result.
pub fn capturing<T>(work: impl FnOnce() -> T) -> (T, Vec<String>) {
    struct Restore(Option<Vec<String>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            CAPTURED.with(|c| *c.borrow_mut() = outer);
        }
    }
    let outer = CAPTURED.with(|c| c.borrow_mut().replace(Vec::new()));
    let restore = Restore(outer);
    let result = work();
    let lines = CAPTURED.with(|c| c.borrow_mut().take()).unwrap_or_default();
    drop(restore);
    (result, lines)
}

/// Prints a line on stderr without tearing the spinner, if one is drawn,
/// with any character that could drive the terminal shown escaped (or
/// keeps it, while [`capturing`]).
pub fn eprint_line(line: &str) {
    let kept = CAPTURED.with(|c| {
        c.borrow_mut()
            .as_mut()
            .map(|lines| lines.push(line.to_owned()))
            .is_some()
    });
    if kept {
        return;
    }
    let line = crate::escape::document(line);
    let bar = BAR.lock().ok().and_then(|b| b.clone());
    match bar {
        Some(bar) => bar.suspend(|| eprintln!("{line}")),
        None => eprintln!("{line}"),
    }
}

/// The search's latest incumbent and bound in the stage, as a phrase.
static DETAIL: Mutex<String> = Mutex::new(String::new());

/// Records what the solver is doing now ("objective level 1 of 2: earliest, cheapest").
pub fn set_stage(stage: impl Into<String>) {
    if let Ok(mut current) = STAGE.lock() {
        *current = stage.into();
    }
    set_detail(String::new());
}

/// Records the incumbent and bound of the stage being solved ("earliest 4,
/// cheapest 75; bound on cheapest 20 (gap 73%)").
pub fn set_detail(detail: impl Into<String>) {
    if let Ok(mut current) = DETAIL.lock() {
        *current = detail.into();
    }
}

fn stage() -> String {
    let stage = STAGE.lock().map(|s| s.clone()).unwrap_or_default();
    let detail = DETAIL.lock().map(|s| s.clone()).unwrap_or_default();
    if detail.is_empty() {
        stage
    } else {
        format!("{stage}: {detail}")
    }
}

/// A spinner on stderr, shown after one second while it lives.
pub struct Spinner {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Spinner {
    /// Starts the spinner if stderr is a terminal; otherwise does nothing.
    pub fn start() -> Spinner {
        let stop = Arc::new(AtomicBool::new(false));
        if !std::io::stderr().is_terminal() {
            return Spinner { stop, thread: None };
        }
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(1) {
                if stopped.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let bar = indicatif::ProgressBar::new_spinner();
            if let Ok(mut shared) = BAR.lock() {
                *shared = Some(bar.clone());
            }
            while !stopped.load(Ordering::Relaxed) {
                let what = stage();
                let what = if what.is_empty() {
                    "planning".to_owned()
                } else {
                    what
                };
                bar.set_message(format!("{what} ({:.1} s)", started.elapsed().as_secs_f64()));
                bar.tick();
                std::thread::sleep(Duration::from_millis(100));
            }
            if let Ok(mut shared) = BAR.lock() {
                *shared = None;
            }
            bar.finish_and_clear();
        });
        Spinner {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
