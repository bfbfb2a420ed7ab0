//! Dependency order: plugins start after what they depend on and stop before it.

use std::collections::{BTreeMap, BTreeSet};

use mosaic_core::{ErrorKind, FieldError, Result};

use crate::manifest::PluginManifest;
use crate::pointer::located_error;

/// The order to start `plugins` in: every plugin after all of its
/// dependencies (ties broken by id, so the order is stable). Stop in the
/// reverse order.
///
/// Every problem is reported at once, before anything starts, in one
/// `Config` error naming the plugins involved: a dependency that is not
/// among `plugins` (missing), one whose version is outside the required
/// range (incompatible), and every cycle (`a → b → a`).
pub fn start_order(plugins: &[&PluginManifest]) -> Result<Vec<String>> {
    let by_id: BTreeMap<&str, &PluginManifest> =
        plugins.iter().map(|m| (m.id.as_str(), *m)).collect();
    let mut problems = Vec::new();
    for m in by_id.values() {
        for (dep, req) in &m.dependencies {
            match by_id.get(dep.as_str()) {
                None => problems.push(FieldError::new(
                    format!("{}/dependencies/{dep}", m.id),
                    format!(
                        "plugin `{}` depends on `{dep}` ({req}), which is missing",
                        m.key()
                    ),
                )),
                Some(d) if !req.matches(&d.version) => problems.push(FieldError::new(
                    format!("{}/dependencies/{dep}", m.id),
                    format!(
                        "plugin `{}` needs `{dep}` {req}, but version {} is present",
                        m.key(),
                        d.version
                    ),
                )),
                Some(_) => {}
            }
        }
    }

    // Kahn's algorithm over the dependencies that are present.
    let mut waiting: BTreeMap<&str, BTreeSet<&str>> = by_id
        .values()
        .map(|m| {
            let deps = m
                .dependencies
                .keys()
                .map(String::as_str)
                .filter(|d| by_id.contains_key(d))
                .collect();
            (m.id.as_str(), deps)
        })
        .collect();
    let mut order = Vec::with_capacity(by_id.len());
    loop {
        let ready: Vec<&str> = waiting
            .iter()
            .filter(|(_, deps)| deps.is_empty())
            .map(|(id, _)| *id)
            .collect();
        if ready.is_empty() {
            break;
        }
        for id in ready {
            waiting.remove(id);
            for deps in waiting.values_mut() {
                deps.remove(id);
            }
            order.push(id.to_owned());
        }
    }
    for cycle in cycles(&waiting) {
        problems.push(FieldError::new(
            cycle[0].clone(),
            format!("dependency cycle: {}", cycle.join(" → ")),
        ));
    }
    if problems.is_empty() {
        Ok(order)
    } else {
        Err(located_error(
            ErrorKind::Config,
            "cannot order plugins",
            problems,
        ))
    }
}

/// Each distinct cycle among the `remaining` nodes (all of which are on or
/// behind a cycle), as `[a, b, …, a]`, starting at its smallest id.
fn cycles(remaining: &BTreeMap<&str, BTreeSet<&str>>) -> Vec<Vec<String>> {
    let mut found: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for start in remaining.keys() {
        if done.contains(start) {
            continue;
        }
        // Follow first edges until a node repeats: that closes a cycle.
        let mut path: Vec<&str> = vec![start];
        let mut node = *start;
        while let Some(next) = remaining.get(node).and_then(|d| d.iter().next()).copied() {
            if let Some(pos) = path.iter().position(|n| *n == next) {
                let mut cycle: Vec<&str> = path[pos..].to_vec();
                let min = cycle
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, n)| **n)
                    .map(|(i, _)| i)
                    .unwrap_or(0);
                cycle.rotate_left(min);
                let mut named: Vec<String> = cycle.iter().map(|s| (*s).to_owned()).collect();
                named.push(named[0].clone());
                found.insert(named);
                break;
            }
            if done.contains(next) {
                break;
            }
            path.push(next);
            node = next;
        }
        done.extend(path);
    }
    found.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(id: &str, version: &str, deps: &[(&str, &str)]) -> PluginManifest {
        let deps: serde_json::Map<String, serde_json::Value> = deps
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::json!(v)))
            .collect();
        PluginManifest::from_value(&serde_json::json!({
            "id": id, "name": id, "version": version, "families": ["git"], "provider": "x",
            "engines": {"mosaic": "*"}, "dependencies": deps,
        }))
        .unwrap()
    }

    #[test]
    fn dependencies_first_ties_by_id() {
        let (a, b, c, d) = (
            m("a", "1.0.0", &[("c", "^1")]),
            m("b", "1.0.0", &[]),
            m("c", "1.2.0", &[("b", "1")]),
            m("d", "1.0.0", &[]),
        );
        let order = start_order(&[&a, &b, &c, &d]).unwrap();
        assert_eq!(order, ["b", "d", "c", "a"]);
    }

    #[test]
    fn cycles_missing_and_incompatible_all_named() {
        let ms = [
            m("a", "1.0.0", &[("b", "*")]),
            m("b", "1.0.0", &[("c", "*")]),
            m("c", "1.0.0", &[("a", "*")]),
            m("d", "1.0.0", &[("e", "^2")]),
            m("e", "1.5.0", &[]),
            m("f", "1.0.0", &[("ghost", "*")]),
            m("x", "1.0.0", &[("y", "*")]),
            m("y", "1.0.0", &[("x", "*")]),
            m("z", "1.0.0", &[("x", "*")]),
        ];
        let refs: Vec<&PluginManifest> = ms.iter().collect();
        let e = start_order(&refs).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        let msgs: Vec<String> = e.fields().iter().map(|f| f.to_string()).collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains("dependency cycle: a → b → c → a")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("dependency cycle: x → y → x")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("d/dependencies/e") && m.contains("version 1.5.0")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("f/dependencies/ghost") && m.contains("missing")),
            "{msgs:?}"
        );
        assert_eq!(e.fields().len(), 4, "{msgs:?}");
    }
}
