#!/usr/bin/env bash
# Guest test: WQE push through the device's push RAM (issue 20,
# docs/programming-model.md "Push RAM") against the MMIO push area and
# the fetch, through the provider, between two adapter guests: perftest's
# ib_send_lat 64 B three ways in one boot, push RAM (the default),
# RDO_PUSH_RAM=0 (the MMIO push area) and RDO_PUSH_MAX=0 (no push). Every
# way completes; both pushing ways have the device take pushed WQEs, the
# fetching one none; a RAM push costs one doorbell write where the MMIO
# push costs one per WQE word (DB_WRITES, the device's count of doorbell
# writes); no push is torn or refused, no doorbell refused, no driver
# mistake, no kernel warning. The kernel driver offers push RAM (its
# module parameter push_ram is on).
set -uo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"

N=200
WAYS=("ram:" "mmio:env RDO_PUSH_RAM=0 " "fetch:env RDO_PUSH_MAX=0 ")

# way_cmd ROLE: every way's run, with the device's counters around it.
way_cmd() {
    local way
    cat <<'EOS'
. /usr/share/rdma-offload/verbs-pair.sh
cnt() { sed -n "s/^cnt\.$1=//p" /sys/kernel/debug/rdma_offload/*/state; }
hw() { cat /sys/class/infiniband/*/ports/1/hw_counters/"$1" 2>/dev/null | head -n 1; }
snap() {
    for c in db_writes push_wqes db_errors err_count; do echo "$1.$c=$(cnt $c)"; done
    for c in push_torn push_refused; do echo "$1.$c=$(hw $c)"; done
}
echo "param_push_ram=$(cat /sys/module/rdma_offload/parameters/push_ram)"
sed -n 's/^push_ram_first=/push_ram_first=/p' /sys/kernel/debug/rdma_offload/*/state
sleep 1
EOS
    for way in "${WAYS[@]}"; do
        echo "snap ${way%%:*}.0"
        echo "pair $1 ${way%%:*} ${way#*:}ib_send_lat -d {DEV} -x {GID} -s 64 -n $N -F; echo ${way%%:*}.rc=\$?"
        echo "snap ${way%%:*}.1"
    done
    echo health
}

guest_run --peer adapter --ctl-net --timeout 900 \
    --cmd "$HEALTH_FUNCS"$'\n'"$(way_cmd server)" \
    --peer-cmd "$HEALTH_FUNCS"$'\n'"$(way_cmd client)"

# d G WAY COUNTER: how much the counter moved on guest G in that way's run.
d() {
    local a b
    a=$(f "$1.$2.0.$3") b=$(f "$1.$2.1.$3")
    [[ $a =~ ^[0-9]+$ && $b =~ ^[0-9]+$ ]] && echo $((b - a))
}

check "both guests ran to the end" eq "$run_rc $(f A.finished) $(f B.finished)" "0 1 1"
check "the driver pushes kernel WQEs through push RAM (module parameter push_ram)" \
    eq "$(f A.param_push_ram)" Y
check "the driver mapped push RAM: push page 0 after the 256 doorbell pages" \
    eq "$(f A.push_ram_first) $(f B.push_ram_first)" "256 256"
for w in ram mmio fetch; do
    check "$w: ib_send_lat 64 B x $N ran on both guests" eq "$(f A.$w.rc) $(f B.$w.rc)" "0 0"
done
for g in A B; do
    for w in ram mmio; do
        check "adapter $g, $w: the device took pushed WQEs (at least half of $N)" \
            test "$(d $g $w push_wqes)" -ge $((N / 2)) 2>/dev/null
    done
    check "adapter $g, fetch: no WQE pushed" eq "$(d $g fetch push_wqes)" 0
    # An 80-byte WQE is 10 data words and the trigger in the MMIO push
    # area, the trigger alone with push RAM: 10 doorbell writes fewer each.
    # Per pushed WQE of each way's own run: verbs-pair.sh runs a way again
    # when perftest could not measure the clock, which doubles that way's
    # counters (CI saw "1173 for 400" so).
    ram_push=$(d $g ram push_wqes) mmio_push=$(d $g mmio push_wqes)
    ram_db=$(d $g ram db_writes) mmio_db=$(d $g mmio db_writes)
    saved_x100=$(( ${mmio_push:-0} > 0 && ${ram_push:-0} > 0 ?
        100 * ${mmio_db:-0} / mmio_push - 100 * ${ram_db:-0} / ram_push : 0 ))
    check "adapter $g: push RAM saves at least 8 doorbell writes a pushed WQE ($saved_x100/100: $mmio_db for $mmio_push MMIO-pushed, $ram_db for $ram_push)" \
        test "$saved_x100" -ge 800
    echo "# adapter $g doorbell writes: push RAM $(d $g ram db_writes), MMIO push $(d $g mmio db_writes), fetch $(d $g fetch db_writes); pushed WQEs $(d $g ram push_wqes) / $(d $g mmio push_wqes)"
    for w in ram mmio fetch; do
        check "adapter $g, $w: no push torn or refused, no doorbell refused, no driver mistake" \
            eq "$(d $g $w push_torn) $(d $g $w push_refused) $(d $g $w db_errors) $(d $g $w err_count)" \
            "0 0 0 0"
    done
    check "adapter $g: no kernel warning" eq "$(f $g.dmesg_bad)" 0
done
tap_end
