use super::*;
use crate::manifest::NetworkPermission;

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
