use super::*;
use mosaic_core::ErrorKind;
use proptest::prelude::*;

pub(crate) fn full() -> Value {
    json!({
        "id": "github",
        "name": "GitHub",
        "version": "1.2.0",
        "description": "Repositories and Actions on github.com",
        "families": ["git", "cicd"],
        "provider": "github",
        "author": "The Mosaic developers",
        "license": "MIT OR Apache-2.0",
        "keywords": ["forge", "ci"],
        "engines": {"mosaic": "^0.1"},
        "dependencies": {"http-cache": "^1.0"},
        "capabilities": {"git": ["git.repository.create", "git.repository.get"], "cicd": "*"},
        "permissions": {
            "network": {"hosts": ["api.github.com", "*.githubusercontent.com"], "allowHttp": false},
            "environment": ["GITHUB_TOKEN"],
            "filesystem": {"readonly": ["/etc/ssl/certs"]}
        },
        "config": {
            "schema": {
                "type": "object",
                "required": ["token"],
                "properties": {
                    "token": {"type": "string", "x-secret": true},
                    "baseUrl": {"type": "string", "default": "https://api.github.com"},
                    "perPage": {"type": "integer", "minimum": 1, "maximum": 100}
                }
            },
            "defaults": {"perPage": 50}
        },
        "limits": {"callTimeoutMs": 30000, "maxConcurrency": 64, "hookTimeoutMs": 5000},
        "x-homepage": "https://example.invalid"
    })
}

#[test]
fn parses_every_section() {
    let m = PluginManifest::from_value(&full()).unwrap();
    assert_eq!(m.key(), "github@1.2.0");
    assert_eq!(m.families, [Family::Git, Family::CiCd]);
    assert!(m.implements(Family::CiCd) && !m.implements(Family::Ai));
    assert_eq!(m.engine, VersionReq::parse("^0.1").unwrap());
    assert_eq!(
        m.dependencies["http-cache"],
        VersionReq::parse("^1.0").unwrap()
    );
    let git = m.capabilities_of(Family::Git).unwrap();
    assert_eq!(git.len(), 2);
    assert!(git.supports_name("git.repository.get"));
    assert_eq!(
        m.capabilities_of(Family::CiCd).unwrap().len(),
        Family::CiCd.operation_names().len()
    );
    assert!(m.capabilities_of(Family::Ai).is_none());
    assert!(m.declares_operation("cicd.pipeline.trigger"));
    assert_eq!(m.permissions.network.hosts.len(), 2);
    assert_eq!(m.permissions.environment, ["GITHUB_TOKEN"]);
    assert_eq!(
        m.permissions.filesystem,
        FilesystemPermission::ReadOnly(vec!["/etc/ssl/certs".into()])
    );
    assert_eq!(
        m.config.schema.as_ref().unwrap().secret_pointers(),
        ["/token"]
    );
    assert_eq!(m.config.defaults["perPage"], 50);
    assert_eq!(m.limits.call_timeout, Some(Duration::from_secs(30)));
    assert_eq!(m.limits.max_concurrency, Some(64));
    assert_eq!(m.extensions["x-homepage"], "https://example.invalid");
    m.check_engine().unwrap();
}

#[test]
fn round_trips_through_json() {
    let m = PluginManifest::from_value(&full()).unwrap();
    let again = PluginManifest::from_value(&m.to_value()).unwrap();
    assert_eq!(
        canonical_json(&m.to_value()),
        canonical_json(&again.to_value())
    );
    let text = serde_json::to_string_pretty(&m.to_value()).unwrap();
    assert_eq!(PluginManifest::parse(&text).unwrap().key(), "github@1.2.0");
}

#[test]
fn network_shorthand_and_minimal_manifest() {
    let m = PluginManifest::from_value(&json!({
        "id": "ollama", "name": "Ollama", "version": "0.3.0-beta.1", "families": ["ai"],
        "provider": "ollama", "engines": {"mosaic": "*"},
        "permissions": {"network": ["localhost:11434"], "filesystem": "none"}
    }))
    .unwrap();
    assert_eq!(m.permissions.network.hosts, ["localhost:11434"]);
    assert!(!m.permissions.network.allow_http);
    assert!(m.config.schema.is_none());
    assert!(m.integrity.is_none());
}

