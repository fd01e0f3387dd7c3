/// The route table of API v1, for servers that route by hand (hyper,
/// may-minihttp, pyo3-hyper) and for the `Allow` header of every server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Plaintext,
    Json,
    /// `/users/{id}`; the id segment is returned beside it by [`Route::match_path`].
    User,
    Echo,
}

impl Route {
    pub const PLAINTEXT_PATH: &'static str = "/plaintext";
    pub const JSON_PATH: &'static str = "/json";
    pub const USERS_PREFIX: &'static str = "/users/";
    pub const ECHO_PATH: &'static str = "/echo";

    /// Matches a request path (without query) to a route, returning the
    /// `{id}` segment for [`Route::User`]. `/users/` and `/users/1/x` are
    /// no route.
    pub fn match_path(path: &str) -> Option<(Route, &str)> {
        match path {
            Self::PLAINTEXT_PATH => Some((Route::Plaintext, "")),
            Self::JSON_PATH => Some((Route::Json, "")),
            Self::ECHO_PATH => Some((Route::Echo, "")),
            _ => {
                let id = path.strip_prefix(Self::USERS_PREFIX)?;
                (!id.is_empty() && !id.contains('/')).then_some((Route::User, id))
            }
        }
    }

    /// The one method each route answers, as it goes in an `Allow` header.
    pub const fn allow(self) -> &'static str {
        match self {
            Route::Echo => "POST",
            Route::Plaintext | Route::Json | Route::User => "GET",
        }
    }

    pub fn allows(self, method: &str) -> bool {
        method == self.allow()
    }
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn matches_contract_paths() {
        assert_eq!(
            Route::match_path("/plaintext"),
            Some((Route::Plaintext, ""))
        );
        assert_eq!(Route::match_path("/json"), Some((Route::Json, "")));
        assert_eq!(Route::match_path("/echo"), Some((Route::Echo, "")));
        assert_eq!(Route::match_path("/users/12"), Some((Route::User, "12")));
        assert_eq!(Route::match_path("/users/abc"), Some((Route::User, "abc")));
    }

    #[test]
    fn unknown_paths() {
        for p in [
            "/",
            "/users",
            "/users/",
            "/users/1/x",
            "/plaintext/",
            "/JSON",
            "",
        ] {
            assert_eq!(Route::match_path(p), None, "{p:?}");
        }
    }

    #[test]
    fn allow_names_the_one_method() {
        assert!(Route::Echo.allows("POST"));
        assert!(!Route::Echo.allows("GET"));
        assert_eq!(Route::User.allow(), "GET");
    }
}
