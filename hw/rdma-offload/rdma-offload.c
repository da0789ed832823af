/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload: an RDMA/RoCEv2 protocol-offload network adapter.
 *
 * This file is only the QEMU glue: PCI Express function, BARs, MSI-X, DMA,
 * network backend, timers, migration, properties and trace events. The
 * adapter itself lives in core/, which knows nothing of QEMU; this file
 * implements the core's host interface (RdoHostOps) on top of QEMU.
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_sriov.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "net/eth.h"
#include "system/dma.h"
#include "system/system.h"
#include "trace.h"

#include "rdma-offload.h"

/* Host interface for the core. */

static int rdo_qemu_dma_read(void *host, uint64_t addr, void *buf, size_t len)
{
    RdmaOffloadState *s = host;
    MemTxResult r = pci_dma_read(PCI_DEVICE(s), addr, buf, len);

    trace_rdma_offload_dma_read(addr, len, r);
    return r == MEMTX_OK ? 0 : -1;
}

static int rdo_qemu_dma_write(void *host, uint64_t addr, const void *buf,
                              size_t len)
{
    RdmaOffloadState *s = host;
    MemTxResult r = pci_dma_write(PCI_DEVICE(s), addr, buf, len);

    trace_rdma_offload_dma_write(addr, len, r);
    return r == MEMTX_OK ? 0 : -1;
}

static void rdo_qemu_raise_irq(void *host, unsigned vector)
{
    PCIDevice *pci = PCI_DEVICE(host);
    bool enabled = msix_enabled(pci);

    trace_rdma_offload_irq(vector, enabled, enabled && msix_is_masked(pci, vector));
    if (enabled) {
        /* A masked vector is held pending in the PBA by msix_notify. */
        msix_notify(pci, vector);
    }
}

static void rdo_nic_send(NICState *nic, const void *frame, size_t len)
{
    uint8_t padded[ETH_ZLEN];

    trace_rdma_offload_tx_frame(len);
    /*
     * Like a real MAC, pad a runt to the minimum frame (FCS excluded);
     * backends such as tap and socket pass frames on unchanged. The
     * core's RoCEv2 frames are never that short, so this is for safety.
     */
    if (len < ETH_ZLEN) {
        memcpy(padded, frame, len);
        memset(padded + len, 0, ETH_ZLEN - len);
        frame = padded;
        len = ETH_ZLEN;
    }
    qemu_send_packet(qemu_get_queue(nic), frame, len);
}

static void rdo_qemu_send_frame(void *host, const void *frame, size_t len)
{
    RdmaOffloadState *s = host;

    s->tx_frames++;
    rdo_nic_send(s->nic, frame, len);
}

static void rdo_qemu_send_frame2(void *host, const void *frame, size_t len)
{
    RdmaOffloadState *s = host;

    if (s->nic2) {
        s->tx2_frames++;
        rdo_nic_send(s->nic2, frame, len);
    }
}

/* A frame handed over by the timing model, to leave at when_ns. */
typedef struct RdoTimedFrame {
    uint64_t when_ns;
    size_t len, cap;
    uint8_t data[];
} RdoTimedFrame;

/* A RoCE frame at MTU 4096 fits the smallest buffer. */
#define RDO_TIMED_FRAME_MIN 4608

/*
 * Sends the handed-over frames that are due, in the order given (their
 * times never decrease), and sets tx_timer for the next one. A frame sent
 * may come back in (a peer on a hub answers at once) and add frames: the
 * loop takes those too when they are due.
 */
static void rdo_tx_timed_run(RdmaOffloadState *s)
{
    uint64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    RdoTimedFrame *f;

    while ((f = g_queue_peek_head(&s->tx_timed))) {
        if (f->when_ns > now) {
            timer_mod_ns(s->tx_timer, f->when_ns);
            return;
        }
        s->tx_frames++;
        rdo_nic_send(s->nic, f->data, f->len);
        g_queue_pop_head(&s->tx_timed);
        g_queue_push_head(&s->tx_free, f);
    }
}

static void rdo_tx_timer(void *opaque)
{
    rdo_tx_timed_run(opaque);
}

static void rdo_qemu_send_frame_at(void *host, const void *frame, size_t len,
                                   uint64_t when_ns)
{
    RdmaOffloadState *s = host;
    RdoTimedFrame *f = g_queue_pop_head(&s->tx_free);

    if (!f || f->cap < len) {
        /* Only Ethernet jumbo frames need more: those buffers grow once. */
        g_free(f);
        f = g_malloc(sizeof(*f) + MAX(len, RDO_TIMED_FRAME_MIN));
        f->cap = MAX(len, RDO_TIMED_FRAME_MIN);
    }
    f->when_ns = when_ns;
    f->len = len;
    memcpy(f->data, frame, len);
    g_queue_push_tail(&s->tx_timed, f);
    if (s->tx_timed.length == 1) {
        timer_mod_ns(s->tx_timer, when_ns);
    }
}

static void rdo_qemu_drop_frames(void *host)
{
    RdmaOffloadState *s = host;
    RdoTimedFrame *f;

    while ((f = g_queue_pop_head(&s->tx_timed))) {
        g_queue_push_head(&s->tx_free, f);
    }
    timer_del(s->tx_timer);
}

static void rdo_tx_timed_free(RdmaOffloadState *s)
{
    rdo_qemu_drop_frames(s);
    g_queue_clear_full(&s->tx_free, g_free);
}

static uint64_t rdo_qemu_now_ns(void *host)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static void rdo_qemu_schedule(void *host, uint64_t when_ns)
{
    RdmaOffloadState *s = host;

    rdo_timer_schedule(s->wakeup, when_ns);
}

/*
 * A guest mistake: LOG_GUEST_ERROR, and the trace event of its class
 * (rdma_offload_err_<class>, one per RDO_GUEST_ERRORS row).
 */