fn fields(e: &Error) -> Vec<String> {
    e.fields().iter().map(|f| f.field.clone()).collect()
}

#[test]
fn every_problem_is_reported_at_its_pointer() {
    let mut v = full();
    v["version"] = json!("1.2");
    v["families"] = json!(["git", "forge"]);
    v["engines"] = json!({"mosaic": ">>1"});
    v["capabilities"]["git"] = json!(["git.repository.create", "git.repo.explode"]);
    v["permissions"]["network"]["hosts"][1] = json!("https://evil.example/x");
    v["permissions"]["environment"] = json!(["OK", "A=B"]);
    v["limits"]["maxConcurrency"] = json!(0);
    v["config"]["defaults"]["perPage"] = json!(1000);
    v.as_object_mut().unwrap().remove("provider");
    v["colour"] = json!("blue");
    let e = PluginManifest::from_value(&v).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let mut got = fields(&e);
    got.sort();
    let mut want = vec![
        "/version",
        "/families/1",
        "/engines/mosaic",
        "/capabilities/git/1",
        "/permissions/network/hosts/1",
        "/permissions/environment/1",
        "/limits/maxConcurrency",
        "/config/defaults/perPage",
        "/provider",
        "/colour",
    ];
    want.sort();
    assert_eq!(got, want, "{e}");
    // and each says what was expected
    let msg = |ptr: &str| {
        e.fields()
            .iter()
            .find(|f| f.field == ptr)
            .unwrap()
            .message
            .clone()
    };
    assert!(
        msg("/version").contains("semantic version"),
        "{}",
        msg("/version")
    );
    assert!(
        msg("/families/1").contains("\"kb\""),
        "{}",
        msg("/families/1")
    );
    assert!(msg("/provider").contains("missing"));
    assert!(msg("/limits/maxConcurrency").contains("positive integer"));
    assert!(msg("/colour").contains("unknown key"));
    assert!(e.to_string().contains("10 problems"), "{e}");
}

#[test]
fn wrong_types_say_what_was_found() {
    let e = PluginManifest::parse(
        r#"{"id": 7, "name": "", "version": "1.0.0", "families": "git",
        "provider": "UPPER", "engines": {}}"#,
    )
    .unwrap_err();
    let f = |p: &str| {
        e.fields()
            .iter()
            .find(|f| f.field == p)
            .map(|f| f.message.clone())
    };
    assert_eq!(f("/id").unwrap(), "expected a string, found a number");
    assert!(f("/name").unwrap().contains("non-empty"));
    assert!(f("/families").unwrap().contains("found a string"));
    assert!(f("/provider").unwrap().contains("identifier"));
    assert!(f("/engines/mosaic").unwrap().contains("missing"));
}

#[test]
fn plugin_ids_are_dash_separated_lowercase_words() {
    for good in [
        "github",
        "github-enterprise",
        "n8n",
        "a",
        "0",
        "a-b-c",
        "gitlab-ci",
    ] {
        let mut v = full();
        v["id"] = json!(good);
        assert!(PluginManifest::from_value(&v).is_ok(), "{good}");
    }
    // Each of these would share an environment prefix with another id (or
    // put the `__` separator inside one).
    let long = "a".repeat(65);
    for bad in [
        "foo_bar",
        "foo.bar",
        "a__b",
        "foo--bar",
        "-foo",
        "foo-",
        "Foo",
        "",
        "a b",
        long.as_str(),
    ] {
        let mut v = full();
        v["id"] = json!(bad);
        let e = PluginManifest::from_value(&v).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(fields(&e), ["/id"], "{bad}: {e}");
        let msg = &e.fields()[0].message;
        assert!(
            msg.contains("plugin id") && msg.contains("single `-`") && msg.contains("`_`"),
            "{msg}"
        );
    }
    // dependencies name plugins, so their keys follow the same rule
    let mut v = full();
    v["dependencies"] = json!({"foo_bar": "*", "ok-dep": "^1"});
    let e = PluginManifest::from_value(&v).unwrap_err();
    assert_eq!(fields(&e), ["/dependencies/foo_bar"], "{e}");
    assert!(e.fields()[0].message.contains("plugin id"), "{e}");
}

