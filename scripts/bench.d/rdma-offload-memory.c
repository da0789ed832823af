/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU's resident memory with one rdma-offload adapter, against the number
 * of QPs: a qtest client (no guest) boots QEMU with the adapter, sets up
 * its control path with a QP context store for every QP, then creates
 * max-qp - 2 RC QPs (QPN 2 up), connects them in pairs through the
 * adapter's own port (each QP's peer is its neighbour: the internal
 * loopback), and has every QP do one 64-byte RDMA WRITE to its peer,
 * checked by its completion. VmRSS of the QEMU process is read from /proc
 * (kB): without the adapter (rss_kb_none), with it just realized
 * (rss_kb_adapter), once the guest side has written its rings and the
 * context store, guest RAM the qtest client touched (rss_kb_ready), and
 * after the WRITEs (rss_kb_qps). adapter - none is the adapter's memory
 * at start, qps - ready what its QPs cost the host, in functional and in
 * timing mode.
 *
 *   QTEST_QEMU_BINARY=... rdma-offload-memory [MAX_QP...]
 *
 * Prints one JSON object a line (default MAX_QP: 1024 65536), e.g.
 *   {"max_qp": 1024, "qps": 1022, "timing": false, "writes_ok": 1022,
 *    "rss_kb_none": ..., "rss_kb_adapter": ..., "rss_kb_ready": ...,
 *    "rss_kb_qps": ...}
 * Exit status 0 when every WRITE completed successfully. scripts/bench runs
 * it (the "QEMU resident memory" table).
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/libqos-pc.h"
#include "libqos/rdma-offload.h"

#define PDN         1
#define CQN         1
#define CQ_LOG      RDO_QUEUE_LOG_SIZE_MAX
#define MR_INDEX    1
#define MR_KEY      0x5a
#define MR_PAGES    16
#define MR_IOVA     0x10000ull
#define WRITE_LEN   64
/* The smallest rings: two send WQEs (header and an SGE), two receives. */
#define SQ_LOG      1
#define SQ_SHIFT    7
#define RQ_LOG      1
#define RQ_SHIFT    5
#define SQ_BYTES    (1u << (SQ_LOG + SQ_SHIFT))
#define RQ_BYTES    (1u << (RQ_LOG + RQ_SHIFT))
/* Commands written before the CQP doorbell (the ring holds 2^12). */
#define CQP_BATCH   1024
/* WRITEs in flight at once: the CQ holds 2^15 completions. */
#define WRITE_BATCH 8192
#define SEC         1000000000ll

static uint64_t rss_kb(QTestState *qts)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)qtest_pid(qts));
    g_autofree char *text = NULL;
    const char *at;

    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        !(at = strstr(text, "VmRSS:"))) {
        return 0;
    }
    return g_ascii_strtoull(at + 6, NULL, 10);
}

/* Runs `n` commands made by make(i), CQP_BATCH a doorbell; all must succeed. */
static void commands(QRdoDriver *drv, uint32_t n,
                     struct rdo_cqp_cmd (*make)(uint32_t i, void *opaque),
                     void *opaque)
{
    for (uint32_t first = 0; first < n; first += CQP_BATCH) {
        uint32_t end = MIN(n, first + CQP_BATCH);

        for (uint32_t i = first; i < end; i++) {
            struct rdo_cqp_cmd cmd = make(i, opaque);

            qrdo_cqp_write(drv, &cmd);
        }
        qrdo_cqp_ring(drv);
        for (uint32_t i = first; i < end; i++) {
            struct rdo_cqp_comp comp = qrdo_cqp_wait(drv);

            if (comp.status != RDO_CQP_OK) {
                g_error("command %u of %u: status %u", i, n, comp.status);
            }
        }
    }
}

typedef struct Qps {
    uint64_t sqs, rqs;          /* the rings, QPN 2 first (each on its size) */
    uint8_t mac[6];
    uint8_t to;                 /* the state create_or_modify moves to */
} Qps;

