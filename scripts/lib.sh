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
# RDO_QEMU_BIN runs another emulator instead (tests/tools/fake-qemu, which
# plays guests' consoles for tests/tools/console-check.sh).
QEMU_BIN=${RDO_QEMU_BIN:-$QEMU_BUILD/qemu-system-x86_64}
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

# build_bound DIR TARGET [MESON OPTIONS]: a meson build of this source tree
# in DIR (set up again when DIR was another tree's: the worktrees and CI
# clones share the cache), TARGET built ("" for all).
build_bound() {
    local dir=$1 target=$2
    shift 2
    need_setup
    if [ ! -f "$dir/build.ninja" ] || [ "$(cat "$dir/.source" 2>/dev/null)" != "$TOP" ]; then
        rm -rf "$dir"
        quiet meson setup "$dir" "$TOP" "$@"
        echo "$TOP" > "$dir/.source"
    fi
    # shellcheck disable=SC2086 # no target: all
    quiet ninja -C "$dir" $target
}
# The optimized build (-Dbuildtype=release: -O3, warnings as errors) of
# the core, the unit programs and the benches; the bench runs from it and
# the unit suite checks that it builds (-O3 finds warnings -O0 does not).
RELEASE_BUILD=$CACHE/bench-build
release_build() { build_bound "$RELEASE_BUILD" "" -Dbuildtype=release; }
# rdo-hostile-peer (run-guest --hostile), built alone from this tree.
HOSTILE_PEER_BUILD=$CACHE/tools-build
HOSTILE_PEER_BIN=$HOSTILE_PEER_BUILD/tests/tools/rdo-hostile-peer
need_hostile_peer() { build_bound "$HOSTILE_PEER_BUILD" tests/tools/rdo-hostile-peer; }
# The generic fuzzer's seeds (scripts/fuzz --generic): recorded on the core.
GENERIC_SEEDS_BUILD=$CACHE/fuzz-seeds-build
GENERIC_SEEDS_BIN=$GENERIC_SEEDS_BUILD/tests/tools/rdma-offload-generic-seeds
need_generic_seeds() { build_bound "$GENERIC_SEEDS_BUILD" tests/tools/rdma-offload-generic-seeds; }
# The wire fuzzer's libFuzzer target (scripts/fuzz --core): clang, ASan,
# UBSan, libFuzzer's coverage in the core.
FUZZ_CORE_BUILD=$CACHE/fuzz-core-build
need_fuzz_core() {
    CC=clang build_bound "$FUZZ_CORE_BUILD" tests/unit/fuzz-wire-cov -Dlibfuzzer=true \
        -Db_sanitize=address,undefined -Db_lundef=false
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
