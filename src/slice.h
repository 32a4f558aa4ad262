/* A fair thread's time slice (EEVDF, Linux 6.12 and later; earlier kernels
 * ignore the field): what pinned workers ask for (worker.c), and what the
 * tests and the handoff benchmark compare with. No other deps. */
#ifndef WS_SLICE_H
#define WS_SLICE_H

#include <sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The default is 0.7-3 ms; the kernel's minimum, 0.1 ms, made a poster
   sharing its CPU with a worker 10% slower (ext at 2 workers). */
#define WS__SLICE_NS 400000u

/* struct sched_attr, first version (the kernel's uapi header clashes with
   <sched.h>). */
struct ws__sched_attr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
};

/* Asks for a slice of ns for the calling thread, if it is SCHED_OTHER; the
   nice value and the rest are kept; a refusal (seccomp) changes nothing. */
static inline void ws__ask_slice(uint64_t ns)
{
    struct ws__sched_attr a;
    if (syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) != 0 || a.policy != SCHED_OTHER)
        return;
    a.size = sizeof a;
    a.runtime = ns;
    syscall(SYS_sched_setattr, 0, &a, 0);
}

#endif
