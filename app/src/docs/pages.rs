//! The Docs page: the gateway API for the API provider's platform team. It is static on purpose:
//! anyone can read it without signing in, and it loads nothing.

use crate::credentials::pages::CopyButton;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The sections of the page, in order: the id of each `<h2>` and its text.
const SECTIONS: [(&str, &str); 11] = [
    ("calling", "Calling an API with your key"),
    ("how-it-works", "How it works"),
    ("gateway-tokens", "Gateway tokens"),
    ("forwarding", "Forwarding a consumer's credential"),
    ("answers", "Portico's answers"),
    ("upstream-headers", "Headers for your upstream"),
    ("rate-limits", "Rate limits"),
    ("client-credentials", "Service applications: OAuth client credentials"),
    ("introspection", "Token introspection"),
    ("nginx", "nginx"),
    ("reference", "OpenAPI and health check"),
];

/// Method and path, who calls it, what it is for.
const ENDPOINTS: [[&str; 3]; 5] = [
    [
        "GET or POST /gateway/v1/verify",
        "Your gateway",
        "Verify a consumer's credential.",
    ],
    [
        "POST /oauth/token",
        "Service applications",
        "Exchange a client id and secret for an access token.",
    ],
    [
        "POST /oauth/introspect",
        "Your gateway",
        "Describe an access token (RFC 7662).",
    ],
    [
        "GET /gateway/v1/openapi.json",
        "Anyone",
        "The OpenAPI 3.1 description of these endpoints.",
    ],
    ["GET /gateway/v1/health", "Load balancers", "Liveness check."],
];

/// How a consumer presents a credential: the name, the header as the consumer sends it, notes.
const CREDENTIAL_STYLES: [[&str; 3]; 3] = [
    ["API key", "x-api-key: <secret>", "The secret alone."],
    [
        "HTTP Basic",
        "Authorization: Basic base64(<public key>:<secret>)",
        "The public key as user name, the secret as password. Portico splits them at the first colon.",
    ],
    [
        "Bearer token",
        "Authorization: Bearer <access token>",
        "An access token from /oauth/token, for service applications that use client credentials.",
    ],
];

/// Status, code and meaning of every answer from verify.
const ANSWERS: [[&str; 3]; 9] = [
    [
        "200",
        "\"valid\": true",
        "The credential is good. Forward the request, with the X-Portico-* headers.",
    ],
    [
        "401",
        "INVALID",
        "No credential, a malformed or unknown one (including one of a deleted application), a wrong secret, or both x-api-key and Authorization.",
    ],
    [
        "401",
        "REVOKED",
        "The credential was revoked, or its environment removed from the application. It will not work again. (A deleted application's credentials are gone: INVALID.)",
    ],
    [
        "401",
        "DISABLED",
        "The credential's owner switched it off, or the application was deactivated.",
    ],
    [
        "401",
        "EXPIRED",
        "An old secret whose grace period after a roll has ended, or an expired access token.",
    ],
    [
        "401",
        "WRONG_ENVIRONMENT",
        "A credential of another environment, such as a sandbox key at a production gateway.",
    ],
    [
        "429",
        "RATE_LIMITED",
        "The credential has used all its requests for this minute. Retry-After says how many seconds to wait.",
    ],
    [
        "403",
        "GATEWAY_FORBIDDEN",
        "Your gateway token is missing, unknown or revoked: a problem with your gateway, not the consumer.",
    ],
    [
        "503",
        "UNAVAILABLE",
        "Portico cannot reach its database. The credential is never treated as valid: refuse the request.",
    ],
];

/// Headers on a 200 from verify and what they hold.
const UPSTREAM_HEADERS: [[&str; 2]; 7] = [
    ["X-Portico-Application", "The calling application's id, app_…"],
    [
        "X-Portico-Partner",
        "The domain of the partner that owns the application, such as acme.example.",
    ],
    [
        "X-Portico-Product",
        "The API product's slug; for a bearer token, the token's scope (space-separated slugs).",
    ],
    [
        "X-Portico-Environment",
        "The environment's slug: always your gateway token's environment.",
    ],
    [
        "X-RateLimit-Limit",
        "Requests per one-minute window for this credential.",
    ],
    ["X-RateLimit-Remaining", "Requests left in the current window."],
    [
        "X-RateLimit-Reset",
        "Unix time, in seconds, when the current window ends.",
    ],
];

