/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The wire fuzzer's episode (wire-fuzz.c), shared by the unit test
 * test-wire-fuzz and the coverage-guided libFuzzer target fuzz-wire-cov.
 */
#ifndef RDO_WIRE_FUZZ_H
#define RDO_WIRE_FUZZ_H

#include "test-pair.h"

#define MS          1000000ull

typedef struct WireFuzz {
    GRand *rand;                /* the choices, unless `in` is set */
    const uint8_t *in;          /* a fuzzer's input: its bytes are the choices */
    size_t in_len, in_pos;
    bool on;
    uint64_t frames, damaged, episodes, posted;
    /* How deep the damage went: summed over both sides and all episodes. */
    uint64_t icrc_drops, check_drops, naks, dups, error_cqes;
    uint64_t cnps_taken;        /* CNPs that cut or were coalesced */
} WireFuzz;

/* A choice in [0, max) (0 when max is 0), and 32 random bits. */
uint32_t wf_rn(WireFuzz *f, uint32_t max);
uint32_t wf_r32(WireFuzz *f);
/* One episode; a broken invariant fails a g_assert. */
void wf_episode(WireFuzz *f);

#endif
