use super::*;
use serde::Deserialize;
use serde_json::json;

fn manifest() -> PluginManifest {
    PluginManifest::from_value(&json!({
        "id": "github-enterprise", "name": "GHE", "version": "1.0.0", "families": ["git"],
        "provider": "github", "engines": {"mosaic": "*"},
        "config": {
            "schema": {
                "type": "object",
                "required": ["token", "api"],
                "additionalProperties": false,
                "properties": {
                    "token": {"type": "string", "minLength": 4, "x-secret": true},
                    "api": {"type": "object", "additionalProperties": false, "properties": {
                        "baseUrl": {"type": "string", "default": "https://api.github.com"},
                        "timeoutMs": {"type": "integer", "minimum": 1, "default": 10000},
                        "webhookSecret": {"type": "string", "writeOnly": true}
                    }},
                    "perPage": {"type": "integer", "minimum": 1, "maximum": 100, "default": 30},
                    "verifyTls": {"type": "boolean", "default": true},
                    "orgs": {"type": "array", "items": {"type": "string"}}
                }
            },
            "defaults": {"perPage": 50}
        }
    }))
    .unwrap()
}

#[test]
fn env_names() {
    assert_eq!(env_name("baseUrl"), "BASE_URL");
    assert_eq!(env_name("base_url"), "BASE_URL");
    assert_eq!(env_name("base-url"), "BASE_URL");
    assert_eq!(env_name("perPage2"), "PER_PAGE2");
    assert_eq!(
        env_prefix("github-enterprise"),
        "MOSAIC_GITHUB_ENTERPRISE__"
    );
}

#[test]
fn defaults_then_supplied_then_env_then_schema_defaults() {
    let env = Env::fixed([
        (
            "MOSAIC_GITHUB_ENTERPRISE__API__BASE_URL",
            "https://ghe.example/api/v3",
        ),
        ("MOSAIC_GITHUB_ENTERPRISE__VERIFY_TLS", "false"),
        ("MOSAIC_GITHUB_ENTERPRISE__ORGS", r#"["acme","umbrella"]"#),
        ("MOSAIC_OTHER__TOKEN", "not ours"),
        ("UNRELATED", "x"),
    ]);
    let cfg = PluginConfig::resolve(
        &manifest(),
        Some(&json!({"token": "ghp_supersecret", "api": {"timeoutMs": 500}})),
        &env,
    )
    .unwrap();
    assert_eq!(
        cfg.get_str("/api/baseUrl"),
        Some("https://ghe.example/api/v3")
    ); // env
    assert_eq!(cfg.get("/api/timeoutMs"), Some(&json!(500))); // supplied
    assert_eq!(cfg.get("perPage"), Some(&json!(50))); // manifest default beats schema default
    assert_eq!(cfg.get("verifyTls"), Some(&json!(false))); // env, parsed by type
    assert_eq!(cfg.get("orgs"), Some(&json!(["acme", "umbrella"])));
    // secrets are held apart
    assert_eq!(cfg.get("token"), None);
    assert_eq!(cfg.secret("token").unwrap().expose(), "ghp_supersecret");
    assert_eq!(cfg.secret("/token").unwrap().expose(), "ghp_supersecret");
    assert_eq!(cfg.secret_keys().collect::<Vec<_>>(), ["/token"]);
    // and redacted everywhere
    let dbg = format!("{cfg:?}");
    let ser = serde_json::to_string(&cfg).unwrap();
    for text in [&dbg, &ser] {
        assert!(!text.contains("supersecret"), "{text}");
        assert!(text.contains("[REDACTED]"), "{text}");
    }
}

#[test]
fn env_overrides_beat_supplied_values() {
    let env = Env::fixed([("MOSAIC_GITHUB_ENTERPRISE__TOKEN", "from-env-token")]);
    let cfg = PluginConfig::resolve(
        &manifest(),
        Some(&json!({"token": "from-file", "api": {}})),
        &env,
    )
    .unwrap();
    assert_eq!(cfg.secret("token").unwrap().expose(), "from-env-token");
}

#[test]
fn every_violation_at_once_without_values() {
    let env = Env::fixed([
        ("MOSAIC_GITHUB_ENTERPRISE__PER_PAGE", "many"),
        ("MOSAIC_GITHUB_ENTERPRISE__TYPO", "1"),
    ]);
    let e = PluginConfig::resolve(
        &manifest(),
        Some(&json!({"token": "abc", "api": {"timeoutMs": 0, "extra": true}, "orgs": [1]})),
        &env,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    let got: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        got,
        [
            "$MOSAIC_GITHUB_ENTERPRISE__TYPO",
            "/api",
            "/api/timeoutMs",
            "/orgs/0",
            "/perPage",
            "/token"
        ],
        "{e}"
    );
    assert!(e.to_string().contains("github-enterprise"), "{e}");
    assert!(!e.to_string().contains("abc"), "a secret value leaked: {e}");
}

#[test]
fn missing_required_named_by_pointer() {
    let e = PluginConfig::resolve(&manifest(), None, &Env::fixed::<&str, &str>([])).unwrap_err();
    let got: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
    // `api` is created by its defaults, so only the token is missing
    assert_eq!(got, ["/token"], "{e}");
    let e = PluginConfig::resolve(
        &manifest(),
        Some(&json!([1])),
        &Env::fixed::<&str, &str>([]),
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("/"));
}

#[test]
fn typed_parse_keeps_secrets_secret() {
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Api {
        base_url: String,
        webhook_secret: Option<Secret>,
    }
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Cfg {
        token: Secret,
        api: Api,
        per_page: u32,
    }
    let cfg = PluginConfig::resolve(
        &manifest(),
        Some(&json!({"token": "tok-123456", "api": {"webhookSecret": "whsec-1"}})),
        &Env::fixed::<&str, &str>([]),
    )
    .unwrap();
    let typed: Cfg = cfg.parse().unwrap();
    assert_eq!(typed.token.expose(), "tok-123456");
    assert_eq!(
        typed.api.webhook_secret.as_ref().unwrap().expose(),
        "whsec-1"
    );
    assert_eq!(typed.api.base_url, "https://api.github.com");
    assert_eq!(typed.per_page, 50);
    assert!(!format!("{typed:?}").contains("tok-123456"));
    let e = cfg.parse::<Vec<u8>>().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
}

#[test]
fn without_a_schema_env_keys_are_lowercased() {
    let m = PluginManifest::from_value(&json!({
        "id": "plain", "name": "P", "version": "1.0.0", "families": ["ai"], "provider": "p",
        "engines": {"mosaic": "*"}
    }))
    .unwrap();
    let env = Env::fixed([
        ("MOSAIC_PLAIN__MODEL", "llama3"),
        ("MOSAIC_PLAIN__TEMPERATURE", "0.5"),
    ]);
    let cfg = PluginConfig::resolve(&m, None, &env).unwrap();
    assert_eq!(cfg.get_str("model"), Some("llama3"));
    assert_eq!(cfg.get("temperature"), Some(&json!(0.5)));
}

#[test]
fn env_debug_never_prints_values() {
    let env = Env::fixed([("MOSAIC_X__TOKEN", "s3cr3t")]);
    let d = format!("{env:?}");
    assert!(
        d.contains("MOSAIC_X__TOKEN") && !d.contains("s3cr3t"),
        "{d}"
    );
}