/// Status, OAuth error and meaning at /oauth/token.
const TOKEN_ERRORS: [[&str; 3]; 4] = [
    [
        "400",
        "invalid_request",
        "A parameter is missing or repeated, or the client authenticated both ways.",
    ],
    ["400", "unsupported_grant_type", "grant_type is not client_credentials."],
    [
        "400",
        "invalid_scope",
        "The scope names a product the application has no issued credential for in this environment.",
    ],
    [
        "401",
        "invalid_client",
        "Unknown client id or wrong secret. After HTTP Basic it comes with WWW-Authenticate: Basic realm=\"portico\".",
    ],
];

#[component]
pub fn DocsPage() -> impl IntoView {
    view! {
        <Title text="Docs"/>
        <div class="docs">
            <h1>"Gateway API"</h1>
            <p class="lead">
                "Portico tells your API gateway whether a request carries a good credential, and who is calling. "
                "Developers calling the APIs need only the first section; the rest is for the platform team that "
                "runs the gateway in front of them."
            </p>
            <Contents/>
            <CallingAnApi/>
            <HowItWorks/>
            <GatewayTokens/>
            <Forwarding/>
            <Answers/>
            <UpstreamHeaders/>
            <RateLimits/>
            <ClientCredentials/>
            <Introspection/>
            <Nginx/>
            <Reference/>
        </div>
    }
}

#[component]
fn Contents() -> impl IntoView {
    view! {
        <nav class="card docs-contents" aria-labelledby="docs-contents">
            <h2 id="docs-contents">"On this page"</h2>
            <ol>
                {SECTIONS
                    .iter()
                    .map(|&(id, title)| view! { <li><a href=format!("#{id}")>{title}</a></li> })
                    .collect_view()}
            </ol>
        </nav>
    }
}

/// For the developers who hold the keys: what to send, and the rules that come with it.
#[component]
fn CallingAnApi() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="calling">
            <h2 id="calling">"Calling an API with your key"</h2>
            <p>
                "Send each request to your API provider's gateway with your secret in "<code>"x-api-key"</code>
                ", or your public key and secret with HTTP Basic. The gateway checks it with Portico before your "
                "request goes on. The secret is on your application's page, shown once when you reveal it."
            </p>
            <Sample code=CALLING_CURL copy="Copy the examples"/>
            <ul>
                <li>
                    "Each environment has keys of its own: a sandbox key is refused by production gateways, and the "
                    "other way round."
                </li>
                <li>
                    "Keep secrets on your servers, never in a web page or a mobile app's code. If one leaks, roll it on "
                    "your application's page: the new one works at once, and the old one stops when the grace period "
                    "you choose ends."
                </li>
                <li>
                    "Service applications registered for client credentials exchange their client ID and secret for a "
                    "one-hour bearer token first: see "<a href="#client-credentials">"OAuth client credentials"</a>"."
                </li>
                <li>
                    "Over your rate limit the gateway answers "<code>"429"</code>" with "<code>"Retry-After"</code>
                    ": wait that many seconds. Your usage over the last 30 days is on the API Keys page."
                </li>
            </ul>
        </section>
    }
}

#[component]
fn HowItWorks() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="how-it-works">
            <h2 id="how-it-works">"How it works"</h2>
            <ol>
                <li>
                    "A consumer calls your API through your gateway, with a credential Portico issued to one of their "
                    "applications."
                </li>
                <li>
                    "Before forwarding the request, the gateway sends the consumer's credential header, unchanged, to "
                    <code>"/gateway/v1/verify"</code>", together with its own gateway token."
                </li>
                <li>
                    "Portico answers "<code>"200"</code>" with who is calling and how much of their rate limit is "
                    "left, or refuses with a status and a code."
                </li>
                <li>
                    "On a "<code>"200"</code>" the gateway forwards the request with "<code>"X-Portico-*"</code>
                    " headers saying who is calling. On anything else, including no answer at all, it refuses the "
                    "request."
                </li>
            </ol>
            <h3>"Endpoints"</h3>
            {reference_table("Gateway endpoints",
                [
                    Column::code("Method and path", "Endpoint"),
                    Column::text("Called by", "Called by"),
                    Column::text("Purpose", "Purpose"),
                ],
                &ENDPOINTS,
            )}
        </section>
    }
}

