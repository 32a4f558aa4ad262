/* The cgroup CPU limit, read from fake trees (a root directory holding
 * proc/self/cgroup, proc/self/mountinfo and the cgroup files): v2 and v1,
 * nested limits (the smallest wins), mount roots of bind-mounted
 * containers, no limit, malformed files; then the default worker count of
 * a pool under a fake limit. */
#include "check.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <wsched.h>

#include "internal.h"

static char base[64];
static int tree;
static char root[128];

/* Writes text to root/path, creating the directories on the way. */
static void put(const char *path, const char *text)
{
    char full[512];
    snprintf(full, sizeof(full), "%s/%s", root, path);
    for (char *p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        CHECK(mkdir(full, 0755) == 0 || errno == EEXIST);
        *p = '/';
    }
    FILE *f = fopen(full, "w");
    CHECK(f != NULL);
    fputs(text, f);
    CHECK_EQ(fclose(f), 0);
}

/* A fresh empty tree. */
static void fresh(void)
{
    snprintf(root, sizeof(root), "%s/t%d", base, tree++);
    CHECK_EQ(mkdir(root, 0755), 0);
}

static const char *v2_mount = "30 22 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n";

int main(void)
{
    strcpy(base, "/tmp/wsched-cgroup-XXXXXX");
    CHECK(mkdtemp(base) != NULL);

    /* v2: the process's cgroup has no limit, its parent 1.5 CPUs -> 2. */
    fresh();
    put("proc/self/cgroup", "0::/user.slice/app\n");
    put("proc/self/mountinfo", v2_mount);
    put("sys/fs/cgroup/cpu.max", "max 100000\n");
    put("sys/fs/cgroup/user.slice/cpu.max", "150000 100000\n");
    put("sys/fs/cgroup/user.slice/app/cpu.max", "max 100000\n");
    CHECK_EQ(ws__cgroup_cpu_limit(root), 2);
    /* A smaller limit deeper down wins: half a CPU -> 1. */
    put("sys/fs/cgroup/user.slice/app/cpu.max", "50000 100000\n");
    CHECK_EQ(ws__cgroup_cpu_limit(root), 1);
    /* No limit anywhere. */
    put("sys/fs/cgroup/user.slice/cpu.max", "max 100000\n");
    put("sys/fs/cgroup/user.slice/app/cpu.max", "max 100000\n");
    CHECK_EQ(ws__cgroup_cpu_limit(root), 0);
    /* Malformed: ignored. */
    put("sys/fs/cgroup/user.slice/app/cpu.max", "lots\n");
    CHECK_EQ(ws__cgroup_cpu_limit(root), 0);
    put("sys/fs/cgroup/user.slice/app/cpu.max", "-5 100000\n");
    CHECK_EQ(ws__cgroup_cpu_limit(root), 0);

    /* v2 in a cgroup namespace: "0::/" and the limit at the mount point. */
    fresh();
    put("proc/self/cgroup", "0::/\n");
    put("proc/self/mountinfo", "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
                               "30 1 0:27 / /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n");
    put("sys/fs/cgroup/cpu.max", "400000 100000\n");
    CHECK_EQ(ws__cgroup_cpu_limit(root), 4);

    /* v1, cpu and cpuacct co-mounted; quota 2.5 CPUs -> 3. */
    fresh();
    put("proc/self/cgroup", "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n");
    put("proc/self/mountinfo",
        "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        "32 30 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
    put("sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "250000\n");
    put("sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
    put("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
    put("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
    CHECK_EQ(ws__cgroup_cpu_limit(root), 3);
    /* No quota: -1. */
    put("sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "-1\n");
    CHECK_EQ(ws__cgroup_cpu_limit(root), 0);

    /* v1 bind-mounted into a container: the mount shows /docker/abc itself
       (mount root), at a mount point with an escaped space. */
    fresh();
    put("proc/self/cgroup", "3:cpu:/docker/abc\n");
    put("proc/self/mountinfo",
        "40 30 0:28 /docker/abc /sys/fs/cgroup/my\\040cpu ro - cgroup cgroup rw,cpu\n");
    put("sys/fs/cgroup/my cpu/cpu.cfs_quota_us", "100000\n");
    put("sys/fs/cgroup/my cpu/cpu.cfs_period_us", "100000\n");
    CHECK_EQ(ws__cgroup_cpu_limit(root), 1);

    /* Hybrid: v1 with the cpu controller and v2 beside it: the smaller. */
    fresh();
    put("proc/self/cgroup", "1:cpu:/\n0::/x\n");
    put("proc/self/mountinfo", "31 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
                               "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
    put("sys/fs/cgroup/cpu/cpu.cfs_quota_us", "300000\n");
    put("sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
    put("sys/fs/cgroup/unified/x/cpu.max", "200000 100000\n");
    CHECK_EQ(ws__cgroup_cpu_limit(root), 2);

    /* Nothing to read at all. */
    fresh();
    CHECK_EQ(ws__cgroup_cpu_limit(root), 0);
    put("proc/self/cgroup", "garbage\n");
    put("proc/self/mountinfo", "short line\n");
    CHECK_EQ(ws__cgroup_cpu_limit(root), 0);

    /* A pool's default under a limit of 1 CPU: one worker, whatever the
       affinity mask; opts.workers still wins. */
    fresh();
    put("proc/self/cgroup", "0::/\n");
    put("proc/self/mountinfo", v2_mount);
    put("sys/fs/cgroup/cpu.max", "100000 100000\n");
    ws__cgroup_root = root;
    unsigned limit = 0;
    CHECK_EQ(ws_default_workers(&limit), 1);
    CHECK_EQ(limit, 1);
    ws_pool *pool;
    CHECK_EQ(ws_pool_create(&pool, NULL), 0);
    CHECK_EQ(ws_pool_workers(pool), 1);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    CHECK_EQ(ws_pool_create(&pool, &(ws_pool_opts){.workers = 3}), 0);
    CHECK_EQ(ws_pool_workers(pool), 3);
    CHECK_EQ(ws_pool_destroy(pool), 0);
    /* A limit above the affinity mask: the mask. */
    put("sys/fs/cgroup/cpu.max", "100000000 100000\n");
    cpu_set_t set;
    CHECK_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
    CHECK_EQ(ws_default_workers(&limit), CPU_COUNT(&set));
    CHECK_EQ(limit, 1000);
    ws__cgroup_root = NULL;

    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    CHECK_EQ(system(cmd), 0);
    printf("cgroup: ok\n");
    return 0;
}
