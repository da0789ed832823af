# Common settings for the project's scripts. Sourced, not run.
# shellcheck shell=bash
# shellcheck disable=SC2034 # the settings are for the scripts that source this

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Everything downloaded or built lives here, outside the clone, so that later
# runs and fresh clones on the same machine reuse it.
CACHE=${RDMA_OFFLOAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rdma-offload}
QEMU_VERSION_PREFIX=10.0
QEMU_BUILD=$CACHE/qemu-build
QEMU_BIN=$QEMU_BUILD/qemu-system-x86_64
# The same QEMU built by clang with ASan, UBSan and libFuzzer (build-qemu
# --sanitize): the qtests' emulator and the generic fuzzer.
QEMU_SAN_BUILD=$CACHE/qemu-build-sanitize
GUEST_DIR=$CACHE/guest
FIRMWARE_PATH=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
mkdir -p "$CACHE"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Run a command quietly, printing its output only when it fails.
quiet() {
    local out
    out=$(mktemp)
    if ! "$@" >"$out" 2>&1; then
        tail -n 60 "$out" >&2
        rm -f "$out"
        return 1
    fi
    rm -f "$out"
}

# Make sure host packages and build products exist. Each step is cheap when
# already done, so every entry point just calls what it needs.
need_setup() { "$TOP/scripts/setup"; }

# The optimized build (-Dbuildtype=release: -O3, warnings as errors) of
# the core, the unit programs and the benches, bound to one source tree
# like the unit build; the bench runs from it and the unit suite checks
# that it builds (-O3 finds warnings -O0 does not).
RELEASE_BUILD=$CACHE/bench-build
release_build() {
    need_setup
    if [ ! -f "$RELEASE_BUILD/build.ninja" ] ||
       [ "$(cat "$RELEASE_BUILD/.source" 2>/dev/null)" != "$TOP" ]; then
        rm -rf "$RELEASE_BUILD"
        quiet meson setup "$RELEASE_BUILD" "$TOP" -Dbuildtype=release
        echo "$TOP" > "$RELEASE_BUILD/.source"
    fi
    quiet ninja -C "$RELEASE_BUILD"
}
need_qemu() { need_setup; "$TOP/scripts/build-qemu"; }
# The guest image: RDO_GUEST_IMAGE=small (default) or full, see build-guest.
need_guest() { need_setup; "$TOP/scripts/build-guest" --image "${RDO_GUEST_IMAGE:-small}"; }
