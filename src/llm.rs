//! Suggestions from a language model for the columns stage 1 left unmapped. The model is asked
//! only about those columns and the fields no column feeds; it gets the headers, the fields'
//! names, types and descriptions, and sample values only when the user allows them. Its answer
//! is parsed strictly and every suggestion checked against the file's values; the caller
//! decides what is applied. Any failure of the model leaves the deterministic mapping as it is.
//! What is sent is documented in docs/llm.md.
//!
//! In detail (the code map of docs/architecture.md keeps the short version):
//! `llm`: suggestions from a language model for what stage 1 left open (docs/llm.md).
//! `Provider` presets (base URL, default model, key variable, answer format), `question` (the
//! unmapped columns, the free fields, samples only when allowed), `request_body` (chat
//! completions with `json_schema` or `json_object`, or Ollama's `/api/chat` with a schema),
//! `ask` (reqwest with a timeout, retries on 429/5xx honouring `Retry-After`, the key only in the
//! Authorization header and redacted from every message), `parse_answer` (strict JSON, a code
//! fence tolerated), `check` (unknown columns and fields, double assignments, values that veto
//! the field's type, via `detect::values_fit`) and `apply` (method `llm`, score 0.5).
//! `commands::prepare::suggest` runs it inside `prepare` and asks on a terminal or applies with
//! `--accept-llm`; any failure is a warning and the mapping stays intake's own.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use crate::detect::{self, Mapping, Method};
use crate::profile::ColumnProfile;
use crate::schema::Schema;

/// An OpenAI-compatible chat-completions service, or Ollama's own API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    OpenAi,
    Groq,
    Gemini,
    HuggingFace,
    Ollama,
    Custom,
}

impl Provider {
    pub fn parse(name: &str) -> Option<Provider> {
        Some(match name.to_ascii_lowercase().as_str() {
            "openai" => Provider::OpenAi,
            "groq" => Provider::Groq,
            "gemini" => Provider::Gemini,
            "huggingface" | "hf" => Provider::HuggingFace,
            "ollama" => Provider::Ollama,
            "custom" => Provider::Custom,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Groq => "groq",
            Provider::Gemini => "gemini",
            Provider::HuggingFace => "huggingface",
            Provider::Ollama => "ollama",
            Provider::Custom => "custom",
        }
    }

    /// The base URL (the part before `/chat/completions`, or before `/api/chat` for Ollama).
    pub fn base_url(self) -> Option<&'static str> {
        match self {
            Provider::OpenAi => Some("https://api.openai.com/v1"),
            Provider::Groq => Some("https://api.groq.com/openai/v1"),
            Provider::Gemini => Some("https://generativelanguage.googleapis.com/v1beta/openai"),
            Provider::HuggingFace => Some("https://router.huggingface.co/v1"),
            Provider::Ollama => Some("http://127.0.0.1:11434"),
            Provider::Custom => None,
        }
    }

    pub fn default_model(self) -> Option<&'static str> {
        match self {
            Provider::OpenAi => Some("gpt-4o-mini"),
            Provider::Groq => Some("llama-3.3-70b-versatile"),
            Provider::Gemini => Some("gemini-2.0-flash"),
            Provider::HuggingFace => Some("meta-llama/Llama-3.3-70B-Instruct"),
            Provider::Ollama => Some("llama3.1"),
            Provider::Custom => None,
        }
    }

    /// The environment variable its key usually lives in (`INTAKE_LLM_KEY` comes first).
    pub fn key_variable(self) -> Option<&'static str> {
        match self {
            Provider::OpenAi => Some("OPENAI_API_KEY"),
            Provider::Groq => Some("GROQ_API_KEY"),
            Provider::Gemini => Some("GEMINI_API_KEY"),
            Provider::HuggingFace => Some("HF_TOKEN"),
            Provider::Ollama | Provider::Custom => None,
        }
    }

    /// Whether it takes a JSON schema for the answer (`response_format: json_schema`); the
    /// others get `json_object`.
    fn structured(self) -> bool {
        matches!(self, Provider::OpenAi | Provider::Gemini)
    }
}

/// How to reach the model, resolved from flags, `intake.toml` and the environment.
#[derive(Clone)]
pub struct LlmSettings {
    pub provider: Provider,
    pub base_url: String,
    pub model: String,
    pub key: Option<String>,
    /// Sample values sent per column (0: none).
    pub samples: usize,
    /// Apply the checked suggestions without asking.
    pub accept: bool,
    pub timeout: Duration,
    /// Further attempts after a 429 or a 5xx.
    pub retries: u32,
}

