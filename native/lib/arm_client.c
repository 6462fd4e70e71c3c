/* arm_client.c: connect, send one request, receive one reply, with a deadline (arm_client.h) */
#include "arm_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "arm_codec.h"

static char last_error[512];
static uint8_t request_buf[ARM_MAX_REQUEST];
/* one more byte for the NUL after the reply's text */
static uint8_t reply_buf[ARM_HEADER_SIZE + ARM_MAX_RESPONSE_PAYLOAD + 1];

static int fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return code;
}

const char *arm_last_error(void)
{
    return last_error;
}

const char *arm_socket_path(void)
{
    const char *env = getenv("ARMD_SOCKET");
    return env != NULL && env[0] != '\0' ? env : ARM_DEFAULT_SOCKET;
}

int arm_client_timeout_ms(void)
{
    const char *env = getenv("ARMD_TIMEOUT_MS");
    if (env != NULL && env[0] != '\0') {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v > 0 && v <= 86400000L) {
            return (int)v;
        }
    }
    return ARM_CLIENT_TIMEOUT_MS;
}

int arm_client_error_exit(int code)
{
    switch (code) {
    case ARM_CLIENT_ENOAGENT:
        return ARM_EXIT_NO_AGENT;
    case ARM_CLIENT_EACCES:
        return ARM_EXIT_SYSTEM; /* permission denied: a system error (exit 3) */
    case ARM_CLIENT_EUSAGE:
        return ARM_EXIT_USAGE;
    default:
        return ARM_EXIT_SYSTEM;
    }
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* waits for `events` on fd until deadline: 1 ready, 0 timed out, -1 error (errno) */
static int wait_fd(int fd, short events, long long deadline_ms)
{
    for (;;) {
        long long left = deadline_ms - now_ms();
        if (left <= 0) {
            return 0;
        }
        struct pollfd p = {.fd = fd, .events = events, .revents = 0};
        int rc = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
        if (rc > 0) {
            return 1;
        }
        if (rc < 0 && errno != EINTR) {
            return -1;
        }
    }
}

static int connect_agent(const char *path, long long deadline_ms)
{
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) {
        return fail(ARM_CLIENT_EUSAGE, "control socket path %s is longer than %zu bytes: set a shorter ARMD_SOCKET",
                    path, sizeof addr.sun_path - 1);
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return fail(ARM_CLIENT_EIO, "socket: %s", strerror(errno));
    }
    int err;
    for (unsigned pause_us = 1000;; pause_us = pause_us < 16000 ? pause_us * 2 : pause_us) {
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
            return fd;
        }
        err = errno;
        if (err != EAGAIN && err != EINTR) {
            break;
        }
        /* AF_UNIX: the agent's backlog is full and nothing was queued (no EINPROGRESS as with TCP, and poll
         * says nothing about room): connect again shortly, until the deadline */
        if (now_ms() + pause_us / 1000 >= deadline_ms) {
            err = ETIMEDOUT;
            break;
        }
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)pause_us * 1000};
        nanosleep(&ts, NULL);
    }
    close(fd);
    struct stat st;
    if (err == ENOENT || (err == ECONNREFUSED && stat(path, &st) != 0)) {
        return fail(ARM_CLIENT_ENOAGENT,
                    "agent not running (no control socket at %s): start it with 'systemctl start armd@NAME' or "
                    "'armd run --config FILE --server NAME'",
                    path);
    }
    if (err == ECONNREFUSED) {
        return fail(ARM_CLIENT_ENOAGENT,
                    "agent not running (nobody listens on %s): start it with 'systemctl start armd@NAME' or "
                    "'armd run --config FILE --server NAME'",
                    path);
    }
    if (err == EACCES || err == EPERM) {
        return fail(ARM_CLIENT_EACCES, "permission denied: armd's control socket %s is root-only", path);
    }
    if (err == ETIMEDOUT) {
        return fail(ARM_CLIENT_EIO, "the agent at %s does not accept connections (busy): try again", path);
    }
    return fail(ARM_CLIENT_EIO, "cannot connect to the agent at %s: %s", path, strerror(err));
}

int arm_call(unsigned type, unsigned flags, const char *const *fields, size_t nfields, int timeout_ms,
             struct arm_reply *reply)
{
    const char *path = arm_socket_path();
    long n = arm_encode(request_buf, sizeof request_buf, type, flags, 0, fields, nfields);
    if (n < 0) {
        return fail(ARM_CLIENT_EUSAGE, "request larger than %d bytes: use a shorter message or name", ARM_MAX_REQUEST);
    }
    long long deadline = now_ms() + timeout_ms;
    int fd = connect_agent(path, deadline);
    if (fd < 0) {
        return fd;
    }
    size_t sent = 0;
    while (sent < (size_t)n) {
        ssize_t w = send(fd, request_buf + sent, (size_t)n - sent, MSG_NOSIGNAL);
        if (w > 0) {
            sent += (size_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(fd, POLLOUT, deadline) == 0) {
                close(fd);
                return fail(ARM_CLIENT_EIO, "no reply from the agent at %s within %d ms", path, timeout_ms);
            }
        } else {
            /* EPIPE: the agent answered early (busy, refused) and closed; its reply is still readable */
            break;
        }
    }
    shutdown(fd, SHUT_WR); /* one request per connection: EOF says there is no more */
    size_t got = 0;
    size_t want = ARM_HEADER_SIZE;
    while (got < want) {
        ssize_t r = recv(fd, reply_buf + got, want - got, 0);
        if (r > 0) {
            got += (size_t)r;
            if (got == ARM_HEADER_SIZE) {
                uint32_t plen = arm_header_payload_length(reply_buf);
                if (plen > ARM_MAX_RESPONSE_PAYLOAD) {
                    close(fd);
                    return fail(ARM_CLIENT_EIO, "malformed reply from the agent at %s: payload of %u bytes", path,
                                (unsigned)plen);
                }
                want = ARM_HEADER_SIZE + plen;
            }
        } else if (r == 0) {
            close(fd);
            return fail(ARM_CLIENT_EIO, "the agent at %s closed the connection without a reply", path);
        } else if (errno == EAGAIN || errno == EINTR) {
            int rc = wait_fd(fd, POLLIN, deadline);
            if (rc <= 0) {
                close(fd);
                return rc == 0 ? fail(ARM_CLIENT_EIO, "no reply from the agent at %s within %d ms", path, timeout_ms)
                               : fail(ARM_CLIENT_EIO, "poll: %s", strerror(errno));
            }
        } else {
            int err = errno;
            close(fd);
            return fail(ARM_CLIENT_EIO, "reading the agent's reply from %s: %s", path, strerror(err));
        }
    }
    close(fd);
    struct arm_msg m;
    char err[200];
    if (arm_decode(reply_buf, got, ARM_MAX_RESPONSE_PAYLOAD, &m, err, sizeof err) != 0) {
        return fail(ARM_CLIENT_EIO, "malformed reply from the agent at %s: %s", path, err);
    }
    if (m.type != ARM_RES_RESULT && m.type != ARM_RES_PROTOCOL_ERROR) {
        return fail(ARM_CLIENT_EIO, "malformed reply from the agent at %s: type 0x%04x", path, m.type);
    }
    /* the text field is the payload's last bytes: terminate it in place (the buffer has a spare byte) */
    char *text = (char *)m.fields[0].ptr;
    text[m.fields[0].len] = '\0';
    reply->type = m.type;
    reply->status = m.status;
    reply->text = text;
    reply->len = m.fields[0].len;
    return 0;
}
