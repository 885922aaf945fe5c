//! The checks an instance's settings pass before anything is sent: where the
//! API may be reached, what an idInstance looks like, and how a token may be
//! handed over (an environment variable or an owner-only file, never
//! literally).

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use crate::secret::Token;

/// The hint shown wherever a token is found written literally.
pub(crate) const LITERAL_TOKEN_HINT: &str = "keep tokens out of files others read: name an environment variable with `token_env`, or an owner-only file with `token_file` (chmod 600)";

/// True for a value that looks like an apiTokenInstance (every documented one
/// is 50 lowercase hex digits). Digits alone are IDs, so a letter is required.
pub(crate) fn looks_like_token(s: &str) -> bool {
    let s = s.trim();
    (32..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_hexdigit())
        && s.bytes().any(|b| b.is_ascii_alphabetic())
}

/// True for a key that holds a token itself (`token`, `apiTokenInstance`).
pub(crate) fn is_token_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        k.as_str(),
        "token" | "apitokeninstance" | "apitoken" | "tokeninstance"
    )
}

/// The API base URL without a trailing slash, or what is wrong with it and a
/// hint. Tokens travel in the URL path, so plain HTTP is allowed only to this
/// machine.
pub(crate) fn api_url(raw: &str) -> Result<String, (String, String)> {
    let url = raw.trim().trim_end_matches('/');
    let (scheme, rest) = url.split_once("://").ok_or_else(|| {
        (
            format!("`{url}` is not a URL"),
            "write it like `https://api.green-api.com`".to_owned(),
        )
    })?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() {
        return Err((
            format!("`{url}` has no host"),
            "write it like `https://api.green-api.com`".to_owned(),
        ));
    }
    if authority.contains('@') || rest.contains(['?', '#']) {
        return Err((
            "has user information, a query or a fragment".to_owned(),
            "give only the scheme, host, port and path, like `https://7105.api.greenapi.com`"
                .to_owned(),
        ));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(url.to_owned()),
        "http" if is_loopback(authority) => Ok(url.to_owned()),
        "http" => Err((
            format!("`{url}` is plain http to a host that is not a literal loopback address"),
            "the token travels in the URL path: use https, or plain http only to a literal loopback address such as 127.0.0.1 or [::1] (not a name like `localhost`, which the system resolves)"
                .to_owned(),
        )),
        other => Err((
            format!("`{other}` is not a supported scheme"),
            "use https (or http to 127.0.0.1 for a local sandbox)".to_owned(),
        )),
    }
}

fn is_loopback(authority: &str) -> bool {
    let host = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, _)) => return h.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback()),
            None => return false,
        }
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    // Literal addresses only: a name (even `localhost`) is resolved by the
    // system (hosts file, resolver), which may send it elsewhere.
    host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// An idInstance is digits only.
pub(crate) fn id_instance(raw: &str) -> Result<String, (String, String)> {
    let id = raw.trim();
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id.to_owned())
    } else {
        Err((
            format!("`{id}` is not an idInstance"),
            "an idInstance is digits only, like `1101000001`".to_owned(),
        ))
    }
}

/// Reads a token file, refusing one that group or others can read.
pub(crate) fn token_file(path: &Path) -> Result<Token, (String, String)> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| {
        (
            format!("cannot read token file `{shown}`: {e}"),
            "point `token_file` at an existing file that holds only the token".to_owned(),
        )
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            return Err((
                format!(
                    "token file `{shown}` is readable by group or others (mode {:03o})",
                    mode & 0o777
                ),
                format!("chmod 600 {shown}"),
            ));
        }
    }
    if !meta.is_file() || meta.len() > 4096 {
        return Err((
            format!("token file `{shown}` is not a small regular file"),
            "it should hold only the token".to_owned(),
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        (
            format!("cannot read token file `{shown}`: {e}"),
            "it should hold only the token, as text".to_owned(),
        )
    })?;
    let token = Token::new(text);
    if token.expose().is_empty() {
        return Err((
            format!("token file `{shown}` is empty"),
            "write the instance's apiTokenInstance into it".to_owned(),
        ));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            api_url("https://api.green-api.com/").unwrap(),
            "https://api.green-api.com"
        );
        assert_eq!(
            api_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(api_url("http://127.5.0.1/").unwrap(), "http://127.5.0.1");
        assert_eq!(api_url("http://[::1]:9/x/").unwrap(), "http://[::1]:9/x");
        assert!(
            api_url("http://LOCALHOST:9").is_err(),
            "names are not trusted"
        );
        assert!(api_url("http://localhost").is_err());
        assert!(api_url("http://10.0.0.1").is_err());
        assert!(api_url("http://127.0.0.1.evil.com").is_err());
        assert!(api_url("http://localhost@evil.com").is_err());
        assert!(api_url("ftp://x").is_err());
        assert!(api_url("api.green-api.com").is_err());
        assert!(api_url("https://").is_err());
    }

    #[test]
    fn tokens_and_ids() {
        assert!(looks_like_token(
            "937ed244c1cc696205c938138dad7e6ef4c0437ca777802ff9"
        ));
        assert!(!looks_like_token("120363043968066561"));
        assert!(!looks_like_token("79001234565@c.us"));
        assert!(is_token_key("apiTokenInstance"));
        assert!(is_token_key("TOKEN"));
        assert!(!is_token_key("token_env"));
        assert!(id_instance("1101000001").is_ok());
        assert!(id_instance("11a").is_err());
        assert!(id_instance("").is_err());
    }
}
