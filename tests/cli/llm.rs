//! Suggestions from a language model, against a real HTTP server on loopback that the test
//! starts and scripts: it answers as each provider documents its API, and records what intake
//! sends. Checked: good answers applied only when accepted, every kind of bad answer rejected
//! with its reason, retries, time-outs, refused keys, and that no sample value leaves unless the
//! user allowed it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::{Run, Workspace};

/// What the scripted server answers to one request.
struct Reply {
    status: u16,
    body: String,
    delay: Duration,
    retry_after: Option<&'static str>,
}

fn reply(status: u16, body: impl Into<String>) -> Reply {
    Reply {
        status,
        body: body.into(),
        delay: Duration::ZERO,
        retry_after: None,
    }
}

/// One request as the server received it.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    authorization: Option<String>,
    body: Value,
}

/// A server on a free loopback port that answers requests with `replies`, in order, then stops.
struct Server {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(replies: Vec<Reply>) -> Server {
        let server = tiny_http::Server::http("127.0.0.1:0").expect("a loopback server");
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        let thread = std::thread::spawn(move || {
            for reply in replies {
                let Ok(Some(mut request)) = server.recv_timeout(Duration::from_secs(60)) else {
                    return;
                };
                let mut body = String::new();
                let _ = request.as_reader().read_to_string(&mut body);
                let authorization = request
                    .headers()
                    .iter()
                    .find(|header| header.field.equiv("Authorization"))
                    .map(|header| header.value.to_string());
                log.lock().expect("the log").push(Received {
                    path: request.url().to_string(),
                    authorization,
                    body: serde_json::from_str(&body).unwrap_or(Value::Null),
                });
                std::thread::sleep(reply.delay);
                let mut response = tiny_http::Response::from_string(reply.body)
                    .with_status_code(reply.status)
                    .with_header(
                        tiny_http::Header::from_bytes("Content-Type", "application/json")
                            .expect("a header"),
                    );
                if let Some(seconds) = reply.retry_after {
                    response = response.with_header(
                        tiny_http::Header::from_bytes("Retry-After", seconds).expect("a header"),
                    );
                }
                // A client that gave up has closed the connection: nothing to do about it.
                let _ = request.respond(response);
            }
        });
        Server {
            url: format!("http://127.0.0.1:{port}"),
            received,
            thread: Some(thread),
        }
    }

    fn received(&mut self) -> Vec<Received> {
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the server thread");
        }
        self.received.lock().expect("the log").clone()
    }
}

/// A chat completion as OpenAI documents it, with `content` as the message.
fn openai(content: &str) -> String {
    json!({
        "id": "chatcmpl-123",
        "object": "chat.completion",
        "created": 1_741_569_952,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null, "annotations": []},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29},
        "service_tier": "default"
    })
    .to_string()
}

/// A chat completion as Gemini's OpenAI-compatible endpoint returns it.
fn gemini(content: &str) -> String {
    json!({
        "choices": [{
            "finish_reason": "stop",
            "index": 0,
            "message": {"content": content, "role": "assistant"}
        }],
        "created": 1_741_569_952,
        "id": "hYjLZ8yFN7ia1dkP1bC62QQ",
        "model": "gemini-2.0-flash",
        "object": "chat.completion",
        "usage": {"completion_tokens": 40, "prompt_tokens": 180, "total_tokens": 220}
    })
    .to_string()
}

/// A reply of Ollama's `/api/chat` without streaming.
fn ollama(content: &str) -> String {
    json!({
        "model": "llama3.1",
        "created_at": "2023-12-12T14:13:43.416799Z",
        "message": {"role": "assistant", "content": content},
        "done": true,
        "done_reason": "stop",
        "total_duration": 5_191_566_416_u64,
        "load_duration": 2_154_458,
        "prompt_eval_count": 26,
        "prompt_eval_duration": 383_809_000,
        "eval_count": 298,
        "eval_duration": 4_799_921_000_u64
    })
    .to_string()
}

fn mappings(pairs: &[(&str, Option<&str>)]) -> String {
    json!({
        "mappings": pairs
            .iter()
            .map(|(column, field)| json!({"column": column, "field": field, "reason": format!("{column} means {}", field.unwrap_or("nothing"))}))
            .collect::<Vec<_>>()
    })
    .to_string()
}

/// Finnish headers that intake's own matching leaves open (the SKU column is found by name).
const FINNISH: &str = "SKU,Nimike,Hinta,Määrä,Julkaisupäivä\n\
    A-1,Schraube,0.10,100,2024-01-31\n\
    A-2,Mutter,0.05,250,2024-02-29\n";

