//! `seqplan serve`: a local web app for exploring and teaching sequences.
//! One page (`page/`), the models of one folder (`models.rs`), and a JSON
//! API that answers with exactly what the command line prints
//! (`api.rs`). Every solve runs on a thread of its own, off the server's,
//! under a time limit, and stops when its client goes away.

mod api;
mod models;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use crate::error::Error;
pub use api::{Limits, Request, COMMANDS, DEFAULT_TIME};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The folder whose `.json` models it offers.
    pub models: PathBuf,
    pub host: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// The longest a request may ask its solves to take, in seconds.
    pub max_time: f64,
    /// The largest request body, in bytes.
    pub max_body: usize,
    /// How many solves run at once; the others wait their turn.
    pub workers: usize,
    /// The largest model, in actions × rounds.
    pub max_size: u64,
}

/// The largest request body by default: 2 MiB, ample for a model.
pub const DEFAULT_MAX_BODY: usize = 2 * 1024 * 1024;

/// What every request shares.
struct Shared {
    options: ServeOptions,
    /// The models' folder, resolved (symlinks followed), that every file
    /// served must lie in.
    root: PathBuf,
    /// Solves running at once, at most `workers`.
    permits: Arc<tokio::sync::Semaphore>,
    /// Solves running now (for `/api/status`).
    solving: Arc<AtomicUsize>,
    /// Requests waiting for a worker.
    waiting: AtomicUsize,
    /// The `Host` values a request may carry: the address bound, and the
    /// names of this machine when it is a loopback one.
    hosts: Vec<String>,
}

/// The most requests that wait for a worker; one more is told to come
/// back later (503).
const MOST_WAITING: usize = 64;

/// Runs the server until Ctrl-C; prints its address first.
pub fn serve(options: ServeOptions) -> Result<u8, Error> {
    let root = models::root(&options.models)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Write {
            target: "the server".into(),
            reason: e.to_string(),
        })?;
    runtime.block_on(run(options, root))
}

async fn run(options: ServeOptions, root: PathBuf) -> Result<u8, Error> {
    let address = SocketAddr::new(options.host, options.port);
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| cannot_listen(address, &e))?;
    let bound = listener
        .local_addr()
        .map_err(|e| cannot_listen(address, &e))?;
    if !options.host.is_loopback() {
        crate::progress::eprint_line(&format!(
            "WARNING: seqplan serve is listening on {}, not only on this machine: anyone who can reach it can read the models in {} and run solves",
            options.host,
            root.display()
        ));
    }
    println!(
        "seqplan serve: open http://{bound}/ (the models in {}; Ctrl-C stops it)",
        root.display()
    );
    let workers = options.workers.max(1);
    let shared = Arc::new(Shared {
        permits: Arc::new(tokio::sync::Semaphore::new(workers)),
        solving: Arc::new(AtomicUsize::new(0)),
        waiting: AtomicUsize::new(0),
        hosts: hosts(bound),
        root,
        options,
    });
    let stopping = Arc::clone(&shared.permits);
    axum::serve(listener, app(shared))
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            // Stop every solve and every wait at once; a second Ctrl-C
            // ends the process whatever is left.
            stopping.close();
            crate::solve::stop_all();
            crate::progress::eprint_line("seqplan serve: stopping (Ctrl-C again to stop at once)");
            tokio::spawn(async {
                let _ = tokio::signal::ctrl_c().await;
                std::process::exit(130);
            });
        })
        .await
        .map_err(|e| cannot_listen(bound, &e))?;
    Ok(0)
}

/// The `Host` headers a request to `bound` may carry. Any other is a page
/// elsewhere reaching this server through a name it made point here (DNS
/// rebinding), and is refused.
fn hosts(bound: SocketAddr) -> Vec<String> {
    let port = bound.port();
    let mut hosts = vec![bound.to_string()];
    if bound.ip().is_loopback() {
        hosts.extend([
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
        ]);
    }
    hosts
}

fn cannot_listen(address: SocketAddr, e: &std::io::Error) -> Error {
    Error::Write {
        target: format!("to {address}"),
        reason: e.to_string(),
    }
}

fn app(shared: Arc<Shared>) -> Router {
    let limit = shared.options.max_body;
    Router::new()
        .route("/", get(page))
        .route("/app.js", get(script))
        .route("/app.css", get(style))
        .route("/api/models", get(list_models))
        .route("/api/models/{*file}", get(one_model))
        .route("/api/status", get(status))
        .route("/api/{command}", post(command))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            guard,
        ))
        .layer(axum::middleware::map_response(secured))
        .with_state(shared)
}

/// Refuses what a page elsewhere could send: a `Host` this server is not
/// (DNS rebinding), a request a browser marks as from another site, and a
/// command whose body is not said to be JSON (which a cross-site form or a
/// `fetch` without preflight could send).
async fn guard(
    State(shared): State<Arc<Shared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = request.headers();
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host_ok = value("host").is_some_and(|host| {
        !shared.options.host.is_loopback() || shared.hosts.iter().any(|h| h == host)
    });
    if !host_ok {
        return error(
            StatusCode::FORBIDDEN,
            "this server answers only on the address it printed",
            None,
        );
    }
    if value("sec-fetch-site") == Some("cross-site") {
        return error(
            StatusCode::FORBIDDEN,
            "requests from other sites are refused",
            None,
        );
    }
    if request.method() == axum::http::Method::POST {
        let json = value("content-type")
            .and_then(|kind| kind.split(';').next())
            .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "a command's body is JSON, sent as `Content-Type: application/json`",
                None,
            );
        }
    }
    next.run(request).await
}

