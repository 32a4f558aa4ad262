/* Options from the caller (of whatever ws_pool_opts size it was built with)
 * and from the environment; the default worker count.
 *
 *   WSCHED_WORKERS=N        opts.workers (1 .. 4096)
 *   WSCHED_PIN=none|cores   opts.pin: WS_PIN_NONE or WS_PIN_DEFAULT
 *   WSCHED_SPIN_NS=N        opts.spin_us = ceil(N / 1000), at least 1
 *                           (0 .. 1,000,000,000)
 *   WSCHED_BLOCKING_MAX=N   opts.blocking_max (1 .. 4096)
 *   WSCHED_TRACE=FILE       opts.trace
 *   WSCHED_TRACE_EVENTS=N   events per trace ring, rounded up to a power
 *                           of two (1024 .. 2^24; default 65536)
 *   WSCHED_STATS=1          ws_stats_print(pool, stderr) at destroy
 *
 * A variable fills only a field the program left at zero. A malformed one
 * is reported once per process on stderr and ignored. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { V_WORKERS, V_PIN, V_SPIN, V_BLOCKING, V_STATS, V_TRACE_EVENTS };

static _Atomic unsigned warned;

/* Says once per process per variable why its value is ignored. */
static void complain(unsigned var, const char *name, const char *value, const char *want)
{
    /* relaxed: only decides who prints; nothing else is ordered by it. */
    if (atomic_fetch_or_explicit(&warned, 1u << var, memory_order_relaxed) & (1u << var))
        return;
    fprintf(stderr, "wsched: ignoring %s=\"%s\": expected %s\n", name, value, want);
}

/* An unsigned number in [lo, hi] from variable name; false when unset or
 * malformed (then reported). */
static bool env_number(unsigned var, const char *name, unsigned long long lo,
                       unsigned long long hi, const char *want, unsigned long long *out)
{
    const char *s = getenv(name);
    if (!s)
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno || v < lo || v > hi) {
        complain(var, name, s, want);
        return false;
    }
    *out = v;
    return true;
}

int ws__opts_resolve(ws_pool_opts *o, const ws_pool_opts *user, size_t size)
{
    memset(o, 0, sizeof(*o));
    if (user) {
        /* The size of a released layout (0.1's, or this one's or larger):
           any other would cut a field in two. */
        if (size < sizeof(*o) && size != WS__OPTS_V01_SIZE)
            return WS_EINVAL;
        /* A newer program's fields this library does not know must be
           unset: it would silently ignore them. */
        for (size_t i = sizeof(*o); i < size; i++)
            if (((const unsigned char *)user)[i])
                return WS_EINVAL;
        memcpy(o, user, size < sizeof(*o) ? size : sizeof(*o));
    }
    unsigned long long v;
    if (!o->workers && env_number(V_WORKERS, "WSCHED_WORKERS", 1, 4096, "1 to 4096", &v))
        o->workers = (unsigned)v;
    const char *pin = getenv("WSCHED_PIN");
    if (o->pin == WS_PIN_DEFAULT && pin) {
        if (strcmp(pin, "none") == 0)
            o->pin = WS_PIN_NONE;
        else if (strcmp(pin, "cores") != 0)
            complain(V_PIN, "WSCHED_PIN", pin, "none or cores");
    }
    if (!o->spin_us && env_number(V_SPIN, "WSCHED_SPIN_NS", 0, 1000000000,
                                  "nanoseconds, 0 to 1000000000", &v))
        o->spin_us = v ? (unsigned)((v + 999) / 1000) : 1;
    if (!o->blocking_max &&
        env_number(V_BLOCKING, "WSCHED_BLOCKING_MAX", 1, 4096, "1 to 4096", &v))
        o->blocking_max = (unsigned)v;
    if (!o->trace) {
        const char *t = getenv("WSCHED_TRACE");
        if (t && *t)
            o->trace = t;
    }
    return 0;
}

bool ws__env_stats(void)
{
    const char *s = getenv("WSCHED_STATS");
    if (!s || strcmp(s, "0") == 0 || *s == '\0')
        return false;
    if (strcmp(s, "1") != 0) {
        complain(V_STATS, "WSCHED_STATS", s, "0 or 1");
        return false;
    }
    return true;
}

uint32_t ws__env_trace_events(void)
{
    unsigned long long v;
    if (!env_number(V_TRACE_EVENTS, "WSCHED_TRACE_EVENTS", 1024, 1u << 24, "1024 to 16777216",
                    &v))
        return 65536;
    uint32_t cap = 1024;
    while (cap < v)
        cap <<= 1;
    return cap;
}

unsigned ws__default_workers(unsigned allowed, unsigned *limit)
{
    unsigned l = ws__cgroup_cpu_limit(ws__cgroup_root);
    if (limit)
        *limit = l;
    unsigned n = l && l < allowed ? l : allowed;
    return n ? n : 1;
}

unsigned ws_default_workers(unsigned *cpu_limit)
{
    int *cpus = NULL;
    int n = ws__allowed_cpus(NULL, &cpus);
    ws__free(cpus);
    return ws__default_workers(n > 0 ? (unsigned)n : 1, cpu_limit);
}
