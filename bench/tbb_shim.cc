// oneTBB behind the C interface of rt.h: task_group for fork-join and for
// submission from the main thread, task_arena::enqueue for the round trip,
// parallel_for for loops. The arena has `workers` slots; a thread that calls
// in (rt_root, rt_ext, rt_pfor) takes one of them, as in any TBB program.
#include "rt.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <new>

static_assert(sizeof(tbb::task_group) <= sizeof(rt_group::storage), "rt_group too small");
static_assert(alignof(tbb::task_group) <= 16, "rt_group under-aligned");

namespace
{

std::unique_ptr<tbb::global_control> control;
std::unique_ptr<tbb::task_arena> arena;

tbb::task_group *group_of(rt_group *g)
{
    return std::launder(reinterpret_cast<tbb::task_group *>(g->storage));
}

} // namespace

extern "C" {

const char rt_name[] = "tbb";
const char rt_note[] = "";
const unsigned rt_caps = RT_FORKJOIN | RT_EXTERNAL | RT_LOOP;

void tbb_group_init(rt_group *g)
{
    new (g->storage) tbb::task_group;
}

void tbb_group_run(rt_group *g, rt_fn fn, void *arg)
{
    group_of(g)->run([fn, arg] { fn(arg); });
}

int tbb_group_wait(rt_group *g)
{
    tbb::task_group *tg = group_of(g);
    tg->wait();
    tg->~task_group();
    return 0;
}

int rt_start(unsigned workers)
{
    control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    workers);
    arena = std::make_unique<tbb::task_arena>(static_cast<int>(workers));
    arena->initialize();
    return 0;
}

void rt_stop(void)
{
    arena.reset();
    control.reset();
}

unsigned rt_workers(void)
{
    return static_cast<unsigned>(arena->max_concurrency());
}

int rt_root(rt_fn fn, void *arg)
{
    int st = 0;
    arena->execute([&] { st = fn(arg); });
    return st;
}

int rt_ext(size_t n, rt_fn fn, void *arg)
{
    arena->execute([&] {
        tbb::task_group g;
        for (size_t i = 0; i < n; i++)
            g.run([fn, arg] { fn(arg); });
        g.wait();
    });
    return 0;
}

int rt_call(rt_fn fn, void *arg, void (*meanwhile)(void *), void *marg)
{
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    int st = 0;
    arena->enqueue([&] {
        int r = fn(arg);
        std::lock_guard<std::mutex> lock(m);
        st = r;
        done = true;
        cv.notify_one();
    });
    if (meanwhile)
        meanwhile(marg);
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return done; });
    return st;
}

int rt_pfor(size_t begin, size_t end, size_t grain, rt_body body, void *arg)
{
    std::atomic<int> first{0};
    auto run = [&](const tbb::blocked_range<size_t> &r) {
        int st = body(r.begin(), r.end(), arg);
        int zero = 0;
        if (st != 0)
            first.compare_exchange_strong(zero, st, std::memory_order_relaxed);
    };
    arena->execute([&] {
        if (grain == 0)
            tbb::parallel_for(tbb::blocked_range<size_t>(begin, end), run, tbb::auto_partitioner());
        else
            tbb::parallel_for(tbb::blocked_range<size_t>(begin, end, grain), run,
                              tbb::simple_partitioner());
    });
    return first.load(std::memory_order_relaxed);
}

} // extern "C"
