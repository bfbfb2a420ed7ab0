use super::*;
use crate::context::HostPattern;
use crate::manifest::NetworkPermission;
use proptest::prelude::*;
use serde_json::json;

fn manifest() -> PluginManifest {
    PluginManifest::from_value(&json!({
        "id": "wiki", "name": "Wiki", "version": "2.0.0", "families": ["kb"], "provider": "wikijs",
        "engines": {"mosaic": "*"},
        "permissions": {
            "network": {"hosts": ["wiki.example.com", "*"], "allowHttp": true},
            "environment": ["WIKI_TOKEN"],
            "filesystem": {"readonly": ["/srv/wiki"]}
        }
    }))
    .unwrap()
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

#[test]
fn signed_manifest_verifies_and_round_trips() {
    let mut m = manifest();
    set_content_hash(&mut m, b"plugin content");
    sign_manifest(&mut m, "release", &key(1));
    // the signature survives serialization (and key order does not matter)
    let text = serde_json::to_string(&m.to_value()).unwrap();
    let parsed = PluginManifest::parse(&text).unwrap();
    assert_eq!(parsed.integrity, m.integrity);
    let store =
        TrustStore::new().trust_key("release", key(1).verifying_key(), TrustLevel::Verified);
    let d = store
        .evaluate(&parsed, Origin::Discovered, Some(b"plugin content"))
        .unwrap();
    assert_eq!(d.level, TrustLevel::Verified);
    assert_eq!(d.signed_by.as_deref(), Some("release"));
    assert!(d.content_verified);
    assert!(d.withheld.is_empty());
    assert_eq!(d.permissions, m.permissions);
}

#[test]
fn tampering_or_the_wrong_key_is_refused() {
    let mut m = manifest();
    sign_manifest(&mut m, "release", &key(1));
    let store =
        TrustStore::new().trust_key("release", key(1).verifying_key(), TrustLevel::Verified);

    let mut tampered = m.clone();
    tampered
        .permissions
        .network
        .hosts
        .push("evil.example".into());
    let e = store.evaluate(&tampered, Origin::Static, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert!(e.to_string().contains("bad signature"), "{e}");
    assert!(e.to_string().contains("wiki@2.0.0"), "{e}");

    let other =
        TrustStore::new().trust_key("release", key(2).verifying_key(), TrustLevel::Verified);
    assert!(
        other
            .evaluate(&m, Origin::Static, None)
            .unwrap_err()
            .to_string()
            .contains("bad signature")
    );
}

#[test]
fn unknown_keys_prove_nothing() {
    let mut m = manifest();
    sign_manifest(&mut m, "someone", &key(3));
    let store = TrustStore::new();
    let e = store.evaluate(&m, Origin::Static, None).unwrap_err();
    assert!(
        e.to_string()
            .contains("untrusted is below the host's minimum of community"),
        "{e}"
    );
    let lenient = TrustStore::new().minimum(TrustLevel::Untrusted);
    let d = lenient.evaluate(&m, Origin::Static, None).unwrap();
    assert_eq!(d.level, TrustLevel::Untrusted);
    assert_eq!(d.signed_by, None);
    assert_eq!(d.permissions.network, NetworkPermission::default());
    assert!(d.permissions.environment.is_empty());
    assert_eq!(d.withheld.len(), 3, "{:?}", d.withheld);
}

#[test]
fn quarantine_by_id_version_or_key() {
    let mut m = manifest();
    sign_manifest(&mut m, "release", &key(1));
    let base = TrustStore::new().trust_key("release", key(1).verifying_key(), TrustLevel::Internal);
    for q in ["wiki", "wiki@2.0.0", "release"] {
        let e = base
            .clone()
            .quarantine(q)
            .evaluate(&m, Origin::Static, None)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied);
        assert!(e.to_string().contains("quarantined"), "{e}");
    }
    assert!(
        base.clone()
            .quarantine("wiki@1.0.0")
            .evaluate(&m, Origin::Static, None)
            .is_ok()
    );
    let as_quarantined =
        TrustStore::new().trust_key("release", key(1).verifying_key(), TrustLevel::Quarantined);
    assert!(as_quarantined.evaluate(&m, Origin::Static, None).is_err());
}

#[test]
fn content_hash_must_match() {
    let mut m = manifest();
    set_content_hash(&mut m, b"v1");
    let store = TrustStore::new();
    assert!(
        store
            .evaluate(&m, Origin::Static, Some(b"v1"))
            .unwrap()
            .content_verified
    );
    let e = store.evaluate(&m, Origin::Static, Some(b"v2")).unwrap_err();
    assert!(e.to_string().contains("content hash mismatch"), "{e}");
    let e = store.evaluate(&m, Origin::Static, None).unwrap_err();
    assert!(e.to_string().contains("no content was supplied"), "{e}");
}

#[test]
fn levels_decide_permissions() {
    let m = manifest();
    let at = |level| {
        TrustStore::new()
            .minimum(TrustLevel::Untrusted)
            .unsigned(Origin::Static, level)
            .evaluate(&m, Origin::Static, None)
            .unwrap()
    };
    let internal = at(TrustLevel::Internal);
    assert_eq!(internal.permissions, m.permissions);
    let community = at(TrustLevel::Community);
    assert_eq!(community.permissions.network.hosts, ["wiki.example.com"]);
    assert!(!community.permissions.network.allow_http);
    assert_eq!(community.permissions.environment, ["WIKI_TOKEN"]);
    assert_eq!(community.permissions.filesystem, FilesystemPermission::None);
    assert_eq!(community.withheld.len(), 3, "{:?}", community.withheld);
    let untrusted = at(TrustLevel::Untrusted);
    assert!(untrusted.permissions.network.hosts.is_empty());
    // discovered and unsigned: untrusted by default, so refused by default
    assert!(
        TrustStore::new()
            .evaluate(&m, Origin::Discovered, None)
            .is_err()
    );
    assert_eq!(
        TrustLevel::ALL
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>(),
        [
            "quarantined",
            "untrusted",
            "community",
            "verified",
            "internal"
        ]
    );
}

#[test]
fn integrity_parse_errors_are_located() {
    let mut v = manifest().to_value();
    v["integrity"] =
        json!({"contentHash": "md5:00", "signature": {"keyId": "", "value": "!!"}, "x": 1});
    let e = PluginManifest::from_value(&v).unwrap_err();
    let mut got: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
    got.sort_unstable();
    assert_eq!(
        got,
        [
            "/integrity/contentHash",
            "/integrity/signature/keyId",
            "/integrity/signature/value",
            "/integrity/x"
        ]
    );
}

#[test]
fn directory_content_is_stable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plugin.json"), "{}").unwrap();
    std::fs::create_dir(dir.path().join("schemas")).unwrap();
    std::fs::write(dir.path().join("schemas/config.json"), "{\"a\":1}").unwrap();
    std::fs::write(dir.path().join("README"), "hi").unwrap();
    let a = directory_content(dir.path()).unwrap();
    std::fs::write(dir.path().join("plugin.json"), "{\"changed\": true}").unwrap();
    assert_eq!(
        directory_content(dir.path()).unwrap(),
        a,
        "plugin.json is not content"
    );
    std::fs::write(dir.path().join("README"), "ho").unwrap();
    assert_ne!(directory_content(dir.path()).unwrap(), a);
}

