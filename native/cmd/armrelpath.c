/*
 * armrelpath: kills the processes that use a path, like `fuser -k`: a process uses PATH when its
 * current directory, root, executable, an open file or a memory map is PATH or lies under it. Local:
 * no agent needed. Never kills itself, its parent (the calling script) or init. Each victim gets
 * SIGTERM, and SIGKILL when it has not exited after the grace period; exits are awaited through
 * pidfds (poll(2)), so nothing sleeps in a loop. Exit codes as the guide's stop script expects.
 *
 * A pid can be reused at any time, so each process is pinned by a pidfd before /proc/PID is read, and
 * taken only when, after the reads, the pidfd's process still exists (so /proc/PID was that process
 * all along) with the start time read first. Signals then go through the pidfd.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "arm_cmd.h"
#include "arm_proc.h"

#define EXIT_NONE 0   /* no process used the paths */
#define EXIT_KILLED 1 /* some were killed */
#define EXIT_USAGE 2
#define EXIT_ERROR 3 /* a path is missing, /proc unreadable, or a process survived SIGKILL */

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define MAX_PATHS 64
#define MAX_VICTIMS 4096

static const char usage_text[] =
    "usage: armrelpath [-t SEC] [-q] PATH...\n"
    "  kills the processes using PATH (current directory, root, executable, open files, memory maps\n"
    "  at or under PATH), like fuser -k; SIGTERM, then SIGKILL after the grace period\n"
    "  -t, --timeout SEC   grace period before SIGKILL (default 5)\n"
    "  -q, --quiet         do not list the processes killed\n"
    "exit: 0 no process used PATH, 1 some were killed, 2 usage, 3 error (PATH missing, a process\n"
    "      survived SIGKILL)\n";

static char paths[MAX_PATHS][PATH_MAX];
static size_t path_lens[MAX_PATHS];
static int npaths;

struct victim {
    pid_t pid;
    int pidfd; /* -1 when pidfd_open is unavailable: then kill(2) after a check of the start time */
    unsigned long long start_time;
    int gone;
    char comm[32];
    const char *path;
};
static struct victim victims[MAX_VICTIMS];
static int nvictims;
static struct pollfd pfds[MAX_VICTIMS];

/* which of the paths `target` (a readlink of /proc/PID/...) is at or under, or NULL */
static const char *match(const char *target, size_t len)
{
    static const char deleted[] = " (deleted)";
    if (len > sizeof deleted - 1 && strcmp(target + len - (sizeof deleted - 1), deleted) == 0) {
        len -= sizeof deleted - 1;
    }
    for (int i = 0; i < npaths; i++) {
        size_t n = path_lens[i];
        if (len >= n && memcmp(target, paths[i], n) == 0 && (len == n || target[n] == '/')) {
            return paths[i];
        }
    }
    return NULL;
}

static const char *match_link(int dir, const char *link)
{
    char target[PATH_MAX];
    ssize_t n = readlinkat(dir, link, target, sizeof target - 1);
    if (n <= 0) {
        return NULL;
    }
    target[n] = '\0';
    return target[0] == '/' ? match(target, (size_t)n) : NULL;
}

static const char *uses(pid_t pid)
{
    char p[64];
    static const char *const links[] = {"cwd", "root", "exe"};
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        snprintf(p, sizeof p, "/proc/%d/%s", (int)pid, links[i]);
        const char *m = match_link(AT_FDCWD, p);
        if (m != NULL) {
            return m;
        }
    }
    snprintf(p, sizeof p, "/proc/%d/fd", (int)pid);
    DIR *fds = opendir(p);
    if (fds != NULL) {
        struct dirent *e;
        const char *m = NULL;
        while (m == NULL && (e = readdir(fds)) != NULL) {
            if (e->d_name[0] == '.') {
                continue;
            }
            m = match_link(dirfd(fds), e->d_name);
        }
        closedir(fds);
        if (m != NULL) {
            return m;
        }
    }
    snprintf(p, sizeof p, "/proc/%d/maps", (int)pid);
    FILE *maps = fopen(p, "re");
    if (maps != NULL) {
        char line[PATH_MAX + 128];
        const char *m = NULL;
        while (m == NULL && fgets(line, sizeof line, maps) != NULL) {
            char *path = strchr(line, '/');
            if (path == NULL) {
                continue;
            }
            size_t n = strcspn(path, "\n");
            path[n] = '\0';
            m = match(path, n);
        }
        fclose(maps);
        return m;
    }
    return NULL;
}

static void read_comm(pid_t pid, char *comm, size_t size)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/comm", (int)pid);
    FILE *f = fopen(p, "re");
    comm[0] = '\0';
    if (f != NULL) {
        if (fgets(comm, (int)size, f) != NULL) {
            comm[strcspn(comm, "\n")] = '\0';
        }
        fclose(f);
    }
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* whether pid is still the process that started at start_time (without a pidfd, the best there is) */
static int same_start(pid_t pid, unsigned long long start_time)
{
    struct arm_proc_stat st;
    return arm_proc_stat(pid, &st) == 0 && st.start_time == start_time;
}

static void send_signal(struct victim *v, int sig)
{
    if (v->pidfd < 0 && !same_start(v->pid, v->start_time)) {
        v->gone = 1;
        return;
    }
    int rc = v->pidfd >= 0 ? (int)syscall(SYS_pidfd_send_signal, v->pidfd, sig, NULL, 0) : kill(v->pid, sig);
    if (rc != 0 && errno == ESRCH) {
        v->gone = 1;
    }
}

