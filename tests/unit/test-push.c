/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * WQE push, two adapter cores back to back: WQEs written into the doorbell
 * page's MMIO push area (inline data, a push torn by a process that died
 * between its words, the page's owner) and into push RAM (the seal, the
 * fallback to a fetch from the ring when the slot is stale or the length
 * beyond the stride, and the same frames on the wire whichever way the WQE
 * came). The rest of the data path is in test-datapath.c.
 */
#include <string.h>
#include "test-pair.h"

/* Writes a WQE into A's ring slot and, word by word, into the push area. */
static void push_wqe(PairSide *a, uint32_t index, const struct rdo_send_wqe *w,
                     const char *data)
{
    uint8_t *slot = td_ptr(a->d, a->qp[0].sq + ((index & 63) << 8));
    size_t len = 64 + ((strlen(data) + 7) & ~7u);

    memset(slot, 0, 256);
    memcpy(slot, w, sizeof(*w));
    memcpy(slot + 64, data, strlen(data));
    for (size_t k = 0; k < len / 8; k++) {
        uint64_t v;

        memcpy(&v, slot + 8 * k, 8);
        td_doorbell(a->d, 0, RDO_DB_PUSH_DATA + 8 * k, v);
    }
}

/* Inline push: the device takes the pushed copy and skips the fetch. */
static void test_inline_push(void)
{
    static const char pushed[] = "pushed inline data, forty bytes long....";
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 1);
    uint8_t *slot;

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    slot = td_ptr(a->d, a->qp[0].sq);
    pair_post_recv(b, 0, 1, PAIR_DST, 256);
    pair_post_recv(b, 0, 2, PAIR_DST + 256, 256);
    pair_post_recv(b, 0, 3, PAIR_DST + 512, 256);
    w.flags |= RDO_WQE_F_INLINE;
    w.inline_len = 40;
    push_wqe(a, 0, &w, pushed);
    /* The ring copy differs: the device must use the pushed one. */
    memset(slot + 64, 'x', 40);
    td_doorbell(a->d, 0, RDO_DB_PUSH_TRIGGER,
                RDO_DB_VALUE(2, 13 << RDO_DB_FLAGS_SHIFT, 1));
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    g_assert_cmpuint(pair_poll(b).byte_len, ==, 40);
    g_assert_cmpmem(pair_mr_ptr(b, PAIR_DST), 40, pushed, 40);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_PUSH_WQES), ==, 1);

    /* A trigger with a producer index two ahead is refused as a push but
     * still taken as a doorbell: both WQEs come from the ring. */
    w.inline_len = 13;
    w.wr_id = 2;
    push_wqe(a, 1, &w, "from the ring");
    w.wr_id = 3;
    push_wqe(a, 2, &w, "second in rng");
    td_doorbell(a->d, 0, RDO_DB_PUSH_TRIGGER,
                RDO_DB_VALUE(2, 10 << RDO_DB_FLAGS_SHIFT, 3));
    g_assert_cmpuint(test_reg_read(a->d->h, RDO_REG_ERR_LAST), ==,
                     RDO_ERR_DB_BAD_ACCESS);
    g_assert_true(pair_run_cqes(p, 1, 2, PAIR_SEC));
    g_assert_cmpmem(pair_mr_ptr(b, PAIR_DST + 256), 13, "from the ring", 13);
    g_assert_cmpmem(pair_mr_ptr(b, PAIR_DST + 512), 13, "second in rng", 13);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_PUSH_WQES), ==, 1);
    /* Counted as refused (QUERY_COUNTERS' push_refused), not torn. */
    g_assert_cmpuint(a->d->h->core.cnt.push_refused, ==, 1);
    g_assert_cmpuint(a->d->h->core.cnt.push_torn, ==, 0);
    g_assert_true(pair_run_cqes(p, 0, 3, PAIR_SEC));
    pair_expect_cqe(a, 1, RDO_CQE_SEND, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 2, RDO_CQE_SEND, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 3, RDO_CQE_SEND, RDO_WC_SUCCESS);
    pair_free(p);
}

