/*
 * armguard: the agent's guardian. It runs COMMAND (the agent's JVM) as its child and outlives it: when the
 * child dies while armed, it kills every process the agent left behind, unmounts its mount points, removes
 * its floating addresses and sends its pre-signed "gone" datagrams, in that order, so that a dead agent holds
 * nothing and the survivor can take over at once. No JVM, no key, no allocation after start-up.
 *
 * The child writes lines on the pipe whose write end it inherits as descriptor $ARMD_GUARD_FD (the protocol
 * is in usage_text below). The guardian is a child subreaper: the agent's scripts and the applications they
 * start with armload, even daemonized ones, end up as its children when their parents die, so it can find
 * and kill every one of them, and it reaps them all along (no zombies).
 *
 * Signals: SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 are forwarded to the child; SIGABRT (systemd's
 * watchdog signal for a hung service) kills the child with SIGKILL, and its death is then handled as any other.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arm_proc.h"

/* armguard's own failures, as env(1) and timeout(1) do, so that they differ from what COMMAND exits with */
#define EXIT_OWN 125
#define EXIT_CANNOT_RUN 126
#define EXIT_NOT_FOUND 127

#define MAX_IPS 64
#define MAX_MOUNTS 64
#define MAX_GONE 64
/* a line with its newline: PIPE_BUF, so a line written with one write() arrives whole even when the writer dies */
#define MAX_LINE 4096
#define MAX_PAYLOAD 2000
#define GONE_COPIES 3
#define GONE_SPACING_NS 5000000L
/* how long the guardian keeps killing and reaping the agent's processes */
#define KILL_DEADLINE_MS 2000
/* malformed lines: at most this many reported per window */
#define MALFORMED_BURST 10
#define MALFORMED_WINDOW_MS 10000

static const char usage_text[] =
    "usage: armguard [--action release|reboot|panic] [--dry-run] -- COMMAND [ARGS...]\n"
    "  runs COMMAND (the agent) as its child and outlives it. COMMAND writes lines on descriptor\n"
    "  $ARMD_GUARD_FD (at most 4096 bytes each, newline included; write each line with one write()):\n"
    "    armguard 1                        the protocol version, first\n"
    "    release-ip IFNAME ADDRESS/PREFIX  an IPv4 or IPv6 address to remove from IFNAME\n"
    "    release-mount PATH                a mount point to unmount (PATH: the rest of the line)\n"
    "    gone ADDRESS PORT HEX             a UDP datagram (payload in hex) to send to ADDRESS PORT, 3 times\n"
    "                                      (a link-local IPv6 ADDRESS names its interface: fe80::12%eth1)\n"
    "    action release|reboot|panic       what to do after releasing (overrides --action)\n"
    "    reset                             the lines so far are replaced by the ones up to the next 'armed'\n"
    "                                      (should COMMAND die before it, both the old and the new are done)\n"
    "    armed                             from now on COMMAND's death releases what the lines list\n"
    "    disarm                            COMMAND stops cleanly: its death releases nothing\n"
    "  When COMMAND dies while armed: every process left (the guardian is a child subreaper) is killed\n"
    "  with SIGKILL, each mount point unmounted, each address removed, each datagram sent; then\n"
    "  --action reboot reboots and --action panic crashes the kernel (sysrq c); --dry-run only says so.\n"
    "  SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 go to COMMAND; SIGABRT (a watchdog) kills it.\n"
    "exit: COMMAND's exit code, 128+N when signal N ended it; 125 armguard failed (usage, system error),\n"
    "      126 COMMAND cannot run, 127 COMMAND not found\n";

enum action { ACTION_RELEASE, ACTION_REBOOT, ACTION_PANIC };

/* the agent's configured action ('action ...' line, its [cluster] crash-action), over --action; -1: none sent */
static int protocol_action = -1;

struct ip_entry {
    char ifname[IF_NAMESIZE];
    int family;
    unsigned char addr[16];
    int prefix;
    int stale; /* listed before a 'reset' whose 'armed' has not come yet */
    char text[INET6_ADDRSTRLEN + 8];
};

struct mount_entry {
    char path[PATH_MAX];
    int stale;
};

struct gone_entry {
    struct sockaddr_storage to;
    socklen_t to_len;
    unsigned char payload[MAX_PAYLOAD];
    size_t len;
    int stale;
    char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 16];
};

