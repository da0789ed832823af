/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rdma_offload: driver-wide definitions.
 *
 * One struct rdo_dev per PCI function: the register and doorbell mappings,
 * the MSI-X vectors, the control QP (CQP), the event queues, the context
 * stores, the object number allocators, the net_device and the ib_device.
 *
 * Structures in guest memory are little-endian and the hardware headers use
 * native integer types, so the driver builds for little-endian hosts only.
 */
#ifndef RDO_H
#define RDO_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/etherdevice.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "hw/rdma-offload/rdo-hw.h"

#ifdef __BIG_ENDIAN
#error "rdma_offload: the device's structures are little-endian"
#endif

#define RDO_DRV_NAME		"rdma_offload"

struct rdo_dev;
struct rdo_ibdev;
struct rdo_eq;
struct rdo_cm_listener;
struct ib_umem;

/* A physically contiguous, coherent DMA buffer. */
struct rdo_buf {
	void *va;
	dma_addr_t dma;
	size_t size;
};

/*
 * Memory the device reads or writes as a ring or a context store: either
 * one contiguous buffer (a ring of at most one page), or 4 KiB pages named
 * by a page list (RDO_RING_F_PAGE_LIST). A user ring (umem set) is the
 * process's pinned pages: only its DMA addresses are the driver's.
 */
struct rdo_ring {
	u32 log_size;			/* 2^log_size entries */
	u32 stride_shift;		/* entry size 2^stride_shift */
	unsigned int npages;		/* 0: contiguous in `cont` */
	struct rdo_buf cont;
	void **pva;			/* page list mode: each page */
	dma_addr_t *pdma;
	struct rdo_buf list;		/* the page list itself */
	struct ib_umem *umem;		/* user ring: the pinned pages */
};

/* One MSI-X vector and what its interrupt handler needs. */
struct rdo_vector {
	struct rdo_dev *rdev;
	unsigned int index;		/* MSI-X table entry */
	unsigned int irq;		/* Linux IRQ number */
	bool requested;
	atomic_t count;			/* interrupts seen */
	struct rdo_eq *eq;		/* the EQ on this vector, once created */
	char name[32];			/* shown in /proc/interrupts */
};

/* An event queue: EQ 0 (registers, vector 0) or a completion EQ. */
struct rdo_eq {
	struct rdo_dev *rdev;
	u32 eqn;
	u32 vector;
	struct rdo_ring ring;
	u32 ci;				/* entries consumed, free-running */
	bool created;
	u64 events;			/* entries processed */
};

/*
 * A pipelined command: posted without waiting (rdo_cqp_post); its
 * completion lands here. status is 0xff until then, and stays 0xff when the
 * device was reset first.
 */
struct rdo_cqp_async {
	struct completion done;
	u8 opcode;
	u8 status;
	u32 obj;
	u32 result;			/* the device's answer */
	/*
	 * check_given: the caller handed out `given` (an MR's keys) before
	 * the answer came; the answer is checked against it.
	 */
	bool check_given;
	u32 given;
};

/* A command in flight on the control QP. */
struct rdo_cqp_wait {
	struct completion done;
	u64 cookie;			/* the command's sequence number */
	u32 result;
	u8 status;
	bool busy;
	struct rdo_cqp_async *async;	/* nobody waits in the slot */
};

struct rdo_cqp {
	u32 log_size;
	struct rdo_buf cmds;		/* 2^log_size x 128 B */
	struct rdo_buf comps;		/* 2^log_size x 16 B */
	struct rdo_buf out;		/* per-slot query results */
	spinlock_t lock;		/* pi, ci, wait[] */
	u32 pi;				/* commands posted */
	u32 ci;				/* completions consumed */
	wait_queue_head_t room;		/* a slot became free */
	struct rdo_cqp_wait *wait;
	u64 cmds_done, cmds_failed, timeouts;
	u64 async_failed;		/* pipelined commands refused */
};

/* The largest query result: QUERY_COUNTERS' every block. */
#define RDO_CQP_OUT_SIZE	RDO_COUNTERS_LEN

/* rdo_dev.flags */
enum {
	RDO_F_DEAD,			/* device reset after a fatal error */
	RDO_F_CTRL_UP,			/* control path started */
	RDO_F_REMOVING,
	RDO_F_NO_RECOVER,		/* coming up: a failure fails the caller */
};

