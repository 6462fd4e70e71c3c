/* armdown: shut this server down as a cluster member, so that its groups fail over */
#include <getopt.h>
#include <stdio.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armdown\n"
    "  shuts this server down as a cluster member so that its groups fail over; what happens to the\n"
    "  machine itself (nothing, poweroff, reboot) is the agent's configured power-off action\n"
    "exit: 0 done, 1 refused or failed, 3 system error, 4 agent not running\n";

int armdown_main(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(usage_text, stdout);
            return ARM_EXIT_OK;
        }
        return arm_cmd_usage_error("armdown", "unknown option");
    }
    if (optind != argc) {
        return arm_cmd_usage_error("armdown", "unexpected argument '%s'", argv[optind]);
    }
    return arm_cmd_request("armdown", ARM_REQ_DOWN, 0, NULL, 0);
}