static void rdo_qemu_guest_error(void *host, const RdoGuestError *e)
{
    qemu_log_mask(LOG_GUEST_ERROR, "rdma-offload: %s %s %u%s%s: %s\n",
                  rdo_guest_err_name(e->cls), rdo_obj_kind_name(e->kind),
                  e->obj, e->reg_err != RDO_ERR_NONE ? ", ERR_LAST " : "",
                  e->reg_err != RDO_ERR_NONE ? rdo_err_name(e->reg_err) : "",
                  e->what);
    switch (e->cls) {
#define RDO_GE_TRACE(id, name, kind, reg) \
    case RDO_GE_##id: \
        trace_rdma_offload_err_##name(e->obj, e->addr, e->what); \
        break;
    RDO_GUEST_ERRORS(RDO_GE_TRACE)
#undef RDO_GE_TRACE
    default:
        break;
    }
}

/* A transport event: its own trace event (one per RDO_XPORT_EVENTS row). */
static void rdo_qemu_xport_event(void *host, const RdoXportEvent *e)
{
    switch (e->type) {
#define RDO_XE_TRACE(id, name, field) \
    case RDO_XE_##id: \
        trace_rdma_offload_##name(e->qpn, e->psn, e->value); \
        break;
    RDO_XPORT_EVENTS(RDO_XE_TRACE)
#undef RDO_XE_TRACE
    default:
        break;
    }
}

static void rdo_qemu_fatal(void *host, enum rdo_fatal_cause cause,
                           const char *what)
{
    trace_rdma_offload_fatal(cause, what);
}

static void rdo_qemu_stage(void *host, const RdoStageSpan *span)
{
    /* Several spans a frame: name the stage only for a listening trace. */
    if (trace_event_get_state_backends(TRACE_RDMA_OFFLOAD_STAGE)) {
        trace_rdma_offload_stage(rdo_stage_name(span->stage), span->qpn,
                                 span->bytes, span->start_ps, span->end_ps);
    }
}

/* The core sends spans only while the trace listens (asked at each entry). */
static bool rdo_qemu_stage_on(void *host)
{
    return trace_event_get_state_backends(TRACE_RDMA_OFFLOAD_STAGE);
}

static void rdo_qemu_wr_life(void *host, const RdoWrLife *l)
{
    trace_rdma_offload_wr_life(l->qpn, l->wqe_index, l->db_ps,
                               l->wqe_ps, l->sched_ps, l->ctx_ps,
                               l->tx_first_ps, l->tx_last_ps, l->ack_ps,
                               l->cqe_ps);
}

/* The PF's push pages (x-push-ram); the RAM lives as long as the device. */
static const uint8_t *rdo_qemu_push_ram(void *host)
{
    RdmaOffloadState *s = host;

    return memory_region_get_ram_ptr(&s->push_ram);
}

const RdoHostOps rdo_qemu_host_ops = {
    .dma_read = rdo_qemu_dma_read,
    .dma_write = rdo_qemu_dma_write,
    .raise_irq = rdo_qemu_raise_irq,
    .send_frame = rdo_qemu_send_frame,
    .send_frame2 = rdo_qemu_send_frame2,
    .now_ns = rdo_qemu_now_ns,
    .schedule = rdo_qemu_schedule,
    .guest_error = rdo_qemu_guest_error,
    .xport_event = rdo_qemu_xport_event,
    .fatal = rdo_qemu_fatal,
    .stage = rdo_qemu_stage,
    .stage_on = rdo_qemu_stage_on,
    .wr_life = rdo_qemu_wr_life,
};

/*
 * The core is never re-entered. Its calls out can come back in through the
 * network: a frame it sends may be delivered at once (a hubport on the same
 * hub, a filter) to another adapter that answers in the same call chain.
 * While the core runs, the port refuses frames (can_receive), so QEMU's net
 * layer queues them; the outermost call flushes that queue when it leaves.
 */
static void rdo_enter(RdmaOffloadState *s)
{
    s->busy++;
}

static void rdo_leave(RdmaOffloadState *s)
{
    /* Only the glue's own pairing can break this; no guest value reaches it. */
    if (s->busy == 0) {
        error_report("rdma-offload: core left without being entered");
        return;
    }
    if (--s->busy == 0 && s->rx_waiting && s->nic) {
        s->rx_waiting = false;
        qemu_flush_queued_packets(qemu_get_queue(s->nic));
        if (s->nic2) {
            qemu_flush_queued_packets(qemu_get_queue(s->nic2));
        }
    }
}

/*
 * Device work outside its MMIO handlers (timer, QMP) runs with the device's
 * re-entrancy guard engaged, as QEMU does for MMIO: a DMA that the guest
 * aimed at the device's own BARs then fails instead of re-entering the
 * core in the middle of an operation (a reset there would free the state
 * the operation is using).
 */
static void rdo_core_call_guarded(RdmaOffloadState *s,
                                  void (*fn)(RdmaOffloadState *s))
{
    MemReentrancyGuard *guard = &DEVICE(s)->mem_reentrancy_guard;
    bool was = guard->engaged_in_io;

    guard->engaged_in_io = true;
    rdo_enter(s);
    fn(s);
    rdo_leave(s);
    guard->engaged_in_io = was;
}

static void rdo_do_wakeup(RdmaOffloadState *s)
{
    rdo_core_wakeup(&s->core);
}

static void rdo_do_inject_fatal(RdmaOffloadState *s)
{
    rdo_core_fatal(&s->core, RDO_FATAL_INJECTED, false, "injected by the host");
}

static void rdo_wakeup(void *opaque)
{
    RdmaOffloadState *s = opaque;

    trace_rdma_offload_wakeup(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
    /* Frames due by now leave before what this wake-up sends. */
    rdo_tx_timed_run(s);
    rdo_core_call_guarded(s, rdo_do_wakeup);
}

/* BAR0: registers. Sizes and alignment are checked by the core. */

static uint64_t rdo_reg_read(void *opaque, hwaddr addr, unsigned size)
{
    RdmaOffloadState *s = opaque;
    uint64_t val;

    rdo_enter(s);
    val = rdo_core_reg_read(&s->core, addr, size);
    rdo_leave(s);
    trace_rdma_offload_reg_read(addr, size, val);
    return val;
}

static void rdo_reg_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    RdmaOffloadState *s = opaque;

    trace_rdma_offload_reg_write(addr, size, val);
    rdo_enter(s);
    rdo_core_reg_write(&s->core, addr, val, size);
    rdo_leave(s);
}

