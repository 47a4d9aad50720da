# Helpers shared by the README's commands and the test suites. Source it; it runs nothing itself.
# shellcheck shell=bash

KC_ROOT=${KC_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
KC_BUILD=${KC_BUILD:-$KC_ROOT/build}
KC_PG_MAJOR=${KC_PG_MAJOR:-15}
KC_PG_BIN=/usr/lib/postgresql/$KC_PG_MAJOR/bin
export KC_ROOT KC_BUILD KC_PG_MAJOR

# Debian packages the build, the tests, the demo and the benchmarks need.
KC_DEB_PACKAGES=(
  build-essential cmake pkg-config clang llvm
  "postgresql-$KC_PG_MAJOR" "postgresql-server-dev-$KC_PG_MAJOR" postgresql-contrib
  libcurl4-openssl-dev libjansson-dev libcjose-dev libmicrohttpd-dev libssl-dev prometheus-cpp-dev
  libgtest-dev googletest libbenchmark-dev libclang-rt-14-dev
  nodejs npm curl ca-certificates gnuplot-nox valgrind libpq-dev procps systemd prometheus pgbouncer
)

kc_log() { printf '==> %s\n' "$*" >&2; }
kc_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
kc_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs whichever of KC_DEB_PACKAGES are missing; does nothing when all are present.
kc_install_deps() {
  local missing=() pkg
  for pkg in "${KC_DEB_PACKAGES[@]}"; do
    if [ "$pkg" = nodejs ] && command -v node >/dev/null; then continue; fi  # any Node; checked below
    if [ "$pkg" = npm ] && command -v npm >/dev/null; then continue; fi
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  kc_log "installing Debian packages: ${missing[*]}"
  kc_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  kc_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Builds the extension with PGXS, and everything CMake knows (shim, unit tests) into $KC_BUILD,
# or only the CMake targets named (kc_build kinde-claims-shim). The build must stay quiet: a
# compiler warning fails it.
kc_build() {
  local log targets=()
  [ $# -gt 0 ] && targets=(--target "$@")
  log=$(mktemp)
  kc_log "building the extension (PGXS)"
  make -C "$KC_ROOT" -s -j"$(nproc)" 2>&1 | tee "$log"
  kc_log "building with CMake into $KC_BUILD"
  cmake -S "$KC_ROOT" -B "$KC_BUILD" -DCMAKE_BUILD_TYPE="${KC_BUILD_TYPE:-RelWithDebInfo}" \
    -DKC_BUILD_EXTENSION=ON -DKC_BUILD_TESTS=ON >/dev/null
  cmake --build "$KC_BUILD" -j"$(nproc)" "${targets[@]}" 2>&1 | tee -a "$log"
  if grep -q 'warning:' "$log"; then
    rm -f "$log"
    kc_die "the build printed compiler warnings (see above); it must build without any"
  fi
  rm -f "$log"
}

# Installs the Node packages pinned by package-lock.json (the workflow's library, the PostgREST
# stand-in's and the workflow tests' packages) into $KC_ROOT/node_modules, when they are missing
# or were installed from a different lock file.
kc_npm_install() {
  local stamp=$KC_ROOT/node_modules/.kc-package-lock.sha256 want major
  # node --test --test-concurrency and the packages need Node 20 (Debian 12's own nodejs is 18).
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  [ "$major" -ge 20 ] || kc_die "Node.js 20 or later is needed (found: $(node --version 2>/dev/null || echo none))"
  want=$(sha256sum "$KC_ROOT/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  kc_log "installing Node packages (npm ci)"
  (cd "$KC_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  printf '%s\n' "$want" >"$stamp"
}

# A private copy of the PostgreSQL installation with this checkout's extension installed into it.
# Postgres finds its share/ and lib/ relative to its own binary, so tests never touch (or need
# root for) the system installation, and two checkouts can test side by side.
# Prints the stage directory; the server binaries are in $stage/usr/lib/postgresql/N/bin.
kc_stage() {
  local stage
  stage=$(mktemp -d "${TMPDIR:-/tmp}/kinde_claims-stage.XXXXXX")
  chmod 755 "$stage"
  mkdir -p "$stage/usr/lib/postgresql/$KC_PG_MAJOR" "$stage/usr/share/postgresql"
  cp -a "$KC_PG_BIN" "$stage/usr/lib/postgresql/$KC_PG_MAJOR/bin"
  cp -rs "/usr/lib/postgresql/$KC_PG_MAJOR/lib" "$stage/usr/lib/postgresql/$KC_PG_MAJOR/lib"
  cp -rs "/usr/share/postgresql/$KC_PG_MAJOR" "$stage/usr/share/postgresql/$KC_PG_MAJOR"
  make -C "$KC_ROOT" -s install DESTDIR="$stage" >/dev/null
  chmod -R a+rX "$stage"
  printf '%s\n' "$stage"
}

# Runs a server-side command (initdb, pg_ctl, postgres) as a user Postgres accepts.
kc_as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

kc_free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then printf '%s\n' "$port"; return 0; fi
  done
  kc_die "no free TCP port found"
}

# kc_cluster_init STAGE DIR: a new cluster in DIR (trust auth, superuser "postgres").
kc_cluster_init() {
  local stage=$1 dir=$2
  mkdir -p "$dir"
  chmod 700 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  kc_as_pg_user "$stage/usr/lib/postgresql/$KC_PG_MAJOR/bin/initdb" -D "$dir" -U postgres \
    -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
}

# kc_cluster_start STAGE DIR PORT [postgres -c options...]: starts the cluster in DIR,
# listening on 127.0.0.1:PORT and on a Unix socket in DIR.
kc_cluster_start() {
  local stage=$1 dir=$2 port=$3
  shift 3
  local opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off"
  local extra
  for extra in "$@"; do opts+=" -c $extra"; done
  kc_as_pg_user "$stage/usr/lib/postgresql/$KC_PG_MAJOR/bin/pg_ctl" -D "$dir" -l "$dir/server.log" \
    -o "$opts" -w -t 60 start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
}

kc_cluster_stop() {
  local stage=$1 dir=$2
  [ -f "$dir/postmaster.pid" ] || return 0
  kc_as_pg_user "$stage/usr/lib/postgresql/$KC_PG_MAJOR/bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
}

# A throwaway environment: one running cluster, torn down by kc_env_down (set as an EXIT trap by
# the caller). It runs on a private stage (kc_stage) unless KC_STAGE is already set ("/" means the
# system installation, as after `make install`). Exports PGHOST, PGPORT, PGUSER, PGDATABASE,
# KC_STAGE, KC_TMP, KC_PGDATA.
kc_env_up() {
  if [ -z "${KC_STAGE:-}" ]; then
    KC_STAGE=$(kc_stage)
    KC_STAGE_OWNED=yes
  fi
  KC_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kinde_claims-run.XXXXXX")
  chmod 755 "$KC_TMP"
  KC_PGDATA=$KC_TMP/data
  PGPORT=$(kc_free_port)
  kc_cluster_init "$KC_STAGE" "$KC_PGDATA"
  kc_cluster_start "$KC_STAGE" "$KC_PGDATA" "$PGPORT" "$@"
  PGHOST=$KC_PGDATA PGUSER=postgres PGDATABASE=postgres
  export KC_STAGE KC_TMP KC_PGDATA PGHOST PGPORT PGUSER PGDATABASE
  kc_log "throwaway Postgres $KC_PG_MAJOR on port $PGPORT"
}

kc_env_down() {
  [ -n "${KC_PGDATA:-}" ] && kc_cluster_stop "$KC_STAGE" "$KC_PGDATA"
  [ -n "${KC_TMP:-}" ] && rm -rf "$KC_TMP"
  [ "${KC_STAGE_OWNED:-}" = yes ] && [ -n "${KC_STAGE:-}" ] && [ "$KC_STAGE" != / ] && rm -rf "$KC_STAGE"
  return 0
}
