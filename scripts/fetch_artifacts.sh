#!/usr/bin/env bash
# Host-side fetch of the pinned artifacts the data-platform images COPY (no HTTPS inside builds).
#   stack/images/<image>/pom.xml          -> stack/images/<image>/artifacts/libs/      (mvn copy-dependencies)
#   stack/images/<image>/pom-<name>.xml   -> stack/images/<image>/artifacts/<name>/
#   stack/images/<image>/requirements.txt -> stack/images/<image>/artifacts/wheels/    (pip download)
#   stack/images/<image>/go-install.txt   -> stack/images/<image>/artifacts/bin/       (go install, CGO off)
#   stack/images/<image>/host-jdk.txt     -> stack/images/<image>/artifacts/jdk/       (a JDK of the host machine)
#   stack/images/<image>/job/pom.xml      -> stack/images/<image>/artifacts/job/       (mvn package of our own code)
# Downloads are cached in $CHAOS_CACHE_DIR (default ~/.cache/chaos-harness), keyed by the sha256 of
# the list (Go programs by module version: $CACHE/bin/<name>-<version>/), and hard-linked into the git-ignored artifacts/ folders; a second run fetches nothing.
# Run by scripts/bootstrap.sh; safe to run by hand. Nothing fetched is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${CHAOS_CACHE_DIR:-$HOME/.cache/chaos-harness}
VENV=${CHAOS_VENV:-$ROOT/.venv}
say() { printf '[fetch] %s\n' "$*"; }
die() { printf '[fetch] ERROR: %s\n' "$*" >&2; exit 1; }

