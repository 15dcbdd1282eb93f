//! The parity table: the file `node tests/guard/make-cases.mjs <file>` writes from tests/guard/cases.json, judged
//! by the Rust guard. Every row must give the verdict, status, code and challenge (byte for byte) the Node guard
//! gives. The file is named by `STEPUP_GUARD_CASES` (set by `npm test`); without it the test says so and passes,
//! so a plain `cargo test` needs no Node.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde_json::{json, Value};
use stepup::core::json::parse;
use stepup::core::error::ErrorCode;
use stepup_server::{ApiGuard, GuardPolicy, StepUpPolicy};

/// A row's policy: `null` is none; `{ preset, ...rest }` is the preset with the rest over it.
fn policy_of(p: &Value) -> GuardPolicy {
    let value = match p.get("preset").and_then(Value::as_str) {
        None => p.clone(),
        Some(name) => {
            let preset = StepUpPolicy::preset(name).unwrap();
            let mut out = json!({"mfa": preset.mfa});
            if let Some(acr) = preset.acr {
                out["acr"] = json!(acr);
            }
            if let Some(amr) = preset.amr {
                out["amr"] = json!({"anyOf": amr.any_of, "allOf": amr.all_of});
            }
            if let Some(max_age) = preset.max_age {
                out["maxAge"] = json!(max_age);
            }
            for (k, v) in p.as_object().unwrap() {
                if k != "preset" {
                    out[k] = v.clone();
                }
            }
            out
        }
    };
    if value.is_null() {
        return GuardPolicy::default();
    }
    GuardPolicy::from_json(Some(&parse(&value.to_string(), ErrorCode::InvalidConfig).unwrap())).unwrap()
}

#[tokio::test]
async fn every_row_of_the_parity_table_gets_the_node_guards_verdict() {
    let Ok(path) = std::env::var("STEPUP_GUARD_CASES") else {
        println!("parity: STEPUP_GUARD_CASES is not set, skipped (npm test sets it: node tests/guard/make-cases.mjs <file>)");
        return;
    };
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let now = file["now"].as_i64().unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut config = case["config"].clone();
        config["jwks"] = file["jwks"].clone();
        let guard = ApiGuard::from_json(&config.to_string()).unwrap().build().unwrap();
        let request = &case["request"];
        let method = Method::from_bytes(request["method"].as_str().unwrap().as_bytes()).unwrap();
        let url = request["url"].as_str().unwrap();
        let mut headers = HeaderMap::new();
        for (k, v) in request["headers"].as_object().unwrap() {
            headers.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v.as_str().unwrap()).unwrap());
        }
        let policy = policy_of(&case["policy"]);
        let mut result = guard.check_at(&method, url, &headers, &policy, now).await;
        if case["sendTwice"].as_bool() == Some(true) {
            result = guard.check_at(&method, url, &headers, &policy, now).await;
        }
        let got = match &result {
            Ok(_) => json!({"ok": true}),
            Err(r) => {
                let mut v = json!({"status": r.status().as_u16(), "code": r.code()});
                if let Some(w) = r.www_authenticate() {
                    v["wwwAuthenticate"] = json!(w);
                }
                v
            }
        };
        let expected = &case["expected"];
        let want = if expected["ok"] == json!(true) {
            json!({"ok": true})
        } else {
            let mut v = json!({"status": expected["status"], "code": expected["code"]});
            if let Some(w) = expected.get("wwwAuthenticate").filter(|w| !w.is_null()) {
                v["wwwAuthenticate"] = w.clone();
            }
            v
        };
        if got != want {
            failures.push(format!("{name}:\n  expected {want}\n  got      {got}"));
        }
    }
    println!("parity: {} rows judged by the Rust guard", cases.len());
    assert!(failures.is_empty(), "{} of {} rows differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