/*
 * Two pushes interleaved on one page (a driver without a per-page lock):
 * when the first trigger comes the area holds the second WQE. Each trigger
 * is refused as torn (more, then fewer bytes written than its WQE) and both
 * WQEs come from the ring, so each SEND carries its own data.
 */
static void test_torn_push(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 1);

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_post_recv(b, 0, 1, PAIR_DST, 256);
    pair_post_recv(b, 0, 2, PAIR_DST + 256, 256);
    w.flags |= RDO_WQE_F_INLINE;
    w.inline_len = 16;
    push_wqe(a, 0, &w, "first WQE's data");
    w.wr_id = 2;
    push_wqe(a, 1, &w, "other WQE's data");
    td_doorbell(a->d, 0, RDO_DB_PUSH_TRIGGER,
                RDO_DB_VALUE(2, 10 << RDO_DB_FLAGS_SHIFT, 1));
    g_assert_cmpuint(test_reg_read(a->d->h, RDO_REG_ERR_LAST), ==,
                     RDO_ERR_DB_BAD_ACCESS);
    td_doorbell(a->d, 0, RDO_DB_PUSH_TRIGGER,
                RDO_DB_VALUE(2, 10 << RDO_DB_FLAGS_SHIFT, 2));
    g_assert_true(pair_run_cqes(p, 1, 2, PAIR_SEC));
    g_assert_cmpmem(pair_mr_ptr(b, PAIR_DST), 16, "first WQE's data", 16);
    g_assert_cmpmem(pair_mr_ptr(b, PAIR_DST + 256), 16, "other WQE's data", 16);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_PUSH_WQES), ==, 0);
    /* Both triggers counted as torn (QUERY_COUNTERS' push_torn). */
    g_assert_cmpuint(a->d->h->core.cnt.push_torn, ==, 2);
    g_assert_cmpuint(a->d->h->core.cnt.push_refused, ==, 0);
    g_assert_true(pair_run_cqes(p, 0, 2, PAIR_SEC));
    pair_expect_cqe(a, 1, RDO_CQE_SEND, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 2, RDO_CQE_SEND, RDO_WC_SUCCESS);

    /* A whole push after them is taken again. */
    pair_post_recv(b, 0, 3, PAIR_DST + 512, 256);
    w.wr_id = 3;
    push_wqe(a, 2, &w, "third, whole....");
    td_doorbell(a->d, 0, RDO_DB_PUSH_TRIGGER,
                RDO_DB_VALUE(2, 10 << RDO_DB_FLAGS_SHIFT, 3));
    g_assert_true(pair_run_cqes(p, 1, 3, PAIR_SEC));
    g_assert_cmpmem(pair_mr_ptr(b, PAIR_DST + 512), 16, "third, whole....", 16);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_PUSH_WQES), ==, 1);
    g_assert_cmpuint(a->d->h->core.cnt.push_torn, ==, 2);
    pair_free(p);
}

/*
 * Push data written to a page and never triggered (a process killed
 * between its data and its trigger) stays while a QP is left on the page,
 * where it may be another thread's push in progress: the next trigger is
 * torn. Once the page's last QP is destroyed it is dropped, so the first
 * push of the page's next QP is taken whole.
 */