fn hosts(hosts: &[&str]) -> Permissions {
    Permissions {
        network: NetworkPermission {
            hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
            allow_http: false,
        },
        ..Permissions::default()
    }
}

#[test]
fn community_withholds_every_wildcard_pattern() {
    let wild = [
        "?*",
        "*?",
        "*.*",
        "*?*",
        "*",
        "**",
        "?",
        "*.example.com",
        "api-?.example.com",
    ];
    let mut declared: Vec<&str> = wild.to_vec();
    declared.push("api.example.com");
    declared.push("api.example.com:8443");
    let (kept, withheld) = TrustLevel::Community.grants().restrict(&hosts(&declared));
    assert_eq!(
        kept.network.hosts,
        ["api.example.com", "api.example.com:8443"]
    );
    assert_eq!(withheld.len(), 1, "{withheld:?}");
    assert!(
        withheld[0].starts_with("wildcard host patterns"),
        "{withheld:?}"
    );
    for w in wild {
        assert!(withheld[0].contains(w), "{w} not listed in {withheld:?}");
    }
    // Nothing kept reaches an internal address or an arbitrary host.
    let allow = crate::context::Allowlist::new(&kept.network);
    for url in [
        "https://127.0.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://metadata.google.internal/",
        "https://evil.example.net/",
        "https://a.b/",
    ] {
        assert!(
            allow.check(&url::Url::parse(url).unwrap()).is_err(),
            "{url}"
        );
    }
}

