/*
 * startup-ready: times one start of a command (benchmarks/startup.sh). Two modes:
 *
 *   startup-ready --exit TIMEOUT-MS COMMAND [ARGS...]
 *       exec to exit: prints "EXIT-MS CPU-MS STATUS" (CPU-MS: user + system time of every thread)
 *   startup-ready --ready TIMEOUT-MS [--hold MS] COMMAND [ARGS...]
 *       exec to READY=1: the command runs with NOTIFY_SOCKET set to an abstract datagram socket of this
 *       process (as systemd's Type=notify does); the time is taken when a datagram with a READY=1 line arrives.
 *       Then the resident set of the command's process (VmRSS), MS more of serving (--hold, default 0: e.g. a
 *       training run), SIGTERM, and the wait for its exit. Prints
 *       "READY-MS CPU-MS RSS-KIB STOP-MS STATUS" (CPU-MS: the command's user + system time up to READY=1).
 *
 * The command's standard output goes to this one's standard error: standard output has only the figures.
 * Times are CLOCK_MONOTONIC from just before fork. Bounded: a command that is not ready or has not exited
 * within TIMEOUT-MS (or TIMEOUT-MS after SIGTERM) is killed (SIGKILL), and this prints "timeout" and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* the CPU time (user + system, every thread) of the last child wait_until reaped, in ms */
static double reaped_cpu_ms = -1;

/* waits for the child until deadline (ms, monotonic); returns its wait status, or -1 on timeout */
static int wait_until(const pid_t pid, const double deadline) {
    for (;;) {
        int status;
        struct rusage u;
        const pid_t r = wait4(pid, &status, WNOHANG, &u);
        if (r == pid) {
            reaped_cpu_ms = (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
                            (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
            return status;
        }
        if (r < 0 && errno != EINTR) {
            return -1;
        }
        if (now_ms() > deadline) {
            return -1;
        }
        usleep(1000);
    }
}

static int code(const int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* the CPU time (user + system, every thread) pid has used so far, in ms (clock-tick resolution) */
static double cpu_ms(const pid_t pid) {
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    const char *got = fgets(line, sizeof line, f);
    fclose(f);
    const char *p = got == NULL ? NULL : strrchr(line, ')');
    unsigned long ut, st;
    /* after the command name: state and fields 4..13, then utime (14) and stime (15) */
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) {
        return -1;
    }
    return (double)(ut + st) * 1e3 / (double)sysconf(_SC_CLK_TCK);
}

static long rss_kib(const pid_t pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    if (f == NULL) {
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

static void give_up(const pid_t pid) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    puts("timeout");
    exit(1);
}

int main(const int argc, char **argv) {
    if (argc < 4 || (strcmp(argv[1], "--exit") != 0 && strcmp(argv[1], "--ready") != 0)) {
        fprintf(stderr, "usage: startup-ready --exit|--ready TIMEOUT-MS [--hold MS] COMMAND [ARGS...]\n");
        return 2;
    }
    const int ready = strcmp(argv[1], "--ready") == 0;
    const long timeout = strtol(argv[2], NULL, 10);
    if (timeout <= 0 || timeout > 600000) {
        fprintf(stderr, "startup-ready: TIMEOUT-MS '%s' must be 1 to 600000\n", argv[2]);
        return 2;
    }
    int cmd = 3;
    long hold = 0;
    if (ready && argc > 5 && strcmp(argv[3], "--hold") == 0) {
        hold = strtol(argv[4], NULL, 10);
        if (hold < 0 || hold > 600000) {
            fprintf(stderr, "startup-ready: --hold '%s' must be 0 to 600000\n", argv[4]);
            return 2;
        }
        cmd = 5;
    }
    int sock = -1;
    if (ready) {
        /* abstract name (leading NUL): nothing to remove afterwards; NOTIFY_SOCKET spells it with '@' */
        char name[64];
        snprintf(name, sizeof name, "armd-startup-%d", (int)getpid());
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        memcpy(a.sun_path + 1, name, strlen(name));
        sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        const socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
        if (sock < 0 || bind(sock, (struct sockaddr *)&a, alen) < 0) {
            perror("startup-ready: notify socket");
            return 3;
        }
        char env[80];
        snprintf(env, sizeof env, "@%s", name);
        setenv("NOTIFY_SOCKET", env, 1);
    }
    const double start = now_ms();
    const double deadline = start + (double)timeout;
    const pid_t pid = fork();
    if (pid < 0) {
        perror("startup-ready: fork");
        return 3;
    }
    if (pid == 0) {
        dup2(2, 1); /* the command's output goes to stderr: stdout carries only the figures */
        execvp(argv[cmd], argv + cmd);
        perror("startup-ready: exec");
        _exit(127);
    }
    if (!ready) {
        const int status = wait_until(pid, deadline);
        if (status < 0) {
            give_up(pid);
        }
        printf("%.1f %.1f %d\n", now_ms() - start, reaped_cpu_ms, code(status));
        return 0;
    }
    double ready_at = -1;
    char buf[4096];
    while (ready_at < 0) {
        const double left = deadline - now_ms();
        if (left <= 0) {
            give_up(pid);
        }
        struct pollfd p = {.fd = sock, .events = POLLIN};
        const int n = poll(&p, 1, left > 100 ? 100 : (int)left + 1);
        if (n > 0) {
            const ssize_t len = recv(sock, buf, sizeof buf - 1, 0);
            if (len > 0) {
                buf[len] = '\0';
                if (strncmp(buf, "READY=1", 7) == 0 || strstr(buf, "\nREADY=1") != NULL) {
                    ready_at = now_ms();
                }
            }
        }
        int status;
        if (ready_at < 0 && waitpid(pid, &status, WNOHANG) == pid) {
            printf("exited %d before READY=1\n", code(status));
            return 1;
        }
    }
    const long rss = rss_kib(pid);
    const double cpu = cpu_ms(pid);
    usleep((useconds_t)(hold * 1000));
    const double term = now_ms();
    kill(pid, SIGTERM);
    const int status = wait_until(pid, term + (double)timeout);
    if (status < 0) {
        give_up(pid);
    }
    printf("%.1f %.0f %ld %.1f %d\n", ready_at - start, cpu, rss, now_ms() - term, code(status));
    return 0;
}