impl std::fmt::Debug for LlmSettings {
    /// Without the key.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("LlmSettings")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("key", &self.key.as_ref().map(|_| "(set)"))
            .field("samples", &self.samples)
            .field("accept", &self.accept)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .finish()
    }
}

/// What the model is asked about: columns and the fields left for them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Question {
    pub columns: Vec<AskedColumn>,
    pub fields: Vec<OfferedField>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct AskedColumn {
    pub header: String,
    /// Present only with `--llm-samples N`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct OfferedField {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: String,
    /// The field's other names: the mapping file's aliases, a Table Schema's title and
    /// description.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_names: Vec<String>,
}

/// One suggestion as the model gave it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Answered {
    pub column: String,
    pub field: Option<String>,
    #[serde(default)]
    pub reason: String,
}

/// A suggestion after the checks, as the document shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Suggestion {
    pub column: String,
    pub field: Option<String>,
    pub reason: String,
    /// `applied`, `not accepted` (shown, not applied), or `rejected: why`.
    pub outcome: String,
}

/// What the model was asked and what came of it, for the document.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct LlmReport {
    pub provider: String,
    pub model: String,
    /// The columns asked about.
    pub asked: Vec<String>,
    /// Sample values sent per column.
    pub samples: usize,
    pub suggestions: Vec<Suggestion>,
    /// Why there is no answer, when the model failed; the mapping is then intake's own.
    pub error: Option<String>,
}

/// The columns left unmapped and the fields no column feeds; `None` when there is nothing to
/// ask. Matches made by name, alias, the user or values are never put to the model.
pub(crate) fn question(
    schema: &Schema,
    mapping: &Mapping,
    profiles: &[ColumnProfile],
    samples: usize,
) -> Option<Question> {
    let columns: Vec<AskedColumn> = mapping
        .columns
        .iter()
        .filter(|column| column.field.is_none() && column.method != Some(Method::Manual))
        .filter(|column| !column.column.trim().is_empty())
        .map(|column| AskedColumn {
            header: column.column.clone(),
            samples: profiles
                .get(column.index)
                .map(|profile| profile.examples.iter().take(samples).cloned().collect())
                .unwrap_or_default(),
        })
        .collect();
    let fields: Vec<OfferedField> = mapping
        .missing_fields
        .iter()
        .map(|&index| {
            let field = &schema.fields[index];
            OfferedField {
                name: field.name.clone(),
                field_type: field.field_type.name().to_string(),
                other_names: field.aliases.iter().take(8).cloned().collect(),
            }
        })
        .collect();
    (!columns.is_empty() && !fields.is_empty()).then_some(Question { columns, fields })
}

const INSTRUCTIONS: &str = "You match the columns of a spreadsheet to the fields of a database table. \
You get the headers of the columns nobody could match (with sample values when the user allowed them) \
and the fields still free, with their types and descriptions. Headers may be in any language. \
Reply with one JSON object and nothing else: {\"mappings\": [{\"column\": \"<header exactly as given>\", \
\"field\": \"<field name exactly as given, or null>\", \"reason\": \"<a few words>\"}]}. \
Give each field to at most one column. Use null when no field fits; never guess by position.";

/// The JSON schema of the answer, for providers that enforce one.
fn answer_schema() -> Json {
    json!({
        "type": "object",
        "properties": {
            "mappings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "column": {"type": "string"},
                        "field": {"type": ["string", "null"]},
                        "reason": {"type": "string"}
                    },
                    "required": ["column", "field", "reason"],
                    "additionalProperties": false
                }
            }
        },
        "required": ["mappings"],
        "additionalProperties": false
    })
}

/// The request body: chat completions for everything but Ollama, Ollama's `/api/chat`
/// otherwise. Nothing else than the question goes out.
pub(crate) fn request_body(settings: &LlmSettings, question: &Question) -> Json {
    let messages = json!([
        {"role": "system", "content": INSTRUCTIONS},
        {"role": "user", "content": serde_json::to_string(question).unwrap_or_default()}
    ]);
    match settings.provider {
        Provider::Ollama => json!({
            "model": settings.model,
            "messages": messages,
            "stream": false,
            "format": answer_schema(),
            "options": {"temperature": 0}
        }),
        provider if provider.structured() => json!({
            "model": settings.model,
            "messages": messages,
            "temperature": 0,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "column_mappings", "strict": true, "schema": answer_schema()}
            }
        }),
        _ => json!({
            "model": settings.model,
            "messages": messages,
            "temperature": 0,
            "response_format": {"type": "json_object"}
        }),
    }
}

