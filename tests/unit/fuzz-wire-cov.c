/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The wire fuzzer (wire-fuzz.c) under libFuzzer: each input is one
 * episode whose every choice (work, lengths, keys, which frames are
 * damaged and how, CNPs, ECN marks) is read from the input's bytes, so
 * the fuzzer steers the damage towards code no input has reached yet.
 * A broken invariant fails a g_assert (an abort libFuzzer reports), and
 * ASan and UBSan catch memory and undefined-behaviour errors.
 * ./scripts/fuzz --core builds and runs it.
 */
#include "wire-fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    WireFuzz f = { .in = data, .in_len = size };

    wf_episode(&f);
    return 0;
}
