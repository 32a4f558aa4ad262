// Google Benchmark (libbenchmark 1.7) exposed to C: see shim.h.
#include "shim.h"

#include <benchmark/benchmark.h>

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace
{

bool smoke;
bool failed;
std::string current; // the running benchmark's registered name, for messages
unsigned max_workers;

benchmark::State &state_of(ws_bench_state *st)
{
    return *reinterpret_cast<benchmark::State *>(st);
}

double stat_min(const std::vector<double> &v)
{
    return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end());
}

double stat_max(const std::vector<double> &v)
{
    return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
}

unsigned allowed_cpus()
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    return static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
}

} // namespace

extern "C" {

void ws_bench_register(const char *name, const char *runtime, ws_bench_fn fn, const void *ctx,
                       int64_t size, int64_t smoke_size, unsigned flags)
{
    std::string full = std::string(name) + "/" + runtime;
    int64_t n = smoke ? smoke_size : size;
    auto *b = benchmark::RegisterBenchmark(full.c_str(), [fn, ctx, n, full](benchmark::State &st) {
        current = full;
        fn(reinterpret_cast<ws_bench_state *>(&st), ctx, n, static_cast<unsigned>(st.range(0)));
    });
    b->ArgName("workers")->UseManualTime();
    b->Unit((flags & WS_BENCH_MICROS) ? benchmark::kMicrosecond : benchmark::kMillisecond);
    b->ComputeStatistics("min", stat_min)->ComputeStatistics("max", stat_max);
    unsigned top = smoke ? 2 : max_workers;
    if (flags & WS_BENCH_SCALING) {
        for (unsigned w = 1; w <= top; w++)
            b->Arg(w);
    } else {
        b->Arg((flags & WS_BENCH_SINGLE) ? 1 : top);
    }
    if (smoke || (flags & WS_BENCH_ONCE))
        b->Iterations(1);
    if (smoke)
        b->Repetitions(1);
}

void ws_bench_context(const char *key, const char *value)
{
    benchmark::AddCustomContext(key, value);
}

void ws_bench_init(int *argc, char **argv)
{
    max_workers = allowed_cpus();
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        if (std::strcmp(argv[i], "--smoke") == 0) {
            smoke = true;
        } else if (std::strncmp(argv[i], "--max-workers=", 14) == 0) {
            max_workers = static_cast<unsigned>(std::max(1, std::atoi(argv[i] + 14)));
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    benchmark::Initialize(argc, argv);
    if (benchmark::ReportUnrecognizedArguments(*argc, argv))
        std::exit(2);
}

int ws_bench_run(void)
{
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    if (failed)
        std::fprintf(stderr, "FAILED: at least one result was wrong\n");
    return failed ? 1 : 0;
}

int ws_bench_keep_running(ws_bench_state *st)
{
    return state_of(st).KeepRunning();
}

void ws_bench_iteration_time(ws_bench_state *st, double seconds)
{
    state_of(st).SetIterationTime(seconds);
}

void ws_bench_items(ws_bench_state *st, int64_t items_per_iteration)
{
    benchmark::State &s = state_of(st);
    s.SetItemsProcessed(static_cast<int64_t>(s.iterations()) * items_per_iteration);
}

void ws_bench_counter(ws_bench_state *st, const char *name, double value)
{
    state_of(st).counters[name] = benchmark::Counter(value);
}

void ws_bench_fail(ws_bench_state *st, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    std::fprintf(stderr, "FAIL %s: %s\n", current.c_str(), msg);
    failed = true;
    state_of(st).SkipWithError(msg);
}

double ws_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

} // extern "C"
