/* armrsp: resource monitoring (ping a router, watch a device): not available yet */
#include <stdio.h>
#include <string.h>

#include "arm_cmd.h"
#include "arm_protocol.h"

int armrsp_main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs("usage: armrsp ...\n  resource monitoring: not available yet in armd\n"
              "exit: 3 (not available)\n", stdout);
        return ARM_EXIT_OK;
    }
    arm_cmd_error("armrsp", "not available yet: resource monitoring is not built in this armd");
    return ARM_EXIT_SYSTEM;
}