static struct ip_entry ips[MAX_IPS];
static int nips;
static struct mount_entry mounts[MAX_MOUNTS];
static int nmounts;
static struct gone_entry gones[MAX_GONE];
static int ngones;

static int version_seen; /* 1: 'armguard 1' read; -1: another version, every line ignored */
static int armed;
static int disarmed;    /* the last of armed/disarm was disarm */
static int reload_open; /* a 'reset' waits for its 'armed' */

static char line[MAX_LINE + 1];
static size_t line_len;
static int discarding; /* the rest of an overlong line */

static int malformed_shown;
static long malformed_hidden;
static long long malformed_window_start;

static pid_t self;
static pid_t child;
static int child_status;
static int child_done;
static int sigfd = -1;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* one line "armguard: ..." on stderr with a single write, so it does not interleave with the child's output */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "armguard: ");
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof buf - 2) {
        len = sizeof buf - 2;
    }
    buf[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, buf, len);
    (void)w;
}

/* a malformed line, escaped and shortened, at most MALFORMED_BURST per window */
static void malformed(const char *why, const char *text, size_t len)
{
    const long long now = now_ms();
    if (now - malformed_window_start >= MALFORMED_WINDOW_MS) {
        if (malformed_hidden > 0) {
            say("%ld more malformed lines were ignored without a message", malformed_hidden);
        }
        malformed_window_start = now;
        malformed_shown = 0;
        malformed_hidden = 0;
    }
    if (malformed_shown >= MALFORMED_BURST) {
        malformed_hidden++;
        return;
    }
    malformed_shown++;
    char esc[256];
    size_t o = 0;
    for (size_t i = 0; i < len && o + 8 < sizeof esc; i++) {
        const unsigned char c = (unsigned char)text[i];
        if (c == '\\') {
            esc[o++] = '\\';
            esc[o++] = '\\';
        } else if (c < 0x20 || c >= 0x7f) {
            o += (size_t)snprintf(esc + o, sizeof esc - o, "\\x%02x", c);
        } else {
            esc[o++] = (char)c;
        }
        if (i + 1 < len && o + 8 >= sizeof esc) {
            memcpy(esc + o, "...", 3);
            o += 3;
        }
    }
    esc[o] = '\0';
    say("ignored a malformed line (%s): %s", why, esc);
}

/* splits off the next space-separated word of *rest; NULL when there is none */
static char *word(char **rest)
{
    char *w = *rest;
    if (w == NULL || *w == '\0') {
        return NULL;
    }
    char *sp = strchr(w, ' ');
    if (sp != NULL) {
        *sp = '\0';
        *rest = sp + 1;
    } else {
        *rest = NULL;
    }
    return w;
}

static int parse_port(const char *s, int *port)
{
    long v = 0;
    if (*s == '\0' || strlen(s) > 5) {
        return -1;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return -1;
        }
        v = v * 10 + (*p - '0');
    }
    if (v < 1 || v > 65535) {
        return -1;
    }
    *port = (int)v;
    return 0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static const char *add_ip(char *rest)
{
    char *ifname = word(&rest);
    char *cidr = word(&rest);
    if (ifname == NULL || cidr == NULL || rest != NULL) {
        return "expected release-ip IFNAME ADDRESS/PREFIX";
    }
    if (strlen(ifname) >= IF_NAMESIZE || strchr(ifname, '/') != NULL || strcmp(ifname, ".") == 0 ||
        strcmp(ifname, "..") == 0) {
        return "not an interface name";
    }
    struct ip_entry e;
    memset(&e, 0, sizeof e);
    snprintf(e.text, sizeof e.text, "%s", cidr);
    char *slash = strchr(cidr, '/');
    if (slash == NULL || strlen(cidr) >= sizeof e.text) {
        return "expected ADDRESS/PREFIX";
    }
    *slash = '\0';
    e.family = strchr(cidr, ':') != NULL ? AF_INET6 : AF_INET;
    if (inet_pton(e.family, cidr, e.addr) != 1) {
        return "not an IPv4 or IPv6 address";
    }
    int prefix;
    const int max = e.family == AF_INET ? 32 : 128;
    if (slash[1] == '0' && slash[2] == '\0') {
        prefix = 0;
    } else if (parse_port(slash + 1, &prefix) != 0 || prefix > max) {
        return "bad prefix length";
    }
    e.prefix = prefix;
    snprintf(e.ifname, sizeof e.ifname, "%s", ifname);
    for (int i = 0; i < nips; i++) {
        if (ips[i].family == e.family && ips[i].prefix == e.prefix && strcmp(ips[i].ifname, e.ifname) == 0 &&
            memcmp(ips[i].addr, e.addr, sizeof e.addr) == 0) {
            ips[i].stale = 0;
            return NULL;
        }
    }
    if (nips == MAX_IPS) {
        say("more than %d addresses: %s on %s will NOT be removed when the agent dies", MAX_IPS, e.text, e.ifname);
        return NULL;
    }
    ips[nips++] = e;
    return NULL;
}