/*
 * What the driver holds, per kind, for debugfs ("in_use.*"): a count that
 * does not come back after its users are gone is a leak. QP, CQ, MR (and
 * MW) numbers come from their IDAs; pinned pages are user memory the
 * driver pinned (MRs and user rings).
 */
enum rdo_use {
	RDO_USE_PD, RDO_USE_CQ, RDO_USE_QP, RDO_USE_SRQ, RDO_USE_MR,
	RDO_USE_PINNED_PAGES, RDO_USE__N
};

struct rdo_dev {
	struct pci_dev *pdev;
	void __iomem *regs;		/* BAR0: register file */
	void __iomem *db;		/* BAR2 page 0: the kernel's doorbells */
	/*
	 * Page 0's one push area is shared by every kernel QP: a push (data
	 * and trigger) must not interleave with another QP's, or the trigger
	 * takes the other WQE.
	 */
	spinlock_t push_lock;
	/*
	 * Push RAM (CAPS PUSH_RAM): page 0's push page, write-combined, and
	 * the BAR 2 page of push page 0 (the ucontexts map theirs); NULL and
	 * 0 without. push_slot alternates under push_lock.
	 */
	void __iomem *push_ram;
	u32 push_ram_first;
	u32 push_slot;
	resource_size_t db_len;

	/* Identity and geometry read from the device at probe. */
	u32 hw_id;
	u32 hw_version;
	u64 caps;
	u32 db_info;
	u32 hw_msix_vectors;		/* RDO_REG_MSIX_INFO */
	u32 hw_max_eq;
	u8 mac[ETH_ALEN];
	u8 fn;				/* FUNCTION: 0 the PF, n VF n */
	bool is_vf;

	/* Interrupts: vector 0 serves EQ 0, vector i completion EQ i. */
	struct rdo_vector *vectors;
	unsigned int num_vectors;	/* allocated and requested */
	wait_queue_head_t irq_wait;
	unsigned int irq_test_ok;	/* vectors that passed the self-test */

	bool scratch_ok;

	unsigned long flags;		/* RDO_F_* */
	struct mutex life_lock;		/* bring-up, tear-down, recovery, self-test */
	struct work_struct recover_work;
	unsigned int recoveries;
	char fatal_reason[128];

	/* Control path. */
	struct rdo_cqp cqp;
	struct rdo_ring qpc, mrc;	/* context stores (the device's) */
	struct rdo_device_attr attr;	/* QUERY_DEVICE */
	struct rdo_port_attr port;	/* QUERY_PORT */
	struct rdo_port_attr port2;	/* QUERY_PORT of port 2 (ports == 2) */
	u32 ports;			/* QUERY_DEVICE's phys_ports: 1 or 2 */
	u8 mac2[ETH_ALEN];		/* port 2's (PORT2_MAC_*) */
	u32 usable_qps, usable_mrs;
	u32 counters_len;		/* QUERY_COUNTERS bytes the device has */
	struct rdo_eq *eqs;		/* [0] is EQ 0 */
	unsigned int num_eqs;		/* including EQ 0 */
	u64 async_events;
	u64 engine_recoveries;		/* RDO_EQE_ENGINE_RECOVERED events */
	u64 qps_arrived;		/* RDO_EQE_QP_ARRIVED events */
	u64 move_drained;		/* events a move took off its source's EQs */
	/*
	 * Completion events for a CQ no longer known: written before its
	 * queue went down or its CQ was destroyed, seen after.
	 */
	atomic64_t stray_cq_events;

	/* Object numbers and the objects events name. */
	struct ida pd_ida, cq_ida, qp_ida, mr_ida, srq_ida;
	atomic_long_t in_use[RDO_USE__N];	/* debugfs: leaks show here */
	struct ida db_ida;		/* doorbell pages of user contexts */
	u32 next_qpn;			/* where the next QP number search starts */
	struct xarray cq_xa, qp_xa, srq_xa;
	struct mutex ssq_lock;		/* SSQs' connection counts (rdo_ssq.c) */
	/* Connections MOVE_QP brought here from another (rdo_move.c). */
	struct list_head moved_in;
	/* Offloaded CM listeners (rdo_cm.c): cm_mutex for commands, cm_lock for events. */
	struct rdo_cm_listener *cm[RDO_CM_LISTENERS];
	spinlock_t cm_lock;
	struct mutex cm_mutex;
	atomic_t mr_key;
	/* Raw packet QPs' pairs taken, bit i: pair base + i (rdo_raw.c). */
	unsigned long raw_q_used;

