/* armfover: fail a group over to the next server of its policy, or move it to SERVER */
#include <getopt.h>

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
    const int rc = arm_cmd_help_only("armfover", usage_text, argc, argv);
    if (rc != ARM_CMD_GO_ON) {
        return rc;
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