#[component]
fn GatewayTokens() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="gateway-tokens">
            <h2 id="gateway-tokens">"Gateway tokens"</h2>
            <p>
                "A gateway token tells Portico that a call comes from one of your gateways, and which environment "
                "that gateway serves. Ask a Portico operator for one: operators create them in the Admin area, one per "
                "environment, so the gateway in front of your sandbox gets a sandbox token and your production gateway "
                "a production token."
            </p>
            <p>
                "A token is "<code>"gt_<environment>_"</code>" followed by 38 letters and digits: 32 random ones and "
                "a 6-character checksum. The gateway sends it on every call to verify and to introspect:"
            </p>
            <Sample code="X-Portico-Gateway-Token: gt_production_…"/>
            <ul>
                <li>
                    "The token decides the environment. A gateway with a production token accepts only production "
                    "credentials; a sandbox key sent through it is refused with "<code>"WRONG_ENVIRONMENT"</code>"."
                </li>
                <li>
                    "A missing, unknown or revoked gateway token gets "<code>"403 GATEWAY_FORBIDDEN"</code>
                    " on every call. That is your gateway's configuration, not your consumers' doing."
                </li>
                <li>
                    "Keep it secret, like a database password: in the gateway's configuration or secrets store, never "
                    "with a consumer. If it leaks, ask an operator to revoke it and create a new one."
                </li>
            </ul>
        </section>
    }
}

#[component]
fn Forwarding() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="forwarding">
            <h2 id="forwarding">"Forwarding a consumer's credential"</h2>
            <p>
                "Consumers present their credential in one of three ways. Forward the header to verify exactly as it "
                "arrived: do not decode, trim or rebuild it."
            </p>
            {reference_table("Ways to forward a credential",
                [
                    Column::text("Style", "Style"),
                    Column::code("Header the consumer sends", "Header"),
                    Column::text("Notes", "Notes"),
                ],
                &CREDENTIAL_STYLES,
            )}
            <ul>
                <li>
                    "Send one credential. A request with both "<code>"x-api-key"</code>" and "
                    <code>"Authorization"</code>" is refused with "<code>"401 INVALID"</code>", so the gateway must "
                    "not add an "
                    <code>"Authorization"</code>" header of its own."
                </li>
                <li>"No request body is needed. GET and POST are answered alike: use whichever your proxy sends."</li>
            </ul>
            <h3>"Credential formats"</h3>
            <ul>
                <li>"Public key, not secret: "<code>"pk_<environment>_<22 base62>"</code></li>
                <li>"Secret: "<code>"sk_<environment>_<32 base62><6 base62 CRC32 checksum>"</code></li>
                <li>"Client id, for service applications: "<code>"ci_<environment>_<22 base62>"</code></li>
                <li>
                    "Client secret, for service applications: "
                    <code>"cs_<environment>_<32 base62><6 base62 checksum>"</code>
                </li>
            </ul>
            <p>
                "Every credential names its environment, and secrets end in a checksum, so Portico refuses a mistyped "
                "or made-up secret without looking it up."
            </p>
            <h3>"Try it with curl"</h3>
            <Sample code=VERIFY_CURL copy="Copy the verify examples"/>
            <p>"A good credential is answered like this:"</p>
            <Sample code=VERIFY_ANSWER/>
        </section>
    }
}

