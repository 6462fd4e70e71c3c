/*
 * armrsp: the guide's resource monitor. A long-running watcher (one per watch, not one per call), so it is
 * the JVM's `armd rsp`: this command replaces itself with the `armd` launcher installed beside it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

int armrsp_main(int argc, char **argv)
{
    char self[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        arm_cmd_error("armrsp", "cannot find its own directory (/proc/self/exe): is /proc mounted?");
        return ARM_EXIT_SYSTEM;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash == NULL || (size_t)(slash - self) + sizeof "/armd" > sizeof self) {
        arm_cmd_error("armrsp", "cannot find its own directory");
        return ARM_EXIT_SYSTEM;
    }
    strcpy(slash, "/armd");
    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (args == NULL) {
        arm_cmd_error("armrsp", "out of memory");
        return ARM_EXIT_SYSTEM;
    }
    args[0] = "armd";
    args[1] = "rsp";
    for (int i = 1; i < argc; i++) {
        args[i + 1] = argv[i];
    }
    execv(self, args);
    fprintf(stderr, "armrsp: cannot run %s (armd rsp): ", self);
    perror(NULL);
    free(args);
    return ARM_EXIT_SYSTEM;
}