static const char *add_mount(const char *path)
{
    if (path[0] != '/') {
        return "expected release-mount /ABSOLUTE/PATH";
    }
    if (strlen(path) >= PATH_MAX) {
        return "path too long";
    }
    for (int i = 0; i < nmounts; i++) {
        if (strcmp(mounts[i].path, path) == 0) {
            mounts[i].stale = 0;
            return NULL;
        }
    }
    if (nmounts == MAX_MOUNTS) {
        say("more than %d mount points: %s will NOT be unmounted when the agent dies", MAX_MOUNTS, path);
        return NULL;
    }
    snprintf(mounts[nmounts].path, sizeof mounts[nmounts].path, "%s", path);
    mounts[nmounts].stale = 0;
    nmounts++;
    return NULL;
}

static const char *add_gone(char *rest)
{
    char *address = word(&rest);
    char *port_text = word(&rest);
    char *hex = word(&rest);
    if (address == NULL || port_text == NULL || hex == NULL || rest != NULL) {
        return "expected gone ADDRESS PORT HEX";
    }
    static struct gone_entry e;
    memset(&e, 0, sizeof e);
    int port;
    if (parse_port(port_text, &port) != 0) {
        return "bad port";
    }
    if (strchr(address, ':') != NULL) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&e.to;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        /* a link-local destination is reached through the interface after '%' */
        char *zone = strchr(address, '%');
        if (zone != NULL) {
            *zone++ = '\0';
            a->sin6_scope_id = if_nametoindex(zone);
            if (a->sin6_scope_id == 0) {
                return "no such interface after %";
            }
        }
        if (inet_pton(AF_INET6, address, &a->sin6_addr) != 1) {
            return "not an IPv6 address";
        }
        if (zone != NULL) {
            zone[-1] = '%';
        }
        e.to_len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&e.to;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, address, &a->sin_addr) != 1) {
            return "not an IPv4 address";
        }
        e.to_len = sizeof *a;
    }
    const size_t hex_len = strlen(hex);
    if (hex_len == 0 || hex_len % 2 != 0 || hex_len / 2 > MAX_PAYLOAD) {
        return "the payload is not 1 to 2000 bytes of hex";
    }
    for (size_t i = 0; i < hex_len; i += 2) {
        const int hi = hex_digit(hex[i]);
        const int lo = hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            return "the payload is not hex";
        }
        e.payload[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    e.len = hex_len / 2;
    snprintf(e.text, sizeof e.text, "%s port %d", address, port);
    for (int i = 0; i < ngones; i++) {
        if (gones[i].to_len == e.to_len && memcmp(&gones[i].to, &e.to, e.to_len) == 0 && gones[i].len == e.len &&
            memcmp(gones[i].payload, e.payload, e.len) == 0) {
            gones[i].stale = 0;
            return NULL;
        }
    }
    if (ngones == MAX_GONE) {
        say("more than %d gone datagrams: the one to %s will NOT be sent when the agent dies", MAX_GONE, e.text);
        return NULL;
    }
    gones[ngones++] = e;
    return NULL;
}

/* 'armed' after a 'reset': the entries listed before the reset and not again since are forgotten */
static void commit_reload(void)
{
    int n = 0;
    for (int i = 0; i < nips; i++) {
        if (!ips[i].stale) {
            ips[n++] = ips[i];
        }
    }
    nips = n;
    n = 0;
    for (int i = 0; i < nmounts; i++) {
        if (!mounts[i].stale) {
            if (n != i) {
                memcpy(&mounts[n], &mounts[i], sizeof mounts[i]);
            }
            n++;
        }
    }
    nmounts = n;
    n = 0;
    for (int i = 0; i < ngones; i++) {
        if (!gones[i].stale) {
            if (n != i) {
                memcpy(&gones[n], &gones[i], sizeof gones[i]);
            }
            n++;
        }
    }
    ngones = n;
    reload_open = 0;
}

