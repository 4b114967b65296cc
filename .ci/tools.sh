# Shared by .ci/serve, .ci/test and .ci/bench: install what is missing, never download a binary from outside
# the package registries (crates.io, npm, Debian). Sourced, not run.

CARGO_LEPTOS_VERSION=0.3.8
# Must equal the wasm-bindgen version pinned in Cargo.toml: cargo-leptos runs whatever is on PATH.
WASM_BINDGEN_VERSION=$(grep -m1 -E '^wasm-bindgen = "=' Cargo.toml | sed -E 's/.*"=([0-9.]+)".*/\1/')

log() { printf '\n==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  log "installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_rust_tools() {
  export PATH="$HOME/.cargo/bin:$PATH"
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    log "installing cargo-leptos $CARGO_LEPTOS_VERSION (20-30 minutes on two cores, once)"
    cargo install --locked cargo-leptos --version "$CARGO_LEPTOS_VERSION"
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    # Not --locked: its lock file names a crate version crates.io no longer serves.
    cargo install --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
}

ensure_chromium() {
  command -v chromium >/dev/null || apt_install chromium
}

# The gateway tests run the Docs page's nginx auth_request configuration in a real nginx.
ensure_nginx() {
  [ -x /usr/sbin/nginx ] || apt_install nginx
}

# The benchmark's load generator, from crates.io (its default rustls build; the build without TLS
# does not compile).
OHA_VERSION=1.16.0
ensure_oha() {
  export PATH="$HOME/.cargo/bin:$PATH"
  if ! oha --version 2>/dev/null | grep -q "$OHA_VERSION"; then
    log "installing oha $OHA_VERSION (about 7 minutes on two cores, once)"
    cargo install --locked oha --version "$OHA_VERSION"
  fi
}

ensure_postgres() {
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql
}

ensure_node_packages() {
  command -v npm >/dev/null || apt_install nodejs npm
  log "installing the end-to-end test packages"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
}

# Starts a throwaway PostgreSQL cluster on loopback and exports PORTICO_TEST_POSTGRES_URL.
# The cluster lives in a temporary folder and is removed when the calling script exits.
start_postgres() {
  local bin port ports
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [ -n "${PORTICO_TEST_POSTGRES_PORT:-}" ]; then
    ports=("$PORTICO_TEST_POSTGRES_PORT")
  else
    # Ports from 55432 up; one a cluster already listens on is skipped, and one that some other
    # socket holds (these lie in Linux's ephemeral range, so an outgoing connection may) is retried
    # with the next.
    mapfile -t ports < <(seq 55432 55532)
  fi
  PORTICO_PG_DIR=$(mktemp -d /tmp/portico-pg.XXXXXX)
  local run=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$PORTICO_PG_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$PORTICO_PG_DIR/data" -A trust -U postgres --no-sync >/dev/null
  for port in "${ports[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      continue
    fi
    log "starting a throwaway PostgreSQL on 127.0.0.1:$port"
    if "${run[@]}" "$bin/pg_ctl" -D "$PORTICO_PG_DIR/data" -l "$PORTICO_PG_DIR/server.log" -w -o \
      "-p $port -k $PORTICO_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400" start >/dev/null; then
      PORTICO_PG_STOP=("${run[@]}" "$bin/pg_ctl" -D "$PORTICO_PG_DIR/data" -m fast stop)
      trap stop_postgres EXIT
      export PORTICO_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
      return 0
    fi
    grep -q "already in use" "$PORTICO_PG_DIR/server.log" || break
  done
  cat "$PORTICO_PG_DIR/server.log" >&2
  return 1
}

stop_postgres() {
  if [ -n "${PORTICO_PG_DIR:-}" ]; then
    "${PORTICO_PG_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$PORTICO_PG_DIR"
  fi
  # The integration tests' SQLite files and the SIGTERM test's folders.
  rm -rf "${TMPDIR:-/tmp}"/portico-test-* "${TMPDIR:-/tmp}"/portico-sigterm-*
}

# wasm-opt for release builds, from the npm registry: Debian's binaryen 108 breaks hydration.
ensure_wasm_opt() {
  local tools="${CARGO_TARGET_DIR:-target}/tools"
  if [ ! -x "$tools/node_modules/.bin/wasm-opt" ]; then
    log "installing wasm-opt (npm binaryen@132) into $tools"
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --loglevel=error binaryen@132 >/dev/null
  fi
  export PATH="$(cd "$tools" && pwd)/node_modules/.bin:$PATH"
}

# Fails if the browser bundle would link a database driver, hasher, mailer or tokio's network stack.
check_wasm_bundle_is_client_only() {
  local leaks
  leaks=$(cargo tree -p frontend --target wasm32-unknown-unknown -e normal --prefix none \
    | grep -oE '^(sea-orm|sea-query|sqlx[a-z-]*|argon2|lettre|tower-sessions[a-z-]*|mio|tokio) v[0-9.]+' | sort -u || true)
  if [ -n "$leaks" ]; then
    echo "the wasm bundle links server-only crates:" >&2
    echo "$leaks" >&2
    return 1
  fi
}
