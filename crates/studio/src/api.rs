//! The collector's HTTP API, as the Studio and the designer call it (`gloo-net`).

use gloo_net::http::{Method, RequestBuilder};
use serde_json::Value;

/// Where the collector is and how to authenticate: the admin key in the Studio, a designer
/// session in the designer.
#[derive(Clone, Debug, PartialEq)]
pub struct Api {
    pub base: String,
    pub credential: String,
}

/// A refused or failed call: the status (0 when the request did not complete) and the
/// collector's message.
#[derive(Clone, Debug)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    pub body: Value,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.status == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{} ({})", self.message, self.status)
        }
    }
}

pub type ApiResult<T = Value> = Result<T, ApiError>;

/// Percent-encodes a path segment or query value.
pub fn enc(s: &str) -> String {
    js_sys::encode_uri_component(s).as_string().unwrap_or_default()
}

impl Api {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        if_match: Option<i64>,
    ) -> ApiResult<(Value, Option<String>)> {
        let fail = |m: String| ApiError { status: 0, message: m, body: Value::Null };
        let mut rb = RequestBuilder::new(&format!("{}{path}", self.base))
            .method(method)
            .header("authorization", &format!("Bearer {}", self.credential))
            .header("x-guidepost-author", "studio");
        if let Some(rev) = if_match {
            rb = rb.header("if-match", &format!("\"{rev}\""));
        }
        let req = match body {
            Some(b) => rb.header("content-type", "application/json").body(b.to_string()).map_err(|e| fail(e.to_string()))?,
            None => rb.build().map_err(|e| fail(e.to_string()))?,
        };
        let resp = req.send().await.map_err(|e| fail(format!("the collector did not answer: {e}")))?;
        let status = resp.status();
        let etag = resp.headers().get("etag");
        let text = resp.text().await.unwrap_or_default();
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            Ok((json, etag))
        } else {
            let message = json.get("error").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| format!("HTTP {status}"));
            Err(ApiError { status, message, body: json })
        }
    }

    pub async fn get(&self, path: &str) -> ApiResult {
        self.call(Method::GET, path, None, None).await.map(|r| r.0)
    }

    pub async fn post(&self, path: &str, body: &Value) -> ApiResult {
        self.call(Method::POST, path, Some(body), None).await.map(|r| r.0)
    }

    /// A POST that names the draft revision it acts on (`If-Match`; 409 when it is stale).
    pub async fn post_if_match(&self, path: &str, body: &Value, if_match: Option<i64>) -> ApiResult {
        self.call(Method::POST, path, Some(body), if_match).await.map(|r| r.0)
    }

    pub async fn put(&self, path: &str, body: &Value, if_match: Option<i64>) -> ApiResult {
        self.call(Method::PUT, path, Some(body), if_match).await.map(|r| r.0)
    }
}
