use super::*;
use crate::manifest::PluginManifest;
use proptest::prelude::*;
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
            // an unknown key is reported at its own pointer
            "/api/extra",
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

fn plugin(id: &str, schema: Value) -> Result<PluginManifest> {
    PluginManifest::from_value(&json!({
        "id": id, "name": id, "version": "1.0.0", "families": ["git"], "provider": "p",
        "engines": {"mosaic": "*"}, "config": {"schema": schema}
    }))
}

fn owner_schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {"owner": {"type": "string"}}
    })
}

#[test]
fn ids_that_would_share_an_env_prefix_are_refused() {
    // `foo-bar`, `foo_bar` and `foo.bar` all mapped to `MOSAIC_FOO_BAR__`:
    // only the first is an id now.
    assert!(plugin("foo-bar", owner_schema()).is_ok());
    assert_eq!(env_prefix("foo-bar"), "MOSAIC_FOO_BAR__");
    for clash in ["foo_bar", "foo.bar", "foo--bar", "a__b"] {
        let e = plugin(clash, owner_schema()).unwrap_err();
        assert_eq!(e.fields()[0].field, "/id", "{clash}: {e}");
        assert!(e.to_string().contains("plugin id"), "{e}");
    }
}

#[test]
fn a_variable_is_read_by_one_plugin_only() {
    // Plugin `a` has a `b` object; `a-b` is another plugin. Before, a
    // variable meant for a plugin `a__b` (`MOSAIC_A__B__OWNER`) was also
    // read by `a`; now no id maps to `A__B`, so the variable is `a`'s.
    let a_schema = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {"b": {"type": "object", "properties": {"owner": {"type": "string"}}}}
    });
    let a = plugin("a", a_schema).unwrap();
    let a_b = plugin("a-b", owner_schema()).unwrap();
    let env = Env::fixed([
        ("MOSAIC_A__B__OWNER", "for-a"),
        ("MOSAIC_A_B__OWNER", "for-a-b"),
    ]);
    let cfg_a = PluginConfig::resolve(&a, None, &env).unwrap();
    assert_eq!(cfg_a.get_str("/b/owner"), Some("for-a"));
    let cfg_a_b = PluginConfig::resolve(&a_b, None, &env).unwrap();
    assert_eq!(cfg_a_b.get_str("owner"), Some("for-a-b"));

    // A manifest whose id was made invalid after parsing reads nothing.
    let mut sneaky = plugin("x", owner_schema()).unwrap();
    sneaky.id = "a__b".into();
    let cfg = PluginConfig::resolve(&sneaky, None, &env).unwrap();
    assert_eq!(cfg.get("owner"), None);
}

#[test]
fn typed_parse_errors_never_echo_values() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct WrongToken {
        token: u64,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    enum Mode {
        Fast,
        Slow,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct WrongMode {
        token: Mode,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Nested {
        api: NestedApi,
    }
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct NestedApi {
        webhook_secret: Vec<u8>,
    }
    let secret = "s3cr3t-hunter2-value";
    let cfg = PluginConfig::resolve(
        &manifest(),
        Some(&json!({"token": secret, "api": {"webhookSecret": secret}})),
        &Env::fixed::<&str, &str>([]),
    )
    .unwrap();
    let check = |e: Error, pointer: &str, expected: &str| {
        let text = format!("{e}{e:?}");
        assert!(!text.contains(secret), "the secret leaked: {text}");
        assert!(
            !text.contains("hunter2"),
            "part of the secret leaked: {text}"
        );
        assert_eq!(e.kind(), ErrorKind::Config);
        assert_eq!(e.field(), Some(pointer), "{text}");
        assert!(text.contains(expected), "{text}");
    };
    check(
        cfg.parse::<WrongToken>().unwrap_err(),
        "/token",
        "invalid type: string, expected u64",
    );
    check(
        cfg.parse::<WrongMode>().unwrap_err(),
        "/token",
        "unknown variant, expected `Fast` or `Slow`",
    );
    check(
        cfg.parse::<Nested>().unwrap_err(),
        "/api/webhookSecret",
        "invalid type: string, expected a sequence",
    );
}

#[test]
fn serde_messages_lose_their_values() {
    let cases = [
        (
            r#"invalid type: string "s3cr3t, expected x", expected u64"#,
            "invalid type: string, expected u64",
        ),
        (
            "invalid value: integer `42`, expected a port",
            "invalid value: integer, expected a port",
        ),
        (
            "invalid type: Other s3cr3t, expected a map",
            "invalid type: a value, expected a map",
        ),
        (
            "unknown variant `s3cr3t`, expected `a` or `b`",
            "unknown variant, expected `a` or `b`",
        ),
        (
            "unknown variant `s3cr3t`, there are no variants",
            "unknown variant",
        ),
        (
            "unknown field `colour`, expected `color`",
            "unknown field `colour`, expected `color`",
        ),
        ("missing field `token`", "missing field `token`"),
        (
            "invalid length 3, expected 2 elements",
            "invalid length 3, expected 2 elements",
        ),
        ("invalid length s3cr3t", "a value does not fit"),
        (
            "relative URL without a base: s3cr3t",
            "a value does not fit",
        ),
        ("", "a value does not fit"),
    ];
    for (input, want) in cases {
        let got = without_values(input);
        assert!(got.starts_with(want), "{input} -> {got}");
        if !want.contains("colour") {
            assert!(!got.contains("s3cr3t"), "{input} -> {got}");
        }
    }
}

/// Valid plugin ids: lowercase alphanumeric groups joined by single `-`.
fn valid_id() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,3}"
}

proptest! {
    #[test]
    fn env_prefixes_of_distinct_ids_never_overlap(a in valid_id(), b in valid_id(), key in "[A-Z0-9_]{0,10}") {
        prop_assert!(super::is_plugin_id(&a) && super::is_plugin_id(&b));
        let (pa, pb) = (env_prefix(&a), env_prefix(&b));
        prop_assert!(!env_name(&a).contains("__"));
        if a == b {
            prop_assert_eq!(pa, pb);
        } else {
            prop_assert!(!pa.starts_with(&pb), "{} / {}", pa, pb);
            prop_assert!(!pb.starts_with(&pa), "{} / {}", pa, pb);
            // so a variable of one plugin is never read by the other
            let var = format!("{pa}{key}");
            prop_assert!(!var.starts_with(&pb), "{} is read by `{}`", var, b);
        }
    }

    #[test]
    fn ids_with_underscores_dots_or_doubled_dashes_are_invalid(s in "[a-z0-9_.-]{1,12}") {
        if super::is_plugin_id(&s) {
            prop_assert!(!s.contains(['_', '.']) && !s.contains("--"));
            prop_assert!(!s.starts_with('-') && !s.ends_with('-'));
        }
    }
}
