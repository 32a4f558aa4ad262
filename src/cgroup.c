/* The CPU quota of the process's cgroup, so that a pool in a container
 * limited to 2 CPUs of a 64-CPU host starts 2 workers, not 64 that the
 * kernel throttles.
 *
 * Where the limit lives. /proc/self/cgroup names the process's cgroup in
 * each hierarchy: "0::/path" for cgroup v2, "N:cpu,cpuacct:/path" for the v1
 * hierarchy with the cpu controller. /proc/self/mountinfo says where each
 * hierarchy is mounted (filesystem type cgroup2, or cgroup with the cpu
 * option) and which of its directories the mount shows (its root field: "/"
 * on a host or in a cgroup namespace, the container's own directory when a
 * runtime bind-mounts it). The cgroup's directory is the mount point plus
 * the path below that root. Limits: v2 cpu.max "QUOTA PERIOD" ("max": none),
 * v1 cpu.cfs_quota_us (-1: none) over cpu.cfs_period_us. A parent's limit
 * binds its children, so every directory from the cgroup's up to the mount
 * point counts and the smallest wins. Anything unreadable or malformed
 * means no limit. */
#include "internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ws__cgroup_root;

/* Opens dir/name for reading; NULL when it cannot. */
static FILE *open_in(const char *dir, const char *name)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    return n < 0 || (size_t)n >= sizeof(path) ? NULL : fopen(path, "re");
}

/* Reads the small file dir/name into buf; false when it cannot. */
static bool read_file(const char *dir, const char *name, char *buf, size_t size)
{
    FILE *f = open_in(dir, name);
    if (!f)
        return false;
    size_t got = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[got] = '\0';
    return got > 0;
}

/* Decodes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
    char *d = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *d++ = *s;
        }
    }
    *d = '\0';
}

/* true when the comma-separated list has the word. */
static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p; p = strchr(p, ',')) {
        if (*p == ',')
            p++;
        if (strncmp(p, word, n) == 0 && (p[n] == ',' || p[n] == '\0' || p[n] == '\n'))
            return true;
    }
    return false;
}

/* The process's cgroup path in v2 (v1 false) or in the v1 cpu hierarchy. */
static bool cgroup_path(const char *root, bool v1, char *out, size_t size)
{
    FILE *f = open_in(root, "proc/self/cgroup");
    char line[4096];
    bool found = false;
    while (f && !found && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c1 = *c2 = '\0';
        bool match = v1 ? has_word(c1 + 1, "cpu") : strcmp(line, "0") == 0 && c1[1] == '\0';
        if (match && c2[1] == '/' && strlen(c2 + 1) < size) {
            strcpy(out, c2 + 1);
            found = true;
        }
    }
    if (f)
        fclose(f);
    return found;
}

/* The mount point and mount root of the v2 hierarchy or the v1 cpu one. */
static bool mount_of(const char *root, bool v1, char *mnt, char *mroot, size_t size)
{
    FILE *f = open_in(root, "proc/self/mountinfo");
    char line[4096];
    bool found = false;
    while (f && !found && fgets(line, sizeof(line), f)) {
        /* id parent major:minor root mount-point options [optional...] - type source super */
        char *field[5], *save = NULL, *tok = strtok_r(line, " \n", &save);
        int k = 0;
        for (; tok && k < 5; tok = strtok_r(NULL, " \n", &save))
            field[k++] = tok;
        while (tok && strcmp(tok, "-") != 0)
            tok = strtok_r(NULL, " \n", &save);
        char *type = tok ? strtok_r(NULL, " \n", &save) : NULL;
        char *source = type ? strtok_r(NULL, " \n", &save) : NULL;
        char *super = source ? strtok_r(NULL, " \n", &save) : NULL;
        if (k < 5 || !super)
            continue;
        bool match = v1 ? strcmp(type, "cgroup") == 0 && has_word(super, "cpu")
                        : strcmp(type, "cgroup2") == 0;
        if (match && strlen(field[3]) < size && strlen(field[4]) < size) {
            strcpy(mroot, field[3]);
            strcpy(mnt, field[4]);
            unescape(mroot);
            unescape(mnt);
            found = true;
        }
    }
    if (f)
        fclose(f);
    return found;
}

/* The limit in one directory, in CPUs rounded up; 0 for none. */
static unsigned dir_limit(const char *dir, bool v1)
{
    char buf[128];
    long long quota = -1, period = 0;
    if (v1) {
        if (!read_file(dir, "cpu.cfs_quota_us", buf, sizeof(buf)) ||
            sscanf(buf, "%lld", &quota) != 1)
            return 0;
        if (!read_file(dir, "cpu.cfs_period_us", buf, sizeof(buf)) ||
            sscanf(buf, "%lld", &period) != 1)
            return 0;
    } else {
        if (!read_file(dir, "cpu.max", buf, sizeof(buf)) || strncmp(buf, "max", 3) == 0 ||
            sscanf(buf, "%lld %lld", &quota, &period) != 2)
            return 0;
    }
    if (quota <= 0 || period <= 0)
        return 0;
    long long cpus = (quota + period - 1) / period;
    return cpus > 65536 ? 65536 : (unsigned)cpus;
}

/* The smallest limit from the cgroup's directory up to the mount point. */
static unsigned hierarchy_limit(const char *root, bool v1)
{
    char cg[PATH_MAX], mnt[PATH_MAX], mroot[PATH_MAX], dir[PATH_MAX];
    if (!cgroup_path(root, v1, cg, sizeof(cg)) || !mount_of(root, v1, mnt, mroot, sizeof(mnt)))
        return 0;
    /* The part of the cgroup's path below the mount's root; a path outside
       it (another namespace's view) leaves the mount point itself. */
    const char *rel = cg;
    size_t rn = strlen(mroot);
    if (strcmp(mroot, "/") != 0) {
        if (strncmp(cg, mroot, rn) == 0 && (cg[rn] == '/' || cg[rn] == '\0'))
            rel = cg + rn;
        else
            rel = "";
    }
    int base = snprintf(dir, sizeof(dir), "%s%s", root, mnt);
    if (base < 0 || (size_t)base >= sizeof(dir))
        return 0;
    int len = snprintf(dir + base, sizeof(dir) - (size_t)base, "%s", rel);
    if (len < 0 || (size_t)(base + len) >= sizeof(dir))
        return 0;
    len += base;
    while (len > base && dir[len - 1] == '/')
        dir[--len] = '\0';
    unsigned best = 0;
    for (;;) {
        unsigned l = dir_limit(dir, v1);
        if (l && (!best || l < best))
            best = l;
        if (len <= base)
            break;
        while (len > base && dir[len - 1] != '/')
            len--;
        while (len > base && dir[len - 1] == '/')
            len--;
        dir[len] = '\0';
    }
    return best;
}

unsigned ws__cgroup_cpu_limit(const char *root)
{
    if (!root)
        root = "";
    unsigned v2 = hierarchy_limit(root, false), v1 = hierarchy_limit(root, true);
    return v1 && (!v2 || v1 < v2) ? v1 : v2;
}