#[test]
fn syntax_errors_and_non_objects() {
    let e = PluginManifest::parse("{\"id\": ").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(e.field(), Some("/"));
    assert!(e.to_string().contains("line 1"), "{e}");
    let e = PluginManifest::parse("[1]").unwrap_err();
    assert_eq!(e.field(), Some("/"));
    assert!(e.to_string().contains("found an array"), "{e}");
}

#[test]
fn capabilities_must_belong_to_listed_families_and_no_self_dependency() {
    let mut v = full();
    v["capabilities"]["ai"] = json!(["ai.chat"]);
    v["dependencies"]["github"] = json!("*");
    let e = PluginManifest::from_value(&v).unwrap_err();
    let mut got = fields(&e);
    got.sort();
    assert_eq!(got, ["/capabilities/ai", "/dependencies/github"]);
}

#[test]
fn engine_range_is_checked_against_the_sdk_version() {
    let mut m = PluginManifest::from_value(&full()).unwrap();
    m.engine = VersionReq::parse(">=99").unwrap();
    let e = m.check_engine().unwrap_err();
    assert_eq!(e.field(), Some("/engines/mosaic"));
    assert!(e.to_string().contains(SDK_VERSION), "{e}");
    assert!(check_engine_against(&m, &Version::new(99, 1, 0)).is_ok());
    m.engine = VersionReq::parse(&format!("={SDK_VERSION}")).unwrap();
    assert!(m.check_engine().is_ok());
}

/// Any JSON value, up to a small depth.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("1.0.0"),
            Just("^0.1"),
            Just("git"),
            Just("*"),
            Just("none"),
            Just("sha256:00"),
            Just("git.repository.get"),
            Just("*.example.com"),
            Just("object"),
            Just("x-secret")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    ".{0,8}".boxed(),
                    prop::sample::select(vec![
                        "id",
                        "name",
                        "version",
                        "families",
                        "provider",
                        "engines",
                        "mosaic",
                        "permissions",
                        "network",
                        "hosts",
                        "config",
                        "schema",
                        "type",
                        "properties",
                        "default",
                        "limits",
                        "integrity",
                        "signature",
                        "value",
                        "$ref",
                        "capabilities",
                        "dependencies",
                        "filesystem",
                        "readonly",
                    ])
                    .prop_map(str::to_owned)
                    .boxed(),
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every pointer into `v`.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                pointers(c, crate::pointer::child(&at, k), out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                pointers(c, crate::pointer::index(&at, i), out);
            }
        }
        _ => {}
    }
}

fn assert_typed(result: Result<PluginManifest>) {
    if let Err(e) = result {
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
        assert!(!e.fields().is_empty(), "{e}");
        for f in e.fields() {
            assert!(f.field.starts_with('/'), "not a pointer: {f}");
            assert!(!f.message.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_json_never_panics(v in arb_json()) {
        assert_typed(PluginManifest::from_value(&v));
    }

    #[test]
    fn arbitrary_text_never_panics(s in ".{0,200}") {
        assert_typed(PluginManifest::parse(&s));
    }

    #[test]
    fn mutated_manifests_never_panic(pick in any::<prop::sample::Index>(), replacement in arb_json(), remove in any::<bool>()) {
        let mut v = full();
        let mut ptrs = Vec::new();
        pointers(&v, String::new(), &mut ptrs);
        let ptr = pick.get(&ptrs[1..]).clone();
        if remove {
            let segs = crate::pointer::segments(&ptr);
            let (last, parent) = segs.split_last().unwrap();
            let parent_ptr = parent.iter().fold(String::new(), |p, s| crate::pointer::child(&p, s));
            match v.pointer_mut(&parent_ptr).unwrap() {
                Value::Object(m) => { m.remove(last); }
                Value::Array(a) => { a.remove(last.parse::<usize>().unwrap()); }
                _ => unreachable!("parents are containers"),
            }
        } else {
            *v.pointer_mut(&ptr).unwrap() = replacement;
        }
        let result = PluginManifest::from_value(&v);
        assert_typed(result);
    }

    #[test]
    fn truncated_text_never_panics(cut in 0usize..2000) {
        let text = serde_json::to_string_pretty(&full()).unwrap();
        let cut = cut.min(text.len());
        let cut = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        assert_typed(PluginManifest::parse(&text[..cut]));
    }
}
