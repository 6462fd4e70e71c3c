/*
 * arm_proc.h: what /proc/PID/stat says about a process, read without allocating.
 */
#ifndef ARM_PROC_H
#define ARM_PROC_H

#include <sys/types.h>

struct arm_proc_stat {
    char state;                    /* R, S, D, Z, ... */
    pid_t ppid;                    /* the parent */
    pid_t pgrp;                    /* the process group */
    unsigned long long start_time; /* clock ticks after boot: with the pid, names one process for good */
};

/* reads /proc/PID/stat; 0, or -1 with errno (ENOENT: no such process) */
int arm_proc_stat(pid_t pid, struct arm_proc_stat *out);

#endif
