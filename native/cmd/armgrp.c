/* armgrp: group start|stop|move GROUP [SERVER] through the running agent */
#include <getopt.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armgrp start GROUP [SERVER] | stop GROUP | move GROUP [SERVER]\n"
    "  start   start GROUP on SERVER, or on its server by policy\n"
    "  stop    stop GROUP (ARMS_FACTOR=GROUPSTOP)\n"
    "  move    move GROUP to SERVER, or to the next server of its policy (GROUPMOVE)\n"
    "exit: 0 done, 1 refused or failed, 2 usage or unknown group/server, 3 system error,\n"
    "      4 agent not running\n";

static const struct arm_cmd_op ops[] = {
    {"start", ARM_REQ_GROUP_START},
    {"stop", ARM_REQ_GROUP_STOP},
    {"move", ARM_REQ_GROUP_MOVE},
};

int armgrp_main(int argc, char **argv)
{
    int rc = arm_cmd_help_only("armgrp", usage_text, argc, argv);
    if (rc != ARM_CMD_GO_ON) {
        return rc;
    }
    int n = argc - optind;
    if (n < 2) {
        return arm_cmd_usage_error("armgrp", "expected start, stop or move, and GROUP");
    }
    const char *op = argv[optind];
    const long type = arm_cmd_op_type(ops, sizeof ops / sizeof ops[0], op);
    const char *fields[2] = {argv[optind + 1], n > 2 ? argv[optind + 2] : ""};
    if (type == ARM_REQ_GROUP_STOP) {
        if (n != 2) {
            return arm_cmd_usage_error("armgrp", "stop takes only GROUP");
        }
        return arm_cmd_request("armgrp", ARM_REQ_GROUP_STOP, 0, fields, 1);
    }
    rc = arm_cmd_no_more("armgrp", argc, argv, 3);
    if (rc != ARM_CMD_GO_ON) {
        return rc;
    }
    if (type < 0) {
        return arm_cmd_usage_error("armgrp", "unknown operation '%s'", op);
    }
    return arm_cmd_request("armgrp", (unsigned)type, 0, fields, 2);
}
