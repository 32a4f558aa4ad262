/* One executable per runtime (bench/CMakeLists.txt), so that no runtime's
 * idle threads disturb another's. Flags: see ws_bench_init in shim.h. */
#include "harness.h"

int main(int argc, char **argv)
{
    ws_bench_init(&argc, argv);
    ws_bench_context("runtime", rt_name);
    if (rt_note[0] != '\0')
        ws_bench_context("runtime_note", rt_note);
    fib_register();
    nqueens_register();
    uts_register();
    skynet_register();
    matmul_register();
    ext_register();
    latency_register();
    pfor_register();
    return ws_bench_run();
}