static struct rdo_cqp_cmd create_qp(uint32_t i, void *opaque)
{
    Qps *q = opaque;
    struct rdo_cqp_cmd cmd = rdo_cmd_create_qp(2 + i, RDO_QPT_RC, PDN, CQN,
                                               q->sqs + (uint64_t)i * SQ_BYTES,
                                               q->rqs + (uint64_t)i * RQ_BYTES);

    rdo_cmd_qp_geometry(&cmd, SQ_LOG, SQ_SHIFT, RQ_LOG, RQ_SHIFT);
    return cmd;
}

/* QPN 2 + i to q->to; its peer is its neighbour (2 <-> 3, 4 <-> 5, ...). */
static struct rdo_cqp_cmd modify_qp(uint32_t i, void *opaque)
{
    Qps *q = opaque;
    struct rdo_cqp_cmd cmd = rdo_cmd_modify_qp_std(2 + i, RDO_QPT_RC, q->to);
    struct rdo_cmd_modify_qp *m = &cmd.u.modify_qp;

    if (q->to == RDO_QPS_INIT) {
        m->access |= RDO_ACCESS_REMOTE_WRITE;
    } else if (q->to == RDO_QPS_RTR) {
        memcpy(m->dmac, q->mac, 6);
        rdo_gid_v4(m->dgid, 1);             /* its own GID 0 */
        m->dest_qpn = 2 + (i ^ 1);
        m->rq_psn = 0x200;                  /* the peer's sq_psn */
    }
    return cmd;
}

/* Each QP WRITEs 64 bytes to its peer; returns how many completed well. */
static uint32_t writes(QRdoDriver *drv, QRdmaOffload *d, const Qps *q,
                       uint32_t n, QRdoCompRing *cq, uint32_t rkey)
{
    uint32_t good = 0;

    for (uint32_t first = 0; first < n; first += WRITE_BATCH) {
        uint32_t end = MIN(n, first + WRITE_BATCH), seen = 0;
        struct rdo_cqe cqe;

        for (uint32_t i = first; i < end; i++) {
            struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 2 + i);
            struct rdo_sge sge = { MR_IOVA + (i % 64) * WRITE_LEN, WRITE_LEN, rkey };
            uint64_t sq = q->sqs + (uint64_t)i * SQ_BYTES;

            w.num_sge = 1;
            w.remote_addr = MR_IOVA + 4096 + ((i ^ 1) % 64) * WRITE_LEN;
            w.rkey = rkey;
            qtest_memwrite(drv->qts, sq, &w, sizeof(w));
            qtest_memwrite(drv->qts, sq + sizeof(w), &sge, sizeof(sge));
            qrdo_db_write(d, 0, RDO_DB_SQ, RDO_DB_VALUE(2 + i, 0, 1));
        }
        for (int64_t waited = 0; seen < end - first && waited < 60 * SEC;) {
            if (qrdo_cq_poll(drv, cq, &cqe)) {
                seen++;
                good += cqe.status == RDO_WC_SUCCESS && cqe.opcode == RDO_CQE_RDMA_WRITE;
                continue;
            }
            qrdo_drv_step(drv, 100000);
            waited += 100000;
        }
        qrdo_db_write(d, 0, RDO_DB_CQ, RDO_DB_VALUE(CQN, 0, cq->ci));
    }
    return good;
}

/* QEMU with the adapter (max-qp, timing) or, for the baseline, without. */
static QOSState *boot(uint32_t max_qp, bool timing, bool adapter)
{
    g_autofree char *dev = adapter ?
        g_strdup_printf(" -device rdma-offload,id=rdo,addr=04.0,netdev=n0,"
                        "mac=52:54:00:0f:de:01,max-qp=%u,timing=%s",
                        max_qp, timing ? "on" : "off") : g_strdup("");

    return qtest_pc_boot("-M pc -m 1G -netdev hubport,id=n0,hubid=0%s", dev);
}