static void test_push_page_owner(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 1);
    const uint64_t junk = 0x6b696c6c65642121ull;

    for (int i = 0; i < 3; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    pair_post_recv(b, 0, 1, PAIR_DST, 256);
    w.flags |= RDO_WQE_F_INLINE;
    w.inline_len = 16;
    /* Half a push, then QP 2 destroyed: QPs 0 and 1 are still on page 0. */
    for (int k = 0; k < 5; k++) {
        td_doorbell(a->d, 0, RDO_DB_PUSH_DATA + 8 * k, junk);
    }
    rdo_pair_cmd_ok(&a->rdo, rdo_cmd_new(RDO_CMD_DESTROY_QP, a->qp[2].qpn));
    push_wqe(a, 0, &w, "torn by the rest");
    td_doorbell(a->d, 0, RDO_DB_PUSH_TRIGGER,
                RDO_DB_VALUE(a->qp[0].qpn, 10 << RDO_DB_FLAGS_SHIFT, 1));
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_expect_cqe(b, 1, RDO_CQE_RECV, RDO_WC_SUCCESS);
    g_assert_cmpmem(pair_mr_ptr(b, PAIR_DST), 16, "torn by the rest", 16);
    g_assert_cmpuint(a->d->h->core.cnt.push_torn, ==, 1);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_PUSH_WQES), ==, 0);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 1, RDO_CQE_SEND, RDO_WC_SUCCESS);

    /* Half a push again, then both QPs gone: the page is free of it. */
    for (int k = 0; k < 5; k++) {
        td_doorbell(a->d, 0, RDO_DB_PUSH_DATA + 8 * k, junk);
    }
    for (int i = 0; i < 2; i++) {
        rdo_pair_cmd_ok(&a->rdo, rdo_cmd_new(RDO_CMD_DESTROY_QP, a->qp[i].qpn));
        rdo_pair_cmd_ok(&b->rdo, rdo_cmd_new(RDO_CMD_DESTROY_QP, b->qp[i].qpn));
    }
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_post_recv(b, 0, 2, PAIR_DST + 256, 256);
    w.wr_id = 2;
    push_wqe(a, 0, &w, "the next owner's");
    td_doorbell(a->d, 0, RDO_DB_PUSH_TRIGGER,
                RDO_DB_VALUE(a->qp[0].qpn, 10 << RDO_DB_FLAGS_SHIFT, 1));
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_expect_cqe(b, 2, RDO_CQE_RECV, RDO_WC_SUCCESS);
    g_assert_cmpmem(pair_mr_ptr(b, PAIR_DST + 256), 16, "the next owner's", 16);
    g_assert_cmpuint(a->d->h->core.cnt.push_torn, ==, 1);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_PUSH_WQES), ==, 1);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 2, RDO_CQE_SEND, RDO_WC_SUCCESS);
    pair_free(p);
}

/*
 * RAM push (RDO_CAP_PUSH_RAM): writes `data` as the inline data of `w`
 * into ring slot `index` of A's QP 0 and, unless `data_in_slot` is NULL,
 * `data_in_slot` into slot `slot` of push page `page` with `seal` after
 * it. Returns the trigger that names it.
 */
static uint64_t ram_push_wqe(PairSide *a, uint16_t page, uint32_t slot,
                             uint32_t index, const struct rdo_send_wqe *w,
                             const char *data, const char *data_in_slot,
                             uint64_t seal_xor)
{
    uint8_t *ring = td_ptr(a->d, a->qp[0].sq + ((index & 63) << 8));
    uint8_t *ram = a->d->h->push_ram + ((size_t)page << RDO_DB_PAGE_SHIFT) +
                   RDO_PUSH_RAM_SLOT_OFFSET(slot);
    uint32_t len = 64 + ((strlen(data) + 7) & ~7u);
    uint32_t span = rdo_push_ram_wqe_span(len);
    uint64_t trigger = rdo_push_ram_trigger(a->qp[0].qpn, slot, len, index + 1);
    uint64_t seal = GUINT64_TO_LE(trigger ^ seal_xor);

    memset(ring, 0, 256);
    memcpy(ring, w, sizeof(*w));
    memcpy(ring + 64, data, strlen(data));
    if (data_in_slot) {
        memcpy(ram, ring, 64);
        memset(ram + 64, 0, span - 64);
        memcpy(ram + 64, data_in_slot, strlen(data_in_slot));
        memcpy(ram + span, &seal, sizeof(seal));
    }
    return trigger;
}