static const MemoryRegionOps rdo_reg_ops =
    RDO_MMIO_OPS(rdo_reg_read, rdo_reg_write);

/*
 * x-doorbell-inline: the frames a doorbell's work handed over for now leave
 * here, in the vCPU thread that wrote the doorbell (it holds the BQL), and
 * so does the work the doorbell made due at once (the scheduler's "at
 * once" is the clock plus 1 ns: a timer must see the clock move), instead
 * of both waiting for the main loop's transmit and wake-up timers: that
 * hand-off is the largest hop of a round trip under TCG (docs/latency.md).
 * Later work (a budget's remainder, delays) stays on the timers; with the
 * timing model on nothing runs here, its times are its own. With "auto"
 * only a doorbell whose SQ already had WQEs outstanding sends at once: a
 * stream's posts (the sender's vCPU polls anyway, measured faster) but
 * not a lone WQE's (a ping-pong's, measured slower sent from the vCPU).
 */
static void rdo_db_run_inline(RdmaOffloadState *s)
{
    uint64_t sent = s->tx_frames;

    if (s->core.cfg.tm.on || s->db_inline == ON_OFF_AUTO_OFF ||
        (s->db_inline == ON_OFF_AUTO_AUTO && !s->core.db_sq_outstanding)) {
        return;
    }
    if (timer_pending(s->wakeup) && timer_expire_time_ns(s->wakeup) <=
        qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + 1) {
        timer_del(s->wakeup);
        rdo_wakeup(s);
    }
    rdo_tx_timed_run(s);
    s->db_inline_frames += s->tx_frames - sent;
}

/* BAR2: doorbell pages. */

static uint64_t rdo_db_read(void *opaque, hwaddr addr, unsigned size)
{
    RdmaOffloadState *s = opaque;
    uint64_t val;

    rdo_enter(s);
    val = rdo_core_db_read(&s->core, addr, size);
    rdo_leave(s);
    return val;
}

static void rdo_db_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    RdmaOffloadState *s = opaque;

    trace_rdma_offload_db_write(addr, size, val);
    rdo_enter(s);
    rdo_core_db_write(&s->core, addr, val, size);
    rdo_leave(s);
    rdo_db_run_inline(s);
}

static const MemoryRegionOps rdo_db_ops =
    RDO_MMIO_OPS(rdo_db_read, rdo_db_write);

/* Network backend. */

static bool rdo_nc_can_receive(NetClientState *nc)
{
    RdmaOffloadState *s = qemu_get_nic_opaque(nc);

    if (s->busy) {
        /* Queued by the net layer; rdo_leave() flushes the queue. */
        s->rx_waiting = true;
        trace_rdma_offload_rx_wait();
        return false;
    }
    return true;
}

/* Which port a NIC queue is: both NICs have the device as opaque. */
static unsigned rdo_nc_port(RdmaOffloadState *s, NetClientState *nc)
{
    return s->nic2 && nc == qemu_get_queue(s->nic2) ? 2 : 1;
}

static ssize_t rdo_nc_receive(NetClientState *nc, const uint8_t *buf,
                              size_t size)
{
    RdmaOffloadState *s = qemu_get_nic_opaque(nc);
    unsigned port = rdo_nc_port(s, nc);
    RdoCounters before = s->core.cnt;
    uint64_t ignored = s->core.rx_frames_ignored;

    /* Callers that skip can_receive (a flush of a queued frame) still
     * must not re-enter the core: hold the frame back. */
    if (s->busy) {
        s->rx_waiting = true;
        trace_rdma_offload_rx_wait();
        return 0;
    }
    *(port == 2 ? &s->rx2_frames : &s->rx_frames) += 1;
    trace_rdma_offload_rx_frame(size);
    rdo_enter(s);
    rdo_core_receive_port(&s->core, port, buf, size);
    rdo_leave(s);
    /* The core counts what it drops; tell the trace why. */
    if (s->core.rx_frames_ignored != ignored) {
        trace_rdma_offload_rx_drop(size, "port or device not enabled");
    } else if (s->core.cnt.rx_icrc_errors != before.rx_icrc_errors) {
        trace_rdma_offload_rx_drop(size, "bad ICRC");
    } else if (s->core.cnt.rx_drops != before.rx_drops) {
        trace_rdma_offload_rx_drop(size, "failed the receive checks");
    } else if (s->core.cnt.eth_rx_frames != before.eth_rx_frames) {
        trace_rdma_offload_rx_drop(size, "not RoCEv2");
    }
    return size;
}

static void rdo_nc_link_status_changed(NetClientState *nc)
{
    RdmaOffloadState *s = qemu_get_nic_opaque(nc);

    trace_rdma_offload_link(!nc->link_down);
    rdo_core_set_port_link(&s->core, rdo_nc_port(s, nc), !nc->link_down);
}

static NetClientInfo rdo_net_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .can_receive = rdo_nc_can_receive,
    .receive = rdo_nc_receive,
    .link_status_changed = rdo_nc_link_status_changed,
};

/* PCI function. */

/* The core's links as the backends have them. */
static void rdo_set_links(RdmaOffloadState *s)
{
    rdo_core_set_link(&s->core, !qemu_get_queue(s->nic)->link_down);
    if (s->nic2) {
        rdo_core_set_port_link(&s->core, 2, !qemu_get_queue(s->nic2)->link_down);
    }
}