#[component]
fn Answers() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="answers">
            <h2 id="answers">"Portico's answers"</h2>
            <p>
                "Every answer is JSON sent with "<code>"Cache-Control: no-store"</code>". Forward the consumer's "
                "request only on a "<code>"200"</code>"; treat every other status, a timeout and a refused connection "
                "as a refusal."
            </p>
            {reference_table("Answers to verify",
                [
                    Column::text("Status", "Status"),
                    Column::code("Code", "Code"),
                    Column::text("Meaning", "Meaning"),
                ],
                &ANSWERS,
            )}
            <p>
                "A refusal's body is "<code>"{\"valid\":false,\"code\":\"REVOKED\"}"</code>", with the code from "
                "the table. Malformed headers get "<code>"INVALID"</code>" and no further detail."
            </p>
            <p>
                "Pass a 401 or a 429 on to the consumer. A 403 or a 503 is not the consumer's doing: answer it as an "
                "outage. Owners see their credentials' failures, by code, on their API Keys page and their "
                "application's page, which helps them fix their side without asking you."
            </p>
        </section>
    }
}

#[component]
fn UpstreamHeaders() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="upstream-headers">
            <h2 id="upstream-headers">"Headers for your upstream"</h2>
            <p>
                "On a "<code>"200"</code>", Portico says who is calling both in the JSON body and in headers, so a "
                "proxy can copy them onto the request it forwards without reading JSON:"
            </p>
            {reference_table("Headers for your upstream", [Column::code("Header", "Header"), Column::text("Value", "Value")], &UPSTREAM_HEADERS)}
            <ul>
                <li>
                    "Set the "<code>"X-Portico-*"</code>" headers on every request you forward, replacing any the "
                    "consumer sent under the same names, or a consumer could claim to be someone else. Your upstream "
                    "should trust them only from the gateway."
                </li>
                <li>
                    "Check the product. A credential is issued for one API product (an access token for the products "
                    "in its scope), and verify does not know which of your APIs the request is for. The upstream, or a "
                    "gateway that can, must check that "<code>"X-Portico-Product"</code>" is the product it serves; "
                    "for a bearer token, that it is one of the space-separated slugs."
                </li>
            </ul>
        </section>
    }
}

#[component]
fn RateLimits() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="rate-limits">
            <h2 id="rate-limits">"Rate limits"</h2>
            <p>
                "Operators set a limit, in requests per minute, for each API product in each environment. Each "
                "credential gets that many requests per fixed one-minute window. The count is shared by every Portico "
                "instance, so the limit holds however many gateways and Portico servers you run."
            </p>
            <p>
                "On a "<code>"200"</code>", "<code>"X-RateLimit-Limit"</code>", "
                <code>"X-RateLimit-Remaining"</code>" and "<code>"X-RateLimit-Reset"</code>" (Unix time, in "
                "seconds, when the window ends) tell how much of the window is left. Pass them on to the consumer so "
                "that they can pace themselves."
            </p>
            <p>
                "A credential that has used its window gets "<code>"429 RATE_LIMITED"</code>" with "
                <code>"Retry-After"</code>" (in seconds) and the same "<code>"X-RateLimit-*"</code>" headers. "
                "Refuse the request with 429 and pass "<code>"Retry-After"</code>" on: the consumer should wait that "
                "long before trying again."
            </p>
            <p>
                "Never cache verify's answers. A cached 200 would keep a revoked credential working and let requests "
                "go uncounted."
            </p>
            <p>
                "Owners see how each credential is used (when it was last used, requests per day and failures by "
                "code) on the "<A href="/keys">"API Keys"</A>" page and on their application's page."
            </p>
        </section>
    }
}

