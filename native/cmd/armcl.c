/* armcl: cluster start|shutdown through the running agent */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armcl start|shutdown\n"
    "  start      start the cluster: every group on its server by policy\n"
    "  shutdown   shut the whole cluster down (stop scripts run with ARMS_FACTOR=CLUSTERSHUTDOWN)\n"
    "exit: 0 done, 1 refused or failed, 2 usage, 3 system error, 4 agent not running\n";

int armcl_main(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(usage_text, stdout);
            return ARM_EXIT_OK;
        }
        return arm_cmd_usage_error("armcl", "unknown option");
    }
    if (argc - optind != 1) {
        return arm_cmd_usage_error("armcl", "expected start or shutdown");
    }
    const char *op = argv[optind];
    if (strcmp(op, "start") == 0) {
        return arm_cmd_request("armcl", ARM_REQ_CLUSTER_START, 0, NULL, 0);
    }
    if (strcmp(op, "shutdown") == 0) {
        return arm_cmd_request("armcl", ARM_REQ_CLUSTER_SHUTDOWN, 0, NULL, 0);
    }
    return arm_cmd_usage_error("armcl", "unknown operation '%s'", op);
}
