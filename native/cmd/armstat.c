/* armstat: the status of servers and groups, from the running agent */
#include <getopt.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armstat [-j|--json]\n"
    "  prints the cluster's servers and groups; --json prints one JSON object\n"
    "exit: 0 done, 1 refused, 2 usage, 3 system error, 4 agent not running\n";

int armstat_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'}, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
    unsigned flags = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "hj", longopts, NULL)) != -1) {
        switch (opt) {
        case 'j':
            flags |= ARM_FLAG_JSON;
            break;
        default:
            return arm_cmd_help_or_unknown("armstat", opt, usage_text);
        }
    }
    const int rc = arm_cmd_no_more("armstat", argc, argv, 0);
    if (rc != ARM_CMD_GO_ON) {
        return rc;
    }
    return arm_cmd_request("armstat", ARM_REQ_STATUS, flags, NULL, 0);
}
