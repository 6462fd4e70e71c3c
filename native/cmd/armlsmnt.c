/* armlsmnt: print the mount points of a group's disk resources, one a line */
#include <getopt.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armlsmnt [GROUP]\n"
    "  prints the mount points of GROUP's disk resources, one a line (nothing when it has none);\n"
    "  GROUP defaults to $ARMS_GROUPNAME\n"
    "exit: 0 done, 1 refused, 2 usage or unknown group, 3 system error, 4 agent not running\n";

int armlsmnt_main(int argc, char **argv)
{
    int rc = arm_cmd_help_only("armlsmnt", usage_text, argc, argv);
    if (rc != ARM_CMD_GO_ON) {
        return rc;
    }
    rc = arm_cmd_no_more("armlsmnt", argc, argv, 1);
    if (rc != ARM_CMD_GO_ON) {
        return rc;
    }
    const char *group = optind < argc ? argv[optind] : arm_env("ARMS_GROUPNAME");
    if (group == NULL) {
        return arm_cmd_usage_error("armlsmnt", "no GROUP given and ARMS_GROUPNAME is not set");
    }
    const char *fields[1] = {group};
    return arm_cmd_request("armlsmnt", ARM_REQ_LSMNT, 0, fields, 1);
}