#[component]
fn ClientCredentials() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="client-credentials">
            <h2 id="client-credentials">"Service applications: OAuth client credentials"</h2>
            <p>
                "A service application that uses client-credentials authentication has, for each environment, a "
                "client id "<code>"ci_<environment>_…"</code>" and a client secret "
                <code>"cs_<environment>_…"</code>". It exchanges them at "<code>"POST /oauth/token"</code>
                " for an access token (the OAuth 2.0 client credentials grant, RFC 6749 §4.4), then calls your APIs "
                "with "
                <code>"Authorization: Bearer <access token>"</code>"."
            </p>
            <ul>
                <li>
                    "The form body is "<code>"grant_type=client_credentials"</code>" and, optionally, "
                    <code>"scope"</code>": space-separated product slugs. Without a scope, the token covers every "
                    "product the application has an issued credential for in that environment."
                </li>
                <li>
                    "The client authenticates one way, not both: "<code>"client_secret_basic"</code>" (HTTP Basic "
                    "with the client id and secret) or "<code>"client_secret_post"</code>" ("<code>"client_id"</code>
                    " and "<code>"client_secret"</code>" form fields)."
                </li>
                <li>
                    "A token is opaque and valid for one hour. It is scoped to the application, the products in its "
                    "scope and the environment of the client id, which is in the id's prefix. Portico keeps only a "
                    "hash of it."
                </li>
                <li>"Reuse a token until shortly before it expires rather than fetching one for every request."</li>
            </ul>
            <h3>"With client_secret_basic"</h3>
            <Sample code=TOKEN_BASIC_CURL copy="Copy the client_secret_basic example"/>
            <p class="muted">
                "client_secret_basic URL-encodes the id and the secret before Base64. Portico's ids and secrets hold "
                "only letters, digits and underscores, which encoding leaves as they are, so curl's "<code>"-u"</code>
                " is enough."
            </p>
            <h3>"With client_secret_post"</h3>
            <Sample code=TOKEN_POST_CURL copy="Copy the client_secret_post example"/>
            <p>"Either way, the answer is:"</p>
            <Sample code=TOKEN_ANSWER/>
            <h3>"Errors"</h3>
            <p>
                "Errors follow RFC 6749 §5.2, for example "
                <code>"{\"error\":\"invalid_scope\",\"error_description\":\"…\"}"</code>":"
            </p>
            {reference_table("Token endpoint errors",
                [
                    Column::text("Status", "Status"),
                    Column::code("Error", "Error"),
                    Column::text("Meaning", "Meaning"),
                ],
                &TOKEN_ERRORS,
            )}
            <h3>"Calling an API with the token"</h3>
            <Sample code=BEARER_CALL copy="Copy the bearer token example"/>
            <p>
                "The gateway forwards the "<code>"Authorization"</code>" header to verify like any other credential. "
                "In the answer, "<code>"product"</code>" is the token's scope and "
                <code>"credential.public_key"</code>" is the client id. "<code>"EXPIRED"</code>" means the "
                "consumer needs a new token."
            </p>
        </section>
    }
}

#[component]
fn Introspection() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="introspection">
            <h2 id="introspection">"Token introspection"</h2>
            <p>
                "Gateways with built-in OAuth 2.0 token introspection (RFC 7662) can ask about a bearer token at "
                <code>"POST /oauth/introspect"</code>". It is authenticated with your gateway token; the form body is "
                <code>"token=<access token>"</code>", and "<code>"token_type_hint"</code>" is optional."
            </p>
            <Sample code=INTROSPECT_CURL copy="Copy the introspection example"/>
            <p>"For a live token of your gateway's environment:"</p>
            <Sample code=INTROSPECT_ANSWER/>
            <p>
                "An unknown or expired token, or one of another environment, gets "
                <code>"{\"active\":false}"</code>". A bad gateway token gets 403, and a form without "
                <code>"token"</code>" gets 400 "<code>"{\"error\":\"invalid_request\"}"</code>"."
            </p>
            <p>
                "Prefer verify where you can: it takes all three kinds of credential and applies the rate limit. "
                "Introspection reports no rate limit."
            </p>
        </section>
    }
}

