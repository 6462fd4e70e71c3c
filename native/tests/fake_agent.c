/*
 * fake_agent: answers one control request, for the tests of the commands. Usage: fake_agent SOCKET
 * Listens on SOCKET, prints "ready" on stdout once it does, accepts one connection (10 s at most), prints
 * the request's type and fields (one a line), answers "result ok: started" and exits 0; 1 on any failure.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "arm_codec.h"

static uint8_t buf[ARM_MAX_REQUEST];

static int read_all(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 10000) != 1) {
            return -1;
        }
        const ssize_t r = read(fd, p, n);
        if (r <= 0) {
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fake_agent SOCKET\n");
        return 1;
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(argv[1]) >= sizeof addr.sun_path) {
        fprintf(stderr, "fake_agent: socket path too long\n");
        return 1;
    }
    strcpy(addr.sun_path, argv[1]);
    const int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s, 1) != 0) {
        fprintf(stderr, "fake_agent: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    struct pollfd pfd = {.fd = s, .events = POLLIN};
    if (poll(&pfd, 1, 10000) != 1) {
        fprintf(stderr, "fake_agent: no connection within 10 s\n");
        return 1;
    }
    const int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0 || read_all(c, buf, ARM_HEADER_SIZE) != 0) {
        fprintf(stderr, "fake_agent: no request\n");
        return 1;
    }
    const uint32_t len = arm_header_payload_length(buf);
    struct arm_msg m;
    char err[256];
    if (len > sizeof buf - ARM_HEADER_SIZE || read_all(c, buf + ARM_HEADER_SIZE, len) != 0 ||
        arm_decode(buf, ARM_HEADER_SIZE + len, ARM_MAX_REQUEST, &m, err, sizeof err) != 0) {
        fprintf(stderr, "fake_agent: bad request\n");
        return 1;
    }
    printf("type %#x\n", m.type);
    for (uint32_t i = 0; i < m.nfields; i++) {
        printf("%.*s\n", (int)m.fields[i].len, m.fields[i].ptr);
    }
    fflush(stdout);
    const char *text[] = {"started"};
    const long n = arm_encode(buf, sizeof buf, ARM_RES_RESULT, 0, ARM_ST_OK, text, 1);
    if (n < 0 || write(c, buf, (size_t)n) != n) {
        fprintf(stderr, "fake_agent: cannot answer\n");
        return 1;
    }
    close(c);
    close(s);
    unlink(argv[1]);
    return 0;
}
