#!/usr/bin/env bash
# Lint test: shellcheck on every shell script in scripts/ and tests/ (by
# name *.sh, a shell #! line, or a "shellcheck shell=" directive), following
# the files they source, at shellcheck's default level (style notes too).
# One TAP line a file. Silence a finding that is right as it is with a
# "# shellcheck disable=SCnnnn # why" line above it.
source "$(dirname "$0")/../../scripts/lib.sh"
set +e
source "$TOP/tests/tools/tap.sh"

if ! command -v shellcheck >/dev/null; then
    echo "Bail out! no shellcheck (scripts/setup installs it)"
    exit 1
fi
echo "# $(shellcheck --version | sed -n 's/^version: /shellcheck /p')"

# Is $1 a shell script?
is_shell() {
    case $1 in *.sh) return 0 ;; esac
    head -n1 "$1" | grep -qE '^#!.*[/ ](ba|da|k)?sh( |$)' && return 0
    head -n5 "$1" | grep -qE '^# shellcheck shell='
}

cd "$TOP" || exit 1
details=''     # the findings, printed after the results (so the tail shows them)
while IFS= read -r -d '' f; do
    is_shell "$f" || continue
    # Sourced files are found relative to the script (SCRIPTDIR) or, for
    # "# shellcheck source=tests/..." directives, to the top of the tree.
    if out=$(shellcheck --external-sources --source-path=SCRIPTDIR --format=gcc "$f" 2>&1); then
        ok 0 "shellcheck $f"
    else
        ok 1 "shellcheck $f"
        details+=$out$'\n'
    fi
done < <(find scripts tests -type f ! -name '*~' -print0 | LC_ALL=C sort -z)
printf '%s' "$details" | sed 's/^/# /'
echo "1..$n"
exit "$failed"
