/* Tracing: per-thread rings of events, written out as Chrome trace-event
 * JSON when the pool is destroyed.
 *
 * Recording. Each worker, and each blocking-lane slot, owns a ring of
 * 16-byte events (timestamp, kind, argument) that only it writes: no atomic
 * operation, no lock, no allocation on the worker's side. A full ring
 * overwrites its oldest events; the count is reported as dropped. Hooks
 * check pool->trace (ws__tracing) and cost one predictable branch when off.
 * Lane rings are allocated by their thread at its first event. The file is
 * written after every thread has joined, so reading the rings needs no
 * synchronisation either.
 *
 * Export. Jobs nest on a worker (a worker waiting on a future runs other
 * jobs; see ws__help_until), so the begin/end events of a ring form a stack.
 * The writer turns it into slices that never overlap: when a nested job
 * begins, the outer job's slice ends, and it resumes in a new slice when the
 * nested one ends. Each slice is an "X" (complete) event with args.job (an
 * id, reused after the job is freed) and args.last = 1 on a job's final
 * slice. Ends whose begin was overwritten are skipped. Parks are "parked"
 * slices, steals instant events with args.victim. */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef struct ev {
    uint64_t ts;   /* ws__now_ns() */
    uint32_t kind; /* WS__EV_* | name << 8 */
    uint32_t arg;
} ev;

/* One cache line each: rings of different threads sit side by side. */
typedef struct ring {
    WS__ALIGNED ev *ev; /* cap events; NULL for a lane slot not yet used */
    uint64_t head;      /* events ever written */
} ring;

struct ws__trace {
    char *path;
    uint32_t cap; /* a power of two */
    unsigned nworkers, nlanes;
    uint64_t t0;
    ring *workers, *lanes;
};

/* Names of spans (ev.kind >> 8). */
enum { N_TASK, N_FUTURE, N_JOB, N_BLOCKING, N_PARKED };
static const char *const span_names[] = {"task", "future", "job", "blocking", "parked"};

/* A ring's events come straight from mmap: megabytes taken from and given
 * back to malloc would move its thresholds and slow the program's own
 * allocations (glibc raises the mmap threshold to the size of a freed
 * mapped chunk). */