	struct net_device *ndev;
	struct net_device *ndev2;	/* port 2's (ports == 2) */
	struct rdo_ibdev *ib;
	int port_reported[2];		/* last event per port: -1 none, 0 down, 1 up */
	struct dentry *dbg;
	char *selftest_log;		/* result of the latest self-test */
	size_t selftest_len;
	struct mutex selftest_lock;
};

static inline u32 rdo_rd32(struct rdo_dev *rdev, u32 reg)
{
	return readl(rdev->regs + reg);
}

/* A port's (1 or 2) net_device, attributes and status register. */
static inline struct net_device *rdo_port_ndev(struct rdo_dev *rdev, u32 port)
{
	return port == 2 ? rdev->ndev2 : rdev->ndev;
}

static inline const struct rdo_port_attr *rdo_port_attr(struct rdo_dev *rdev,
							 u32 port)
{
	return port == 2 ? &rdev->port2 : &rdev->port;
}

/* A port number for a command: port 1 stays 0, as before two ports. */
static inline u32 rdo_port_obj(u32 port)
{
	return port == 2 ? 2 : 0;
}

static inline u32 rdo_port_status_reg(u32 port)
{
	return port == 2 ? RDO_REG_PORT2_STATUS : RDO_REG_PORT_STATUS;
}

static inline void rdo_wr32(struct rdo_dev *rdev, u32 reg, u32 val)
{
	writel(val, rdev->regs + reg);
}

/* A doorbell on the kernel's page: one 64-bit write after the ring writes. */
static inline void rdo_db_write(struct rdo_dev *rdev, u32 off, u64 val)
{
	writeq(val, rdev->db + off);
}

static inline bool rdo_dead(struct rdo_dev *rdev)
{
	return test_bit(RDO_F_DEAD, &rdev->flags);
}

/*
 * Has the device written the completion-type entry at idx (owner byte)?
 * The phase rule is the hardware interface's (rdo_owner_is_sw).
 */
/* An object number from ida in [min, max], counted in in_use[use]. */
static inline int rdo_id_alloc(struct rdo_dev *rdev, enum rdo_use use,
			       struct ida *ida, unsigned int min, unsigned int max)
{
	int id = ida_alloc_range(ida, min, max, GFP_KERNEL);

	if (id >= 0)
		atomic_long_inc(&rdev->in_use[use]);
	return id;
}

static inline void rdo_id_free(struct rdo_dev *rdev, enum rdo_use use,
			       struct ida *ida, unsigned int id)
{
	ida_free(ida, id);
	atomic_long_dec(&rdev->in_use[use]);
}

static inline bool rdo_sw_owns(const u8 *owner, u32 idx, u32 log_size)
{
	return rdo_owner_is_sw(READ_ONCE(*owner), idx, log_size);
}

/*
 * The key the device gives MR index idx registered with 8-bit tag: the
 * function's number in bits 31:28 (programming model, "Object numbers").
 */
static inline u32 rdo_mr_key(struct rdo_dev *rdev, u32 idx, u8 tag)
{
	return RDO_MR_FN_KEY(rdev->fn, idx, tag);
}

/* rdo_hw.c: register-level bring-up. */
int rdo_hw_check_identity(struct rdo_dev *rdev);
int rdo_hw_reset(struct rdo_dev *rdev);
int rdo_hw_scratch_test(struct rdo_dev *rdev);
void rdo_hw_read_config(struct rdo_dev *rdev);
int rdo_hw_enable(struct rdo_dev *rdev);
void rdo_hw_disable(struct rdo_dev *rdev);

/* rdo_mem.c: DMA memory for rings and stores. */
int rdo_buf_alloc(struct rdo_dev *rdev, struct rdo_buf *b, size_t size);
void rdo_buf_free(struct rdo_dev *rdev, struct rdo_buf *b);
int rdo_ring_alloc(struct rdo_dev *rdev, struct rdo_ring *r, u32 log_size,
		   u32 stride_shift);
int rdo_store_alloc(struct rdo_dev *rdev, struct rdo_ring *r,
		    unsigned int npages);
void rdo_ring_free(struct rdo_dev *rdev, struct rdo_ring *r);
void *rdo_ring_entry(const struct rdo_ring *r, u32 idx);
u64 rdo_ring_addr(const struct rdo_ring *r);
u8 rdo_ring_flags(const struct rdo_ring *r);

/* rdo_irq.c: MSI-X vectors. */
int rdo_irq_init(struct rdo_dev *rdev);
void rdo_irq_fini(struct rdo_dev *rdev);
void rdo_irq_self_test(struct rdo_dev *rdev);

