/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/* rdma-offload hardware interface: the whole family. */
#ifndef RDO_HW_H
#define RDO_HW_H

#include "rdo-types.h"
#include "rdo-regs.h"
#include "rdo-queues.h"
#include "rdo-cmd.h"
#include "rdo-eth.h"

#endif /* RDO_HW_H */
