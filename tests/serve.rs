//! `seqplan serve` through the real binary and raw HTTP: the API answers
//! with exactly what the command line prints for every shipped model; 50
//! requests at once are answered; nothing outside the models' folder is
//! served; bad, malformed and oversized bodies are refused and the server
//! stays up; a client that goes away stops its solve.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("seqplan")
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A running server, stopped when dropped.
struct Server {
    child: Child,
    address: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(models: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(binary())
            .arg("serve")
            .arg(models)
            .args(["--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "seqplan serve: open http://127.0.0.1:PORT/ (…)"
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .parse()
            .unwrap();
        Server { child, address }
    }

    fn get(&self, path: &str) -> (u16, String) {
        http(self.address, "GET", path, b"")
    }

    fn post(&self, path: &str, body: &Value) -> (u16, String) {
        http(self.address, "POST", path, body.to_string().as_bytes())
    }
}

/// One request over a fresh connection: the status and the body.
fn http(address: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8(response).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_owned())
}

/// What the binary prints for `args`, run in `folder`.
fn cli(folder: &Path, args: &[&str]) -> String {
    let out = Command::new(binary())
        .current_dir(folder)
        .args(args)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn shipped_models() -> Vec<PathBuf> {
    let mut models: Vec<PathBuf> = std::fs::read_dir(repo("models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.ends_with("schema.json"))
        .collect();
    models.sort();
    models
}

#[test]
fn the_api_answers_what_the_command_line_prints() {
    let server = Server::start(&repo("models"), &[]);
    for path in shipped_models() {
        let text = std::fs::read_to_string(&path).unwrap();
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("model.json"), &text).unwrap();
        let name = path.display().to_string();
        let limit = ["--time-limit", "10"];
        for command in ["plan", "explain", "diagnose", "compare"] {
            for format in ["json", "text"] {
                let (status, body) = server.post(
                    &format!("/api/{command}"),
                    &json!({"model": text, "format": format}),
                );
                assert_eq!(status, 200, "{command} {name}: {body}");
                let mut args = vec![command, "model.json", "--format", format];
                args.extend(limit);
                assert_eq!(
                    body,
                    cli(folder.path(), &args),
                    "{command} --format {format} on {name}"
                );
            }
        }
        // A scenario and a forced move.
        let model: Value = serde_json::from_str(&text).unwrap();
        if let Some(scenario) = model["scenarios"][0]["id"].as_str() {
            let (_, body) = server.post("/api/plan", &json!({"model": text, "scenario": scenario}));
            let args = [
                "plan",
                "model.json",
                "--scenario",
                scenario,
                "--format",
                "json",
                "--time-limit",
                "10",
            ];
            assert_eq!(
                body,
                cli(folder.path(), &args),
                "scenario {scenario} of {name}"
            );
        }
        // check: the optimal plan, as text.
        let plan: Value = serde_json::from_str(&cli(
            folder.path(),
            &["plan", "model.json", "--format", "json"],
        ))
        .unwrap();
        let mut proposal = String::new();
        for m in plan["moves"].as_array().unwrap() {
            proposal.push_str(&format!(
                "{} {}\n",
                m["round"],
                m["action"].as_str().unwrap()
            ));
        }
        std::fs::write(folder.path().join("plan.txt"), &proposal).unwrap();
        let (status, body) = server.post("/api/check", &json!({"model": text, "plan": proposal}));
        assert_eq!(status, 200, "{body}");
        let args = [
            "check",
            "model.json",
            "plan.txt",
            "--format",
            "json",
            "--time-limit",
            "10",
        ];
        assert_eq!(body, cli(folder.path(), &args), "check on {name}");
        let (status, body) = server.post("/api/validate", &json!({"model": text}));
        assert_eq!(status, 200);
        assert_eq!(
            body,
            cli(
                folder.path(),
                &["validate", "model.json", "--format", "json"]
            )
        );
    }
}

#[test]
fn fifty_requests_at_once_are_answered() {
    let server = Server::start(&repo("models"), &["--workers", "4"]);
    let text = std::fs::read_to_string(repo("tests/fixtures/chance.json")).unwrap();
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("model.json"), &text).unwrap();
    let expected = cli(
        folder.path(),
        &[
            "plan",
            "model.json",
            "--format",
            "json",
            "--time-limit",
            "10",
        ],
    );
    let address = server.address;
    let body = json!({"model": text}).to_string();
    let threads: Vec<_> = (0..50)
        .map(|_| {
            let body = body.clone();
            std::thread::spawn(move || http(address, "POST", "/api/plan", body.as_bytes()))
        })
        .collect();
    for thread in threads {
        let (status, answer) = thread.join().unwrap();
        assert_eq!(status, 200);
        assert_eq!(answer, expected);
    }
}

#[test]
fn nothing_outside_the_models_folder_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::fs::copy(
        repo("tests/fixtures/chance.json"),
        models.join("chance.json"),
    )
    .unwrap();
    std::fs::write(dir.path().join("secret.json"), r#"{"name": "secret"}"#).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("secret.json"), models.join("escape.json")).unwrap();
    let server = Server::start(&models, &[]);
    let (status, list) = server.get("/api/models");
    assert_eq!(status, 200);
    let list: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(
        list,
        json!([{"file": "chance.json", "name": "An exchange that may collapse"}])
    );
    assert_eq!(server.get("/api/models/chance.json").0, 200);
    for bad in [
        "/api/models/../secret.json",
        "/api/models/%2e%2e/secret.json",
        "/api/models/%2E%2E%2Fsecret.json",
        "/api/models//etc/passwd",
        "/api/models/%2Fetc%2Fpasswd",
        "/api/models/escape.json",
        "/api/models/..%5Csecret.json",
        "/api/models/",
    ] {
        let (status, body) = server.get(bad);
        assert!(status == 404 || status == 400, "{bad}: {status} {body}");
        assert!(!body.contains("secret\""), "{bad}: {body}");
    }
    assert_eq!(server.get("/api/status").0, 200);
}

#[test]
fn bad_bodies_are_refused_and_the_server_stays_up() {
    let server = Server::start(&repo("models"), &["--max-body", "20000"]);
    let address = server.address;
    // Too large: 413.
    let big = vec![b' '; 30_000];
    assert_eq!(http(address, "POST", "/api/plan", &big).0, 413);
    // Not JSON, or not what the API takes: 400 with where.
    let (status, body) = http(address, "POST", "/api/plan", b"{\"model\": ");
    assert_eq!(status, 400, "{body}");
    let (status, body) = server.post("/api/plan", &json!({"modle": "{}"}));
    assert_eq!(status, 400);
    let error: Value = serde_json::from_str(&body).unwrap();
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `modle`"),
        "{body}"
    );
    let (status, body) = server.post(
        "/api/plan",
        &json!({"model": "{\n  \"seqplan\": 1,\n  \"name\": 3\n}"}),
    );
    assert_eq!(status, 400);
    let error: Value = serde_json::from_str(&body).unwrap();
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("model.json:3:"), "{message}");
    assert!(!message.contains("/tmp"), "{message}");
    let (status, body) = server.post(
        "/api/plan",
        &json!({"model": std::fs::read_to_string(repo("tests/fixtures/chance.json")).unwrap(), "force": ["exchange@9"]}),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(server.post("/api/nothing", &json!({})).0, 404);
    assert_eq!(server.post("/api/check", &json!({"model": "{}"})).0, 400);
    // Still up, and still right.
    let (status, _) = server.post(
        "/api/validate",
        &json!({"model": std::fs::read_to_string(repo("tests/fixtures/chance.json")).unwrap()}),
    );
    assert_eq!(status, 200);
}

/// A client that goes away stops its solve: with one worker busy on a
/// model whose solve would take its whole minute, closing the connection
/// frees the worker long before that.
#[test]
fn a_client_that_goes_away_stops_its_solve() {
    let folder = tempfile::tempdir().unwrap();
    let model = cli(
        folder.path(),
        &[
            "generate",
            "--actions",
            "120",
            "--horizon",
            "36",
            "--seed",
            "2",
        ],
    );
    let server = Server::start(&repo("models"), &["--workers", "1", "--max-time", "60"]);
    let body = json!({"model": model, "time_limit": 60}).to_string();
    let mut stream = TcpStream::connect(server.address).unwrap();
    write!(
        stream,
        "POST /api/plan HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        server.address,
        body.len()
    )
    .unwrap();
    let solving = || -> u64 {
        let (_, status) = server.get("/api/status");
        serde_json::from_str::<Value>(&status).unwrap()["solving"]
            .as_u64()
            .unwrap()
    };
    let started = Instant::now();
    while solving() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the solve never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(stream);
    let left = Instant::now();
    while solving() > 0 {
        // Its next look at the clock comes within a slice of nodes.
        assert!(
            left.elapsed() < Duration::from_secs(15),
            "the solve went on after its client left"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Clients that come and go never run more solves at once than the
/// server has workers: a worker stays taken until its solve has stopped.
#[test]
fn solves_never_outnumber_the_workers() {
    let folder = tempfile::tempdir().unwrap();
    let model = cli(
        folder.path(),
        &[
            "generate",
            "--actions",
            "60",
            "--horizon",
            "24",
            "--seed",
            "3",
        ],
    );
    let server = Server::start(&repo("models"), &["--workers", "1", "--max-time", "20"]);
    let body = json!({"model": model, "time_limit": 20}).to_string();
    let mut most = 0;
    for _ in 0..4 {
        let mut stream = TcpStream::connect(server.address).unwrap();
        write!(
            stream,
            "POST /api/plan HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            server.address,
            body.len()
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        drop(stream);
        let (_, status) = server.get("/api/status");
        let solving = serde_json::from_str::<Value>(&status).unwrap()["solving"]
            .as_u64()
            .unwrap();
        most = most.max(solving);
    }
    assert!(most <= 1, "{most} solves at once with one worker");
}

/// What a page elsewhere could send is refused: another `Host` (DNS
/// rebinding), a request marked cross-site, a body not said to be JSON.
/// A value that looks like a flag stays a value.
#[test]
fn requests_from_elsewhere_and_flags_in_values_are_refused() {
    let server = Server::start(&repo("models"), &[]);
    let raw = |head: &str, body: &str| -> u16 {
        let mut stream = TcpStream::connect(server.address).unwrap();
        write!(
            stream,
            "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    let model = std::fs::read_to_string(repo("tests/fixtures/chance.json")).unwrap();
    let body = json!({"model": model}).to_string();
    let address = server.address;
    assert_eq!(
        raw(&format!("POST /api/plan HTTP/1.1\r\nHost: evil.example:{}\r\nContent-Type: application/json", address.port()), &body),
        403
    );
    assert_eq!(
        raw("GET /api/models HTTP/1.1\r\nHost: evil.example", ""),
        403
    );
    assert_eq!(
        raw(&format!("POST /api/plan HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nSec-Fetch-Site: cross-site"), &body),
        403
    );
    assert_eq!(
        raw(
            &format!("POST /api/plan HTTP/1.1\r\nHost: {address}\r\nContent-Type: text/plain"),
            &body
        ),
        415
    );
    assert_eq!(
        raw(
            &format!(
                "POST /api/plan HTTP/1.1\r\nHost: localhost:{}\r\nContent-Type: application/json",
                address.port()
            ),
            &body
        ),
        200
    );
    // Values that look like flags stay values: no file is written.
    let target = tempfile::tempdir().unwrap();
    let written = target.path().join("x");
    for scenario in [
        format!("--output={}", written.display()),
        "--help".to_owned(),
        "-o/tmp/seqplan-injected".to_owned(),
    ] {
        let (status, body) =
            server.post("/api/plan", &json!({"model": model, "scenario": scenario}));
        assert_eq!(status, 400, "{scenario}: {body}");
    }
    assert!(!written.exists());
    assert!(!Path::new("/tmp/seqplan-injected").exists());
    // Bounded work: at most 32 plans in one compare.
    let scenarios: Vec<&str> = vec!["base"; 16];
    let objectives: Vec<&str> = vec!["cheapest"; 3];
    let (status, body) = server.post(
        "/api/compare",
        &json!({"model": model, "scenario": scenarios, "objective": objectives}),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("at most 32 plans"), "{body}");
}

/// A command that prints nothing (no plan, as text) answers with what it
/// said, and the exit code rides along.
#[test]
fn no_plan_as_text_says_why() {
    let server = Server::start(&repo("models"), &[]);
    let model =
        std::fs::read_to_string(repo("models/infeasible/education_six_months.json")).unwrap();
    let (status, body) = server.post("/api/plan", &json!({"model": model, "format": "json"}));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"status\": \"infeasible\""), "{body}");
    // Out of time before any plan, as text: nothing printed but the reason.
    let convening = std::fs::read_to_string(repo("models/convening_formats.json")).unwrap();
    let (status, body) = server.post(
        "/api/plan",
        &json!({"model": convening, "format": "text", "time_limit": 0.000_001}),
    );
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("no plan found: the time or effort limit ran out"),
        "{body}"
    );
    let (status, body) = server.post(
        "/api/compare",
        &json!({"models": [model, model], "labels": ["a", "A"]}),
    );
    assert_eq!(status, 400, "{body}");
    let (status, body) = server.post(
        "/api/compare",
        &json!({"models": [model, model], "labels": ["six", "months"], "format": "text"}),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("six") && body.contains("months"), "{body}");
}
