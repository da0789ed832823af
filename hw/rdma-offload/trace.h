#include "trace/trace-hw_rdma_offload.h"