#[test]
fn community_withholds_internal_addresses_and_metadata_names() {
    let internal = [
        "127.0.0.1",
        "127.8.9.10:8080",
        "127.1",
        "2130706433",
        "0x7f.0.0.1",
        "0.0.0.0",
        "10.0.0.5",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1:443",
        "169.254.169.254",
        "169.254.0.1",
        "100.100.100.200",
        "[::1]",
        "[::1]:8080",
        "[::]",
        "[fc00::1]",
        "[fd00:ec2::254]",
        "[fe80::1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:169.254.169.254]",
        "localhost",
        "LOCALHOST:3000",
        "localhost.",
        "app.localhost",
        "metadata",
        "Metadata.Google.Internal",
        "metadata.google.internal.",
    ];
    let public = [
        "api.github.com",
        "8.8.8.8",
        "172.32.0.1",
        "192.169.0.1",
        "[2001:db8::1]",
        "metadata.example.com",
        "localhost.example.com",
    ];
    let mut declared: Vec<&str> = internal.to_vec();
    declared.extend(public);
    let (kept, withheld) = TrustLevel::Community.grants().restrict(&hosts(&declared));
    assert_eq!(kept.network.hosts, public);
    assert_eq!(withheld.len(), 1, "{withheld:?}");
    assert!(
        withheld[0].starts_with("loopback, private, link-local or metadata hosts"),
        "{withheld:?}"
    );
    for h in internal {
        assert!(withheld[0].contains(h), "{h} not listed in {withheld:?}");
    }
    // Untrusted plugins get no network at all.
    let (kept, withheld) = TrustLevel::Untrusted.grants().restrict(&hosts(&declared));
    assert!(kept.network.hosts.is_empty());
    assert!(withheld[0].starts_with("network access to"), "{withheld:?}");
}

#[test]
fn community_withholds_patterns_that_are_not_host_names() {
    let (kept, withheld) = TrustLevel::Community.grants().restrict(&hosts(&[
        "fe80::1",
        "::1",
        "[nope]",
        "https://x",
        "ok.example",
    ]));
    assert_eq!(kept.network.hosts, ["ok.example"]);
    assert_eq!(withheld.len(), 1, "{withheld:?}");
    assert!(withheld[0].contains("not exact host names"), "{withheld:?}");
}

#[test]
fn verified_and_internal_keep_what_they_declare() {
    let declared = hosts(&[
        "*",
        "?*",
        "*.example.com",
        "127.0.0.1:8080",
        "localhost",
        "[::1]",
    ]);
    for level in [TrustLevel::Verified, TrustLevel::Internal] {
        let (kept, withheld) = level.grants().restrict(&declared);
        assert_eq!(kept, declared, "{level}");
        assert!(withheld.is_empty(), "{level}: {withheld:?}");
    }
}

proptest! {
    #[test]
    fn community_keeps_only_exact_hosts(
        patterns in prop::collection::vec("[a-z0-9.*?-]{1,12}", 0..8),
        probes in prop::collection::vec("[a-zA-Z0-9.-]{1,12}", 0..8),
    ) {
        let declared = Permissions {
            network: NetworkPermission { hosts: patterns.clone(), allow_http: true },
            ..Permissions::default()
        };
        let (kept, _) = TrustLevel::Community.grants().restrict(&declared);
        for p in &kept.network.hosts {
            prop_assert!(!p.contains(['*', '?']), "wildcard survived: {p}");
            prop_assert!(patterns.contains(p));
            let pattern = HostPattern::new(p).unwrap();
            // Probe with the declared patterns themselves (upper-cased too),
            // so matches are likely, and with arbitrary hosts.
            let candidates = probes
                .iter()
                .cloned()
                .chain(patterns.iter().cloned())
                .chain(patterns.iter().map(|q| q.to_ascii_uppercase()));
            for host in candidates {
                for port in [None, Some(443), Some(8080)] {
                    if pattern.matches(&host, port) {
                        // A trailing dot names the same host (`a.` is `a`).
                        let same = host
                            .trim_end_matches('.')
                            .eq_ignore_ascii_case(p.trim_end_matches('.'));
                        prop_assert!(same, "`{p}` matches the different host `{host}`");
                    }
                }
            }
        }
        prop_assert!(!kept.network.allow_http);
    }
}

#[test]
fn a_trailing_dot_names_the_same_host() {
    // Found by the property above: `-.` and `-` are one host.
    let pattern = HostPattern::new("-.").unwrap();
    assert!(pattern.matches("-", None));
    assert!(
        HostPattern::new("api.example.com.")
            .unwrap()
            .matches("API.example.com", Some(443))
    );
    assert!(
        !HostPattern::new("api.example.com.")
            .unwrap()
            .matches("example.com", None)
    );
}
