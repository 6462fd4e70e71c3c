/* armstat: the status of servers and groups, from the running agent */
#include <getopt.h>
#include <stdio.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armstat [-j|--json]\n"
    "  prints the cluster's servers and groups; --json prints one JSON object\n"
    "exit: 0 done, 1 refused, 3 system error, 4 agent not running\n";

int armstat_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'}, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
    unsigned flags = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "hj", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            fputs(usage_text, stdout);
            return ARM_EXIT_OK;
        case 'j':
            flags |= ARM_FLAG_JSON;
            break;
        default:
            return arm_cmd_usage_error("armstat", "unknown option");
        }
    }
    if (optind != argc) {
        return arm_cmd_usage_error("armstat", "unexpected argument '%s'", argv[optind]);
    }
    return arm_cmd_request("armstat", ARM_REQ_STATUS, flags, NULL, 0);
}
