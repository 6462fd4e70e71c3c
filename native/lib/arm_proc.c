/* arm_proc.c: /proc/PID/stat (arm_proc.h) */
#include "arm_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int arm_proc_stat(pid_t pid, struct arm_proc_stat *out)
{
    char path[32];
    /* comm is at most 16 bytes and the numbers up to field 22 fit easily */
    char buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf - 1)) < 0 && errno == EINTR) {
    }
    const int err = errno;
    close(fd);
    if (n <= 0) {
        errno = n == 0 ? ENOENT : err;
        return -1;
    }
    buf[n] = '\0';
    /* comm may hold spaces and parentheses: the fields start after the last ')' */
    const char *p = strrchr(buf, ')');
    if (p == NULL || p[1] != ' ') {
        errno = EINVAL;
        return -1;
    }
    p += 2;
    out->state = *p;
    /* fields 4 (ppid), 5 (pgrp) and 22 (starttime), counting from 1 with the pid */
    for (int field = 4; field <= 22; field++) {
        p = strchr(p, ' ');
        if (p == NULL) {
            errno = EINVAL;
            return -1;
        }
        p++;
        if (field == 4) {
            out->ppid = (pid_t)strtol(p, NULL, 10);
        } else if (field == 5) {
            out->pgrp = (pid_t)strtol(p, NULL, 10);
        } else if (field == 22) {
            out->start_time = strtoull(p, NULL, 10);
        }
    }
    return 0;
}