/// The chat endpoint, as requested (messages name it through `redact::url`).
fn endpoint(settings: &LlmSettings) -> String {
    let base = settings.base_url.trim_end_matches('/');
    match settings.provider {
        Provider::Ollama => format!("{base}/api/chat"),
        _ => format!("{base}/chat/completions"),
    }
}

/// Why the model gave no usable answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum LlmError {
    #[error("cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{url} did not answer within {seconds} s")]
    Timeout { url: String, seconds: u64 },
    #[error(
        "{url} refused the key ({status}): check INTAKE_LLM_KEY or the provider's variable ({variable})"
    )]
    Refused {
        url: String,
        status: u16,
        variable: String,
    },
    #[error("{url} answered {status}: {body}")]
    Status {
        url: String,
        status: u16,
        body: String,
    },
    #[error("the answer is not what was asked for: {0}")]
    Malformed(String),
}

/// Asks the model, with a timeout and retries with backoff on 429 and 5xx (a `Retry-After` of
/// up to 10 s is honoured). The key goes in the Authorization header and nowhere else; every
/// message is cleared of it.
pub(crate) async fn ask(
    settings: &LlmSettings,
    question: &Question,
) -> Result<Vec<Answered>, LlmError> {
    let redact = |text: String| match &settings.key {
        Some(key) if !key.is_empty() => text.replace(key.as_str(), "[key]"),
        _ => text,
    };
    // A request that got no answer: it timed out, or the endpoint could not be reached (the
    // reason without the URL, the key redacted).
    let transport_error = |error: reqwest::Error, url: String| {
        if error.is_timeout() {
            LlmError::Timeout {
                url,
                seconds: settings.timeout.as_secs(),
            }
        } else {
            LlmError::Unreachable {
                url,
                reason: redact(error.without_url().to_string()),
            }
        }
    };
    let url = endpoint(settings);
    let shown = crate::redact::url(&url);
    let client = reqwest::Client::builder()
        .timeout(settings.timeout)
        .build()
        .map_err(|error| LlmError::Unreachable {
            url: shown.clone(),
            reason: redact(error.to_string()),
        })?;
    let body = request_body(settings, question);
    let mut attempt = 0;
    loop {
        let mut request = client.post(&url).json(&body);
        if let Some(key) = &settings.key {
            request = request.bearer_auth(key);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return Err(transport_error(error, shown)),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        let text = match response.text().await {
            Ok(text) => text,
            Err(error) => return Err(transport_error(error, shown)),
        };
        match status {
            // The answer cleared of the key before it is read, so that a model echoing it
            // in a reason shows nothing.
            200..=299 => return parse_answer(settings.provider, &redact(text)),
            401 | 403 => {
                return Err(LlmError::Refused {
                    url: shown,
                    status,
                    variable: settings
                        .provider
                        .key_variable()
                        .unwrap_or("INTAKE_LLM_KEY")
                        .to_string(),
                });
            }
            429 | 500..=599 if attempt < settings.retries => {
                attempt += 1;
                let wait = retry_after
                    .map(|seconds| Duration::from_secs(seconds.min(10)))
                    .unwrap_or_else(|| Duration::from_millis(250 << attempt));
                tokio::time::sleep(wait).await;
            }
            _ => {
                let mut body: String = redact(text).chars().take(300).collect();
                if body.is_empty() {
                    body = "(no body)".to_string();
                }
                return Err(LlmError::Status {
                    url: shown,
                    status,
                    body,
                });
            }
        }
    }
}

/// Reads the model's reply: the message content of a chat completion (or of Ollama's
/// `/api/chat`), which must be one JSON object `{"mappings": [...]}`, possibly inside a
/// Markdown code fence.
pub(crate) fn parse_answer(provider: Provider, body: &str) -> Result<Vec<Answered>, LlmError> {
    let malformed = |reason: String| LlmError::Malformed(reason);
    let envelope: Json = serde_json::from_str(body)
        .map_err(|error| malformed(format!("the response is not JSON ({error})")))?;
    let message = match provider {
        Provider::Ollama => envelope.get("message"),
        _ => envelope
            .get("choices")
            .and_then(|choices| choices.get(0))
            .and_then(|choice| choice.get("message")),
    }
    .ok_or_else(|| malformed("the response has no message".to_string()))?;
    if let Some(refusal) = message.get("refusal").and_then(Json::as_str) {
        return Err(malformed(format!("the model refused: {refusal}")));
    }
    let content = message
        .get("content")
        .and_then(Json::as_str)
        .ok_or_else(|| malformed("the message has no text".to_string()))?;
    let trimmed = content.trim();
    let unfenced = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|inner| inner.trim_end().strip_suffix("```"))
        .unwrap_or(trimmed)
        .trim();
    #[derive(Deserialize)]
    struct Reply {
        mappings: Vec<Answered>,
    }
    let reply: Reply = serde_json::from_str(unfenced).map_err(|error| {
        malformed(format!(
            "the message is not {{\"mappings\": [...]}} ({error})"
        ))
    })?;
    Ok(reply.mappings)
}