need_maven() {
  command -v mvn >/dev/null && return
  [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null || die "mvn not found; install Maven 3.8+ and a JDK 17"
  say "installing maven (apt-get)"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null
}

# link_into <cache dir> <target dir> <key>: hard-link (or copy) a cached folder into a build context
link_into() {
  local src=$1 dst=$2 key=$3
  [[ -f "$dst/.key" && "$(cat "$dst/.key")" == "$key" ]] && return 1
  rm -rf "$dst"; mkdir -p "$(dirname "$dst")"
  cp -al "$src" "$dst" 2>/dev/null || cp -a "$src" "$dst"
  echo "$key" > "$dst/.key"
}

fetch_maven() {  # <pom> <name>
  local pom=$1 name=$2 image key cached
  image=$(basename "$(dirname "$pom")")
  key=$(sha256sum "$pom" | cut -c1-16)
  cached="$CACHE/artifacts/$image/$name-$key"
  if [[ ! -d "$cached" ]]; then
    need_maven
    say "$image/$name: mvn dependency:copy-dependencies ($pom)"
    rm -rf "$cached.tmp"
    mvn -q -B -Dmaven.repo.local="$CACHE/m2" -f "$pom" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$cached.tmp" >"$CACHE/mvn-$image-$name.log" 2>&1 \
      || { tail -n 30 "$CACHE/mvn-$image-$name.log" >&2; die "mvn failed for $pom (log: $CACHE/mvn-$image-$name.log)"; }
    mv "$cached.tmp" "$cached"
  fi
  if link_into "$cached" "$(dirname "$pom")/artifacts/$name" "$key"; then
    say "$image/$name: $(ls "$cached" | wc -l) files linked into the build context"
  else
    say "$image/$name: up to date"
  fi
}

fetch_wheels() {  # <requirements.txt>
  local req=$1 image key cached
  image=$(basename "$(dirname "$req")")
  key=$(sha256sum "$req" | cut -c1-16)
  cached="$CACHE/artifacts/$image/wheels-$key"
  if [[ ! -d "$cached" ]]; then
    say "$image/wheels: pip download ($req)"
    rm -rf "$cached.tmp"
    "$VENV/bin/pip" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
        -r "$req" -d "$cached.tmp" || die "pip download failed for $req"
    mv "$cached.tmp" "$cached"
  fi
  if link_into "$cached" "$(dirname "$req")/artifacts/wheels" "$key"; then say "$image/wheels: linked"
  else say "$image/wheels: up to date"; fi
}

fetch_go() {  # <go-install.txt>: one module@version per line; builds (minutes) only what is not cached
  local list=$1 image line module version name cached started key="" bindir
  image=$(basename "$(dirname "$list")")
  bindir="$CACHE/bin/.links-$image"; rm -rf "$bindir"; mkdir -p "$bindir"
  while read -r line; do
    line=${line%%#*}; line=${line//[[:space:]]/}; [[ -n "$line" ]] || continue
    [[ "$line" == *@v* ]] || die "$list: '$line' is not module@version (pin an exact version)"
    module=${line%@*}; version=${line##*@}; name=$(basename "$module")
    cached="$CACHE/bin/$name-$version"
    if [[ ! -x "$cached/$name" ]]; then
      command -v go >/dev/null || die "$image: building $line needs the Go toolchain (>= 1.24) on the host"
      say "$image: go install $line (MinIO: ~4.5 min on 2 cores; cached afterwards)"
      rm -rf "$cached.tmp"; mkdir -p "$cached.tmp"; started=$SECONDS
      CGO_ENABLED=0 GOBIN="$cached.tmp" GOFLAGS=-mod=mod go install "$line" >"$CACHE/go-$name.log" 2>&1 \
        || { tail -n 30 "$CACHE/go-$name.log" >&2; die "go install $line failed (log: $CACHE/go-$name.log)"; }
      mv "$cached.tmp" "$cached"
      say "$image: built $name $version in $((SECONDS - started)) s"
    fi
    ln "$cached/$name" "$bindir/$name" 2>/dev/null || cp -a "$cached/$name" "$bindir/$name"
    key+="$line "
  done < "$list"
  if link_into "$bindir" "$(dirname "$list")/artifacts/bin" "$(echo "$key" | sha256sum | cut -c1-16)"; then
    say "$image/bin: linked"
  else say "$image/bin: up to date"; fi
  rm -rf "$bindir"
}

fetch_jdk() {  # <host-jdk.txt>: "<path of a JDK on the host> <minimum feature version>" (the machine's second JDK)
  local list=$1 image path minimum version key
  image=$(basename "$(dirname "$list")")
  read -r path minimum < <(grep -v '^#' "$list" | grep -m1 .)
  [[ -x "$path/bin/java" ]] || die "$image needs the JDK $path (Java >= $minimum) on the host: install it or edit $list"
  version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$path/release")
  (( ${version:-0} >= minimum )) || die "$image: $path is Java ${version:-?}, it needs Java >= $minimum"
  key=$(cat "$list" "$path/release" | sha256sum | cut -c1-16)
  if link_into "$path" "$(dirname "$list")/artifacts/jdk" "$key"; then
    # what a server never runs: the sources, man pages and the jlink modules (~60 MB less to send to the build)
    rm -rf "$(dirname "$list")/artifacts/jdk/"{lib/src.zip,man,jmods,include,demo}
    say "$image/jdk: Java $version linked from $path"
  else say "$image/jdk: up to date"; fi
}

build_job() {  # <job/pom.xml>: our own Java code (a Flink job), packaged on the host in a scratch copy of its folder
  local pom=$1 dir image key cached
  dir=$(dirname "$pom"); image=$(basename "$(dirname "$dir")")
  key=$(cd "$dir" && find . -type f -not -path './target/*' | sort | xargs sha256sum | sha256sum | cut -c1-16)
  cached="$CACHE/artifacts/$image/job-$key"
  if [[ ! -d "$cached" ]]; then
    need_maven
    say "$image/job: mvn package ($pom)"
    rm -rf "$cached.tmp" "$cached.src"; mkdir -p "$cached.tmp"; cp -r "$dir" "$cached.src"
    mvn -q -B -Dmaven.repo.local="$CACHE/m2" -f "$cached.src/pom.xml" package -DskipTests \
        >"$CACHE/mvn-$image-job.log" 2>&1 \
      || { tail -n 30 "$CACHE/mvn-$image-job.log" >&2; die "mvn package failed for $pom (log: $CACHE/mvn-$image-job.log)"; }
    cp "$cached.src"/target/*.jar "$cached.tmp/"; rm -rf "$cached.src"
    mv "$cached.tmp" "$cached"
  fi
  if link_into "$cached" "$(dirname "$dir")/artifacts/job" "$key"; then say "$image/job: built and linked"
  else say "$image/job: up to date"; fi
}

mkdir -p "$CACHE/artifacts"
shopt -s nullglob
for pom in stack/images/*/pom.xml; do fetch_maven "$pom" libs; done
for pom in stack/images/*/pom-*.xml; do
  name=$(basename "$pom" .xml); fetch_maven "$pom" "${name#pom-}"
done
for req in stack/images/*/requirements.txt; do fetch_wheels "$req"; done
for list in stack/images/*/go-install.txt; do fetch_go "$list"; done
for list in stack/images/*/host-jdk.txt; do fetch_jdk "$list"; done
for pom in stack/images/*/job/pom.xml; do build_job "$pom"; done
say "ready"
