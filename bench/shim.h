/* Google Benchmark seen from C: the workloads register C functions that take
 * an opaque state handle, time each instance themselves (CLOCK_MONOTONIC,
 * manual time) and check every result. bench/gbench_shim.cc implements it. */
#ifndef WS_BENCH_SHIM_H
#define WS_BENCH_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ws_bench_state ws_bench_state;

/* One benchmark run: ctx is what was registered, size the workload's size
 * (already the smoke size under --smoke), workers the runtime's worker count. */
typedef void (*ws_bench_fn)(ws_bench_state *st, const void *ctx, int64_t size, unsigned workers);

#define WS_BENCH_SCALING 1u /* one case per worker count 1 .. nproc */
#define WS_BENCH_SINGLE  2u /* one worker only; neither flag: nproc workers only */
#define WS_BENCH_MICROS  4u /* show microseconds rather than milliseconds */
#define WS_BENCH_ONCE    8u /* one iteration per repetition (batches that time themselves) */

/* Registers fn(ctx) as "<name>/<runtime>/workers:<W>". size is the real size
 * and smoke_size the tiny one the smoke test (--smoke) uses. Call between
 * ws_bench_init and ws_bench_run. */
void ws_bench_register(const char *name, const char *runtime, ws_bench_fn fn, const void *ctx,
                       int64_t size, int64_t smoke_size, unsigned flags);

/* Adds "key": "value" to the context of the JSON output and the console. */
void ws_bench_context(const char *key, const char *value);

/* Parses and removes this suite's flags (--smoke, --max-workers=N), then
 * hands the rest to Google Benchmark (--benchmark_filter, _repetitions,
 * _out, ...). Exits with status 2 on an unknown flag. */
void ws_bench_init(int *argc, char **argv);

/* Runs the selected benchmarks. Returns the process exit status: 0, or 1 when
 * any instance failed its check (ws_bench_fail). */
int ws_bench_run(void);

/* The benchmark loop: while (ws_bench_keep_running(st)) { ... }. */
int ws_bench_keep_running(ws_bench_state *st);

/* Reports the time of the iteration just run (the instance only). */
void ws_bench_iteration_time(ws_bench_state *st, double seconds);

/* Work per iteration: Google Benchmark reports it as items per second
 * (tasks per second for the task workloads). */
void ws_bench_items(ws_bench_state *st, int64_t items_per_iteration);

/* A counter shown beside the time and written to the JSON, as given. */
void ws_bench_counter(ws_bench_state *st, const char *name, double value);

/* Marks the instance failed (a wrong result, a runtime error): the run goes
 * on but ws_bench_run returns 1. Prints the message to stderr. */
void ws_bench_fail(ws_bench_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* CLOCK_MONOTONIC in seconds. */
double ws_bench_now(void);

#ifdef __cplusplus
}
#endif

#endif /* WS_BENCH_SHIM_H */
