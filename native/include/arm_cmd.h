/*
 * arm_cmd.h: what every arm* command shares, and the entry point of each command (cmd/<name>.c).
 */
#ifndef ARM_CMD_H
#define ARM_CMD_H

#include <stddef.h>

/* sends one request; on ok prints the reply's text on stdout, else "prog: reason" on stderr.
   Returns the command's exit code (ARM_EXIT_*). */
int arm_cmd_request(const char *prog, unsigned type, unsigned flags, const char *const *fields, size_t n);

/* an environment variable's value, or NULL when unset or empty */
const char *arm_env(const char *name);

/* prints "prog: message" on stderr, one line */
void arm_cmd_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* a usage error: prints "prog: message (see 'prog --help')" and returns ARM_EXIT_USAGE */
int arm_cmd_usage_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* parses a whole non-negative decimal number no larger than max; 0 or -1 */
int arm_parse_uint(const char *s, long max, long *out);

int armload_main(int argc, char **argv);
int armkill_main(int argc, char **argv);
int armlog_main(int argc, char **argv);
int armfover_main(int argc, char **argv);
int armdown_main(int argc, char **argv);
int armrsp_main(int argc, char **argv);
int armrelpath_main(int argc, char **argv);
int armlsmnt_main(int argc, char **argv);
int armcl_main(int argc, char **argv);
int armgrp_main(int argc, char **argv);
int armsrv_main(int argc, char **argv);
int armstat_main(int argc, char **argv);

#endif
