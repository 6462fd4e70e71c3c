/*
 * armload: starts an application from a start script and has the agent watch it. The child starts a
 * session of its own (setsid), with default signal actions, no blocked signals and no descriptor beyond
 * stdin (/dev/null), stdout and stderr, and execs COMMAND; armload registers the child's pid with the agent
 * (LOAD) and exits. The agent watches that process through a pidfd and acts when it disappears.
 * Until armload exits the child stays armload's child, so its pid cannot be reused before the agent
 * holds a pidfd on it, even when it dies at once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arm_client.h"
#include "arm_cmd.h"
#include "arm_codec.h"
#include "arm_protocol.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const char usage_text[] =
    "usage: armload [-g GROUP] [-i NAME] [-r N] [-w SEC] [-a failover|restart] COMMAND [ARGS...]\n"
    "  starts COMMAND (in a session of its own, stdin /dev/null, stdout and stderr inherited) and has\n"
    "  the agent watch the process; when it disappears the agent restarts the group here up to N\n"
    "  times, SEC seconds apart, then does the action\n"
    "  -g, --group GROUP     the group (default $ARMS_GROUPNAME)\n"
    "  -i, --id NAME         the name armkill uses (default: COMMAND's basename)\n"
    "  -r, --restart N       in-place group restarts before the action (default 0)\n"
    "  -w, --wait SEC        seconds between restarts (default 0)\n"
    "  -a, --action ACTION   failover (default): fail the group over to the next server;\n"
    "                        restart: restart the group on this server again\n"
    "exit: 0 started and watched, 1 the agent refused (the process is killed), 2 usage or unknown group,\n"
    "      3 system error (COMMAND cannot run), 4 agent not running (the process is killed)\n";

static char command_line[1024];

static void describe(int argc, char **argv)
{
    size_t len = 0;
    for (int i = 0; i < argc && len + 2 < sizeof command_line; i++) {
        int n = snprintf(command_line + len, sizeof command_line - len, "%s%s", i > 0 ? " " : "", argv[i]);
        if (n < 0) {
            break;
        }
        len += (size_t)n;
    }
    if (len >= sizeof command_line) {
        command_line[sizeof command_line - 1] = '\0';
    }
}

/*
 * In the child before exec: what the start script ignored, blocked or had open is not the application's.
 * Every signal back to its default action (exec keeps SIG_IGN) and unblocked (exec keeps the mask), and
 * every descriptor beyond 0, 1, 2 closed at exec (the failure report pipe stays open until then).
 */
static void reset_for_exec(void)
{
    /* the kernel's struct sigaction, all zero: SIG_DFL, no flags, empty mask. Through the system call, since
       the C library refuses its own reserved real-time signals (32, 33), which a caller may have ignored. */
    const unsigned long dfl[8] = {0};
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            syscall(SYS_rt_sigaction, sig, dfl, NULL, (NSIG - 1) / 8);
        }
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
        return;
    }
    /* kernels before 5.11: one descriptor at a time */
    DIR *fds = opendir("/proc/self/fd");
    if (fds == NULL) {
        return;
    }
    struct dirent *e;
    while ((e = readdir(fds)) != NULL) {
        const int fd = atoi(e->d_name);
        if (fd > 2 && fd != dirfd(fds)) {
            fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
    }
    closedir(fds);
}

static void reap(pid_t pid)
{
    kill(-pid, SIGKILL); /* its whole session's process group: it may have started children */
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
}

