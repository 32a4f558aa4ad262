/* Schedule perturbation: in a WS_PERTURB build, WS__PERTURB() at an
 * interleaving point sometimes yields the CPU or spins a little, so stress
 * tests on a 2-core machine explore interleavings it rarely shows. In every
 * other build it is nothing. Standalone, so that deque.c builds on its own. */
#ifndef WS_PERTURB_H
#define WS_PERTURB_H

#ifdef WS_PERTURB
#include <sched.h>
#include <stdint.h>

static inline void ws__perturb(void)
{
    static _Thread_local uint64_t s;
    if (s == 0)
        s = (uint64_t)(uintptr_t)&s | 1;
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    unsigned r = (unsigned)(s % 64);
    if (r == 0) {
        sched_yield();
    } else if (r < 4) {
        for (volatile unsigned i = 0; i < r * 200; i++) {
        }
    }
}
#define WS__PERTURB() ws__perturb()
#else
#define WS__PERTURB() ((void)0)
#endif

#endif
