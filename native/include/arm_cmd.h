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

/* what the helpers below return when the command goes on (every exit code is >= 0) */
#define ARM_CMD_GO_ON (-1)

/* the end of every command's getopt switch: for 'h' prints usage_text on stdout and returns ARM_EXIT_OK,
   for anything else (getopt has already named the option) returns a usage error "unknown option" */
int arm_cmd_help_or_unknown(const char *prog, int opt, const char *usage_text);

/* the option parsing of a command whose only option is -h/--help: ARM_CMD_GO_ON, with the operands
   from optind, or the exit code of arm_cmd_help_or_unknown */
int arm_cmd_help_only(const char *prog, const char *usage_text, int argc, char **argv);

/* after the command has used `used` operands from optind: ARM_CMD_GO_ON when there are no more, else a
   usage error "unexpected argument" naming the first extra one */
int arm_cmd_no_more(const char *prog, int argc, char **argv, int used);

/* an operation word of a command (armcl start) and the request it sends */
struct arm_cmd_op {
    const char *name;
    unsigned type;
};

/* the request type of operation `name` among the n ops; -1 when there is none of that name */
long arm_cmd_op_type(const struct arm_cmd_op *ops, size_t n, const char *name);

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
int armconf_main(int argc, char **argv);

#endif
