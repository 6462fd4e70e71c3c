/* armstat: the status of servers and groups, from the running agent; --watch repeats it like watch(1) */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armstat [-j|--json] [-w|--watch SECONDS]\n"
    "  prints the cluster's servers (with their heartbeat paths), groups (with resources, monitors and failover\n"
    "  counters) and this server's last transitions; --json prints one JSON object\n"
    "  -w, --watch SECONDS   print it again every SECONDS (1 to 3600) until interrupted, clearing a terminal\n"
    "exit: 0 done, 1 refused, 2 usage, 3 system error, 4 agent not running\n";

static volatile sig_atomic_t stop_watch;

static void on_signal(int sig)
{
    (void)sig;
    stop_watch = 1;
}

/* every `seconds` until SIGINT or SIGTERM: the screen cleared on a terminal, a header, the status */
static int watch(unsigned flags, long seconds)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    const int tty = isatty(STDOUT_FILENO);
    int rc = ARM_EXIT_OK;
    while (!stop_watch) {
        if (tty) {
            fputs("\033[H\033[2J", stdout);
        }
        char when[64];
        const time_t now = time(NULL);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&now));
        printf("Every %lds: armstat%s    %s\n\n", seconds, (flags & ARM_FLAG_JSON) ? " --json" : "", when);
        fflush(stdout);
        rc = arm_cmd_request("armstat", ARM_REQ_STATUS, flags, NULL, 0);
        if (!tty) {
            /* a pipe or file: a blank line between two rounds */
            putchar('\n');
        }
        fflush(stdout);
        struct timespec left = {.tv_sec = seconds, .tv_nsec = 0};
        while (!stop_watch && nanosleep(&left, &left) != 0) {
            /* interrupted by a signal: the loop condition decides */
        }
    }
    return stop_watch ? ARM_EXIT_OK : rc;
}

int armstat_main(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"watch", required_argument, NULL, 'w'},
                                             {NULL, 0, NULL, 0}};
    unsigned flags = 0;
    long seconds = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "hjw:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'j':
            flags |= ARM_FLAG_JSON;
            break;
        case 'w':
            if (arm_parse_uint(optarg, 3600, &seconds) != 0 || seconds < 1) {
                return arm_cmd_usage_error("armstat", "--watch takes seconds from 1 to 3600, not '%s'", optarg);
            }
            break;
        default:
            return arm_cmd_help_or_unknown("armstat", opt, usage_text);
        }
    }
    const int rc = arm_cmd_no_more("armstat", argc, argv, 0);
    if (rc != ARM_CMD_GO_ON) {
        return rc;
    }
    if (seconds > 0) {
        return watch(flags, seconds);
    }
    return arm_cmd_request("armstat", ARM_REQ_STATUS, flags, NULL, 0);
}
