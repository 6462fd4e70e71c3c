/* armfover: fail a group over to the next server of its policy, or move it to SERVER */
#include <getopt.h>
#include <stdio.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armfover GROUP [SERVER]\n"
    "  without SERVER: fail GROUP over to the next server of its policy (ARMS_FACTOR=GROUPFAILOVER)\n"
    "  with SERVER: move GROUP to SERVER (GROUPMOVE)\n"
    "  scripts get GROUP from $ARMS_GROUPNAME\n"
    "exit: 0 done, 1 refused or failed, 2 usage or unknown group/server, 3 system error,\n"
    "      4 agent not running\n";

int armfover_main(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(usage_text, stdout);
            return ARM_EXIT_OK;
        }
        return arm_cmd_usage_error("armfover", "unknown option");
    }
    int n = argc - optind;
    if (n < 1 || n > 2) {
        return arm_cmd_usage_error("armfover", "expected GROUP and at most one SERVER");
    }
    const char *fields[2] = {argv[optind], n == 2 ? argv[optind + 1] : ""};
    if (n == 2) {
        return arm_cmd_request("armfover", ARM_REQ_GROUP_MOVE, 0, fields, 2);
    }
    return arm_cmd_request("armfover", ARM_REQ_GROUP_FAILOVER, 0, fields, 1);
}
