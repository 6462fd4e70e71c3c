/* armlog: write a line to the agent's log, naming the group and script that called it */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armlog [-g GROUP] MESSAGE...\n"
    "  writes MESSAGE (the arguments joined by spaces) to the agent's log\n"
    "  -g, --group GROUP   the group to name (default $ARMS_GROUPNAME; none outside a script)\n"
    "  the script (start or stop) is named from $ARMD_SCRIPT when the agent set it\n"
    "exit: 0 logged, 1 refused, 2 usage, 3 system error, 4 agent not running\n";

/* a log line: at most what one request carries */
static char message[8192];

int armlog_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'}, {"group", required_argument, NULL, 'g'}, {NULL, 0, NULL, 0}};
    const char *group = arm_env("ARMS_GROUPNAME");
    int opt;
    while ((opt = getopt_long(argc, argv, "+hg:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'g':
            group = optarg;
            break;
        default:
            return arm_cmd_help_or_unknown("armlog", opt, usage_text);
        }
    }
    if (optind >= argc) {
        return arm_cmd_usage_error("armlog", "no MESSAGE");
    }
    size_t len = 0;
    for (int i = optind; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (len + n + 2 > sizeof message) {
            return arm_cmd_usage_error("armlog", "MESSAGE longer than %zu bytes", sizeof message - 1);
        }
        if (i > optind) {
            message[len++] = ' ';
        }
        memcpy(message + len, argv[i], n);
        len += n;
    }
    message[len] = '\0';
    const char *script = arm_env("ARMD_SCRIPT");
    if (script != NULL && strcmp(script, "start") != 0 && strcmp(script, "stop") != 0) {
        script = NULL;
    }
    const char *fields[3] = {group != NULL ? group : "", script != NULL ? script : "", message};
    return arm_cmd_request("armlog", ARM_REQ_LOG, 0, fields, 3);
}
