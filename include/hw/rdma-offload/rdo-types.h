/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * rdma-offload hardware interface: fixed-width types.
 *
 * The hardware-interface headers are shared by the device model (QEMU), the
 * qtests, the unit tests, the Linux driver and the rdma-core provider, so
 * they depend on nothing but fixed-width integer types. All multi-byte
 * fields in guest memory and in registers are little-endian.
 */
#ifndef RDO_TYPES_H
#define RDO_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/build_bug.h>
#define RDO_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#include <stdbool.h>
#include <stdint.h>
#define RDO_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#define RDO_BIT(n) (1u << (n))
#define RDO_BIT64(n) (1ull << (n))

#endif /* RDO_TYPES_H */