static void rdo_realize(PCIDevice *pci, Error **errp)
{
    RdmaOffloadState *s = RDMA_OFFLOAD(pci);
    DeviceState *dev = DEVICE(pci);
    RdoConfig cfg = s->cfg;
    const char *why;

    cfg.has_port = s->conf.peers.ncs[0] != NULL;
    cfg.has_port2 = s->conf2.peers.ncs[0] != NULL;
    if (cfg.ports < 2 && cfg.has_port2) {
        error_setg(errp, "rdma-offload: netdev2 needs ports=2");
        return;
    }
    /* Both MACs first: the configuration check wants them distinct. */
    qemu_macaddr_default_if_unset(&s->conf.macaddr);
    memcpy(cfg.mac, s->conf.macaddr.a, sizeof(cfg.mac));
    if (cfg.ports == 2) {
        qemu_macaddr_default_if_unset(&s->conf2.macaddr);
        memcpy(cfg.mac2, s->conf2.macaddr.a, sizeof(cfg.mac2));
    }
    if (!rdo_config_valid(&cfg, &why)) {
        error_setg(errp, "rdma-offload: %s", why);
        return;
    }

    if (!rdo_pci_function_realize(pci, &s->regs, &rdo_reg_ops, &s->doorbells,
                                  &rdo_db_ops, &s->bar2,
                                  s->push_ram_on ? &s->push_ram : NULL,
                                  &cfg, errp)) {
        return;
    }
    s->nic = qemu_new_nic(&rdo_net_info, &s->conf,
                          object_get_typename(OBJECT(s)), dev->id,
                          &dev->mem_reentrancy_guard, s);
    qemu_format_nic_info_str(qemu_get_queue(s->nic), s->conf.macaddr.a);
    if (cfg.ports == 2) {
        g_autofree char *id2 = dev->id ? g_strdup_printf("%s.port2", dev->id)
                                       : NULL;

        s->nic2 = qemu_new_nic(&rdo_net_info, &s->conf2,
                               object_get_typename(OBJECT(s)), id2,
                               &dev->mem_reentrancy_guard, s);
        qemu_format_nic_info_str(qemu_get_queue(s->nic2), s->conf2.macaddr.a);
    }

    s->wakeup = timer_new_ns(QEMU_CLOCK_VIRTUAL, rdo_wakeup, s);
    s->tx_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, rdo_tx_timer, s);
    g_queue_init(&s->tx_timed);
    g_queue_init(&s->tx_free);
    /*
     * The timing model hands each frame over with its time instead of a
     * wake-up of the whole core per frame (x-send-frame-at=off keeps the
     * old way, which must give the same run: the qtest compares them).
     */
    s->ops = rdo_qemu_host_ops;
    if (s->push_ram_on) {
        s->ops.push_ram = rdo_qemu_push_ram;
    }
    if (s->tx_at) {
        s->ops.send_frame_at = rdo_qemu_send_frame_at;
        s->ops.drop_frames = rdo_qemu_drop_frames;
    }
    rdo_core_init(&s->core, &cfg, &s->ops, s);
    /* The VFs are made now, on the PF's core (rdma-offload-vf.c). */
    if (cfg.sriov_max_vfs && !rdo_sriov_realize(pci, &cfg, errp)) {
        rdo_core_destroy(&s->core);
        timer_free(s->wakeup);
        rdo_tx_timed_free(s);
        timer_free(s->tx_timer);
        qemu_del_nic(s->nic);
        rdo_pci_function_exit(pci, &s->bar2, &s->doorbells,
                          s->push_ram_on ? &s->push_ram : NULL);
        return;
    }
    /* A backend may start with its link down (stream, socket: unconnected). */
    rdo_set_links(s);
}

static void rdo_exit(PCIDevice *pci)
{
    RdmaOffloadState *s = RDMA_OFFLOAD(pci);

    pcie_sriov_pf_exit(pci);    /* the VFs go before the PF's core */
    timer_free(s->wakeup);
    g_free(s->mig_buf);
    rdo_core_destroy(&s->core);
    rdo_tx_timed_free(s);
    timer_free(s->tx_timer);
    qemu_del_nic(s->nic);
    if (s->nic2) {
        qemu_del_nic(s->nic2);
    }
    rdo_pci_function_exit(pci, &s->bar2, &s->doorbells,
                          s->push_ram_on ? &s->push_ram : NULL);
}

static void rdo_reset_hold(Object *obj, ResetType type)
{
    RdmaOffloadState *s = RDMA_OFFLOAD(obj);

    trace_rdma_offload_reset();
    timer_del(s->wakeup);
    s->tx_frames = s->rx_frames = 0;
    s->tx2_frames = s->rx2_frames = 0;
    rdo_enter(s);
    rdo_core_reset(&s->core);
    rdo_leave(s);
}

/*
 * Migration: the core's hard state (every object, the transport's PSNs,
 * records and responder resources, dirty context lines, the timing
 * model's clock-relative state; docs/architecture.md, "Hard and soft
 * state") travels as one versioned byte stream made by the core, beside
 * the PCI and MSI-X state and the wake-up timer. The core validates the
 * stream on load; a refused stream fails the incoming migration.
 */
#define RDO_STATE_MAX_BYTES (256u << 20)

static int rdo_pre_save(void *opaque)
{
    RdmaOffloadState *s = opaque;
    size_t len;

    g_free(s->mig_buf);
    s->mig_buf = rdo_core_save(&s->core, &len);
    if (len > RDO_STATE_MAX_BYTES) {
        error_report("rdma-offload: device state of %zu bytes is too large "
                     "to migrate", len);
        return -EFBIG;
    }
    s->mig_len = len;
    trace_rdma_offload_state_save(len);
    return 0;
}

static int rdo_post_save(void *opaque)
{
    RdmaOffloadState *s = opaque;

    g_free(s->mig_buf);
    s->mig_buf = NULL;
    s->mig_len = 0;
    return 0;
}

/* Before the buffer is allocated for a length that came in the stream. */
static bool rdo_state_len_ok(void *opaque, int version_id)
{
    RdmaOffloadState *s = opaque;

    if (s->mig_len > RDO_STATE_MAX_BYTES) {
        error_report("rdma-offload: device state of %u bytes refused",
                     s->mig_len);
        return false;
    }
    return true;
}

