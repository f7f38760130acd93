//! The console's static files, embedded in the binary at build time.
//!
//! Scripts, styles and the OpenAPI renderer are served under
//! `/app/assets/<build>/<name>`, where `<build>` is a hash of every embedded
//! file: the URL changes whenever any file does, so assets are cached for a
//! year (`immutable`), and relative ES module imports keep working. The HTML
//! pages name that directory and are revalidated with an ETag.

use sha2::{Digest, Sha256};
use std::sync::LazyLock;

pub struct Asset {
    pub name: &'static str,
    pub bytes: &'static [u8],
}

macro_rules! assets {
    ($($name:literal),* $(,)?) => {
        &[$(Asset {
            name: $name,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/assets/", $name)),
        }),*]
    };
}

/// Everything under `console/web/assets/` (a test checks the list is complete).
pub static ASSETS: &[Asset] = assets![
    "app.js",
    "accept.js",
    "api-keys.js",
    "audit.js",
    "auth.js",
    "client.js",
    "dialogs.js",
    "directory.js",
    "favicon.svg",
    "imports.js",
    "invitations.js",
    "members.js",
    "org.js",
    "orgs.js",
    "reference.js",
    "signin.js",
    "style.css",
    "tokens.js",
    "ui.js",
    "webhooks.js",
    "vendor/swagger-ui-bundle.js",
    "vendor/swagger-ui.css",
    "vendor/LICENSE",
    "vendor/swagger-ui-bundle.js.LICENSE.txt",
];

/// Precompressed copies (`gzip -9 -n`) of the large vendored files, served to
/// browsers that accept gzip: the renderer is 1.7 MB, 0.5 MB gzipped, and API
/// Gateway does not compress. Each is `<name>.gz` beside its asset.
pub static GZIPPED: &[Asset] = &[
    Asset {
        name: "vendor/swagger-ui-bundle.js",
        bytes: include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/web/assets/vendor/swagger-ui-bundle.js.gz"
        )),
    },
    Asset {
        name: "vendor/swagger-ui.css",
        bytes: include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/web/assets/vendor/swagger-ui.css.gz"
        )),
    },
];

/// The gzip copy of an asset, if it has one.
pub fn gzipped(asset: &Asset) -> Option<&'static [u8]> {
    GZIPPED
        .iter()
        .find(|g| g.name == asset.name)
        .map(|g| g.bytes)
}

const INDEX_HTML: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/index.html"));
const REFERENCE_HTML: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/reference.html"));
/// The API's contract, rendered by the reference page.
pub const OPENAPI_YAML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../infra/openapi.yaml"
));

/// What the pages link to; placeholders in the HTML files.
const ASSETS_PLACEHOLDER: &str = "{{assets}}";

pub struct Site {
    /// First 16 hex digits of the SHA-256 over every asset's name and bytes.
    pub build: String,
    pub index_html: String,
    pub reference_html: String,
}

pub static SITE: LazyLock<Site> = LazyLock::new(|| {
    let mut hasher = Sha256::new();
    for asset in ASSETS {
        hasher.update(asset.name.as_bytes());
        hasher.update([0]);
        hasher.update((asset.bytes.len() as u64).to_be_bytes());
        hasher.update(asset.bytes);
    }
    let build = hex::encode(hasher.finalize())[..16].to_owned();
    let base = format!("/app/assets/{build}");
    Site {
        index_html: INDEX_HTML.replace(ASSETS_PLACEHOLDER, &base),
        reference_html: REFERENCE_HTML.replace(ASSETS_PLACEHOLDER, &base),
        build,
    }
});

pub fn asset(build: &str, name: &str) -> Option<&'static Asset> {
    if build != SITE.build {
        return None;
    }
    ASSETS.iter().find(|a| a.name == name)
}

pub fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("yaml") => "application/yaml; charset=utf-8",
        Some("json") => "application/json",
        _ => "text/plain; charset=utf-8",
    }
}

/// A strong ETag: a hash of the exact bytes served.
pub fn etag(bytes: &[u8]) -> String {
    format!("\"{}\"", &hex::encode(Sha256::digest(bytes))[..32])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn files_under(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                files_under(&entry.path(), &format!("{name}/"), out);
            } else {
                out.push(name);
            }
        }
    }

    #[test]
    fn every_file_under_web_assets_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/assets");
        let mut on_disk = vec![];
        files_under(&dir, "", &mut on_disk);
        let mut embedded: Vec<String> = ASSETS.iter().map(|a| a.name.to_owned()).collect();
        embedded.extend(GZIPPED.iter().map(|g| format!("{}.gz", g.name)));
        on_disk.sort();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }

    /// Were `roster` to embed a page, an asset or the contract, editing it
    /// would rebuild every function instead of this crate and `console`.
    #[test]
    fn the_roster_crate_embeds_none_of_the_console_files() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/src");
        let mut files = vec![];
        files_under(&src, "", &mut files);
        let mut embedded = vec![];
        for file in files.iter().filter(|f| f.ends_with(".rs")) {
            let text = std::fs::read_to_string(src.join(file)).unwrap();
            let code = &text[..text.find("#[cfg(test)]").unwrap_or(text.len())];
            for (at, _) in code.match_indices("include_") {
                let call: String = code[at..].chars().take_while(|&c| c != ';').collect();
                if ["web/", "openapi", "CARGO_MANIFEST_DIR"]
                    .iter()
                    .any(|outside| call.contains(outside))
                {
                    embedded.push(format!("shared/src/{file}: {call}"));
                }
            }
        }
        assert!(embedded.is_empty(), "{embedded:#?}");
    }

    #[test]
    fn pages_name_the_hashed_asset_directory() {
        let base = format!("/app/assets/{}/", SITE.build);
        assert!(SITE.index_html.contains(&format!("{base}app.js")));
        assert!(SITE.reference_html.contains(&format!("{base}reference.js")));
        assert!(!SITE.index_html.contains(ASSETS_PLACEHOLDER));
    }

    #[test]
    fn every_gzip_copy_is_of_an_embedded_asset_and_is_gzip() {
        for g in GZIPPED {
            assert!(ASSETS.iter().any(|a| a.name == g.name), "{}", g.name);
            assert_eq!(&g.bytes[..2], &[0x1f, 0x8b], "{}", g.name);
        }
    }

    #[test]
    fn assets_of_another_build_are_not_served() {
        assert!(asset(&SITE.build, "app.js").is_some());
        assert!(asset("0000000000000000", "app.js").is_none());
        assert!(asset(&SITE.build, "../index.html").is_none());
    }
}