static ev *events_alloc(uint32_t cap)
{
    void *p = mmap(NULL, cap * sizeof(ev), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void events_free(ev *e, uint32_t cap)
{
    if (e)
        munmap(e, cap * sizeof(ev));
}

static void put(const ws__trace *t, ring *r, uint32_t kind, uint32_t arg)
{
    ev *e = &r->ev[r->head & (t->cap - 1)];
    e->ts = ws__now_ns();
    e->kind = kind;
    e->arg = arg;
    r->head++;
}

static uint32_t job_id(const ws__job *j)
{
    return (uint32_t)((uintptr_t)j >> 4);
}

void ws__trace_run(ws__trace *t, ws__worker *w, ws__job *j)
{
    if (w->id >= t->nworkers) { /* a worker started after the trace: untraced */
        j->exec(j, w);
        return;
    }
    ring *r = &t->workers[w->id];
    uint32_t name = j->exec == ws__task_exec     ? N_TASK
                    : j->exec == ws__future_exec ? N_FUTURE
                                                 : N_JOB;
    uint32_t id = job_id(j);
    put(t, r, WS__EV_BEGIN | name << 8, id);
    j->exec(j, w); /* j may be freed now */
    put(t, r, WS__EV_END, id);
}

void ws__trace_lane_run(ws__trace *t, unsigned lane, ws__job *j)
{
    ring *r = lane < t->nlanes ? &t->lanes[lane] : NULL;
    if (r && !r->ev)
        r->ev = events_alloc(t->cap);
    if (!r || !r->ev) { /* no ring: the job still runs, untraced */
        j->exec(j, NULL);
        return;
    }
    uint32_t id = job_id(j);
    put(t, r, WS__EV_BEGIN | N_BLOCKING << 8, id);
    j->exec(j, NULL);
    put(t, r, WS__EV_END, id);
}

void ws__trace_event(ws__trace *t, ws__worker *w, unsigned kind, uint64_t arg)
{
    if (w->id >= t->nworkers)
        return;
    ring *r = &t->workers[w->id];
    if (kind == WS__EV_PARK)
        put(t, r, WS__EV_BEGIN | N_PARKED << 8, 0);
    else if (kind == WS__EV_WAKE)
        put(t, r, WS__EV_END, 0);
    else
        put(t, r, kind, (uint32_t)arg);
}

static void free_trace(ws__trace *t)
{
    if (!t)
        return;
    for (unsigned i = 0; t->workers && i < t->nworkers; i++)
        events_free(t->workers[i].ev, t->cap);
    for (unsigned i = 0; t->lanes && i < t->nlanes; i++)
        events_free(t->lanes[i].ev, t->cap);
    ws__free(t->workers);
    ws__free(t->lanes);
    ws__free(t->path);
    ws__free(t);
}

/* n zeroed rings (at least one), cache-line aligned; NULL without memory. */
static ring *rings(unsigned n)
{
    size_t size = (n ? n : 1) * sizeof(ring);
    ring *r = ws__aligned_alloc(WS__CACHELINE, size);
    if (r)
        memset(r, 0, size);
    return r;
}

int ws_pool_trace(ws_pool *pool, const char *path)
{
    if (!pool || !path || !*path)
        return WS_EINVAL;
    if (ws__tracing(pool))
        return WS_EBUSY;
    ws__trace *t = ws__calloc(1, sizeof(*t));
    if (!t)
        return WS_ENOMEM;
    t->cap = ws__env_trace_events();
    t->nworkers = pool->n;
    t->nlanes = ws__blocking_max(pool);
    t->path = ws__malloc(strlen(path) + 1);
    t->workers = rings(t->nworkers);
    t->lanes = rings(t->nlanes);
    bool ok = t->path && t->workers && t->lanes;
    for (unsigned i = 0; ok && i < t->nworkers; i++)
        ok = (t->workers[i].ev = events_alloc(t->cap)) != NULL;
    if (!ok) {
        free_trace(t);
        return WS_ENOMEM;
    }
    strcpy(t->path, path);
    t->t0 = ws__now_ns();
    ws__trace *none = NULL;
    /* release: the rings above are initialised before a worker sees t
       (ws__tracing's acquire); the CAS lets one caller win. */
    if (!atomic_compare_exchange_strong_explicit(&pool->trace, &none, t, memory_order_release,
                                                 memory_order_relaxed)) {
        free_trace(t);
        return WS_EBUSY;
    }
    return 0;
}

/* Microseconds since the trace began, as Chrome's ts wants them. */
static double us(const ws__trace *t, uint64_t ts)
{
    return ts < t->t0 ? 0.0 : (double)(ts - t->t0) / 1000.0;
}

typedef struct open_span {
    uint32_t name, id;
    uint64_t start; /* of the current slice */
} open_span;

#define MAX_NEST 256

static void slice(FILE *f, const ws__trace *t, unsigned tid, const open_span *s, uint64_t end,
                  int last)
{
    fprintf(f, ",\n{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%u,"
               "\"ts\":%.3f,\"dur\":%.3f,\"args\":{\"job\":%u,\"last\":%d}}",
            span_names[s->name], s->name == N_PARKED ? "idle" : "work", tid, us(t, s->start),
            (double)(end - s->start) / 1000.0, s->id, last);
}

/* Writes one ring's events; returns how many were dropped. */
static uint64_t write_ring(FILE *f, const ws__trace *t, const ring *r, unsigned tid)
{
    if (!r->ev)
        return 0;
    open_span stack[MAX_NEST];
    unsigned depth = 0, lost = 0; /* lost: begins deeper than MAX_NEST */
    uint64_t first = r->head > t->cap ? r->head - t->cap : 0, last_ts = 0;
    for (uint64_t i = first; i < r->head; i++) {
        const ev *e = &r->ev[i & (t->cap - 1)];
        last_ts = e->ts;
        switch (e->kind & 0xff) {
        case WS__EV_BEGIN:
            if (depth == MAX_NEST) {
                lost++;
                break;
            }
            if (depth)
                slice(f, t, tid, &stack[depth - 1], e->ts, 0);
            stack[depth++] = (open_span){e->kind >> 8, e->arg, e->ts};
            break;
        case WS__EV_END:
            if (lost) {
                lost--;
                break;
            }
            if (!depth) /* its begin was overwritten */
                break;
            slice(f, t, tid, &stack[--depth], e->ts, 1);
            if (depth)
                stack[depth - 1].start = e->ts;
            break;
        case WS__EV_STEAL:
            fprintf(f, ",\n{\"name\":\"steal\",\"cat\":\"steal\",\"ph\":\"i\",\"s\":\"t\","
                       "\"pid\":1,\"tid\":%u,\"ts\":%.3f,\"args\":{\"victim\":%u}}",
                    tid, us(t, e->ts), e->arg);
            break;
        }
    }
    while (depth) /* not ended: cannot happen once every thread has joined */
        slice(f, t, tid, &stack[--depth], last_ts, 1);
    return first;
}

void ws__trace_finish(ws_pool *pool)
{
    /* relaxed: every thread that wrote a ring has joined. */
    ws__trace *t = atomic_load_explicit(&pool->trace, memory_order_relaxed);
    if (!t)
        return;
    /* relaxed: no thread of the pool is left to read it. */
    atomic_store_explicit(&pool->trace, NULL, memory_order_relaxed);
    FILE *f = fopen(t->path, "we");
    if (!f) {
        fprintf(stderr, "wsched: cannot write the trace to %s\n", t->path);
        free_trace(t);
        return;
    }
    fprintf(f, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n"
               "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,"
               "\"args\":{\"name\":\"wsched pool ");
    for (const char *c = pool->name; *c; c++) { /* a JSON string */
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
            fprintf(f, "\\u%04x", (unsigned)(unsigned char)*c);
        else
            fputc(*c, f);
    }
    fprintf(f, "\"}}");
    uint64_t dropped = 0;
    for (unsigned i = 0; i < t->nworkers; i++) {
        fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%u,"
                   "\"args\":{\"name\":\"worker %u\"}}", i, i);
        dropped += write_ring(f, t, &t->workers[i], i);
    }
    for (unsigned i = 0; i < t->nlanes; i++) {
        if (!t->lanes[i].ev)
            continue;
        unsigned tid = 10000 + i;
        fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%u,"
                   "\"args\":{\"name\":\"blocking %u\"}}", tid, i);
        dropped += write_ring(f, t, &t->lanes[i], tid);
    }
    fprintf(f, "\n],\"otherData\":{\"library\":\"wsched %s\",\"workers\":%u,"
               "\"ring_events\":%u,\"dropped_events\":%llu}}\n",
            ws_version(), t->nworkers, t->cap, (unsigned long long)dropped);
    if (fclose(f) != 0)
        fprintf(stderr, "wsched: error writing the trace to %s\n", t->path);
    free_trace(t);
}