static int rdo_post_load(void *opaque, int version_id)
{
    RdmaOffloadState *s = opaque;
    g_autofree char *why = NULL;
    bool ok;

    rdo_enter(s);
    ok = rdo_core_load(&s->core, s->mig_buf, s->mig_len, &why);
    rdo_leave(s);
    g_free(s->mig_buf);
    s->mig_buf = NULL;
    trace_rdma_offload_state_load(s->mig_len, ok);
    s->mig_len = 0;
    if (!ok) {
        error_report("rdma-offload: device state refused: %s", why);
        return -EINVAL;
    }
    /* The destination's backends decide the links; the driver hears of a
     * change on EQ 0. */
    rdo_set_links(s);
    return 0;
}

static const VMStateDescription rdo_vmstate = {
    .name = "rdma-offload",
    .version_id = 2,
    .minimum_version_id = 2,    /* version 1 could not carry a started device */
    .pre_save = rdo_pre_save,
    .post_save = rdo_post_save,
    .post_load = rdo_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, RdmaOffloadState),
        VMSTATE_MSIX(parent_obj, RdmaOffloadState),
        VMSTATE_TIMER_PTR(wakeup, RdmaOffloadState),
        VMSTATE_UINT32(mig_len, RdmaOffloadState),
        VMSTATE_VALIDATE("device state length", rdo_state_len_ok),
        VMSTATE_VBUFFER_ALLOC_UINT32(mig_buf, RdmaOffloadState, 0, NULL,
                                     mig_len),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * x-inject-fatal: the host (not the guest) forces the catastrophic error at
 * run time, to test a driver's recovery: qom-set <id> x-inject-fatal true.
 * Reads tell whether the device is in that state; only a reset leaves it.
 */
static bool rdo_get_inject_fatal(Object *obj, Error **errp)
{
    return rdo_core_is_fatal(&RDMA_OFFLOAD(obj)->core);
}

static void rdo_set_inject_fatal(Object *obj, bool value, Error **errp)
{
    RdmaOffloadState *s = RDMA_OFFLOAD(obj);

    if (!DEVICE(obj)->realized) {
        error_setg(errp, "x-inject-fatal: the device is not realized");
        return;
    }
    if (value) {
        rdo_core_call_guarded(s, rdo_do_inject_fatal);
    } else if (rdo_core_is_fatal(&s->core)) {
        error_setg(errp, "x-inject-fatal: only a device reset clears the "
                   "catastrophic state");
    }
}

/*
 * x-inject-engine-fault: the host faults the protocol engine now (qom-set
 * <id> x-inject-engine-fault true): recovered with failover=1 (EQE 0x21),
 * catastrophic otherwise. Reads give the faults recovered so far.
 */
static void rdo_do_engine_fault(RdmaOffloadState *s)
{
    rdo_core_engine_fault(&s->core, s->inject_engine, "injected by the host");
}

static bool rdo_get_engine_fault(Object *obj, Error **errp)
{
    return RDMA_OFFLOAD(obj)->core.cnt.fo_recoveries != 0;
}

static void rdo_set_engine_fault(Object *obj, bool value, Error **errp)
{
    RdmaOffloadState *s = RDMA_OFFLOAD(obj);

    if (!DEVICE(obj)->realized ||
        !(rdo_core_reg_read(&s->core, RDO_REG_STATUS, 4) & RDO_STATUS_CQP_READY)) {
        error_setg(errp, "x-inject-engine-fault: the control path is not "
                   "running");
        return;
    }
    if (value) {
        s->inject_engine = 0;
        rdo_core_call_guarded(s, rdo_do_engine_fault);
    }
}

/* x-inject-engine-fault-on: the same for one engine of several
 * (`engines`): qom-set <id> x-inject-engine-fault-on N. */
static void rdo_set_engine_fault_on(Object *obj, Visitor *v, const char *name,
                                    void *opaque, Error **errp)
{
    RdmaOffloadState *s = RDMA_OFFLOAD(obj);
    Error *err = NULL;
    uint32_t engine;

    if (!visit_type_uint32(v, name, &engine, errp)) {
        return;
    }
    if (engine >= s->core.cfg.engines) {
        error_setg(errp, "x-inject-engine-fault-on: engine %u, the device has "
                   "%u", engine, s->core.cfg.engines);
        return;
    }
    rdo_set_engine_fault(obj, false, &err);     /* the same checks */
    if (err) {
        error_propagate(errp, err);
        return;
    }
    s->inject_engine = engine;
    rdo_core_call_guarded(s, rdo_do_engine_fault);
}

/* The numeric parameters: one QOM property per row of RDO_CONFIG_PARAMS. */
#define RDO_PROP_U32(name, field, def) \
    DEFINE_PROP_UINT32(name, RdmaOffloadState, cfg.field, def)
#define RDO_PROP_U64(name, field, def) \
    DEFINE_PROP_UINT64(name, RdmaOffloadState, cfg.field, def)
#define RDO_PROP_ROW(name, field, type, def, min, max, flags, why, desc) \
    RDO_PROP_##type(name, field, def),

static const Property rdo_properties[] = {
    DEFINE_NIC_PROPERTIES(RdmaOffloadState, conf),
    /* Port 2 (ports=2), named as the NIC properties with a 2. */
    DEFINE_PROP_MACADDR("mac2", RdmaOffloadState, conf2.macaddr),
    DEFINE_PROP_NETDEV("netdev2", RdmaOffloadState, conf2.peers),
    RDO_CONFIG_PARAMS(RDO_PROP_ROW)
    /* The timing model (docs/timing-model.md); its parameters are above. */
    DEFINE_PROP_BOOL("timing", RdmaOffloadState, cfg.tm.on, false),
    /* Timed frames handed to QEMU (on) or kept by the core (off). */
    DEFINE_PROP_BOOL("x-send-frame-at", RdmaOffloadState, tx_at, true),
    /* BAR 2's push pages of RAM (RDO_CAP_PUSH_RAM); off: MMIO push only. */
    DEFINE_PROP_BOOL("x-push-ram", RdmaOffloadState, push_ram_on, true),
    /* A doorbell's due work in the writing vCPU thread (latency.md):
     * always, never, or (auto) when its SQ already had work outstanding. */
    DEFINE_PROP_ON_OFF_AUTO("x-doorbell-inline", RdmaOffloadState, db_inline,
                            ON_OFF_AUTO_AUTO),
};

