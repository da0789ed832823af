# shellcheck shell=bash
# Helpers shared by the guest tests (sourced, not run): run one guest boot,
# read its key=value facts, and print TAP lines.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

declare -A F=()
run_rc=0
output=
output_shown=0
errfile=$(mktemp)
trap 'rm -f "$errfile"' EXIT

# guest_run RUN-GUEST-ARGS...: boots the guest(s); fills F from KEY=VALUE
# lines, and from "A: KEY=VALUE" (two to eight guests: --peer, --peer2,
# --segment) as F[A.KEY]. A run whose guest failed in its boot phase
# (run-guest's status 123: its kernel reported a panic, a lost timer or an
# RCU stall before its command started; TCG on a loaded host loses a
# timer now and then) is booted once more, and the log says why; a failure
# in a command, or a second boot failure, stands.
guest_run() {
    output=$("$TOP/scripts/run-guest" "$@" 2>"$errfile")
    run_rc=$?
    output_shown=0
    # (A command's own status 123 is no boot failure: run-guest names one.)
    if [ "$run_rc" = 123 ] && grep -qa "kernel failed (.*, in its boot phase)" "$errfile"; then
        echo "# run-guest exit 123: a guest failed in its boot phase, before its command started:"
        grep -a -e "kernel failed" -e "full console log" "$errfile" | sed 's/^/#  | /'
        echo "# booting once more (a boot failure only; the same again fails)"
        output=$("$TOP/scripts/run-guest" "$@" 2>"$errfile")
        run_rc=$?
    fi
    parse_facts
    # A run that did not end well: what run-guest said (a timed-out guest's
    # last console lines) now, before a later run of the test replaces it.
    if [ "$run_rc" != 0 ]; then
        echo "# run-guest exit $run_rc; the end of what it said:"
        tail -n 60 "$errfile" | sed 's/^/#  | /'
    fi
}
# parse_facts: F from the KEY=VALUE lines of $output.
parse_facts() {
    local line
    while IFS= read -r line; do
        [[ $line =~ ^(([A-H]): )?([A-Za-z0-9_.]+)=(.*)$ ]] &&
            F[${BASH_REMATCH[2]:+${BASH_REMATCH[2]}.}${BASH_REMATCH[3]}]=${BASH_REMATCH[4]}
    done <<<"$output"
}
f() { printf '%s' "${F[$1]:-}"; }

# Guest side (busybox sh): health prints what the kernel log says (oopses
# and warnings; the driver's errors apart from those injected on purpose;
# the kernel-verbs test module's CQ errors), then the end marker.
read -r -d '' HEALTH_FUNCS <<'EOF'
health() {
    echo "dmesg_bad=$(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace|general protection')"
    errs=$(dmesg -r | grep -E '^<[0-4]>\[[ 0-9.]*\] rdma_offload [0-9a-f]{4}:')
    echo "driver_errs=$(echo "$errs" | grep -v 'injected through debugfs' | grep -c .)"
    echo "injected_errs=$(echo "$errs" | grep -c 'injected through debugfs')"
    echo "cq_errors=$(dmesg | grep -c 'rdo_peer_test: CQ event')"
    # What was counted, so that a failed check says why.
    { dmesg | grep -E 'WARNING:|BUG:|Oops|general protection' | head -n 3
      echo "$errs" | grep -v 'injected through debugfs' | head -n 5
      dmesg | grep 'rdo_peer_test: CQ event' | head -n 3; } | sed 's/^/log: /'
    echo finished=1
}
# What the adapter drivers hold (debugfs in_use.*: PDs, CQs, QPs, SRQs,
# MRs, pinned pages), one line: a count that does not come back is a leak.
in_use() { grep -E '^in_use\.' /sys/kernel/debug/rdma_offload/*/state | tr '\n' ' '; }
EOF
export HEALTH_FUNCS

n=0
failed=0
# check DESCRIPTION COMMAND...: one TAP line.
check() {
    local desc=$1
    shift
    n=$((n + 1))
    if "$@"; then
        echo "ok $n - $desc"
    else
        echo "not ok $n - $desc"
        failed=$((failed + 1))
        # A test of several runs: the output of the run this check reads,
        # once (tap_end only has the last run's).
        if [ "$output_shown" = 0 ]; then
            echo "# the output of the guest run this check reads:"
            printf '%s\n' "$output" | sed 's/^/#  | /'
            output_shown=1
        fi
    fi
}
eq() { [ "$1" = "$2" ] || { echo "#   got '$1', expected '$2'"; return 1; }; }
positive() { [[ $1 =~ ^[1-9][0-9]*$ ]] || { echo "#   '$1' is not a positive count"; return 1; }; }
# matches VALUE REGEX
matches() { [[ $1 =~ $2 ]] || { echo "#   '$1' does not match /$2/"; return 1; }; }
ran_to_end() { eq "$run_rc" 0 && eq "$(f finished)" 1; }

# tap_end: the plan, and on failure what the guest said.
tap_end() {
    echo "1..$n"
    if [ "$failed" != 0 ] || [ "$run_rc" != 0 ]; then
        echo "# run-guest exit $run_rc; its stderr:"
        sed 's/^/# /' "$errfile"
        if [ "$output_shown" = 0 ]; then
            echo "# guest output:"
            printf '%s\n' "$output" | sed 's/^/# /'
        fi
        exit 1
    fi
    exit 0
}
