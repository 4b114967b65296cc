//! Where the portal sends a browser after a change: only ever to a path of this site, with a flag
//! in the query (`saved=1`) that the page turns into a status message (`ui::Notice`).

/// The path and query of `target` if it points at this site (a relative path, or an absolute URL
/// on `base_url`); `None` for anything else, including `//evil.example` and `/\evil.example`.
pub fn same_site_path(base_url: &str, target: &str) -> Option<String> {
    let path = match target.strip_prefix(base_url) {
        Some("") => "/",
        Some(rest) => rest,
        None => target,
    };
    let is_local_path = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(|c| c.is_control() || c == '\\');
    is_local_path.then(|| path.to_owned())
}

/// `path` with `flag=1` as its only flag. Flags are the query's `name=1` pairs: those of earlier
/// changes are dropped so that their messages do not linger; other parameters (the API Keys
/// page's filters) stay, so the browser comes back to the view it left. A page that actions
/// return to must not use `1` as the value of anything but a flag.
pub fn with_flag(path: &str, flag: &str) -> String {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let mut kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.ends_with("=1") && *pair != flag)
        .collect();
    let flag_pair = format!("{flag}=1");
    kept.push(&flag_pair);
    format!("{path}?{}", kept.join("&"))
}

/// The page a request came from (its `Referer`), if that page is on this site.
pub fn referer_path(base_url: &str, headers: &http::HeaderMap) -> Option<String> {
    let referer = headers.get(http::header::REFERER)?.to_str().ok()?;
    same_site_path(base_url, referer)
}

/// The page this server function was called from, if it is on this site, else `fallback`; with
/// `flag` (see [`with_flag`]). Actions offered on several pages (revoking from the API Keys page
/// or from the application's) return the browser to the one it used, filters and all.
pub async fn back_with_flag(base_url: &str, fallback: &str, flag: &str) -> String {
    let back = leptos_axum::extract::<http::HeaderMap>()
        .await
        .ok()
        .and_then(|headers| referer_path(base_url, &headers))
        .unwrap_or_else(|| fallback.to_owned());
    with_flag(&back, flag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_kept() {
        let base = "https://portal.example";
        assert_eq!(same_site_path(base, "/signin?x=1").as_deref(), Some("/signin?x=1"));
        assert_eq!(
            same_site_path(base, "https://portal.example/profile").as_deref(),
            Some("/profile")
        );
        assert_eq!(same_site_path(base, "https://portal.example").as_deref(), Some("/"));
        assert_eq!(same_site_path(base, "https://portal.example.evil.io/profile"), None);
        assert_eq!(same_site_path(base, "https://evil.example/"), None);
        assert_eq!(same_site_path(base, "//evil.example/"), None);
        assert_eq!(same_site_path(base, "/\\evil.example/"), None);
        assert_eq!(same_site_path(base, "javascript:alert(1)"), None);
    }

    #[test]
    fn a_flag_replaces_earlier_flags_and_keeps_the_filters() {
        assert_eq!(with_flag("/keys", "saved"), "/keys?saved=1");
        assert_eq!(
            with_flag("/keys?environment=sandbox&revoked=1", "saved"),
            "/keys?environment=sandbox&saved=1"
        );
        assert_eq!(
            with_flag("/keys?application=app_x&environment=uat&saved=1", "saved"),
            "/keys?application=app_x&environment=uat&saved=1"
        );
        assert_eq!(with_flag("/apis/app_x?", "revoked"), "/apis/app_x?revoked=1");
    }
}
