/* armgrp: group start|stop|move GROUP [SERVER] through the running agent */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

static const char usage_text[] =
    "usage: armgrp start GROUP [SERVER] | stop GROUP | move GROUP [SERVER]\n"
    "  start   start GROUP on SERVER, or on its server by policy\n"
    "  stop    stop GROUP (ARMS_FACTOR=GROUPSTOP)\n"
    "  move    move GROUP to SERVER, or to the next server of its policy (GROUPMOVE)\n"
    "exit: 0 done, 1 refused or failed, 2 usage or unknown group/server, 3 system error,\n"
    "      4 agent not running\n";

int armgrp_main(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(usage_text, stdout);
            return ARM_EXIT_OK;
        }
        return arm_cmd_usage_error("armgrp", "unknown option");
    }
    int n = argc - optind;
    if (n < 2) {
        return arm_cmd_usage_error("armgrp", "expected start, stop or move, and GROUP");
    }
    const char *op = argv[optind];
    const char *fields[2] = {argv[optind + 1], n > 2 ? argv[optind + 2] : ""};
    if (strcmp(op, "stop") == 0) {
        if (n != 2) {
            return arm_cmd_usage_error("armgrp", "stop takes only GROUP");
        }
        return arm_cmd_request("armgrp", ARM_REQ_GROUP_STOP, 0, fields, 1);
    }
    if (n > 3) {
        return arm_cmd_usage_error("armgrp", "unexpected argument '%s'", argv[optind + 3]);
    }
    if (strcmp(op, "start") == 0) {
        return arm_cmd_request("armgrp", ARM_REQ_GROUP_START, 0, fields, 2);
    }
    if (strcmp(op, "move") == 0) {
        return arm_cmd_request("armgrp", ARM_REQ_GROUP_MOVE, 0, fields, 2);
    }
    return arm_cmd_usage_error("armgrp", "unknown operation '%s'", op);
}
