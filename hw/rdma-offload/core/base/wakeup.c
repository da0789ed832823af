/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rdma-offload core: wake-up requests to the host. */
#include "base/base.h"

void rdo_core_schedule(RdoCore *core, uint64_t when_ns)
{
    core->ops->schedule(core->host, when_ns);
}
