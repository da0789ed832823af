#!/usr/bin/env bash
# Lint test: the Linux kernel's checkpatch.pl (scripts/fetch-checkpatch
# fetches it into the cache) on every source file of the guest driver,
# guest-driver/kernel/*.c and *.h, as a file (--no-tree --file), at its
# default level (errors and warnings; not --strict). One TAP line a file: a
# finding whose type is in tests/lint/checkpatch-accepted passes (counted
# in the line), any other fails.
source "$(dirname "$0")/../../scripts/lib.sh"
set +e
source "$TOP/tests/tools/tap.sh"

accepted_file=$TOP/tests/lint/checkpatch-accepted
declare -A accepted=() seen=()
while read -r type reason; do
    case $type in ''|'#'*) continue ;; esac
    if [ -z "$reason" ]; then
        echo "Bail out! $accepted_file: $type has no reason"
        exit 1
    fi
    accepted[$type]=1
done < "$accepted_file"

checkpatch=$("$TOP/scripts/fetch-checkpatch")
if [ ! -f "$checkpatch" ]; then
    echo "Bail out! no checkpatch.pl (scripts/fetch-checkpatch failed)"
    exit 1
fi
echo "# $(cat "$(dirname "$checkpatch")/version" 2>/dev/null)"

cd "$TOP" || exit 1
details=''     # the failures, printed after the results (so the tail shows them)
for f in guest-driver/kernel/*.c guest-driver/kernel/*.h; do
    # Status 0: nothing found (--terse prints nothing then); 1: findings,
    # one a line, and a "total:" line; anything else: checkpatch failed.
    out=$(perl "$checkpatch" --no-tree --file --terse --show-types --color=never "$f" 2>&1)
    rc=$?
    total=$(sed -nE 's/^total: ([0-9]+) errors, ([0-9]+) warnings, .*/\1 \2/p' <<<"$out")
    findings=$(grep -E '^[^ ]+: (ERROR|WARNING|CHECK):[A-Z0-9_]+:' <<<"$out")
    bad=''
    declare -A here=()
    if [ "$rc" = 0 ] && [ -n "$findings" ]; then
        bad="checkpatch.pl exited 0 with findings"$'\n'"$out"$'\n'
    elif [ "$rc" = 1 ] && [ -z "$total" ]; then
        bad="checkpatch.pl exited 1 without a summary"$'\n'"$out"$'\n'
    elif [ "$rc" = 1 ] && [ "$(( ${total% *} + ${total#* } ))" != "$(grep -c . <<<"$findings")" ]; then
        bad="checkpatch.pl's findings and summary ($total) disagree"$'\n'"$out"$'\n'
    elif [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
        bad="checkpatch.pl failed (status $rc)"$'\n'"$out"$'\n'
    fi
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        type=$(sed -E 's/^[^ ]+: (ERROR|WARNING|CHECK):([A-Z0-9_]+):.*/\2/' <<<"$line")
        if [ -n "${accepted[$type]:-}" ]; then
            here[$type]=$(( ${here[$type]:-0} + 1 ))
            seen[$type]=1
        else
            bad+="$line"$'\n'
        fi
    done <<<"$findings"
    note=''
    for type in $(printf '%s\n' "${!here[@]}" | sort); do note+=" $type x${here[$type]}"; done
    unset here
    [ -z "$note" ] || note=" (accepted:$note)"
    if [ -z "$bad" ]; then
        ok 0 "checkpatch $f$note"
    else
        ok 1 "checkpatch $f$note"
        details+=$bad
    fi
done
for type in "${!accepted[@]}"; do
    [ -n "${seen[$type]:-}" ] || echo "# accepted but not found any more: $type (tests/lint/checkpatch-accepted)"
done
printf '%s' "$details" | sed 's/^/# /'
echo "1..$n"
exit "$failed"
