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
    let s = crate::greenapi::ids::trim(s);
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

/// The most a token file may hold: a token and a newline, with room to spare.
const MAX_TOKEN_FILE: u64 = 4096;

/// Reads a token file: opened once without following a symbolic link, then
/// the open file must be a regular file owned by the user and readable by
/// nobody else, and it must hold exactly the bytes its size says (files of
/// /proc and /sys report a size that is not what they hold, and
/// `/proc/self/environ` is the process's secrets).
pub(crate) fn token_file(path: &Path) -> Result<Token, (String, String)> {
    use std::io::Read;
    let shown = crate::sanitise::escaped(&path.display().to_string()).into_owned();
    let (file, meta) =
        crate::trusted_file::open(path, std::fs::OpenOptions::new().read(true), 0o077).map_err(
            |refusal| {
                let hint = match &refusal {
                    crate::trusted_file::Refusal::Io(_) => {
                        "point `token_file` at an existing file that holds only the token"
                            .to_owned()
                    }
                    other => other.hint(path),
                };
                (format!("token file `{shown}` {refusal}"), hint)
            },
        )?;
    let mut bytes = Vec::new();
    file.take(MAX_TOKEN_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            (
                format!("cannot read token file `{shown}`: {e}"),
                "it should hold only the token, as text".to_owned(),
            )
        })?;
    if bytes.len() as u64 > MAX_TOKEN_FILE || bytes.len() as u64 != meta.len() {
        return Err((
            format!("token file `{shown}` is not a small ordinary file"),
            "it should hold only the token".to_owned(),
        ));
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return Err((
            format!("token file `{shown}` is not text"),
            "it should hold only the token".to_owned(),
        ));
    };
    let token = Token::new(text);
    if token.expose().is_empty() {
        return Err((
            format!("token file `{shown}` is empty"),
            "write the instance's apiTokenInstance into it".to_owned(),
        ));
    }
    Ok(token)
}

/// The shortest and longest tokens accepted.
const TOKEN_LENGTH: std::ops::RangeInclusive<usize> = 16..=256;

/// Checks a token's shape before it goes into a URL path. GREEN-API's
/// tokens are 50 lowercase hex digits in every example, but the format is
/// not promised; what is accepted is what cannot change the request: ASCII
/// letters, digits, `-` and `_` (unreserved in URLs: never percent-encoded,
/// no `/`, `?`, `#`, `%` or `..`), 16 to 256 of them. The message never
/// quotes the token.
pub(crate) fn token_shape(token: &Token) -> Result<(), (String, String)> {
    let t = token.expose();
    let hint = "a GREEN-API token is 50 letters and digits, as the console shows it; check that only the token is there (tokens of 16 to 256 letters, digits, `-` or `_` are accepted)";
    if !TOKEN_LENGTH.contains(&t.len()) {
        return Err((
            format!(
                "does not hold an apiTokenInstance: it is {} characters long",
                t.chars().count()
            ),
            hint.to_owned(),
        ));
    }
    if !t
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err((
            "does not hold an apiTokenInstance: it has characters other than letters, digits, `-` and `_`"
                .to_owned(),
            hint.to_owned(),
        ));
    }
    Ok(())
}

/// The variable in which the person running greenbatch lists more names
/// that `token_env` may give, separated by commas.
pub(crate) const TOKEN_ENVS: &str = "GREENBATCH_TOKEN_ENVS";

/// Checks the name `token_env` gives: an instances file must not be able
/// to send any variable of the environment to a server, CI secrets such as
/// `GITHUB_TOKEN` or `NPM_TOKEN` included, so only variables meant for
/// GREEN-API are read: starting with `GREEN_API_` or `GREENBATCH_`, or
/// listed in [`TOKEN_ENVS`] by whoever runs the command.
pub(crate) fn token_env_name(
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), (String, String)> {
    let upper = name.to_ascii_uppercase();
    let word = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let ours = upper.starts_with("GREEN_API_") || upper.starts_with("GREENBATCH_");
    let listed = env(TOKEN_ENVS).is_some_and(|list| list.split(',').any(|n| n.trim() == name));
    if word && (ours || listed) {
        Ok(())
    } else {
        let renamed = format!("GREEN_API_{}", upper.trim_start_matches('_'));
        Err((
            format!("`{name}` is not a variable meant for a GREEN-API token"),
            match word {
                true => format!(
                    "an instances file may name only variables starting with `GREEN_API_` or `GREENBATCH_`, so that it cannot send another secret (GITHUB_TOKEN, NPM_TOKEN) anywhere: rename it (`{renamed}`), or allow it where greenbatch runs: {TOKEN_ENVS}={name}"
                ),
                false => "name a variable starting with `GREEN_API_` or `GREENBATCH_` (like `GREEN_API_WA_MAIN_TOKEN`)".to_owned(),
            },
        ))
    }
}