fn map(workspace: &Workspace, file: &str, server: &Server, extra: &[&str]) -> Run {
    let url = format!("{}/v1", server.url);
    let mut args = vec![
        "map",
        file,
        "--schema",
        "products",
        "--format",
        "json",
        "--llm",
        "custom",
        "--llm-url",
        &url,
        "--llm-model",
        "test-model",
        "--llm-timeout",
        "2",
    ];
    args.extend_from_slice(extra);
    workspace.run(&args)
}

/// (column, field, method) of the mapped columns.
fn mapped(document: &Value) -> Vec<(String, String, String)> {
    document["mapping"]
        .as_array()
        .expect("mapping")
        .iter()
        .filter(|entry| !entry["field"].is_null())
        .map(|entry| {
            (
                entry["column"].as_str().expect("column").to_string(),
                entry["field"].as_str().expect("field").to_string(),
                entry["method"].as_str().expect("method").to_string(),
            )
        })
        .collect()
}

fn outcomes(document: &Value) -> Vec<(String, String)> {
    document["llm"]["suggestions"]
        .as_array()
        .expect("suggestions")
        .iter()
        .map(|suggestion| {
            (
                suggestion["column"].as_str().expect("column").to_string(),
                suggestion["outcome"].as_str().expect("outcome").to_string(),
            )
        })
        .collect()
}

fn llm_triples() -> Vec<(String, String, String)> {
    [
        ("SKU", "sku", "exact"),
        ("Nimike", "name", "llm"),
        ("Hinta", "price", "llm"),
        ("Määrä", "quantity", "llm"),
        ("Julkaisupäivä", "released_on", "llm"),
    ]
    .iter()
    .map(|(column, field, method)| (column.to_string(), field.to_string(), method.to_string()))
    .collect()
}

const FINNISH_ANSWER: &[(&str, Option<&str>)] = &[
    ("Nimike", Some("name")),
    ("Hinta", Some("price")),
    ("Määrä", Some("quantity")),
    ("Julkaisupäivä", Some("released_on")),
];