/* A counter of a counters struct, by name, for a QOM dictionary. */
typedef struct RdoNamedCounter {
    const char *name;
    size_t off;
} RdoNamedCounter;

/* Visits `n` counters of `width` bytes (4 or 8) found at `base`. */
static bool rdo_visit_counters(Visitor *v, const void *base,
                               const RdoNamedCounter *c, size_t n,
                               size_t width, Error **errp)
{
    for (size_t i = 0; i < n; i++) {
        const char *at = (const char *)base + c[i].off;
        uint64_t val = width == 4 ? *(const uint32_t *)at : *(const uint64_t *)at;

        if (!visit_type_uint64(v, c[i].name, &val, errp)) {
            return false;
        }
    }
    return true;
}

/*
 * counters: every device counter, for the host (qom-get ID counters).
 * The driver reads most of them in the CNT_* registers; the fault
 * injection's and the port's own have no register.
 */
#define RDO_CNT(name, field) { name, offsetof(RdoCounters, field) }
static const RdoNamedCounter rdo_counter_names[] = {
    RDO_CNT("cqp-cmds", cqp_cmds),
    RDO_CNT("cqp-errors", cqp_errors),
    RDO_CNT("mr-stalls", mr_stalls),
    RDO_CNT("qpc-hits", qpc_hits),
    RDO_CNT("qpc-misses", qpc_misses),
    RDO_CNT("mrc-hits", mrc_hits),
    RDO_CNT("mrc-misses", mrc_misses),
    RDO_CNT("eqes", eqes),
    RDO_CNT("cqes", cqes),
    RDO_CNT("eq-overflows", eq_overflows),
    RDO_CNT("db-errors", db_errors),
    RDO_CNT("tx-packets", tx_packets),
    RDO_CNT("rx-packets", rx_packets),
    RDO_CNT("rx-icrc-errors", rx_icrc_errors),
    RDO_CNT("rx-drops", rx_drops),
    RDO_CNT("retransmits", retransmits),
    RDO_CNT("timeouts", timeouts),
    RDO_CNT("naks-sent", naks_sent),
    RDO_CNT("naks-received", naks_received),
    RDO_CNT("acks-sent", acks_sent),
    RDO_CNT("dup-requests", dup_requests),
    RDO_CNT("rx-placements", rx_placements),
    RDO_CNT("tx-errors", tx_errors),
    RDO_CNT("eth-rx-frames", eth_rx_frames),
    RDO_CNT("push-wqes", push_wqes),
    RDO_CNT("eth-tx-frames", eth_tx_frames),
    RDO_CNT("eth-tx-bytes", eth_tx_bytes),
    RDO_CNT("eth-tso-segments", eth_tso_segments),
    RDO_CNT("eth-tx-csum", eth_tx_csum),
    RDO_CNT("eth-tx-errors", eth_tx_errors),
    RDO_CNT("eth-rx-bytes", eth_rx_bytes),
    RDO_CNT("eth-rx-buffers", eth_rx_buffers),
    RDO_CNT("eth-rx-csum-ok", eth_rx_csum_ok),
    RDO_CNT("eth-rx-csum-bad", eth_rx_csum_bad),
    RDO_CNT("eth-lro-segments", eth_lro_segments),
    RDO_CNT("eth-lro-flushes", eth_lro_flushes),
    RDO_CNT("eth-rx-no-buf", eth_rx_no_buf),
    RDO_CNT("eth-rx-filtered", eth_rx_filtered),
    RDO_CNT("eth-rx-errors", eth_rx_errors),
    RDO_CNT("eth-steered", eth_steered),
    RDO_CNT("eth-key-errors", eth_key_errors),
    RDO_CNT("eth-raw-looped", eth_raw_looped),
    RDO_CNT("fault-drops", fault_drops),
    RDO_CNT("fault-corrupts", fault_corrupts),
    RDO_CNT("fault-dups", fault_dups),
    RDO_CNT("fault-reorders", fault_reorders),
    RDO_CNT("loopback-frames", loopback_frames),
    RDO_CNT("seq-naks-sent", seq_naks_sent),
    RDO_CNT("seq-naks-received", seq_naks_received),
    RDO_CNT("rnr-naks-sent", rnr_naks_sent),
    RDO_CNT("rnr-naks-received", rnr_naks_received),
    RDO_CNT("dup-responses", dup_responses),
    RDO_CNT("np-ecn-marked-roce-packets", np_ecn_marked_roce_packets),
    RDO_CNT("np-cnp-sent", np_cnp_sent),
    RDO_CNT("rp-cnp-handled", rp_cnp_handled),
    RDO_CNT("rp-cnp-ignored", rp_cnp_ignored),
    RDO_CNT("rp-cnp-coalesced", rp_cnp_coalesced),
    RDO_CNT("rx-ecn-ce-other", rx_ecn_ce_other),
    RDO_CNT("fault-ce-marks", fault_ce_marks),
    RDO_CNT("isolation", isolation),
    RDO_CNT("dma-head-pieces", dma_head_pieces),
    RDO_CNT("dma-tail-pieces", dma_tail_pieces),
    RDO_CNT("dma-full-lines", dma_full_lines),
    RDO_CNT("dma-transfers", dma_transfers),
    RDO_CNT("bufrecv-held", bufrecv_held),
    RDO_CNT("bufrecv-placed", bufrecv_placed),
    RDO_CNT("bufrecv-full", bufrecv_full),
    RDO_CNT("bufrecv-dropped", bufrecv_dropped),
    RDO_CNT("fo-recoveries", fo_recoveries),
    RDO_CNT("fo-qps", fo_qps),
    RDO_CNT("fo-fatal", fo_fatal),
    RDO_CNT("fo-drops", fo_drops),
    RDO_CNT("fo-blackout-cycles", fo_blackout_cycles),
    RDO_CNT("fo-writebacks", fo_writebacks),
    RDO_CNT("fo-wb-bytes", fo_wb_bytes),
    RDO_CNT("push-refused", push_refused),
    RDO_CNT("push-torn", push_torn),
    RDO_CNT("qp-moved-out", qp_moved_out),
    RDO_CNT("qp-moved-in", qp_moved_in),
    RDO_CNT("fo-rb-bytes", fo_rb_bytes),
    RDO_CNT("fo-wb-cycles", fo_wb_cycles),
};
/* A counter added to RdoCounters needs its name here. */
QEMU_BUILD_BUG_MSG(sizeof(RdoCounters) !=
                   ARRAY_SIZE(rdo_counter_names) * sizeof(uint64_t),
                   "rdo_counter_names does not name every RdoCounters field");

