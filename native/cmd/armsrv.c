/* armsrv: server shutdown|leave|return [SERVER] through the running agent */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armsrv shutdown|leave|return [SERVER]\n"
    "  shutdown   shut SERVER down as a cluster member; its groups fail over (SERVERSHUTDOWN)\n"
    "  leave      cut SERVER off from the cluster (CLUSTERLEAVE)\n"
    "  return     return SERVER to the cluster; recovery (RECOVER) runs there\n"
    "  SERVER defaults to this server.\n"
    "exit: 0 done, 1 refused or failed, 2 usage or unknown server, 3 system error, 4 agent not running\n";

int armsrv_main(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(usage_text, stdout);
            return ARM_EXIT_OK;
        }
        return arm_cmd_usage_error("armsrv", "unknown option");
    }
    int n = argc - optind;
    if (n < 1 || n > 2) {
        return arm_cmd_usage_error("armsrv", "expected shutdown, leave or return, and at most one SERVER");
    }
    const char *op = argv[optind];
    const char *fields[1] = {n == 2 ? argv[optind + 1] : ""};
    unsigned type;
    if (strcmp(op, "shutdown") == 0) {
        type = ARM_REQ_SERVER_SHUTDOWN;
    } else if (strcmp(op, "leave") == 0) {
        type = ARM_REQ_SERVER_LEAVE;
    } else if (strcmp(op, "return") == 0) {
        type = ARM_REQ_SERVER_RETURN;
    } else {
        return arm_cmd_usage_error("armsrv", "unknown operation '%s'", op);
    }
    return arm_cmd_request("armsrv", type, 0, fields, 1);
}