#[test]
fn a_good_answer_is_applied_only_when_accepted_and_only_headers_are_sent() {
    let workspace = Workspace::new();
    let file = workspace.write("artikel.csv", FINNISH);
    let answer = openai(&mappings(FINNISH_ANSWER));

    // Without --accept-llm (and no terminal), the suggestions are shown, not applied.
    let mut server = Server::start(vec![reply(200, answer.clone())]);
    let run = map(&workspace, &file, &server, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    assert_eq!(
        mapped(&document),
        vec![("SKU".to_string(), "sku".to_string(), "exact".to_string())]
    );
    assert!(
        outcomes(&document)
            .iter()
            .all(|(_, outcome)| outcome == "not accepted"),
        "{document}"
    );
    assert!(run.stderr.contains("--accept-llm"), "{}", run.stderr);
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path, "/v1/chat/completions");
    // Only the open columns and the free fields, no sample value.
    let question: Value = serde_json::from_str(
        received[0].body["messages"][1]["content"]
            .as_str()
            .expect("the question"),
    )
    .expect("JSON");
    let asked: Vec<&str> = question["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|column| column["header"].as_str().expect("header"))
        .collect();
    assert_eq!(asked, vec!["Nimike", "Hinta", "Määrä", "Julkaisupäivä"]);
    let body = received[0].body.to_string();
    for value in ["Schraube", "Mutter", "0.10", "2024-01-31", "A-1"] {
        assert!(!body.contains(value), "{value} was sent: {body}");
    }
    assert!(
        question["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .all(|field| field["name"] != "sku")
    );
    assert_eq!(received[0].body["response_format"]["type"], "json_object");

    // With --accept-llm they are applied, by method llm, with the model's reason.
    let mut server = Server::start(vec![reply(200, answer)]);
    let run = map(
        &workspace,
        &file,
        &server,
        &["--accept-llm", "--llm-samples", "2"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    assert_eq!(mapped(&document), llm_triples());
    assert_eq!(document["mapping"][2]["reason"], "Hinta means price");
    assert_eq!(
        document["missing_fields"]
            .as_array()
            .expect("missing")
            .len(),
        7
    );
    // Samples go out only when allowed, and then at most as many as allowed.
    let received = server.received();
    let question: Value = serde_json::from_str(
        received[0].body["messages"][1]["content"]
            .as_str()
            .expect("the question"),
    )
    .expect("JSON");
    assert_eq!(
        question["columns"][0]["samples"],
        json!(["Schraube", "Mutter"])
    );
}

#[test]
fn bad_answers_are_rejected_with_their_reasons() {
    let workspace = Workspace::new();
    let file = workspace.write("artikel.csv", FINNISH);
    let answer = mappings(&[
        ("Nimike", Some("name")),
        // Not a field of the schema.
        ("Hinta", Some("cost")),
        // Two columns for one field.
        ("Määrä", Some("description")),
        ("Paino", Some("weight_kg")),
        // A column of dates for a number.
        ("Julkaisupäivä", Some("weight_kg")),
    ]);
    let mut server = Server::start(vec![reply(200, openai(&answer))]);
    let run = map(&workspace, &file, &server, &["--accept-llm"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    assert_eq!(
        outcomes(&document),
        vec![
            ("Nimike".to_string(), "applied".to_string()),
            (
                "Hinta".to_string(),
                "rejected: \"cost\" is not a free field of the schema".to_string()
            ),
            ("Määrä".to_string(), "applied".to_string()),
            (
                "Paino".to_string(),
                "rejected: not a column that was asked about".to_string()
            ),
            (
                "Julkaisupäivä".to_string(),
                "rejected: weight_kg was given to more than one column".to_string()
            ),
        ]
    );
    server.received();

    let answer = mappings(&[
        ("Julkaisupäivä", Some("price")),
        ("Määrä", Some("quantity")),
        ("Määrä", Some("weight_kg")),
    ]);
    let mut server = Server::start(vec![reply(200, openai(&answer))]);
    let run = map(&workspace, &file, &server, &["--accept-llm"]);
    let document = run.json();
    assert_eq!(
        outcomes(&document),
        vec![
            (
                "Julkaisupäivä".to_string(),
                "rejected: the column's values are not number values".to_string()
            ),
            (
                "Määrä".to_string(),
                "rejected: the column was given more than one answer".to_string()
            ),
            (
                "Määrä".to_string(),
                "rejected: the column was given more than one answer".to_string()
            ),
        ]
    );
    assert_eq!(
        mapped(&document),
        vec![("SKU".to_string(), "sku".to_string(), "exact".to_string())]
    );
    server.received();

    // Not JSON: the mapping stays intake's own, with a warning, and the run goes on.
    for content in ["Sure! Nimike is the name.", "{\"mapping\": []}"] {
        let mut server = Server::start(vec![reply(200, openai(content))]);
        let run = map(&workspace, &file, &server, &["--accept-llm"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let document = run.json();
        assert_eq!(
            mapped(&document),
            vec![("SKU".to_string(), "sku".to_string(), "exact".to_string())]
        );
        assert!(
            document["llm"]["error"]
                .as_str()
                .is_some_and(|error| error.contains("not {\"mappings\"")),
            "{document}"
        );
        assert!(
            run.stderr.contains("warning: no suggestions"),
            "{}",
            run.stderr
        );
        server.received();
    }
}

#[test]
fn a_busy_server_is_retried_a_slow_one_given_up_and_a_refused_key_said() {
    let workspace = Workspace::new();
    let file = workspace.write("artikel.csv", FINNISH);
    let answer = openai(&mappings(FINNISH_ANSWER));

    let mut busy = reply(429, "{\"error\": {\"message\": \"Rate limit reached\"}}");
    busy.retry_after = Some("1");
    let mut server = Server::start(vec![
        busy,
        reply(503, "overloaded"),
        reply(200, answer.clone()),
    ]);
    let run = map(&workspace, &file, &server, &["--accept-llm"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(mapped(&run.json()), llm_triples());
    assert_eq!(server.received().len(), 3);

    let mut slow = reply(200, answer);
    slow.delay = Duration::from_secs(4);
    let mut server = Server::start(vec![slow]);
    let started = std::time::Instant::now();
    let run = map(&workspace, &file, &server, &["--accept-llm"]);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "it waited for the slow server"
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    assert_eq!(
        mapped(&document),
        vec![("SKU".to_string(), "sku".to_string(), "exact".to_string())]
    );
    assert!(
        document["llm"]["error"]
            .as_str()
            .is_some_and(|error| error.contains("did not answer within 2 s")),
        "{document}"
    );
    server.received();

    let mut server = Server::start(vec![reply(
        401,
        "{\"error\": {\"message\": \"Invalid API key sk-secret-123\"}}",
    )]);
    let url = format!("{}/v1", server.url);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_intake"))
        .args([
            "map",
            &file,
            "--schema",
            "products",
            "--llm",
            "groq",
            "--llm-url",
            &url,
            "--accept-llm",
        ])
        .current_dir(workspace.path(""))
        .env("GROQ_API_KEY", "sk-secret-123")
        .env_remove("INTAKE_LLM_KEY")
        .output()
        .expect("run intake");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("refused the key (401)") && stderr.contains("GROQ_API_KEY"),
        "{stderr}"
    );
    assert!(
        !stdout.contains("sk-secret-123") && !stderr.contains("sk-secret-123"),
        "the key was shown"
    );
    let received = server.received();
    assert_eq!(
        received[0].authorization.as_deref(),
        Some("Bearer sk-secret-123")
    );
}

#[test]
fn each_provider_s_documented_answer_is_read() {
    let workspace = Workspace::new();
    let file = workspace.write("artikel.csv", FINNISH);
    let content = mappings(FINNISH_ANSWER);
    let fenced = format!("```json\n{content}\n```");
    for (provider, body, path, format) in [
        (
            "openai",
            openai(&content),
            "/v1/chat/completions",
            "json_schema",
        ),
        (
            "custom",
            openai(&fenced),
            "/v1/chat/completions",
            "json_object",
        ),
        (
            "gemini",
            gemini(&content),
            "/v1/chat/completions",
            "json_schema",
        ),
        (
            "huggingface",
            openai(&content),
            "/v1/chat/completions",
            "json_object",
        ),
        ("ollama", ollama(&content), "/api/chat", ""),
    ] {
        // Providers that need a key are not asked without one: nothing reaches the server.
        let needs_key = matches!(provider, "openai" | "gemini" | "huggingface");
        let replies = if needs_key {
            Vec::new()
        } else {
            vec![reply(200, body)]
        };
        let mut server = Server::start(replies);
        let url = if provider == "ollama" {
            server.url.clone()
        } else {
            format!("{}/v1", server.url)
        };
        let run = workspace.run(&[
            "map",
            &file,
            "--schema",
            "products",
            "--format",
            "json",
            "--llm",
            provider,
            "--llm-url",
            &url,
            "--llm-model",
            "m",
            "--accept-llm",
        ]);
        assert_eq!(run.code, 0, "{provider}: {}", run.stderr);
        // Providers that need a key were not asked without one; the others were.
        let document = run.json();
        let received = server.received();
        if needs_key {
            assert!(
                document["llm"]["error"]
                    .as_str()
                    .is_some_and(|error| error.contains("no key")),
                "{provider}: {document}"
            );
            assert!(received.is_empty(), "{provider}");
            continue;
        }
        assert_eq!(mapped(&document), llm_triples(), "{provider}");
        assert_eq!(received[0].path, path, "{provider}");
        if provider == "ollama" {
            assert_eq!(received[0].body["stream"], false);
            assert_eq!(received[0].body["format"]["required"], json!(["mappings"]));
        } else {
            assert_eq!(
                received[0].body["response_format"]["type"], format,
                "{provider}"
            );
        }
    }
    // With a key, the providers that take a schema get one.
    for (provider, body, variable) in [
        ("openai", openai(&content), "OPENAI_API_KEY"),
        ("gemini", gemini(&content), "GEMINI_API_KEY"),
        ("huggingface", openai(&content), "HF_TOKEN"),
    ] {
        let mut server = Server::start(vec![reply(200, body)]);
        let url = format!("{}/v1", server.url);
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_intake"))
            .args([
                "map",
                &file,
                "--schema",
                "products",
                "--format",
                "json",
                "--llm",
                provider,
                "--llm-url",
                &url,
                "--accept-llm",
            ])
            .current_dir(workspace.path(""))
            .env(variable, "key-1")
            .env_remove("INTAKE_LLM_KEY")
            .output()
            .expect("run intake");
        assert_eq!(output.status.code(), Some(0), "{provider}");
        let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        assert_eq!(mapped(&document), llm_triples(), "{provider}");
        let received = server.received();
        let expected = if provider == "huggingface" {
            "json_object"
        } else {
            "json_schema"
        };
        assert_eq!(
            received[0].body["response_format"]["type"], expected,
            "{provider}"
        );
        assert!(
            received[0].body["model"]
                .as_str()
                .is_some_and(|model| !model.is_empty()),
            "{provider}: a preset model"
        );
    }
}

#[test]
fn headers_in_languages_intake_does_not_read_are_completed_through_the_model() {
    let workspace = Workspace::new();
    for (name, text, answer) in [
        (
            "towary.csv",
            "SKU,Nazwa,Cena,Quantity,Waga\nA-1,Śruba,0.10,100,0.01\n",
            vec![("Nazwa", "name"), ("Cena", "price"), ("Waga", "weight_kg")],
        ),
        (
            "urunler.csv",
            "SKU,Ürün adı,Fiyat,Miktar,Ağırlık\nA-1,Vida,0.10,100,0.01\n",
            vec![
                ("Ürün adı", "name"),
                ("Fiyat", "price"),
                ("Miktar", "quantity"),
                ("Ağırlık", "weight_kg"),
            ],
        ),
    ] {
        let file = workspace.write(name, text);
        // intake alone leaves these columns open (it reads German, French, Spanish, Italian, Dutch
        // and Portuguese headers by itself, not Polish or Turkish; Quantity it maps)...
        let run = workspace.run(&["map", &file, "--schema", "products", "--format", "json"]);
        let alone = mapped(&run.json());
        for (column, _) in &answer {
            assert!(
                !alone.iter().any(|(mapped, _, _)| mapped == column),
                "{name}: {column} in {alone:?}"
            );
        }
        // ...the model completes them, and what intake found stays as it was.
        let pairs: Vec<(&str, Option<&str>)> = answer
            .iter()
            .map(|(column, field)| (*column, Some(*field)))
            .collect();
        let mut server = Server::start(vec![reply(200, openai(&mappings(&pairs)))]);
        let run = map(&workspace, &file, &server, &["--accept-llm"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let mut expected = alone.clone();
        expected.extend(
            answer
                .iter()
                .map(|(column, field)| (column.to_string(), field.to_string(), "llm".to_string())),
        );
        expected.sort();
        let mut found = mapped(&run.json());
        found.sort();
        assert_eq!(found, expected, "{name}");
        server.received();
    }
}

#[test]
fn an_import_uses_the_accepted_suggestions_and_goes_on_without_the_model() {
    let workspace = Workspace::new();
    let file = workspace.write("artikel.csv", FINNISH);
    let pairs = [("Nimike", Some("name")), ("Hinta", Some("price"))];
    let mut server = Server::start(vec![reply(200, openai(&mappings(&pairs)))]);
    let url = format!("{}/v1", server.url);
    let run = workspace.run(&[
        "import",
        &file,
        "--schema",
        "products",
        "--format",
        "json",
        "--llm",
        "custom",
        "--llm-url",
        &url,
        "--llm-model",
        "m",
        "--accept-llm",
        "--commit",
        "--yes",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["plan"]["insert"], 2);
    server.received();
    assert_eq!(
        workspace.query("SELECT sku, name, price FROM products ORDER BY sku"),
        vec![
            vec![
                Some("A-1".to_string()),
                Some("Schraube".to_string()),
                Some("0.10".to_string())
            ],
            vec![
                Some("A-2".to_string()),
                Some("Mutter".to_string()),
                Some("0.05".to_string())
            ],
        ]
    );

    // The model down: validation goes on with intake's own mapping, which lacks required
    // fields, and says so (exit 2), never waiting for or needing the model.
    let run = workspace.run(&[
        "validate",
        &file,
        "--schema",
        "products",
        "--llm",
        "custom",
        "--llm-url",
        "http://127.0.0.1:9/v1",
        "--llm-model",
        "m",
        "--accept-llm",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning: no suggestions") && run.stderr.contains("cannot reach"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("name"), "{}", run.stderr);
}

#[test]
fn intake_toml_names_the_provider_and_flags_win() {
    let workspace = Workspace::new();
    let file = workspace.write("artikel.csv", FINNISH);
    let mut server = Server::start(vec![reply(200, ollama(&mappings(FINNISH_ANSWER)))]);
    workspace.write(
        "intake.toml",
        format!(
            "[llm]\nprovider = \"ollama\"\nurl = \"{}\"\nmodel = \"llama3.1\"\nsamples = 1\n",
            server.url
        ),
    );
    // The provider, its URL and the samples from the file; the model from the flag.
    let run = workspace.run(&[
        "map",
        &file,
        "--schema",
        "products",
        "--format",
        "json",
        "--llm",
        "--llm-model",
        "qwen2.5",
        "--accept-llm",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    assert_eq!(mapped(&document), llm_triples());
    assert_eq!(document["llm"]["provider"], "ollama");
    assert_eq!(document["llm"]["model"], "qwen2.5");
    let received = server.received();
    assert_eq!(received[0].path, "/api/chat");
    assert_eq!(received[0].body["model"], "qwen2.5");
    let question: Value = serde_json::from_str(
        received[0].body["messages"][1]["content"]
            .as_str()
            .expect("question"),
    )
    .expect("JSON");
    assert_eq!(question["columns"][0]["samples"], json!(["Schraube"]));

    workspace.write("intake.toml", "[llm]\nprovder = \"ollama\"\n");
    let run = workspace.run(&["map", &file, "--schema", "products", "--llm"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("intake.toml"), "{}", run.stderr);
}