/* waits until every victim is gone or the deadline passes; returns how many remain */
static int await_exits(long long deadline_ms)
{
    for (;;) {
        int n = 0;
        int nokfd = 0;
        for (int i = 0; i < nvictims; i++) {
            struct victim *v = &victims[i];
            if (v->gone) {
                continue;
            }
            if (v->pidfd < 0) {
                /* no pidfd: kill(pid, 0) tells whether it is still there */
                if (!same_start(v->pid, v->start_time) || (kill(v->pid, 0) != 0 && errno == ESRCH)) {
                    v->gone = 1;
                    continue;
                }
                nokfd++;
                continue;
            }
            pfds[n].fd = v->pidfd;
            pfds[n].events = POLLIN;
            pfds[n].revents = 0;
            n++;
        }
        if (n + nokfd == 0) {
            return 0;
        }
        long long left = deadline_ms - now_ms();
        if (left <= 0) {
            return n + nokfd;
        }
        /* without pidfds (kernel < 5.3) re-check every 50 ms; with them, wake on exit */
        int rc = poll(pfds, (nfds_t)n, nokfd > 0 && left > 50 ? 50 : (int)left);
        if (rc < 0 && errno != EINTR) {
            return n + nokfd;
        }
        for (int i = 0, k = 0; i < nvictims && rc > 0; i++) {
            if (victims[i].gone || victims[i].pidfd < 0) {
                continue;
            }
            if (pfds[k].revents != 0) {
                victims[i].gone = 1;
            }
            k++;
        }
    }
}

int armrelpath_main(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {NULL, 0, NULL, 0}};
    long grace_s = 5;
    int quiet = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "ht:q", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            fputs(usage_text, stdout);
            return EXIT_NONE;
        case 't':
            if (arm_parse_uint(optarg, 3600, &grace_s) != 0) {
                return arm_cmd_usage_error("armrelpath", "-t takes whole seconds from 0 to 3600, not '%s'", optarg);
            }
            break;
        case 'q':
            quiet = 1;
            break;
        default:
            return arm_cmd_usage_error("armrelpath", "unknown option");
        }
    }
    if (optind >= argc) {
        return arm_cmd_usage_error("armrelpath", "no PATH");
    }
    if (argc - optind > MAX_PATHS) {
        return arm_cmd_usage_error("armrelpath", "more than %d paths", MAX_PATHS);
    }
    for (int i = optind; i < argc; i++) {
        if (realpath(argv[i], paths[npaths]) == NULL) {
            arm_cmd_error("armrelpath", "%s: %s", argv[i], strerror(errno));
            return EXIT_ERROR;
        }
        if (strcmp(paths[npaths], "/") == 0) {
            return arm_cmd_usage_error("armrelpath", "refusing %s: every process uses /", argv[i]);
        }
        path_lens[npaths] = strlen(paths[npaths]);
        npaths++;
    }

    /* one pidfd per victim: as many descriptors as the hard limit allows */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    pid_t self = getpid();
    pid_t parent = getppid();
    DIR *proc = opendir("/proc");
    if (proc == NULL) {
        arm_cmd_error("armrelpath", "/proc: %s", strerror(errno));
        return EXIT_ERROR;
    }
    struct dirent *e;
    int overflow = 0;
    while ((e = readdir(proc)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 1 || pid == self || pid == parent) {
            continue;
        }
        if (nvictims == MAX_VICTIMS) {
            overflow = 1;
            break;
        }
        struct victim *v = &victims[nvictims];
        v->pid = (pid_t)pid;
        v->gone = 0;
        /* first the pidfd: it pins this very process, then what /proc/PID shows is checked against it */
        v->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
        if (v->pidfd < 0 && errno == ESRCH) {
            continue;
        }
        struct arm_proc_stat st;
        const char *m = arm_proc_stat(v->pid, &st) == 0 ? uses(v->pid) : NULL;
        if (m != NULL) {
            v->start_time = st.start_time;
            read_comm(v->pid, v->comm, sizeof v->comm);
        }
        /* still the same process after the reads: the pinned one has not been reaped (its pid was never free
           for another) and the start time is the one read before them */
        int same = m != NULL && same_start(v->pid, v->start_time);
        if (same && v->pidfd >= 0) {
            same = syscall(SYS_pidfd_send_signal, v->pidfd, 0, NULL, 0) == 0;
        }
        if (!same) {
            if (v->pidfd >= 0) {
                close(v->pidfd);
            }
            continue;
        }
        v->path = m;
        nvictims++;
    }
    closedir(proc);
    if (nvictims == 0) {
        return EXIT_NONE;
    }
    for (int i = 0; i < nvictims; i++) {
        send_signal(&victims[i], SIGTERM);
    }
    int left = await_exits(now_ms() + grace_s * 1000);
    if (left > 0) {
        for (int i = 0; i < nvictims; i++) {
            if (!victims[i].gone) {
                send_signal(&victims[i], SIGKILL);
            }
        }
        left = await_exits(now_ms() + 5000);
    }
    int survivors = 0;
    for (int i = 0; i < nvictims; i++) {
        struct victim *v = &victims[i];
        if (!v->gone) {
            survivors++;
            arm_cmd_error("armrelpath", "process %d (%s) using %s survived SIGKILL", (int)v->pid, v->comm, v->path);
        } else if (!quiet) {
            printf("killed %d (%s) using %s\n", (int)v->pid, v->comm, v->path);
        }
        if (v->pidfd >= 0) {
            close(v->pidfd);
        }
    }
    fflush(stdout);
    if (overflow) {
        arm_cmd_error("armrelpath", "more than %d processes use the paths: run it again", MAX_VICTIMS);
        return EXIT_ERROR;
    }
    return survivors > 0 ? EXIT_ERROR : EXIT_KILLED;
}
