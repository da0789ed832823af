/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The result log every guest test module (tests/guest/ *-test) keeps for
 * its debugfs "result" file: key=value lines, check.NAME=ok|FAIL, and at
 * the end of a command failures=N and result=pass|fail, which the shell
 * side (tests/guest/lib.sh's parse_facts) reads. One command's lines at a
 * time: a write to "ctl" starts a new log. The caller holds its module's
 * lock around every call.
 */
#ifndef RDO_TEST_LOG_H
#define RDO_TEST_LOG_H

#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/slab.h>

struct rdo_test_log {
	char *buf;
	size_t len, size;
	int failures;		/* FAILed checks of the current command */
};

static inline int rdo_test_log_init(struct rdo_test_log *l, size_t size)
{
	l->buf = kzalloc(size, GFP_KERNEL);
	l->size = size;
	l->len = 0;
	return l->buf ? 0 : -ENOMEM;
}

static inline void rdo_test_log_free(struct rdo_test_log *l)
{
	kfree(l->buf);
	l->buf = NULL;
}

/* One line; a full log drops what does not fit (scnprintf's rule). */
static inline __printf(2, 3) void rdo_test_kv(struct rdo_test_log *l,
					      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	l->len += vscnprintf(l->buf + l->len, l->size - l->len, fmt, ap);
	va_end(ap);
	l->len += scnprintf(l->buf + l->len, l->size - l->len, "\n");
}

static inline bool rdo_test_check(struct rdo_test_log *l, const char *name,
				  bool ok)
{
	rdo_test_kv(l, "check.%s=%s", name, ok ? "ok" : "FAIL");
	if (!ok)
		l->failures++;
	return ok;
}

/* A command starts: the last one's lines are gone. */
static inline void rdo_test_log_begin(struct rdo_test_log *l, const char *cmd)
{
	l->len = 0;
	l->failures = 0;
	l->buf[0] = 0;
	rdo_test_kv(l, "cmd=%s", cmd);
}

/*
 * The command returned ret: its summary lines; a command that returned 0
 * with a FAILed check fails the write with -EIO.
 */
static inline int rdo_test_log_end(struct rdo_test_log *l, int ret)
{
	if (ret)
		rdo_test_kv(l, "error.code=%d", ret);
	else if (l->failures)
		ret = -EIO;
	rdo_test_kv(l, "failures=%d", l->failures);
	rdo_test_kv(l, "result=%s", ret ? "fail" : "pass");
	return ret;
}

static inline ssize_t rdo_test_log_read(struct rdo_test_log *l,
					char __user *ubuf, size_t len,
					loff_t *pos)
{
	return simple_read_from_buffer(ubuf, len, pos, l->buf, l->len);
}

#endif
