/*
 * armctl: the one binary behind every arm* command. It runs the command named by its own name
 * (argv[0], through a link: armload, armkill, ...), or by its first argument (armctl armstat).
 */
#include <stdio.h>
#include <string.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

struct command {
    const char *name;
    int (*main)(int, char **);
    const char *summary;
};

static const struct command commands[] = {
    {"armcl", armcl_main, "cluster start|shutdown"},
    {"armsrv", armsrv_main, "server shutdown|leave|return [SERVER]"},
    {"armgrp", armgrp_main, "group start|stop|move GROUP [SERVER]"},
    {"armstat", armstat_main, "status of servers and groups (--json)"},
    {"armload", armload_main, "start an application and have the agent watch it"},
    {"armkill", armkill_main, "stop an application started by armload, without failover"},
    {"armlog", armlog_main, "write a line to the agent's log"},
    {"armfover", armfover_main, "fail a group over, or move it to SERVER"},
    {"armdown", armdown_main, "shut this server down as a cluster member"},
    {"armlsmnt", armlsmnt_main, "list the mount points of a group's disk resources"},
    {"armrelpath", armrelpath_main, "kill the processes using a path (local, like fuser -k)"},
    {"armrsp", armrsp_main, "resource monitor: runs armd rsp (a long-running watcher)"},
    {"armconf", armconf_main, "super cluster: push FILE, force-return"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: armctl COMMAND [ARGS...]   (or run COMMAND through its link of the same name)\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "'COMMAND --help' describes a command. Control socket: env ARMD_SOCKET, else %s\n",
            ARM_DEFAULT_SOCKET);
}

static const struct command *find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *self = argc > 0 ? argv[0] : "armctl";
    const char *slash = strrchr(self, '/');
    const char *name = slash != NULL ? slash + 1 : self;
    const struct command *c = find(name);
    if (c != NULL) {
        argv[0] = (char *)c->name;
        return c->main(argc, argv);
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? ARM_EXIT_USAGE : ARM_EXIT_OK;
    }
    c = find(argv[1]);
    if (c == NULL) {
        fprintf(stderr, "armctl: unknown command '%s' (see 'armctl --help')\n", argv[1]);
        return ARM_EXIT_USAGE;
    }
    return c->main(argc - 1, argv + 1);
}