/* Sends on A's QP 0 arrive at B in order, each with its 16 bytes. */
static void ram_push_expect(Pair *p, uint64_t wr_id, const char *data)
{
    PairSide *a = &p->s[0], *b = &p->s[1];
    uint64_t dst = PAIR_DST + 256 * (wr_id - 1);

    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_expect_cqe(b, wr_id, RDO_CQE_RECV, RDO_WC_SUCCESS);
    g_assert_cmpmem(pair_mr_ptr(b, dst), 16, data, 16);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, wr_id, RDO_CQE_SEND, RDO_WC_SUCCESS);
}

/*
 * RAM push taken: the slot's copy is used, not the ring's (which differs
 * here), from either slot; the register tells where the push pages are.
 * A host without push RAM (a VF's) has neither the capability nor the
 * trigger.
 */
static void test_ram_push(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    TestHost *h = a->d->h;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 1);
    uint8_t *push_ram = h->push_ram;
    uint64_t trigger;

    g_assert_true(test_reg_read(h, RDO_REG_CAPS_LO) & RDO_CAP_PUSH_RAM);
    g_assert_cmphex(test_reg_read(h, RDO_REG_PUSH_RAM_INFO), ==,
                    RDO_PUSH_RAM_INFO_MAKE(256, 11));
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    for (int i = 0; i < 4; i++) {
        pair_post_recv(b, 0, i + 1, PAIR_DST + 256 * i, 256);
    }
    w.flags |= RDO_WQE_F_INLINE;
    w.inline_len = 16;
    trigger = ram_push_wqe(a, 0, 0, 0, &w, "the ring's copy.", "the slot's copy.", 0);
    td_doorbell(a->d, 0, RDO_DB_PUSH_RAM, trigger);
    ram_push_expect(p, 1, "the slot's copy.");
    w.wr_id = 2;
    trigger = ram_push_wqe(a, 0, 1, 1, &w, "ring, 2nd WQE...", "slot 1, 2nd WQE.", 0);
    td_doorbell(a->d, 0, RDO_DB_PUSH_RAM, trigger);
    ram_push_expect(p, 2, "slot 1, 2nd WQE.");
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_PUSH_WQES), ==, 2);
    g_assert_cmpuint(h->core.cnt.push_torn + h->core.cnt.push_refused, ==, 0);
    g_assert_cmpuint(h->errors->len, ==, 0);

    /* Without push RAM: no capability, no trigger (a bad doorbell, no send). */
    h->push_ram = NULL;
    g_assert_false(test_reg_read(h, RDO_REG_CAPS_LO) & RDO_CAP_PUSH_RAM);
    g_assert_cmphex(test_reg_read(h, RDO_REG_PUSH_RAM_INFO), ==, 0);
    w.wr_id = 3;
    trigger = ram_push_wqe(a, 0, 0, 2, &w, "third from ring.", NULL, 0);
    td_doorbell(a->d, 0, RDO_DB_PUSH_RAM, trigger);
    g_assert_cmpuint(h->last_class, ==, RDO_GE_DB_BAD_ACCESS);
    pair_run(p, PAIR_SEC / 100);
    g_assert_cmpuint(pair_cq_ready(b), ==, 0);
    h->push_ram = push_ram;
    /* The index still needs its doorbell. */
    td_doorbell(a->d, 0, RDO_DB_SQ, RDO_DB_VALUE(a->qp[0].qpn, 0, 3));
    ram_push_expect(p, 3, "third from ring.");
    pair_free(p);
}

/*
 * RAM pushes that cannot be taken: each is still the SQ doorbell, the WQE
 * comes from the ring (the slot's copy differs), and each is counted as
 * torn (the seal does not match: a wrong one, a stale slot) or refused (a
 * length beyond the QP's stride or below a WQE, another page's trigger).
 */