int armload_main(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"group", required_argument, NULL, 'g'},
                                             {"id", required_argument, NULL, 'i'},
                                             {"restart", required_argument, NULL, 'r'},
                                             {"wait", required_argument, NULL, 'w'},
                                             {"action", required_argument, NULL, 'a'},
                                             {NULL, 0, NULL, 0}};
    const char *group = arm_env("ARMS_GROUPNAME");
    const char *id = NULL;
    const char *action = ARM_LOAD_ACTION_FAILOVER;
    long restarts = 0;
    long wait_s = 0;
    int opt;
    /* '+': options end at COMMAND, whose own options are its business */
    while ((opt = getopt_long(argc, argv, "+hg:i:r:w:a:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'g':
            group = optarg;
            break;
        case 'i':
            id = optarg;
            break;
        case 'r':
            if (arm_parse_uint(optarg, 1000, &restarts) != 0) {
                return arm_cmd_usage_error("armload", "-r takes a whole number from 0 to 1000, not '%s'", optarg);
            }
            break;
        case 'w':
            if (arm_parse_uint(optarg, 86400, &wait_s) != 0) {
                return arm_cmd_usage_error("armload", "-w takes whole seconds from 0 to 86400, not '%s'", optarg);
            }
            break;
        case 'a':
            if (strcmp(optarg, ARM_LOAD_ACTION_FAILOVER) != 0 && strcmp(optarg, ARM_LOAD_ACTION_RESTART) != 0) {
                return arm_cmd_usage_error("armload", "-a takes failover or restart, not '%s'", optarg);
            }
            action = optarg;
            break;
        default:
            return arm_cmd_help_or_unknown("armload", opt, usage_text);
        }
    }
    if (optind >= argc) {
        return arm_cmd_usage_error("armload", "no COMMAND");
    }
    if (group == NULL) {
        return arm_cmd_usage_error("armload", "no -g GROUP given and ARMS_GROUPNAME is not set");
    }
    char **command = argv + optind;
    if (id == NULL) {
        const char *slash = strrchr(command[0], '/');
        id = slash != NULL ? slash + 1 : command[0];
    }
    if (id[0] == '\0') {
        return arm_cmd_usage_error("armload", "empty NAME");
    }
    describe(argc - optind, command);

    /* the child reports a failed exec through this pipe; a successful exec closes it (CLOEXEC) */
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        arm_cmd_error("armload", "pipe: %s", strerror(errno));
        return ARM_EXIT_SYSTEM;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        arm_cmd_error("armload", "fork: %s", strerror(errno));
        return ARM_EXIT_SYSTEM;
    }
    if (pid == 0) {
        close(report[0]);
        setsid();
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0) {
            dup2(null, 0); /* dup2 clears CLOEXEC on fd 0 */
        }
        reset_for_exec();
        execvp(command[0], command);
        int err = errno;
        ssize_t w = write(report[1], &err, sizeof err);
        (void)w;
        _exit(127);
    }
    close(report[1]);
    int child_errno = 0;
    ssize_t r;
    while ((r = read(report[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
    }
    close(report[0]);
    if (r > 0) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        arm_cmd_error("armload", "cannot run %s: %s", command[0], strerror(child_errno));
        return ARM_EXIT_SYSTEM;
    }

    char pid_text[16], restarts_text[16], wait_text[16];
    snprintf(pid_text, sizeof pid_text, "%d", (int)pid);
    snprintf(restarts_text, sizeof restarts_text, "%ld", restarts);
    snprintf(wait_text, sizeof wait_text, "%ld", wait_s);
    const char *fields[7] = {group, id, pid_text, action, restarts_text, wait_text, command_line};
    struct arm_reply reply;
    int rc = arm_call(ARM_REQ_LOAD, 0, fields, 7, arm_client_timeout_ms(), &reply);
    if (rc < 0) {
        reap(pid);
        arm_cmd_error("armload", "%s (%s stopped again)", arm_last_error(), id);
        return arm_client_error_exit(rc);
    }
    if (reply.status != ARM_ST_OK) {
        reap(pid);
        size_t len = strcspn(reply.text, "\n");
        fprintf(stderr, "armload: %.*s (%s stopped again)\n", (int)len, reply.text, id);
        return arm_status_exit(reply.status);
    }
    if (reply.len > 0) {
        fwrite(reply.text, 1, reply.len, stdout);
        if (reply.text[reply.len - 1] != '\n') {
            fputc('\n', stdout);
        }
    }
    return ARM_EXIT_OK;
}