static void handle_line(char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        const unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f) {
            malformed("a control character", text, len);
            return;
        }
    }
    char copy[MAX_LINE + 1];
    memcpy(copy, text, len + 1);
    if (version_seen < 0) {
        return;
    }
    char *rest = copy;
    const char *keyword = word(&rest);
    if (keyword == NULL) {
        malformed("empty", text, len);
        return;
    }
    if (version_seen == 0) {
        if (strcmp(keyword, "armguard") != 0 || rest == NULL) {
            malformed("expected 'armguard 1' first", text, len);
        } else if (strcmp(rest, "1") == 0) {
            version_seen = 1;
        } else {
            version_seen = -1;
            malformed("protocol version not supported (this armguard speaks 1): every further line is ignored", text,
                      len);
        }
        return;
    }
    const char *error = NULL;
    if (strcmp(keyword, "release-ip") == 0) {
        error = add_ip(rest);
    } else if (strcmp(keyword, "release-mount") == 0) {
        error = rest == NULL ? "expected release-mount PATH" : add_mount(rest);
    } else if (strcmp(keyword, "gone") == 0) {
        error = add_gone(rest);
    } else if (strcmp(keyword, "action") == 0) {
        if (rest != NULL && strcmp(rest, "release") == 0) {
            protocol_action = ACTION_RELEASE;
        } else if (rest != NULL && strcmp(rest, "reboot") == 0) {
            protocol_action = ACTION_REBOOT;
        } else if (rest != NULL && strcmp(rest, "panic") == 0) {
            protocol_action = ACTION_PANIC;
        } else {
            error = "expected action release, reboot or panic";
        }
    } else if (rest != NULL) {
        error = "unknown line";
    } else if (strcmp(keyword, "reset") == 0) {
        for (int i = 0; i < nips; i++) {
            ips[i].stale = 1;
        }
        for (int i = 0; i < nmounts; i++) {
            mounts[i].stale = 1;
        }
        for (int i = 0; i < ngones; i++) {
            gones[i].stale = 1;
        }
        reload_open = 1;
    } else if (strcmp(keyword, "armed") == 0) {
        if (reload_open) {
            commit_reload();
        }
        armed = 1;
        disarmed = 0;
    } else if (strcmp(keyword, "disarm") == 0) {
        armed = 0;
        disarmed = 1;
    } else {
        error = "unknown line";
    }
    if (error != NULL) {
        malformed(error, text, len);
    }
}

/* reads what the pipe has; 0 at its end (every writer closed it), 1 otherwise */
static int read_pipe(int fd)
{
    for (;;) {
        const ssize_t n = read(fd, line + line_len, MAX_LINE - line_len);
        if (n < 0) {
            return errno == EAGAIN || errno == EINTR ? 1 : 0;
        }
        if (n == 0) {
            if (line_len > 0 && !discarding) {
                malformed("no newline at the end", line, line_len);
            }
            line_len = 0;
            return 0;
        }
        line_len += (size_t)n;
        size_t start = 0;
        for (size_t i = start; i < line_len; i++) {
            if (line[i] != '\n') {
                continue;
            }
            line[i] = '\0';
            if (!discarding) {
                handle_line(line + start, i - start);
            }
            discarding = 0;
            start = i + 1;
        }
        memmove(line, line + start, line_len - start);
        line_len -= start;
        if (line_len == MAX_LINE) {
            if (!discarding) {
                malformed("longer than 4096 bytes", line, 64);
            }
            discarding = 1;
            line_len = 0;
        }
    }
}

/* reaps every child that has ended; how many */
static int reap(void)
{
    for (int n = 0;; n++) {
        int status;
        const pid_t p = waitpid(-1, &status, WNOHANG);
        if (p <= 0) {
            return n;
        }
        if (p == child) {
            child_status = status;
            child_done = 1;
        }
    }
}

/* waits for a signal (at most ms) and handles it; only SIGCHLD matters once the child is dead */
static void await_signal(int ms)
{
    struct pollfd p = {.fd = sigfd, .events = POLLIN};
    if (poll(&p, 1, ms) <= 0) {
        return;
    }
    struct signalfd_siginfo si;
    while (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
    }
}