static void test_ram_push_fallback(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    RdoCounters *cnt = &a->d->h->core.cnt;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 1);
    uint64_t trigger, db_errors;

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    for (int i = 0; i < 8; i++) {
        pair_post_recv(b, 0, i + 1, PAIR_DST + 256 * i, 256);
    }
    w.flags |= RDO_WQE_F_INLINE;
    w.inline_len = 16;

    /* A seal that is not the trigger (here: another producer index). */
    trigger = ram_push_wqe(a, 0, 0, 0, &w, "1: from the ring", "1: slot, sealed.",
                           1ull << 32);
    td_doorbell(a->d, 0, RDO_DB_PUSH_RAM, trigger);
    g_assert_cmpuint(a->d->h->last_class, ==, RDO_GE_PUSH_TORN);
    g_assert_cmpuint(test_reg_read(a->d->h, RDO_REG_ERR_LAST), ==,
                     RDO_ERR_DB_BAD_ACCESS);
    ram_push_expect(p, 1, "1: from the ring");
    g_assert_cmpuint(cnt->push_torn, ==, 1);

    /* A stale slot: WQE 2 pushed whole, WQE 3's trigger names the same
     * slot without writing it: the seal is WQE 2's. */
    w.wr_id = 2;
    trigger = ram_push_wqe(a, 0, 0, 1, &w, "2: ring.........", "2: the slot.....", 0);
    td_doorbell(a->d, 0, RDO_DB_PUSH_RAM, trigger);
    ram_push_expect(p, 2, "2: the slot.....");
    w.wr_id = 3;
    trigger = ram_push_wqe(a, 0, 0, 2, &w, "3: from the ring", NULL, 0);
    td_doorbell(a->d, 0, RDO_DB_PUSH_RAM, trigger);
    ram_push_expect(p, 3, "3: from the ring");
    g_assert_cmpuint(cnt->push_torn, ==, 2);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_PUSH_WQES), ==, 1);

    /* A length beyond the QP's 256-byte stride (within the slot), sealed
     * as such; then one below a WQE's 64 bytes. */
    w.wr_id = 4;
    trigger = ram_push_wqe(a, 0, 1, 3, &w, "4: from the ring", "4: from the slot", 0);
    trigger = (trigger & ~(0x7full << RDO_PUSH_RAM_LEN_SHIFT)) |
              (127ull << RDO_PUSH_RAM_LEN_SHIFT);
    td_doorbell(a->d, 0, RDO_DB_PUSH_RAM, trigger);
    g_assert_cmpuint(a->d->h->last_class, ==, RDO_GE_PUSH_REFUSED);
    ram_push_expect(p, 4, "4: from the ring");
    w.wr_id = 5;
    trigger = ram_push_wqe(a, 0, 0, 4, &w, "5: from the ring", "5: from the slot", 0);
    trigger = (trigger & ~(0x7full << RDO_PUSH_RAM_LEN_SHIFT)) |
              (2ull << RDO_PUSH_RAM_LEN_SHIFT);
    td_doorbell(a->d, 0, RDO_DB_PUSH_RAM, trigger);
    ram_push_expect(p, 5, "5: from the ring");
    g_assert_cmpuint(cnt->push_refused, ==, 2);

    /* Another page's trigger, its push page sealed for it: refused, and as
     * a doorbell on a page not the QP's, refused too: nothing is sent. */
    w.wr_id = 6;
    db_errors = cnt->db_errors;
    trigger = ram_push_wqe(a, 1, 0, 5, &w, "6: from the ring", "6: page 1 slot..", 0);
    td_doorbell(a->d, 1, RDO_DB_PUSH_RAM, trigger);
    g_assert_cmpuint(cnt->push_refused, ==, 3);
    g_assert_cmpuint(cnt->db_errors, ==, db_errors + 1);
    pair_run(p, PAIR_SEC / 100);
    g_assert_cmpuint(pair_cq_ready(b), ==, 0);
    td_doorbell(a->d, 0, RDO_DB_SQ, RDO_DB_VALUE(a->qp[0].qpn, 0, 6));
    ram_push_expect(p, 6, "6: from the ring");

    /* A 32-bit trigger is a bad access, not a doorbell. */
    w.wr_id = 7;
    trigger = ram_push_wqe(a, 0, 1, 6, &w, "7: from the ring", "7: the slot.....", 0);
    rdo_core_db_write(&a->d->h->core, RDO_DB_PUSH_RAM, trigger, 4);
    g_assert_cmpuint(a->d->h->last_class, ==, RDO_GE_DB_BAD_ACCESS);
    td_doorbell(a->d, 0, RDO_DB_PUSH_RAM, trigger);
    ram_push_expect(p, 7, "7: the slot.....");
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_PUSH_WQES), ==, 2);
    g_assert_cmpuint(cnt->push_torn, ==, 2);
    g_assert_cmpuint(cnt->push_refused, ==, 3);
    pair_free(p);
}

