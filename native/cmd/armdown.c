/* armdown: shut this server down as a cluster member, so that its groups fail over */
#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armdown\n"
    "  shuts this server down as a cluster member so that its groups fail over; what happens to the\n"
    "  machine itself (nothing, poweroff, reboot) is the agent's configured power-off action\n"
    "exit: 0 done, 1 refused or failed, 2 usage, 3 system error, 4 agent not running\n";

int armdown_main(int argc, char **argv)
{
    int rc = arm_cmd_help_only("armdown", usage_text, argc, argv);
    if (rc != ARM_CMD_GO_ON) {
        return rc;
    }
    rc = arm_cmd_no_more("armdown", argc, argv, 0);
    if (rc != ARM_CMD_GO_ON) {
        return rc;
    }
    return arm_cmd_request("armdown", ARM_REQ_DOWN, 0, NULL, 0);
}
