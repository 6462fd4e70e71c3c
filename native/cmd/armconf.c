/* armconf: the super cluster, from scripts: push a cluster's configuration, or force-return a master server */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armconf push FILE | armconf apply | armconf force-return\n"
    "  push          send FILE (a cluster's configuration) to the super cluster's management server through\n"
    "                this server's agent; it answers once a majority of the master cluster stored it\n"
    "  apply         apply the fetched version of this cluster's configuration that waits for a request\n"
    "                (apply = manual in the super cluster file), through the reload path\n"
    "  force-return  this master server takes the management role and accepts changes alone until it hears\n"
    "                another master server: only when the other master servers are down\n"
    "exit: 0 done, 1 refused or not confirmed, 2 usage or invalid configuration, 3 system error or no\n"
    "  management server answers, 4 agent not running\n";

int armconf_main(int argc, char **argv)
{
    const int rc = arm_cmd_help_only("armconf", usage_text, argc, argv);
    if (rc != ARM_CMD_GO_ON) {
        return rc;
    }
    const int n = argc - optind;
    if (n < 1) {
        return arm_cmd_usage_error("armconf", "expected push FILE, apply or force-return");
    }
    const char *op = argv[optind];
    if (strcmp(op, "force-return") == 0 || strcmp(op, "apply") == 0) {
        if (n != 1) {
            return arm_cmd_usage_error("armconf", "%s takes no argument", op);
        }
        const char *fields[2] = {op, ""};
        return arm_cmd_request("armconf", ARM_REQ_SUPER, 0, fields, 2);
    }
    if (strcmp(op, "push") != 0) {
        return arm_cmd_usage_error("armconf", "unknown operation '%s'", op);
    }
    if (n != 2) {
        return arm_cmd_usage_error("armconf", "push takes one FILE");
    }
    /* the agent reads the file: give it an absolute path, and say here when the file is not there */
    char path[PATH_MAX];
    if (realpath(argv[optind + 1], path) == NULL) {
        return arm_cmd_usage_error("armconf", "%s: %s", argv[optind + 1], strerror(errno));
    }
    const char *fields[2] = {"push", path};
    return arm_cmd_request("armconf", ARM_REQ_SUPER, 0, fields, 2);
}
