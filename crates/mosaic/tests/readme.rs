//! The README's first example: its `mosaic.toml` parses, and builds once
//! the real providers are stood in for by in-memory ones of their family.
#![cfg(feature = "testing")]

use mosaic::config::{Format, family_of};
use mosaic::{Mosaic, MosaicConfig, RequestContext};

fn readme_toml() -> String {
    let readme = include_str!("../../../README.md");
    let start = readme.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let len = readme[start..].find("```").expect("the block ends");
    readme[start..start + len].to_owned()
}

#[test]
fn the_readme_deployment_builds() {
    let text = readme_toml();
    let mut config = MosaicConfig::parse(&text, Format::Toml, "README.md").unwrap();
    assert_eq!(config.providers.len(), 4);
    assert_eq!(config.routes.git.len(), 2);
    assert!(config.cache.is_some());
    assert!(config.tenants.contains_key("*"));
    assert_eq!(config.ai.aliases["chat"].len(), 2);
    for spec in config.providers.values_mut() {
        let family = family_of(&spec.kind).expect("a catalog kind");
        spec.kind = format!("fake-{}", family.as_str());
        spec.settings.clear();
    }
    let mosaic = Mosaic::build(&config).unwrap();
    assert!(mosaic.git().is_ok() && mosaic.ai().is_ok());
    let why = mosaic
        .route("ai.chat", Some("chat"), &RequestContext::new())
        .unwrap();
    assert_eq!(why.providers().collect::<Vec<_>>(), ["openai", "claude"]);
    let why = mosaic
        .route(
            "git.repository.get",
            Some("acme/internal-tools"),
            &RequestContext::new(),
        )
        .unwrap();
    assert_eq!(why.target(), Some("gitea"));
}