/* rdo_cqp.c: the control QP. */
int rdo_cqp_start(struct rdo_dev *rdev);
void rdo_cqp_usable(struct rdo_dev *rdev);
void rdo_cqp_free(struct rdo_dev *rdev);
int rdo_cqp_exec(struct rdo_dev *rdev, struct rdo_cqp_cmd *cmd, u32 *result,
		 void *out, size_t out_len);
int rdo_cqp_exec_status(struct rdo_dev *rdev, struct rdo_cqp_cmd *cmd,
			u8 *status);
int rdo_cqp_simple(struct rdo_dev *rdev, u8 opcode, u32 obj);
int rdo_cqp_post(struct rdo_dev *rdev, struct rdo_cqp_cmd *cmd,
		 struct rdo_cqp_async *a);
int rdo_cqp_async_wait(struct rdo_dev *rdev, struct rdo_cqp_async *a);
void rdo_cqp_poll(struct rdo_dev *rdev);
void rdo_cqp_abort(struct rdo_dev *rdev);
const char *rdo_cqp_status_name(unsigned int status);

/* rdo_eq.c: event queues and what their events do. */
int rdo_eqs_create(struct rdo_dev *rdev);
void rdo_eqs_destroy(struct rdo_dev *rdev);
void rdo_eq_rings_free(struct rdo_dev *rdev);
int rdo_eq0_alloc(struct rdo_dev *rdev);
void rdo_eq_process(struct rdo_eq *eq);
unsigned int rdo_comp_eqs(struct rdo_dev *rdev);

/* rdo_main.c: life cycle. */
void rdo_dev_fatal(struct rdo_dev *rdev, const char *fmt, ...) __printf(2, 3);
int rdo_query_port(struct rdo_dev *rdev);

/* rdo_netdev.c: the Ethernet port. */
int rdo_netdev_init(struct rdo_dev *rdev);
void rdo_netdev_fini(struct rdo_dev *rdev);
void rdo_netdev_link_update(struct rdo_dev *rdev);
/* The ports' net_devices (the second one after QUERY_DEVICE said so). */
int rdo_netdev_init_port2(struct rdo_dev *rdev);
int rdo_netdev_sync(struct rdo_dev *rdev);
unsigned int rdo_eth_raw_range(struct rdo_dev *rdev, unsigned int *base);
u16 rdo_eth_lro_usec(void);
void rdo_netdev_queues_down(struct rdo_dev *rdev);
int rdo_netdev_queues_restore(struct rdo_dev *rdev);
bool rdo_netdev_cq_event(struct rdo_dev *rdev, u32 cqn, bool error);

/* rdo_ib.c: the ib_device. */
int rdo_ib_register(struct rdo_dev *rdev);
void rdo_ib_unregister(struct rdo_dev *rdev);
void rdo_ib_port_event(struct rdo_dev *rdev, u32 port, bool up);
void rdo_ib_fatal_event(struct rdo_dev *rdev);
const char *rdo_ib_name(struct rdo_dev *rdev);
void rdo_ib_cq_event(struct rdo_dev *rdev, u32 cqn, bool error);
void rdo_ib_qp_event(struct rdo_dev *rdev, u32 qpn, u32 cause);
void rdo_ib_srq_event(struct rdo_dev *rdev, u32 srqn, u32 limit);

/* rdo_debugfs.c and rdo_selftest.c */
void rdo_debugfs_init(struct rdo_dev *rdev);
void rdo_debugfs_fini(struct rdo_dev *rdev);
void rdo_debugfs_register(void);
void rdo_debugfs_unregister(void);
int rdo_selftest_run(struct rdo_dev *rdev);

/* rdo_cm.c: offloaded connection establishment. */
void rdo_cm_init(struct rdo_dev *rdev);
void rdo_cm_notify(struct rdo_dev *rdev, u32 id, u32 written);
void rdo_cm_debugfs(struct rdo_dev *rdev);

/* rdo_sriov.c: virtual functions. */
int rdo_sriov_configure(struct pci_dev *pdev, int num_vfs);
void rdo_sriov_debugfs(struct rdo_dev *rdev);

/* rdo_move.c: connections moved between functions. */
void rdo_move_orphan(struct rdo_dev *rdev);

/* rdo_sysfs.c: read-only state under <pci device>/rdma_offload/. */
extern const struct attribute_group *rdo_dev_groups[];

#endif /* RDO_H */