/* SIGKILL to every child of the guardian (and to the process group of each that leads one); how many */
static int kill_children(void)
{
    static char buf[32768];
    const int dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
        return 0;
    }
    int killed = 0;
    for (;;) {
        const long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        for (long off = 0; off < n;) {
            /* struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name */
            unsigned short reclen;
            memcpy(&reclen, buf + off + 16, sizeof reclen);
            const char *name = buf + off + 19;
            off += reclen;
            char *end;
            const long pid = strtol(name, &end, 10);
            struct arm_proc_stat st;
            if (*end != '\0' || pid <= 1 || arm_proc_stat((pid_t)pid, &st) != 0 || st.ppid != self || st.state == 'Z') {
                continue;
            }
            /* a child cannot be reaped by anyone else, so neither its pid nor its group's id can be reused */
            if (st.pgrp == (pid_t)pid) {
                kill(-(pid_t)pid, SIGKILL);
            }
            kill((pid_t)pid, SIGKILL);
            killed++;
        }
    }
    close(dir);
    return killed;
}

/* kills and reaps every descendant, level by level as they are re-parented to the subreaper, within 2 s */
static void kill_descendants(void)
{
    const long long deadline = now_ms() + KILL_DEADLINE_MS;
    int ended = 0;
    for (;;) {
        ended += reap();
        int status;
        const pid_t p = waitpid(-1, &status, WNOHANG);
        if (p < 0 && errno == ECHILD) {
            break;
        }
        ended += p > 0;
        const int left_alive = kill_children();
        const long long left = deadline - now_ms();
        if (left <= 0) {
            say("killed %d processes the agent left; %d still run after SIGKILL for %d ms (blocked in the kernel?)",
                ended, left_alive, KILL_DEADLINE_MS);
            return;
        }
        await_signal(left < 20 ? (int)left : 20);
    }
    say("killed %d processes the agent left", ended);
}

static void unmount_all(void)
{
    for (int i = 0; i < nmounts; i++) {
        const char *path = mounts[i].path;
        int count = 0;
        /* stacked mounts come off one by one; a busy one (a process outside the agent uses it) is detached */
        for (int tries = 0; tries < 16; tries++) {
            if (umount2(path, UMOUNT_NOFOLLOW) == 0) {
                count++;
                continue;
            }
            if (errno == EBUSY && umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0) {
                say("%s is busy (a process outside the agent uses it): detached lazily", path);
                count++;
                continue;
            }
            if (errno != EINVAL && errno != ENOENT) {
                say("cannot unmount %s: %s", path, strerror(errno));
            }
            break;
        }
        if (count > 0) {
            say("unmounted %s", path);
        } else {
            say("%s was not mounted", path);
        }
    }
}