static void rdo_get_counters(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    RdmaOffloadState *s = RDMA_OFFLOAD(obj);
    uint64_t ignored = s->core.rx_frames_ignored;

    if (!visit_start_struct(v, name, NULL, 0, errp)) {
        return;
    }
    /* Then the port, seen from QEMU: frames to and from the netdev. */
    if (rdo_visit_counters(v, &s->core.cnt, rdo_counter_names,
                           ARRAY_SIZE(rdo_counter_names), sizeof(uint64_t),
                           errp) &&
        visit_type_uint64(v, "rx-frames-ignored", &ignored, errp) &&
        visit_type_uint64(v, "netdev-tx-frames", &s->tx_frames, errp) &&
        visit_type_uint64(v, "netdev-rx-frames", &s->rx_frames, errp) &&
        visit_type_uint64(v, "netdev2-tx-frames", &s->tx2_frames, errp) &&
        visit_type_uint64(v, "netdev2-rx-frames", &s->rx2_frames, errp) &&
        visit_type_uint64(v, "doorbell-inline-frames", &s->db_inline_frames, errp)) {
        visit_check_struct(v, errp);
    }
    visit_end_struct(v, NULL);
}

/* timing-counters: the timing model's counters (the TM_* registers). */
#define RDO_TCNT(name, field) { name, offsetof(RdoTimingCounters, field) }
static const RdoNamedCounter rdo_tcounter_names[] = {
    RDO_TCNT("cycles", cycles),
    RDO_TCNT("tx-busy-cycles", tx_busy_cycles),
    RDO_TCNT("rx-busy-cycles", rx_busy_cycles),
    RDO_TCNT("link-busy-cycles", link_busy_cycles),
    RDO_TCNT("link-frames", link_frames),
    RDO_TCNT("link-bytes", link_bytes),
    RDO_TCNT("pcie-up-bytes", pcie_up_bytes),
    RDO_TCNT("pcie-down-bytes", pcie_down_bytes),
    RDO_TCNT("pcie-tlps", pcie_tlps),
    RDO_TCNT("dma-split-pieces", dma_split_pieces),
    RDO_TCNT("ctx-fetches", ctx_fetches),
    RDO_TCNT("ctx-prefetches", ctx_prefetches),
    RDO_TCNT("ctx-wait-cycles", ctx_wait_cycles),
    RDO_TCNT("wqe-fetches", wqe_fetches),
    RDO_TCNT("sched-visits", sched_visits),
    RDO_TCNT("sched-reordered", sched_reordered),
    RDO_TCNT("sched-grouped", sched_grouped),
    RDO_TCNT("irqs", irqs),
    RDO_TCNT("wr-done", wr_done),
    RDO_TCNT("wr-cycles", wr_cycles),
    RDO_TCNT("wr-cycles-max", wr_cycles_max),
    RDO_TCNT("rx-fifo-max", rx_fifo_max),
    RDO_TCNT("rx-fifo-drops", rx_fifo_drops),
    RDO_TCNT("bus-wait-cycles", bus_wait_cycles),
};
QEMU_BUILD_BUG_MSG(sizeof(RdoTimingCounters) !=
                   ARRAY_SIZE(rdo_tcounter_names) * sizeof(uint64_t),
                   "rdo_tcounter_names does not name every timing counter");

static void rdo_get_timing_counters(Object *obj, Visitor *v, const char *name,
                                    void *opaque, Error **errp)
{
    RdmaOffloadState *s = RDMA_OFFLOAD(obj);

    rdo_tm_sync(&s->core);
    if (!visit_start_struct(v, name, NULL, 0, errp)) {
        return;
    }
    if (rdo_visit_counters(v, &s->core.tcnt, rdo_tcounter_names,
                           ARRAY_SIZE(rdo_tcounter_names), sizeof(uint64_t),
                           errp)) {
        visit_check_struct(v, errp);
    }
    visit_end_struct(v, NULL);
}

/*
 * wr-lifecycle: the last `wr-log` completed work requests, oldest first,
 * each stage's time in device cycles since reset (0: the stage was not
 * reached, e.g. no ACK for UD), and how many completed in all.
 */
typedef struct RdoWrLogVisit {
    Visitor *v;
    Error **errp;
    bool ok;
} RdoWrLogVisit;

