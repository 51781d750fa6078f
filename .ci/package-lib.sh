# Shared by the packaging scripts (.ci/package-linux, .ci/package-windows, .ci/check-*); sourced,
# not run. Everything packaging knows about the app (name, ID, version, build, icon, homepage)
# comes from FyneApp.toml, the one place it is written.

GO="${GO:-go}"
DIST="${DIST:-dist}"

# fyne_toml KEY [FILE]: the value of the first `KEY = value` line of FyneApp.toml, quotes removed.
fyne_toml() {
  awk -v k="$1" '{ split($0, kv, "="); key = kv[1]; gsub(/^[ \t]+|[ \t]+$/, "", key) }
    key == k { v = substr($0, index($0, "=") + 1); gsub(/^[ \t]+|[ \t]+$/, "", v); gsub(/^"|"$/, "", v); print v; exit }' \
    "${2:-FyneApp.toml}"
}

# `go tool fyne package` rewrites FyneApp.toml (it bumps Build and drops the formatting). The
# scripts only ever run it on copies in a scratch folder, but whatever happens (failure, Ctrl-C)
# the real file is put back byte for byte, so packaging never dirties the tree. A change made by
# someone else meanwhile is kept aside in build/, not lost.
guard_fyneapp_toml() {
  PK_TOML_BACKUP="$(mktemp)"
  cp -p FyneApp.toml "$PK_TOML_BACKUP"
}
restore_fyneapp_toml() {
  [ -n "${PK_TOML_BACKUP:-}" ] || return 0
  if ! cmp -s "$PK_TOML_BACKUP" FyneApp.toml; then
    mkdir -p build
    cp -p FyneApp.toml build/FyneApp.toml.changed-during-packaging 2>/dev/null || true
    cp -p "$PK_TOML_BACKUP" FyneApp.toml
    echo "package: FyneApp.toml changed while packaging; restored it (the changed copy is in build/FyneApp.toml.changed-during-packaging)" >&2
  fi
  rm -f "$PK_TOML_BACKUP"
  PK_TOML_BACKUP=""
}

# pk_scratch: a scratch folder $TMP, removed (and FyneApp.toml restored) on any exit.
pk_scratch() {
  TMP="$(mktemp -d "${TMPDIR:-/tmp}/pagekeeper-package.XXXXXX")"
  guard_fyneapp_toml
  trap 'restore_fyneapp_toml; rm -rf "$TMP"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# build_fyne_tool OUT: the fyne CLI at the version go.mod pins (the same program `go tool fyne`
# runs), built for this machine so that it can be run with a cross-compiler in CC.
build_fyne_tool() {
  env -u CC -u GOOS -u GOARCH CGO_ENABLED=1 "$GO" build -o "$1" fyne.io/tools/cmd/fyne
}

# soname_package SONAME: the Debian package that ships this machine's 64-bit SONAME (found with
# ldconfig, owner per dpkg -S, aware of merged /usr).
soname_package() {
  local path alt
  path="$(ldconfig -p | awk -v s="$1" '$1 == s && /x86-64/ { print $NF; exit }')"
  [ -n "$path" ] || return 1
  for alt in "$path" "/usr$path" "${path#/usr}" "$(readlink -f "$path")"; do
    dpkg -S "$alt" 2>/dev/null | sed -n '1s/:.*//p' | grep . && return 0
  done
  return 1
}

# deb_depends_names DEB: the package names in the .deb's Depends, one a line.
deb_depends_names() {
  dpkg-deb -f "$1" Depends | tr ',|' '\n\n' | sed 's/^ *//; s/[ (].*//' | grep .
}

# SOURCE_DATE_EPOCH pins the timestamps inside the packages (dpkg-deb, tar) to the last commit.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH="$(git log -1 --format=%ct 2>/dev/null || true)"
  [ -n "$SOURCE_DATE_EPOCH" ] || SOURCE_DATE_EPOCH="$(date +%s)"
fi
export SOURCE_DATE_EPOCH

APP_NAME="$(fyne_toml Name)"
APP_ID="$(fyne_toml ID)"
VERSION="$(fyne_toml Version)"
BUILD_NO="$(fyne_toml Build)"
APP_ICON="$(fyne_toml Icon)"
HOMEPAGE="$(fyne_toml Website)"
for v in APP_NAME APP_ID VERSION BUILD_NO APP_ICON; do
  [ -n "${!v}" ] || { echo "package: FyneApp.toml has no value for ${v}" >&2; exit 1; }
done
case "$VERSION" in
  [0-9]*) ;;
  *) echo "package: FyneApp.toml Version \"$VERSION\" must start with a digit (x.y.z)" >&2; exit 1 ;;
esac
