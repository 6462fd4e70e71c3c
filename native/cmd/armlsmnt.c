/* armlsmnt: print the mount points of a group's disk resources, one a line */
#include <getopt.h>
#include <stdio.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armlsmnt [GROUP]\n"
    "  prints the mount points of GROUP's disk resources, one a line (nothing when it has none);\n"
    "  GROUP defaults to $ARMS_GROUPNAME\n"
    "exit: 0 done, 1 refused, 2 usage or unknown group, 3 system error, 4 agent not running\n";

int armlsmnt_main(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(usage_text, stdout);
            return ARM_EXIT_OK;
        }
        return arm_cmd_usage_error("armlsmnt", "unknown option");
    }
    int n = argc - optind;
    if (n > 1) {
        return arm_cmd_usage_error("armlsmnt", "unexpected argument '%s'", argv[optind + 1]);
    }
    const char *group = n == 1 ? argv[optind] : arm_env("ARMS_GROUPNAME");
    if (group == NULL) {
        return arm_cmd_usage_error("armlsmnt", "no GROUP given and ARMS_GROUPNAME is not set");
    }
    const char *fields[1] = {group};
    return arm_cmd_request("armlsmnt", ARM_REQ_LSMNT, 0, fields, 1);
}