/// Checks each suggestion: its column must be one that was asked about and its field one that
/// was offered, a field or column named twice drops every suggestion naming it, and a column
/// whose values cannot be the field's type is refused. Gives each with its outcome so far
/// (`accepted` or `rejected: why`); the caller turns `accepted` into `applied` or
/// `not accepted`.
pub(crate) fn check(
    answered: &[Answered],
    question: &Question,
    schema: &Schema,
    mapping: &Mapping,
    profiles: &[ColumnProfile],
) -> Vec<Suggestion> {
    let count = |pick: &dyn Fn(&Answered) -> Option<&str>, name: &str| {
        answered
            .iter()
            .filter(|other| pick(other) == Some(name))
            .count()
    };
    answered
        .iter()
        .map(|answer| {
            let rejected = |why: String| Suggestion {
                column: answer.column.clone(),
                field: answer.field.clone(),
                reason: answer.reason.clone(),
                outcome: format!("rejected: {why}"),
            };
            if !question
                .columns
                .iter()
                .any(|column| column.header == answer.column)
            {
                return rejected("not a column that was asked about".to_string());
            }
            if count(&|other| Some(other.column.as_str()), &answer.column) > 1 {
                return rejected("the column was given more than one answer".to_string());
            }
            let Some(field_name) = &answer.field else {
                return rejected("no field fits, says the model".to_string());
            };
            if !question
                .fields
                .iter()
                .any(|field| field.name == *field_name)
            {
                return rejected(format!("{field_name:?} is not a free field of the schema"));
            }
            if count(&|other| other.field.as_deref(), field_name) > 1 {
                return rejected(format!("{field_name} was given to more than one column"));
            }
            let Some(field) = schema.field_index(field_name) else {
                return rejected(format!("{field_name:?} is not a field of the schema"));
            };
            let column = mapping
                .columns
                .iter()
                .find(|column| column.column == answer.column);
            let profile = column.and_then(|column| profiles.get(column.index));
            if detect::values_fit(&schema.fields[field], profile) == Some(false) {
                return rejected(format!(
                    "the column's values are not {} values",
                    schema.fields[field].field_type.name()
                ));
            }
            Suggestion {
                column: answer.column.clone(),
                field: Some(field_name.clone()),
                reason: answer.reason.clone(),
                outcome: "accepted".to_string(),
            }
        })
        .collect()
}

/// The score an applied suggestion shows: below every match intake makes by name.
pub(crate) const SCORE: f64 = 0.5;

/// Applies a checked suggestion to the mapping: the column takes the field, by method `llm`.
pub(crate) fn apply(schema: &Schema, mapping: &mut Mapping, suggestion: &Suggestion) -> bool {
    let Some(field) = suggestion
        .field
        .as_deref()
        .and_then(|name| schema.field_index(name))
    else {
        return false;
    };
    let Some(column) = mapping
        .columns
        .iter_mut()
        .find(|column| column.column == suggestion.column && column.field.is_none())
    else {
        return false;
    };
    if !mapping.missing_fields.contains(&field) {
        return false;
    }
    column.field = Some(field);
    column.score = SCORE;
    column.method = Some(Method::Llm);
    column.candidates.clear();
    mapping.missing_fields.retain(|&missing| missing != field);
    true
}
