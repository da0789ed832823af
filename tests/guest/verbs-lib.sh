# shellcheck shell=bash
# Helpers of the user-space verbs tests (sourced): run ./scripts/demo and
# check its summary and the adapters' counters.
# shellcheck source=tests/guest/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# demo_run ARGS...: ./scripts/demo into $output, its status in run_rc; the
# counters ("A: cnt.x=n") land in F.
demo_run() {
    output=$("$TOP/scripts/demo" "$@" 2>"$errfile")
    run_rc=$?
    parse_facts
    # The summary goes to stdout after the "summary" log line (stderr).
    summary=$(printf '%s\n' "$output" | sed -n '/^run  *client  *status/,$p')
}

# summary_ok TAG: the run's summary line says ok and has a positive figure.
summary_ok() {
    local line
    line=$(printf '%s\n' "$summary" | awk -v t="$1" '$1 == t')
    [ -n "$line" ] || { echo "#   no summary line for $1"; return 1; }
    [[ $line =~ ^[a-z_.0-9]+\ +[AB]\ +ok\  ]] || { echo "#   $line"; return 1; }
    [[ $line =~ \ ([0-9]*[1-9][0-9]*\.[0-9]+|[1-9][0-9]*)\ (us|MB/s) ]] ||
        { echo "#   no positive result in: $line"; return 1; }
}

# A short description of each run of the demo.
# shellcheck disable=SC2034 # used by the tests that source this
declare -A RUN_DESC=(
    [rc]="ibv_rc_pingpong (RC SEND/RECV, 4 KiB)"
    [rc_wr]="ibv_rc_pingpong -N (the ibv_wr_* API, 64 B)"
    [ud]="ibv_ud_pingpong (UD, address handles, GRH)"
    [srq]="ibv_srq_pingpong (16 RC QPs on an SRQ)"
    [write_bw]="ib_write_bw 64 KiB"
    [read_lat]="ib_read_lat 64 B"
    [send_bw]="ib_send_bw 64 KiB"
    [send_lat]="ib_send_lat 64 B (pushed WQEs)"
)