static int run(uint32_t max_qp, bool timing)
{
    QOSState *qs = boot(0, false, false);
    uint64_t none = rss_kb(qs->qts), adapter, ready, with_qps;
    uint32_t n = max_qp - 2, per_page, good, rkey;
    QRdoCompRing cq;
    QRdmaOffload dev;
    QRdoDriver drv;
    QPCIDevice *pci;
    Qps q = { 0 };
    struct rdo_cqp_cmd mr;

    qtest_pc_shutdown(qs);
    qs = boot(max_qp, timing, true);
    adapter = rss_kb(qs->qts);
    pci = qpci_device_find(qs->pcibus, QPCI_DEVFN(4, 0));
    g_assert_nonnull(pci);
    qrdo_device_attach(&dev, pci);
    g_free(pci);
    qrdo_drv_init(&drv, &dev, &qs->alloc);
    /* The device says how big an entry is (larger with failover). */
    per_page = RDO_PAGE_SIZE / qrdo_read(&dev, RDO_REG_QPC_ENTRY_SIZE);
    drv.cqp_log_size = RDO_CQP_LOG_SIZE_MAX;
    drv.qpc_pages = (max_qp + per_page - 1) / per_page;
    drv.qpc_pglist = qrdo_drv_alloc_page_list(&drv, drv.qpc_pages);
    qrdo_drv_setup(&drv);
    g_assert_true(qrdo_drv_enable(&drv));
    for (int b = 0; b < 4; b++) {
        q.mac[b] = qrdo_read(&dev, RDO_REG_MAC_LO) >> (8 * b);
    }
    q.mac[4] = qrdo_read(&dev, RDO_REG_MAC_HI);
    q.mac[5] = qrdo_read(&dev, RDO_REG_MAC_HI) >> 8;
    qrdo_drv_set_gid0(&drv);
    qrdo_drv_create_pd(&drv, PDN);
    qrdo_drv_alloc_cq_ring(&drv, &cq, CQ_LOG);
    qrdo_cmd_expect(&drv, rdo_cmd_create_cq(CQN, cq.addr, CQ_LOG, 0, 0), RDO_CQP_OK);
    mr = rdo_cmd_reg_mr(MR_INDEX, MR_KEY, PDN, MR_IOVA, MR_PAGES * 4096ull,
                        qrdo_drv_alloc_page_list(&drv, MR_PAGES), MR_PAGES);
    mr.u.reg_mr.access |= RDO_ACCESS_REMOTE_WRITE;
    g_assert_cmpuint(qrdo_cmd_exec(&drv, &mr, &rkey), ==, RDO_CQP_OK);
    q.sqs = qrdo_drv_alloc(&drv, (size_t)n * SQ_BYTES);   /* zeroed: touched */
    q.rqs = qrdo_drv_alloc(&drv, (size_t)n * RQ_BYTES);
    ready = rss_kb(qs->qts);

    commands(&drv, n, create_qp, &q);
    for (q.to = RDO_QPS_INIT; q.to <= RDO_QPS_RTS; q.to++) {
        commands(&drv, n, modify_qp, &q);
    }
    good = writes(&drv, &dev, &q, n, &cq, rkey);
    with_qps = rss_kb(qs->qts);
    printf("{\"max_qp\": %u, \"qps\": %u, \"timing\": %s, \"writes_ok\": %u, "
           "\"rss_kb_none\": %" PRIu64 ", \"rss_kb_adapter\": %" PRIu64
           ", \"rss_kb_ready\": %" PRIu64 ", \"rss_kb_qps\": %" PRIu64 "}\n",
           max_qp, n, timing ? "true" : "false", good, none, adapter, ready, with_qps);
    fflush(stdout);
    qrdo_device_detach(&dev);
    qtest_pc_shutdown(qs);
    return good == n ? 0 : 1;
}

int main(int argc, char **argv)
{
    static const uint32_t defaults[] = { 1024, 65536 };
    int rc = 0;

    for (int k = 0; k < (argc > 1 ? argc - 1 : (int)G_N_ELEMENTS(defaults)); k++) {
        uint32_t max_qp = argc > 1 ? strtoul(argv[k + 1], NULL, 0) : defaults[k];

        if (max_qp < 4 || max_qp & 1) {
            fprintf(stderr, "MAX_QP: an even number, at least 4\n");
            return 2;
        }
        rc |= run(max_qp, false);
        rc |= run(max_qp, true);
    }
    return rc;
}
