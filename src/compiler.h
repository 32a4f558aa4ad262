/* Compiler helpers shared by every file, deque.c included (no other deps). */
#ifndef WS_COMPILER_H
#define WS_COMPILER_H

#define WS_LIKELY(x)   __builtin_expect(!!(x), 1)
#define WS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define WS__NOINLINE   __attribute__((noinline))
#define WS__COLD       __attribute__((cold, noinline))
#define WS__CACHELINE  64
#define WS__ALIGNED    _Alignas(WS__CACHELINE)

/* A hint to the CPU that this thread is spinning. */
static inline void ws__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