static void add_attr(unsigned char *msg, struct nlmsghdr *h, unsigned short type, const void *data, size_t len)
{
    struct rtattr *a = (struct rtattr *)(msg + NLMSG_ALIGN(h->nlmsg_len));
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    memcpy(RTA_DATA(a), data, len);
    h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* RTM_DELADDR, acknowledged: 0 removed, or an errno (EADDRNOTAVAIL: not there) */
static int delete_address(int nl, unsigned seq, const struct ip_entry *e, unsigned ifindex)
{
    static unsigned char msg[256] __attribute__((aligned(NLMSG_ALIGNTO)));
    memset(msg, 0, sizeof msg);
    struct nlmsghdr *h = (struct nlmsghdr *)msg;
    h->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    h->nlmsg_type = RTM_DELADDR;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    h->nlmsg_seq = seq;
    struct ifaddrmsg *ifa = NLMSG_DATA(h);
    ifa->ifa_family = (unsigned char)e->family;
    ifa->ifa_prefixlen = (unsigned char)e->prefix;
    ifa->ifa_index = ifindex;
    /* IPv4: the local address alone matches it whatever its prefix; IPv6 matches address and prefix */
    if (e->family == AF_INET) {
        add_attr(msg, h, IFA_LOCAL, e->addr, 4);
    } else {
        add_attr(msg, h, IFA_ADDRESS, e->addr, 16);
    }
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(nl, msg, h->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        return errno;
    }
    static unsigned char reply[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
    for (;;) {
        const ssize_t n = recv(nl, reply, sizeof reply, 0);
        if (n < 0) {
            return errno == EAGAIN ? ETIMEDOUT : errno;
        }
        size_t left = (size_t)n;
        for (struct nlmsghdr *r = (struct nlmsghdr *)reply; NLMSG_OK(r, left); r = NLMSG_NEXT(r, left)) {
            if (r->nlmsg_seq == seq && r->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *err = NLMSG_DATA(r);
                return -err->error;
            }
        }
    }
}

static void remove_addresses(void)
{
    if (nips == 0) {
        return;
    }
    const int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (nl < 0) {
        say("cannot open rtnetlink: %s: no address removed", strerror(errno));
        return;
    }
    const struct timeval timeout = {.tv_sec = 1};
    setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    for (int i = 0; i < nips; i++) {
        const struct ip_entry *e = &ips[i];
        const unsigned ifindex = if_nametoindex(e->ifname);
        if (ifindex == 0) {
            say("interface %s is gone: %s is not on it", e->ifname, e->text);
            continue;
        }
        const int err = delete_address(nl, (unsigned)i + 1, e, ifindex);
        if (err == 0) {
            say("removed %s from %s", e->text, e->ifname);
        } else if (err == EADDRNOTAVAIL || err == ENOENT || err == ESRCH) {
            say("%s was not on %s", e->text, e->ifname);
        } else {
            say("cannot remove %s from %s: %s", e->text, e->ifname, strerror(err));
        }
    }
    close(nl);
}

static void send_gone(void)
{
    if (ngones == 0) {
        return;
    }
    int sock[2] = {-1, -1}; /* IPv4, IPv6 */
    int sent[MAX_GONE];
    int error[MAX_GONE];
    memset(sent, 0, sizeof sent);
    memset(error, 0, sizeof error);
    for (int round = 0; round < GONE_COPIES; round++) {
        if (round > 0) {
            const struct timespec spacing = {.tv_nsec = GONE_SPACING_NS};
            nanosleep(&spacing, NULL);
        }
        for (int i = 0; i < ngones; i++) {
            const struct gone_entry *g = &gones[i];
            const int v6 = g->to.ss_family == AF_INET6;
            if (sock[v6] < 0) {
                sock[v6] = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            }
            if (sendto(sock[v6], g->payload, g->len, 0, (const struct sockaddr *)&g->to, g->to_len) ==
                (ssize_t)g->len) {
                sent[i]++;
            } else {
                error[i] = errno;
            }
        }
    }
    for (int i = 0; i < ngones; i++) {
        if (sent[i] > 0) {
            say("sent gone to %s (%d times, %zu bytes)", gones[i].text, sent[i], gones[i].len);
        } else {
            say("cannot send gone to %s: %s", gones[i].text, strerror(error[i]));
        }
    }
    for (int i = 0; i < 2; i++) {
        if (sock[i] >= 0) {
            close(sock[i]);
        }
    }
}

static void finish(enum action action, int dry_run)
{
    if (action == ACTION_RELEASE) {
        return;
    }
    const char *what = action == ACTION_REBOOT ? "reboot" : "panic (sysrq c)";
    if (dry_run) {
        say("would %s now (--dry-run)", what);
        return;
    }
    say("%s now", what);
    if (action == ACTION_REBOOT) {
        reboot(RB_AUTOBOOT);
        say("cannot reboot: %s", strerror(errno));
        return;
    }
    const int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "c", 1) != 1) {
        say("cannot panic through /proc/sysrq-trigger: %s", strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
}

static int exit_code(int status)
{
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static void describe_status(char *buf, size_t size, int status)
{
    if (WIFSIGNALED(status)) {
        snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else {
        snprintf(buf, size, "exited with %d", WEXITSTATUS(status));
    }
}

/* the child, after fork: signals back to their defaults, the pipe's write end kept across exec */
static void run_child(int write_end, char **command)
{
    /* the kernel's struct sigaction, all zero: SIG_DFL, no flags, empty mask (the C library refuses 32, 33) */
    const unsigned long dfl[8] = {0};
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            syscall(SYS_rt_sigaction, sig, dfl, NULL, (NSIG - 1) / 8);
        }
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    char fd_text[16];
    snprintf(fd_text, sizeof fd_text, "%d", write_end);
    if (fcntl(write_end, F_SETFD, 0) != 0 || setenv("ARMD_GUARD_FD", fd_text, 1) != 0) {
        say("cannot pass the pipe to %s: %s", command[0], strerror(errno));
        _exit(EXIT_OWN);
    }
    execvp(command[0], command);
    const int err = errno;
    say("cannot run %s: %s", command[0], strerror(err));
    _exit(err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

static int usage_error(const char *fmt, const char *arg)
{
    char buf[256];
    snprintf(buf, sizeof buf, fmt, arg);
    say("%s (see 'armguard --help')", buf);
    return EXIT_OWN;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"action", required_argument, NULL, 'a'},
                                             {"dry-run", no_argument, NULL, 'n'},
                                             {NULL, 0, NULL, 0}};
    enum action action = ACTION_RELEASE;
    int dry_run = 0;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+ha:n", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            fputs(usage_text, stdout);
            return fflush(stdout) == 0 ? 0 : EXIT_OWN;
        case 'a':
            if (strcmp(optarg, "release") == 0) {
                action = ACTION_RELEASE;
            } else if (strcmp(optarg, "reboot") == 0) {
                action = ACTION_REBOOT;
            } else if (strcmp(optarg, "panic") == 0) {
                action = ACTION_PANIC;
            } else {
                return usage_error("--action takes release, reboot or panic, not '%s'", optarg);
            }
            break;
        case 'n':
            dry_run = 1;
            break;
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        return usage_error("no COMMAND%s", "");
    }
    char **command = argv + optind;

    self = getpid();
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        say("cannot become a child subreaper: %s", strerror(errno));
        return EXIT_OWN;
    }
    /* every signal it handles arrives through a signalfd: blocked from before the fork, none is lost */
    sigset_t handled;
    sigemptyset(&handled);
    static const int signals[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGABRT};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        sigaddset(&handled, signals[i]);
    }
    /* a closed stderr must not kill the guardian */
    signal(SIGPIPE, SIG_IGN);
    int pipefd[2];
    if (sigprocmask(SIG_BLOCK, &handled, NULL) != 0 ||
        (sigfd = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 || pipe2(pipefd, O_CLOEXEC) != 0 ||
        fcntl(pipefd[0], F_SETFL, O_NONBLOCK) != 0) {
        say("cannot set up: %s", strerror(errno));
        return EXIT_OWN;
    }
    child = fork();
    if (child < 0) {
        say("cannot fork: %s", strerror(errno));
        return EXIT_OWN;
    }
    if (child == 0) {
        close(pipefd[0]);
        run_child(pipefd[1], command);
    }
    close(pipefd[1]);
    int pipe_open = 1;

    while (!child_done) {
        struct pollfd p[2] = {{.fd = sigfd, .events = POLLIN}, {.fd = pipefd[0], .events = POLLIN}};
        if (poll(p, pipe_open ? 2 : 1, -1) < 0 && errno != EINTR) {
            say("poll: %s", strerror(errno));
        }
        if (pipe_open && p[1].revents != 0) {
            pipe_open = read_pipe(pipefd[0]);
        }
        struct signalfd_siginfo si;
        while (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
            const int sig = (int)si.ssi_signo;
            if (sig == SIGCHLD) {
                reap();
            } else if (sig == SIGABRT && !child_done) {
                say("SIGABRT (watchdog): killing the agent (pid %d)", (int)child);
                kill(child, SIGKILL);
            } else if (!child_done) {
                kill(child, sig);
            }
        }
        reap();
    }
    /* what the child wrote before it died is still in the pipe: it counts */
    if (pipe_open) {
        read_pipe(pipefd[0]);
    }
    close(pipefd[0]);

    if (malformed_hidden > 0) {
        say("%ld more malformed lines were ignored without a message", malformed_hidden);
    }
    char how[128];
    describe_status(how, sizeof how, child_status);
    if (!armed) {
        say("the agent (pid %d) %s; %s: nothing to release", (int)child, how,
            disarmed ? "it had disarmed" : "it never armed");
        reap();
        return exit_code(child_status);
    }
    say("the agent (pid %d) %s while armed: releasing %d addresses, %d mount points, %d gone datagrams", (int)child,
        how, nips, nmounts, ngones);
    kill_descendants();
    unmount_all();
    remove_addresses();
    send_gone();
    finish(protocol_action >= 0 ? (enum action)protocol_action : action, dry_run);
    return exit_code(child_status);
}
