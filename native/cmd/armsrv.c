/* armsrv: server shutdown|leave|return [SERVER] through the running agent */
#include <getopt.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armsrv shutdown|leave|return [SERVER]\n"
    "  shutdown   shut SERVER down as a cluster member; its groups fail over (SERVERSHUTDOWN)\n"
    "  leave      cut SERVER off from the cluster (CLUSTERLEAVE)\n"
    "  return     return SERVER to the cluster; recovery (RECOVER) runs there\n"
    "  SERVER defaults to this server.\n"
    "exit: 0 done, 1 refused or failed, 2 usage or unknown server, 3 system error, 4 agent not running\n";

static const struct arm_cmd_op ops[] = {
    {"shutdown", ARM_REQ_SERVER_SHUTDOWN},
    {"leave", ARM_REQ_SERVER_LEAVE},
    {"return", ARM_REQ_SERVER_RETURN},
};

int armsrv_main(int argc, char **argv)
{
    const int rc = arm_cmd_help_only("armsrv", usage_text, argc, argv);
    if (rc != ARM_CMD_GO_ON) {
        return rc;
    }
    int n = argc - optind;
    if (n < 1 || n > 2) {
        return arm_cmd_usage_error("armsrv", "expected shutdown, leave or return, and at most one SERVER");
    }
    const char *op = argv[optind];
    const long type = arm_cmd_op_type(ops, sizeof ops / sizeof ops[0], op);
    if (type < 0) {
        return arm_cmd_usage_error("armsrv", "unknown operation '%s'", op);
    }
    const char *fields[1] = {n == 2 ? argv[optind + 1] : ""};
    return arm_cmd_request("armsrv", (unsigned)type, 0, fields, 1);
}
