/* armcl: cluster start|shutdown through the running agent */
#include <getopt.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armcl start|shutdown\n"
    "  start      start the cluster: every group on its server by policy\n"
    "  shutdown   shut the whole cluster down (stop scripts run with ARMS_FACTOR=CLUSTERSHUTDOWN)\n"
    "exit: 0 done, 1 refused or failed, 2 usage, 3 system error, 4 agent not running\n";

static const struct arm_cmd_op ops[] = {
    {"start", ARM_REQ_CLUSTER_START},
    {"shutdown", ARM_REQ_CLUSTER_SHUTDOWN},
};

int armcl_main(int argc, char **argv)
{
    int rc = arm_cmd_help_only("armcl", usage_text, argc, argv);
    if (rc != ARM_CMD_GO_ON) {
        return rc;
    }
    if (argc - optind != 1) {
        return arm_cmd_usage_error("armcl", "expected start or shutdown");
    }
    const char *op = argv[optind];
    const long type = arm_cmd_op_type(ops, sizeof ops / sizeof ops[0], op);
    if (type < 0) {
        return arm_cmd_usage_error("armcl", "unknown operation '%s'", op);
    }
    return arm_cmd_request("armcl", (unsigned)type, 0, NULL, 0);
}
