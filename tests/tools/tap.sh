# TAP helpers for the tools tests. Sourced, not run.
# shellcheck shell=bash
# shellcheck disable=SC2034 # failed is read by the tests that source this
n=0
failed=0
ok() {     # status, description; returns the status
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failed=1
    fi
    return "$1"
}
show() {   # file: the output of a failed step, as TAP comments
    sed 's/^/# /' "$1"
}