#[component]
fn Nginx() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="nginx">
            <h2 id="nginx">"nginx"</h2>
            <p>
                "nginx's "<code>"auth_request"</code>" makes a subrequest before each request and lets the request "
                "through only on a 2xx answer. This configuration puts a whole API behind Portico. It needs nginx with "
                <code>"ngx_http_auth_request_module"</code>" ("<code>"nginx -V"</code>" lists "
                <code>"--with-http_auth_request_module"</code>"), as in the nginx.org packages and most "
                "distributions'."
            </p>
            <Sample code=NGINX_CONF copy="Copy the nginx configuration"/>
            <h3>"What to know"</h3>
            <ul>
                <li>
                    "The verify location is internal, so consumers cannot reach it. It passes the original request's "
                    "headers, and so the consumer's credential, to Portico as they arrived, and drops the body. "
                    "Portico answers GET and POST alike, so the subrequest's method does not matter."
                </li>
                <li>
                    "nginx's "<code>"auth_request"</code>" gives the client the same status when Portico answers 401 "
                    "or 403, and turns any other status (429, 503, or no answer at all) into a 500. The "
                    <code>"error_page"</code>" lines above catch these: a 429 keeps its status and "
                    <code>"Retry-After"</code>", and everything else becomes a 503 for the consumer. Without them, "
                    "rate-limited consumers would get 500. nginx still logs each 429 and 503 as \"auth request "
                    "unexpected status\" in its error log."
                </li>
                <li>
                    "A 403 from Portico means this gateway's token is wrong or revoked. If every request gets 503 "
                    "while "<code>"/gateway/v1/health"</code>" answers, check the token."
                </li>
                <li>
                    "nginx sees only the status and headers of Portico's answer, not its JSON, so it cannot tell "
                    "consumers which code applied. Owners find their failures, by code, on their API Keys page."
                </li>
                <li>
                    "Variables from "<code>"auth_request_set"</code>" are filled in after nginx's "<code>"if"</code>
                    " has run, so the product cannot be checked with "<code>"if"</code>" here: check "
                    <code>"X-Portico-Product"</code>" in the upstream."
                </li>
                <li>
                    "If nginx reaches Portico over a network you do not control, use "<code>"https://"</code>" in "
                    <code>"proxy_pass"</code>" (with "<code>"proxy_ssl_server_name on;"</code>"): the gateway token "
                    "and consumers' secrets travel in these headers."
                </li>
            </ul>
        </section>
    }
}

#[component]
fn Reference() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="reference">
            <h2 id="reference">"OpenAPI and health check"</h2>
            <p>
                "The OpenAPI 3.1 description of these endpoints, with schemas and examples, is at "
                <a href="/gateway/v1/openapi.json" rel="external">"/gateway/v1/openapi.json"</a>"."
            </p>
            <p>
                <code>"GET /gateway/v1/health"</code>" always answers "<code>"{\"status\":\"ok\"}"</code>
                " while Portico is serving, for load balancers' liveness checks. It does not touch the database, so "
                "it does not promise that verifications will succeed: when the database is out of reach, verify "
                "answers "<code>"503 UNAVAILABLE"</code>"."
            </p>
            <Sample code=HEALTH_CURL copy="Copy the health check example"/>
        </section>
    }
}

/// A code sample. It scrolls sideways on a narrow screen instead of widening the page, and takes
/// keyboard focus so that it can be scrolled without a mouse.
/// A column of a reference table: its heading, the label a phone shows beside each cell (the
/// `stack` layout turns rows into cards), and whether its cells are code.
struct Column {
    heading: &'static str,
    label: &'static str,
    code: bool,
}

impl Column {
    const fn text(heading: &'static str, label: &'static str) -> Self {
        Self {
            heading,
            label,
            code: false,
        }
    }

    const fn code(heading: &'static str, label: &'static str) -> Self {
        Self {
            heading,
            label,
            code: true,
        }
    }
}

