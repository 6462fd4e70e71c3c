/* arm_cmd.c: shared helpers of the arm* commands (arm_cmd.h) */
#include "arm_cmd.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arm_client.h"
#include "arm_codec.h"

const char *arm_env(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* "prog: message" on stderr, without the end of the line */
static void vmessage(const char *prog, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
}

void arm_cmd_error(const char *prog, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(prog, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int arm_cmd_usage_error(const char *prog, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(prog, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see '%s --help')\n", prog);
    return ARM_EXIT_USAGE;
}

int arm_parse_uint(const char *s, long max, long *out)
{
    if (s == NULL || *s == '\0' || strlen(s) > 10) {
        return -1;
    }
    long v = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return -1;
        }
        v = v * 10 + (*p - '0');
    }
    if (v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

int arm_cmd_help_or_unknown(const char *prog, int opt, const char *usage_text)
{
    if (opt == 'h') {
        fputs(usage_text, stdout);
        return ARM_EXIT_OK;
    }
    return arm_cmd_usage_error(prog, "unknown option");
}

int arm_cmd_help_only(const char *prog, const char *usage_text, int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const int opt = getopt_long(argc, argv, "h", longopts, NULL);
    return opt == -1 ? ARM_CMD_GO_ON : arm_cmd_help_or_unknown(prog, opt, usage_text);
}

int arm_cmd_no_more(const char *prog, int argc, char **argv, int used)
{
    if (optind + used < argc) {
        return arm_cmd_usage_error(prog, "unexpected argument '%s'", argv[optind + used]);
    }
    return ARM_CMD_GO_ON;
}

long arm_cmd_op_type(const struct arm_cmd_op *ops, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ops[i].name, name) == 0) {
            return (long)ops[i].type;
        }
    }
    return -1;
}

int arm_cmd_request(const char *prog, unsigned type, unsigned flags, const char *const *fields, size_t n)
{
    struct arm_reply reply;
    int rc = arm_call(type, flags, fields, n, arm_client_timeout_ms(), &reply);
    if (rc < 0) {
        arm_cmd_error(prog, "%s", arm_last_error());
        return arm_client_error_exit(rc);
    }
    if (reply.status != ARM_ST_OK) {
        /* one line: the agent's message up to its first newline */
        size_t len = strcspn(reply.text, "\n");
        fprintf(stderr, "%s: %.*s\n", prog, (int)len, reply.text);
        return arm_status_exit(reply.status);
    }
    if (reply.len > 0) {
        fwrite(reply.text, 1, reply.len, stdout);
        if (reply.text[reply.len - 1] != '\n') {
            fputc('\n', stdout);
        }
    }
    if (fflush(stdout) != 0) {
        arm_cmd_error(prog, "cannot write the output: stdout closed");
        return ARM_EXIT_SYSTEM;
    }
    return ARM_EXIT_OK;
}