static void rdo_visit_wr_life(void *opaque, const RdoWrLife *l)
{
    RdoWrLogVisit *w = opaque;
    const struct { const char *name; uint64_t val; } f[] = {
        { "qpn", l->qpn }, { "wqe-index", l->wqe_index },
        { "wr-id", l->wr_id }, { "opcode", l->opcode },
        { "bytes", l->msg_len }, { "pushed", l->pushed },
        { "doorbell", l->db_ps }, { "wqe", l->wqe_ps },
        { "scheduled", l->sched_ps }, { "context", l->ctx_ps },
        { "tx-first", l->tx_first_ps }, { "tx-last", l->tx_last_ps },
        { "ack", l->ack_ps }, { "cqe", l->cqe_ps },
    };

    if (!w->ok || !visit_start_struct(w->v, NULL, NULL, 0, w->errp)) {
        w->ok = false;
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(f) && w->ok; i++) {
        uint64_t val = f[i].val;

        w->ok = visit_type_uint64(w->v, f[i].name, &val, w->errp);
    }
    w->ok = w->ok && visit_check_struct(w->v, w->errp);
    visit_end_struct(w->v, NULL);
}

static void rdo_get_wr_lifecycle(Object *obj, Visitor *v, const char *name,
                                 void *opaque, Error **errp)
{
    RdmaOffloadState *s = RDMA_OFFLOAD(obj);
    RdoWrLogVisit w = { v, errp, true };
    uint64_t completed;

    if (!visit_start_struct(v, name, NULL, 0, errp)) {
        return;
    }
    if (!visit_start_list(v, "records", NULL, 0, errp)) {
        visit_end_struct(v, NULL);
        return;
    }
    completed = rdo_tm_wr_log(&s->core, rdo_visit_wr_life, &w);
    if (w.ok) {
        visit_check_list(v, errp);
    }
    visit_end_list(v, NULL);
    if (w.ok && visit_type_uint64(v, "completed", &completed, errp)) {
        visit_check_struct(v, errp);
    }
    visit_end_struct(v, NULL);
}

/*
 * Each numeric property's description from its row of RDO_CONFIG_PARAMS:
 * what it is, its range and its default.
 */
static void rdo_describe_params(ObjectClass *klass)
{
    for (size_t i = 0; i < rdo_config_n_params; i++) {
        const RdoConfigParam *p = &rdo_config_params[i];
        uint64_t type_max = p->size == 8 ? UINT64_MAX : UINT32_MAX;
        g_autofree char *range = NULL;
        g_autofree char *text = NULL;

        if (p->max == type_max && !p->min) {
            range = g_strdup("");
        } else {
            range = g_strdup_printf("%s%" PRIu64 "-%" PRIu64 "; ",
                                    p->flags & RDO_PARAM_POW2 ?
                                    "power of two, " : "", p->min, p->max);
        }
        text = g_strdup_printf("%s (%sdefault %" PRIu64 "%s)", p->desc, range,
                               p->def, p->flags & RDO_PARAM_TIMING ?
                               "; used with timing=on" : "");
        object_class_property_set_description(klass, p->name, text);
    }
}

static void rdo_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    pc->realize = rdo_realize;
    pc->exit = rdo_exit;
    rdo_pci_class_ids(pc, RDO_PCI_DEVICE_ID);

    rc->phases.hold = rdo_reset_hold;
    dc->desc = "RDMA/RoCEv2 protocol-offload adapter (simulator)";
    dc->vmsd = &rdo_vmstate;
    device_class_set_props(dc, rdo_properties);
    object_class_property_add_bool(klass, "x-inject-fatal",
                                   rdo_get_inject_fatal, rdo_set_inject_fatal);
    object_class_property_set_description(klass, "x-inject-fatal",
        "set to force a catastrophic error now (driver recovery tests); "
        "reads whether the device is in that state");
    object_class_property_add_bool(klass, "x-inject-engine-fault",
                                   rdo_get_engine_fault, rdo_set_engine_fault);
    object_class_property_set_description(klass, "x-inject-engine-fault",
        "set to fault the protocol engine now: recovered with failover=1 "
        "(EQE 0x21), catastrophic otherwise; reads whether one was recovered");
    object_class_property_add(klass, "x-inject-engine-fault-on", "uint32",
                              NULL, rdo_set_engine_fault_on, NULL, NULL);
    object_class_property_set_description(klass, "x-inject-engine-fault-on",
        "set to N to fault protocol engine N now (engines > 1: only its QPs "
        "fail over)");
    object_class_property_add(klass, "counters", "RdmaOffloadCounters",
                              rdo_get_counters, NULL, NULL, NULL);
    object_class_property_add(klass, "timing-counters",
                              "RdmaOffloadTimingCounters",
                              rdo_get_timing_counters, NULL, NULL, NULL);
    object_class_property_set_description(klass, "timing-counters",
        "the timing model's counters (read-only): device cycles, busy cycles "
        "of the engines and the link, PCIe bytes and TLPs, context fetches, "
        "scheduler visits, interrupts, work-request latency");
    object_class_property_add(klass, "wr-lifecycle", "RdmaOffloadWrLifecycle",
                              rdo_get_wr_lifecycle, NULL, NULL, NULL);
    object_class_property_set_description(klass, "wr-lifecycle",
        "the last wr-log completed work requests (read-only): doorbell, WQE "
        "in, scheduled, context, first and last packet, ACK and CQE, in "
        "device cycles");
    object_class_property_set_description(klass, "timing",
        "timing model: work costs device cycles, PCIe and link time "
        "(docs/timing-model.md); off: work takes no virtual time");
    object_class_property_set_description(klass, "counters",
        "the device's counters (read-only): the CNT_* registers, the fault "
        "injection's, frames to and from the netdev");
    rdo_describe_params(klass);
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);
}

static void rdo_instance_init(Object *obj)
{
    RdmaOffloadState *s = RDMA_OFFLOAD(obj);

    device_add_bootindex_property(obj, &s->conf.bootindex, "bootindex",
                                  "/ethernet-phy@0", DEVICE(obj));
}

static const TypeInfo rdo_type_info = {
    .name = TYPE_RDMA_OFFLOAD,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(RdmaOffloadState),
    .instance_init = rdo_instance_init,
    .class_init = rdo_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void rdo_register_types(void)
{
    type_register_static(&rdo_type_info);
}

type_init(rdo_register_types)