/// One of the page's reference tables, called `name` for screen readers; each row has exactly
/// one cell per column.
fn reference_table<const COLUMNS: usize>(
    name: &'static str,
    columns: [Column; COLUMNS],
    rows: &'static [[&'static str; COLUMNS]],
) -> impl IntoView {
    let headings = columns
        .iter()
        .map(|column| view! { <th scope="col">{column.heading}</th> })
        .collect_view();
    let body = rows
        .iter()
        .map(|row| {
            let cells = columns
                .iter()
                .zip(row)
                .map(|(column, &cell)| {
                    let content = if column.code {
                        view! { <code>{cell}</code> }.into_any()
                    } else {
                        cell.into_any()
                    };
                    view! { <td data-label=column.label>{content}</td> }
                })
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="stack" aria-label=name>
                <thead>
                    <tr>{headings}</tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

/// A code sample; commands and configuration get a copy button, named by `copy` for screen
/// readers, since the page has several.
#[component]
fn Sample(code: &'static str, #[prop(optional)] copy: Option<&'static str>) -> impl IntoView {
    view! {
        <div class="sample">
            {copy.map(|label| view! { <CopyButton text=code.to_owned() label=label/> })}
            <pre tabindex="0"><code>{code}</code></pre>
        </div>
    }
}

// The samples live outside `view!` because rustfmt re-indents some lines of string literals
// inside macros, which would change what the page shows.

/// A developer's request to the provider's API, with each of the two key styles.
const CALLING_CURL: &str = r#"# API_BASE_URL is your API provider's gateway, e.g. https://api.example.com
curl "$API_BASE_URL/accounts" \
  -H "x-api-key: $API_SECRET"

# Or the public key and secret with HTTP Basic (curl -u builds the header)
curl "$API_BASE_URL/accounts" \
  -u "$API_PUBLIC_KEY:$API_SECRET""#;

/// Verify with each of the three credential styles.
const VERIFY_CURL: &str = r#"# An API key in x-api-key
curl -i https://portico.example.com/gateway/v1/verify \
  -H "X-Portico-Gateway-Token: $PORTICO_GATEWAY_TOKEN" \
  -H "x-api-key: $API_SECRET"

# A public key and secret with HTTP Basic (curl -u builds the header)
curl -i https://portico.example.com/gateway/v1/verify \
  -H "X-Portico-Gateway-Token: $PORTICO_GATEWAY_TOKEN" \
  -u "$API_PUBLIC_KEY:$API_SECRET"

# An access token from /oauth/token
curl -i https://portico.example.com/gateway/v1/verify \
  -H "X-Portico-Gateway-Token: $PORTICO_GATEWAY_TOKEN" \
  -H "Authorization: Bearer $ACCESS_TOKEN""#;

/// A 200 from verify, headers and body.
const VERIFY_ANSWER: &str = r#"HTTP/1.1 200 OK
content-type: application/json
cache-control: no-store
x-portico-application: app_z1VBRgiZCYuBfWHF
x-portico-partner: acme.example
x-portico-product: digital-banking
x-portico-environment: sandbox
x-ratelimit-limit: 600
x-ratelimit-remaining: 599
x-ratelimit-reset: 1764430860

{
  "valid": true,
  "environment": "sandbox",
  "product": "digital-banking",
  "application": { "id": "app_z1VBRgiZCYuBfWHF", "name": "Acme Payments Hub" },
  "partner": { "id": "ptn_oANTjyZP21gI5d1O", "domain": "acme.example", "name": "Acme" },
  "credential": { "public_key": "pk_sandbox_Xi9kzK8Z97XoVUBwrulYfX" },
  "rate_limit": { "limit": 600, "remaining": 599, "reset": 1764430860 }
}"#;

/// A token request with `client_secret_basic`.
const TOKEN_BASIC_CURL: &str = r#"curl https://portico.example.com/oauth/token \
  -u "$CLIENT_ID:$CLIENT_SECRET" \
  -d grant_type=client_credentials \
  -d scope=digital-banking"#;

/// A token request with `client_secret_post`.
const TOKEN_POST_CURL: &str = r#"curl https://portico.example.com/oauth/token \
  -d grant_type=client_credentials \
  -d client_id="$CLIENT_ID" \
  -d client_secret="$CLIENT_SECRET" \
  -d scope=digital-banking"#;

/// A 200 from the token endpoint.
const TOKEN_ANSWER: &str = r#"HTTP/1.1 200 OK
content-type: application/json
cache-control: no-store
pragma: no-cache

{"access_token":"…","token_type":"Bearer","expires_in":3600,"scope":"digital-banking"}"#;

/// A service application fetching a token and calling an API through the gateway.
const BEARER_CALL: &str = r#"# Fetch a token once, and reuse it until it expires.
ACCESS_TOKEN=$(curl -s https://portico.example.com/oauth/token \
  -u "$CLIENT_ID:$CLIENT_SECRET" \
  -d grant_type=client_credentials | jq -r .access_token)

# Call the API through your gateway.
curl https://api.example.com/accounts \
  -H "Authorization: Bearer $ACCESS_TOKEN""#;

/// An introspection request.
const INTROSPECT_CURL: &str = r#"curl https://portico.example.com/oauth/introspect \
  -H "X-Portico-Gateway-Token: $PORTICO_GATEWAY_TOKEN" \
  -d token="$ACCESS_TOKEN""#;

/// Introspection of a live token.
const INTROSPECT_ANSWER: &str = r#"{
  "active": true,
  "client_id": "ci_sandbox_BOSzpdmr8Q1iwPaxB0yiW8",
  "scope": "digital-banking",
  "token_type": "Bearer",
  "exp": 1764430800,
  "iat": 1764427200,
  "sub": "app_z1VBRgiZCYuBfWHF",
  "aud": "sandbox",
  "application": { "id": "app_z1VBRgiZCYuBfWHF", "name": "Acme Payments Hub" },
  "partner": { "domain": "acme.example", "name": "Acme" },
  "environment": "sandbox"
}"#;

/// A complete nginx server block that puts an API behind Portico with `auth_request`.
/// The nginx configuration the page shows; the integration tests run it against a real nginx.
pub const NGINX_CONF: &str = r##"# /etc/nginx/conf.d/api.conf: the production gateway in front of the digital-banking API.

server {
    listen 443 ssl;
    server_name api.example.com;
    ssl_certificate     /etc/nginx/tls/api.example.com.pem;
    ssl_certificate_key /etc/nginx/tls/api.example.com.key;

    # Asks Portico about the consumer's credential. Internal: consumers cannot call it.
    location = /_portico_verify {
        internal;
        proxy_pass http://portico:3000/gateway/v1/verify;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        # This environment's gateway token, from a Portico operator. Keep this file private.
        proxy_set_header X-Portico-Gateway-Token "gt_production_…";
        proxy_set_header X-Original-URI $request_uri;
        proxy_connect_timeout 2s;
        proxy_read_timeout 5s;
    }

    location / {
        auth_request /_portico_verify;

        # Copied from Portico's answer.
        auth_request_set $portico_status      $upstream_status;
        auth_request_set $portico_application $upstream_http_x_portico_application;
        auth_request_set $portico_partner     $upstream_http_x_portico_partner;
        auth_request_set $portico_product     $upstream_http_x_portico_product;
        auth_request_set $portico_environment $upstream_http_x_portico_environment;
        auth_request_set $portico_limit       $upstream_http_x_ratelimit_limit;
        auth_request_set $portico_remaining   $upstream_http_x_ratelimit_remaining;
        auth_request_set $portico_reset       $upstream_http_x_ratelimit_reset;
        auth_request_set $portico_retry_after $upstream_http_retry_after;

        # auth_request passes 401 and 403 on and turns any other refusal into 500.
        error_page 401 = @portico_unauthorized;
        error_page 403 500 = @portico_refused;

        # Who is calling, for the upstream. These replace same-named headers from the consumer.
        proxy_set_header X-Portico-Application $portico_application;
        proxy_set_header X-Portico-Partner     $portico_partner;
        proxy_set_header X-Portico-Product     $portico_product;
        proxy_set_header X-Portico-Environment $portico_environment;
        # The upstream does not need the consumer's secret or token.
        proxy_set_header x-api-key "";
        proxy_set_header Authorization "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;

        # The consumer's rate limit, for the consumer.
        add_header X-RateLimit-Limit     $portico_limit always;
        add_header X-RateLimit-Remaining $portico_remaining always;
        add_header X-RateLimit-Reset     $portico_reset always;

        proxy_pass http://digital-banking-api:8080;
    }

    # Portico refused the credential.
    location @portico_unauthorized {
        default_type application/json;
        return 401 '{"error":"unauthorized"}';
    }

    # Portico answered 429, 403 (this gateway's token is wrong) or 503, or did not answer.
    location @portico_refused {
        default_type application/json;
        if ($portico_status = 429) {
            add_header Retry-After           $portico_retry_after always;
            add_header X-RateLimit-Limit     $portico_limit always;
            add_header X-RateLimit-Remaining $portico_remaining always;
            add_header X-RateLimit-Reset     $portico_reset always;
            return 429 '{"error":"rate_limited"}';
        }
        return 503 '{"error":"unavailable"}';
    }
}"##;

/// The liveness check.
const HEALTH_CURL: &str = r#"curl https://portico.example.com/gateway/v1/health
{"status":"ok"}"#;
