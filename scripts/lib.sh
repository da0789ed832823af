# Common settings for the project's scripts. Sourced, not run.
# shellcheck shell=bash
# shellcheck disable=SC2034 # the settings are for the scripts that source this

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Everything downloaded or built lives here, outside the clone, so that later
# runs and fresh clones on the same machine reuse it.
CACHE=${RDMA_OFFLOAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rdma-offload}
QEMU_VERSION_PREFIX=10.0
QEMU_PLAIN_BUILD=$CACHE/qemu-build
# The same QEMU built by clang with ASan, UBSan and libFuzzer (build-qemu
# --sanitize): the qtests' emulator and the generic fuzzer. With
# RDO_QEMU_SANITIZE=1 every script (run-guest, the guest tests, demo) uses it.
QEMU_SAN_BUILD=$CACHE/qemu-build-sanitize
if [ "${RDO_QEMU_SANITIZE:-0}" = 1 ]; then
    QEMU_BUILD=$QEMU_SAN_BUILD
else
    QEMU_BUILD=$QEMU_PLAIN_BUILD
fi
QEMU_BIN=$QEMU_BUILD/qemu-system-x86_64
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
# rdo-hostile-peer (run-guest --hostile), built alone from this tree.
HOSTILE_PEER_BUILD=$CACHE/tools-build
HOSTILE_PEER_BIN=$HOSTILE_PEER_BUILD/tests/tools/rdo-hostile-peer
need_hostile_peer() {
    need_setup
    if [ ! -f "$HOSTILE_PEER_BUILD/build.ninja" ] ||
       [ "$(cat "$HOSTILE_PEER_BUILD/.source" 2>/dev/null)" != "$TOP" ]; then
        rm -rf "$HOSTILE_PEER_BUILD"
        quiet meson setup "$HOSTILE_PEER_BUILD" "$TOP"
        echo "$TOP" > "$HOSTILE_PEER_BUILD/.source"
    fi
    quiet ninja -C "$HOSTILE_PEER_BUILD" tests/tools/rdo-hostile-peer
}
need_qemu() { need_setup; "$TOP/scripts/build-qemu"; }
need_qemu_sanitize() { need_setup; "$TOP/scripts/build-qemu" --sanitize; }

# How the sanitized QEMU and qtests report: stop at the first error with a
# stack trace, so the test that ran them fails. QEMU's exit leaves memory
# unfreed by design (QOM objects, the main loop), hence no leak check there;
# the unit build checks the core's leaks. A caller's settings win.
QEMU_ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=0:print_summary=1}
QEMU_UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
if [ "${RDO_QEMU_SANITIZE:-0}" = 1 ]; then
    export ASAN_OPTIONS=$QEMU_ASAN_OPTIONS UBSAN_OPTIONS=$QEMU_UBSAN_OPTIONS
fi
# Lines of a sanitizer's report, for scanning logs.
SANITIZER_REPORT='ERROR: (Address|Leak)Sanitizer|runtime error: |SUMMARY: UndefinedBehaviorSanitizer'
# The guest image: RDO_GUEST_IMAGE=small (default) or full, see build-guest.
need_guest() { need_setup; "$TOP/scripts/build-guest" --image "${RDO_GUEST_IMAGE:-small}"; }