/// GREEN-API's documented hosts: `api.green-api.com` and `api.greenapi.com`
/// (the universal hosts) and their numbered subdomains
/// (`7105.api.greenapi.com`, `3100.api.green-api.com`).
const DOCUMENTED_DOMAINS: [&str; 2] = ["api.green-api.com", "api.greenapi.com"];

/// The host of `api_url` when it is neither one of GREEN-API's documented
/// hosts nor a literal loopback address: a token sent there leaves for
/// someone else's server, which deserves a warning unless acknowledged.
pub(crate) fn undocumented_host(api_url: &str) -> Option<String> {
    let rest = api_url.split_once("://").map_or(api_url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if is_loopback(authority) {
        return None;
    }
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(h, _)| h)
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let documented = DOCUMENTED_DOMAINS
        .iter()
        .any(|d| host == *d || host.strip_suffix(d).is_some_and(|s| s.ends_with('.')));
    (!documented).then_some(host)
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
    fn documented_hosts_and_loopback_need_no_acknowledgement() {
        for quiet in [
            "https://api.green-api.com",
            "https://api.greenapi.com",
            "https://7105.api.greenapi.com",
            "https://3100.api.green-api.com:443/",
            "https://7105.API.GreenAPI.com.",
            "http://127.0.0.1:7700",
            "http://[::1]:9",
        ] {
            assert_eq!(undocumented_host(quiet), None, "{quiet}");
        }
        for (loud, host) in [
            ("https://evil.example", "evil.example"),
            (
                "https://api.greenapi.com.evil.example",
                "api.greenapi.com.evil.example",
            ),
            ("https://xapi.greenapi.com", "xapi.greenapi.com"),
            ("https://greenapi.com", "greenapi.com"),
            ("https://10.0.0.1:8443/x", "10.0.0.1"),
        ] {
            assert_eq!(undocumented_host(loud).as_deref(), Some(host), "{loud}");
        }
    }

    #[test]
    fn token_shapes_and_variable_names() {
        let ok = |t: &str| token_shape(&Token::new(t)).is_ok();
        assert!(ok("937ed244c1cc696205c938138dad7e6ef4c0437ca777802ff9"));
        assert!(ok("ABCdef0123456789-_x"));
        assert!(!ok("short"));
        assert!(!ok(&"a".repeat(257)));
        for bad in [
            "../../../../etc/passwd1234",
            "abcdefabcdefabcd/x",
            "abcdefabcdefabcd?x=1",
            "abcdefabcdefabcd#x",
            "abcdefabcdefabcd%2f",
            "abcdefabcdef abcd",
            "abcdefabcdefabcdé",
        ] {
            let err = token_shape(&Token::new(bad)).unwrap_err();
            assert!(!err.0.contains(bad) && !err.1.contains(bad), "{err:?}");
        }
        let none = |_: &str| None;
        for name in [
            "GREEN_API_WA_MAIN_TOKEN",
            "green_api_wa_main_token",
            "GREEN_API_TOKEN_INSTANCE",
            "GREENBATCH_WA",
        ] {
            assert!(token_env_name(name, &none).is_ok(), "{name}");
        }
        for name in [
            "GITHUB_TOKEN",
            "NPM_TOKEN",
            "WA_MAIN_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "HOME",
            "TOKEN",
            "A-B_TOKEN",
            "",
            "1_TOKEN",
            "GREEN_API_X=1",
        ] {
            assert!(token_env_name(name, &none).is_err(), "{name}");
        }
        // The person running greenbatch may allow more names; the file cannot.
        let listed = |k: &str| (k == TOKEN_ENVS).then(|| "WA_MAIN_TOKEN, OTHER".to_owned());
        assert!(token_env_name("WA_MAIN_TOKEN", &listed).is_ok());
        assert!(token_env_name("GITHUB_TOKEN", &listed).is_err());
        let (_, hint) = token_env_name("WA_MAIN_TOKEN", &none).unwrap_err();
        assert!(
            hint.contains("GREEN_API_WA_MAIN_TOKEN")
                && hint.contains("GREENBATCH_TOKEN_ENVS=WA_MAIN_TOKEN"),
            "{hint}"
        );
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