/// Every answer, the router's own (404, 405, 413) included, carries the
/// security headers: nothing from elsewhere, no framing, no sniffing.
async fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "nothing here: the page is at /, the API under /api/",
        None,
    )
}

/// A response of `kind` (the security headers are added by [`secured`]).
fn respond(status: StatusCode, kind: &'static str, body: impl Into<axum::body::Body>) -> Response {
    let mut response = (status, body.into()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    response
}

const JSON: &str = "application/json; charset=utf-8";

/// `{"error": {"message", "path"}}` with `status`.
fn error(status: StatusCode, message: &str, path: Option<&str>) -> Response {
    let body = json!({"error": {"message": crate::escape::document(message), "path": path}});
    respond(status, JSON, format!("{body:#}\n"))
}

async fn page() -> Response {
    respond(
        StatusCode::OK,
        "text/html; charset=utf-8",
        include_str!("page/index.html"),
    )
}

async fn script() -> Response {
    respond(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        include_str!("page/app.js"),
    )
}

async fn style() -> Response {
    respond(
        StatusCode::OK,
        "text/css; charset=utf-8",
        include_str!("page/app.css"),
    )
}

async fn list_models(State(shared): State<Arc<Shared>>) -> Response {
    let root = shared.root.clone();
    match tokio::task::spawn_blocking(move || models::list(&root)).await {
        Ok(list) => respond(StatusCode::OK, JSON, format!("{:#}\n", json!(list))),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "listing the models failed",
            None,
        ),
    }
}

async fn one_model(State(shared): State<Arc<Shared>>, Path(file): Path<String>) -> Response {
    let root = shared.root.clone();
    match tokio::task::spawn_blocking(move || models::read(&root, &file)).await {
        Ok(Ok(text)) => respond(StatusCode::OK, JSON, text),
        Ok(Err(message)) => error(StatusCode::NOT_FOUND, &message, None),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "reading the model failed",
            None,
        ),
    }
}

async fn status(State(shared): State<Arc<Shared>>) -> Response {
    let body = json!({
        "solving": shared.solving.load(Ordering::Relaxed),
        "workers": shared.options.workers.max(1),
        "max_time": shared.options.max_time,
        "max_body": shared.options.max_body,
    });
    respond(StatusCode::OK, JSON, format!("{body:#}\n"))
}

/// Counts a solve running while it lives, even if the solve panics.
struct Counted<'a>(&'a AtomicUsize);

impl<'a> Counted<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Counted(count)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Raises its flag when dropped: when the client goes away, the handler
/// is dropped with it, and the solve stops.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

async fn command(
    State(shared): State<Arc<Shared>>,
    Path(command): Path<String>,
    body: Bytes,
) -> Response {
    if !COMMANDS.contains(&command.as_str()) {
        return error(
            StatusCode::NOT_FOUND,
            &format!(
                "no command `{command}`: the API has {}",
                COMMANDS.join(", ")
            ),
            None,
        );
    }
    let request: Request = {
        let mut deserializer = serde_json::Deserializer::from_slice(&body);
        match serde_path_to_error::deserialize(&mut deserializer) {
            Ok(request) => request,
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!("the request is not what the API takes: {inner}"),
                    Some(&path),
                );
            }
        }
    };
    let kind = match (command.as_str(), request.format.as_deref()) {
        ("validate", _) | (_, None | Some("json")) => JSON,
        (_, Some("svg")) => "image/svg+xml; charset=utf-8",
        (_, Some("html")) => "text/html; charset=utf-8",
        (_, Some("markdown")) => "text/markdown; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let _cancel_on_drop = CancelOnDrop(Arc::clone(&cancel));
    let limits = Limits {
        max_time: shared.options.max_time,
        max_size: shared.options.max_size,
    };
    // Validation solves nothing: it never waits for a worker.
    let permit = if command == "validate" {
        None
    } else {
        if shared.waiting.load(Ordering::Relaxed) >= MOST_WAITING {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is busy: try again in a moment",
                None,
            );
        }
        shared.waiting.fetch_add(1, Ordering::Relaxed);
        let permit = Arc::clone(&shared.permits).acquire_owned().await;
        shared.waiting.fetch_sub(1, Ordering::Relaxed);
        match permit {
            Ok(permit) => Some(permit),
            Err(_) => {
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the server is stopping",
                    None,
                )
            }
        }
    };
    let solving = Arc::clone(&shared.solving);
    let answer = tokio::task::spawn_blocking(move || {
        // The worker stays taken until the solve ends, even when its
        // client has gone (it then stops at its next look at the clock).
        let _permit = permit;
        let _counted = Counted::new(&solving);
        crate::solve::cancellable(cancel, || api::run(&command, &request, limits))
    })
    .await;
    match answer {
        Ok(api::Answer::Done { code, body, said }) => {
            // A command that wrote nothing (text with no plan) answers with
            // what it said instead.
            let mut response = if body.is_empty() {
                let message = if said.is_empty() {
                    "the command printed nothing".to_owned()
                } else {
                    said.join("\n")
                };
                error(StatusCode::UNPROCESSABLE_ENTITY, &message, None)
            } else {
                respond(StatusCode::OK, kind, body)
            };
            response
                .headers_mut()
                .insert("x-seqplan-exit", HeaderValue::from(u16::from(code)));
            response
        }
        Ok(api::Answer::Failed {
            code,
            message,
            path,
        }) => {
            let status = match code {
                2 => StatusCode::BAD_REQUEST,
                1 => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let mut response = error(status, &message, path.as_deref());
            response
                .headers_mut()
                .insert("x-seqplan-exit", HeaderValue::from(u16::from(code)));
            response
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "the solve failed", None),
    }
}
