/*
 * arm_client.h: one request to the running armd agent over its control socket, one reply back.
 * Every call returns 0 or a negative ARM_CLIENT_E* code and keeps a one-line last-error string.
 * Not thread-safe (the commands are single-threaded): replies live in one static buffer.
 */
#ifndef ARM_CLIENT_H
#define ARM_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "arm_protocol.h"

/* wait this long for a reply: longer than the agent's own deadline (120 s), so its "timed out" comes first */
#define ARM_CLIENT_TIMEOUT_MS 150000

#define ARM_CLIENT_ENOAGENT (-1) /* no socket, or nobody listens on it */
#define ARM_CLIENT_EACCES (-2)   /* the caller may not open the socket */
#define ARM_CLIENT_EIO (-3)      /* a system error, a timeout or a malformed reply */
#define ARM_CLIENT_EUSAGE (-4)   /* the request is too large or malformed */

struct arm_reply {
    unsigned type;    /* ARM_RES_RESULT or ARM_RES_PROTOCOL_ERROR */
    unsigned status;  /* enum arm_status */
    const char *text; /* NUL-terminated; valid until the next call */
    size_t len;
};

/* the socket path: env ARMD_SOCKET, else ARM_DEFAULT_SOCKET */
const char *arm_socket_path(void);

/* the reply timeout: env ARMD_TIMEOUT_MS when a positive number, else ARM_CLIENT_TIMEOUT_MS */
int arm_client_timeout_ms(void);

/* sends one request and waits up to timeout_ms for its reply */
int arm_call(unsigned type, unsigned flags, const char *const *fields, size_t nfields, int timeout_ms,
             struct arm_reply *reply);

/* the one-line reason of the last failure */
const char *arm_last_error(void);

/* the exit code for a failed call's code (ARM_EXIT_*) */
int arm_client_error_exit(int code);

#endif