/* Every frame side 0 sends, appended to the GByteArray. */
static bool frames_keep(Pair *p, int from, uint8_t *frame, size_t *len,
                        bool *again, void *opaque)
{
    if (from == 0) {
        uint32_t n = *len;

        g_byte_array_append(opaque, (const uint8_t *)&n, sizeof(n));
        g_byte_array_append(opaque, frame, *len);
    }
    return true;
}

/*
 * The same SENDs (an SGE each, as perftest posts them) fetched from the
 * ring, pushed through the MMIO push area and pushed through push RAM put
 * the same bytes on the wire.
 */
static void test_ram_push_same_frames(void)
{
    GByteArray *wire[3];

    for (int mode = 0; mode < 3; mode++) {
        Pair *p = pair_new(NULL);
        PairSide *a = &p->s[0];
        PairSide *b = &p->s[1];

        wire[mode] = g_byte_array_new();
        p->tamper = frames_keep;
        p->tamper_opaque = wire[mode];
        pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
        pair_fill(a, PAIR_SRC, 4096, 7);
        for (int i = 0; i < 4; i++) {
            struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, i + 1);
            struct rdo_sge sge = pair_sge_of(a, PAIR_SRC + 64 * i, 64 + 300 * i);

            w.flags |= RDO_WQE_F_SIGNALED;
            pair_post_recv(b, 0, i + 1, PAIR_DST + 2048 * i, 2048);
            if (mode == 0) {
                pair_post_send(a, 0, &w, &sge, 1, NULL);
            } else if (mode == 1) {
                pair_push_send(a, 0, &w, &sge, 1);
            } else {
                rdo_pair_ram_push_send(&a->rdo, 0, &w, &sge, 1, i & 1);
            }
            g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
            g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
            pair_expect_cqe(a, i + 1, RDO_CQE_SEND, RDO_WC_SUCCESS);
            pair_assert_same(a, PAIR_SRC + 64 * i, b, PAIR_DST + 2048 * i,
                             64 + 300 * i);
        }
        g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_PUSH_WQES), ==, mode ? 4 : 0);
        pair_free(p);
    }
    g_assert_cmpuint(wire[0]->len, >, 4 * 64);
    g_assert_cmpmem(wire[1]->data, wire[1]->len, wire[0]->data, wire[0]->len);
    g_assert_cmpmem(wire[2]->data, wire[2]->len, wire[0]->data, wire[0]->len);
    for (int mode = 0; mode < 3; mode++) {
        g_byte_array_unref(wire[mode]);
    }
}

/*
 * One shared send queue feeding three RC connections: each message goes
 * out on its connection, and the completions come in the order the WQEs
 * were posted even when a later connection finishes first.
 */

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/push/mmio/inline", test_inline_push);
    g_test_add_func("/push/mmio/torn", test_torn_push);
    g_test_add_func("/push/mmio/page-owner", test_push_page_owner);
    g_test_add_func("/push/ram/send", test_ram_push);
    g_test_add_func("/push/ram/fallback", test_ram_push_fallback);
    g_test_add_func("/push/ram/same-frames", test_ram_push_same_frames);
    return g_test_run();
}
