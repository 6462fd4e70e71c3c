/* armkill: stop an application started by armload, without failover */
#include <getopt.h>
#include <stdio.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armkill [-g GROUP] [-t SEC] [-i] NAME\n"
    "  asks the agent to stop watching the process armload started as NAME and to end it:\n"
    "  SIGTERM, then SIGKILL when it has not exited after SEC seconds; no failover follows\n"
    "  -g, --group GROUP   its group (default $ARMS_GROUPNAME)\n"
    "  -i, --id NAME       the name armload gave it (armload -i; default there: the command's basename)\n"
    "  -t, --timeout SEC   grace period before SIGKILL (default 10)\n"
    "exit: 0 stopped, 1 refused or failed, 2 usage or unknown group/name, 3 system error,\n"
    "      4 agent not running\n";

int armkill_main(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"group", required_argument, NULL, 'g'},
                                             {"id", required_argument, NULL, 'i'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {NULL, 0, NULL, 0}};
    const char *group = arm_env("ARMS_GROUPNAME");
    const char *id = NULL;
    long timeout_s = 10;
    int opt;
    while ((opt = getopt_long(argc, argv, "hg:i:t:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'g':
            group = optarg;
            break;
        case 'i':
            id = optarg;
            break;
        case 't':
            if (arm_parse_uint(optarg, 3600, &timeout_s) != 0) {
                return arm_cmd_usage_error("armkill", "-t takes whole seconds from 0 to 3600, not '%s'", optarg);
            }
            break;
        default:
            return arm_cmd_help_or_unknown("armkill", opt, usage_text);
        }
    }
    if (id == NULL && optind < argc) {
        id = argv[optind++];
    }
    const int rc = arm_cmd_no_more("armkill", argc, argv, 0);
    if (rc != ARM_CMD_GO_ON) {
        return rc;
    }
    if (id == NULL) {
        return arm_cmd_usage_error("armkill", "no NAME");
    }
    if (group == NULL) {
        return arm_cmd_usage_error("armkill", "no -g GROUP given and ARMS_GROUPNAME is not set");
    }
    char timeout_ms[16];
    snprintf(timeout_ms, sizeof timeout_ms, "%ld", timeout_s * 1000);
    const char *fields[3] = {group, id, timeout_ms};
    return arm_cmd_request("armkill", ARM_REQ_KILL, 0, fields, 3);
}
