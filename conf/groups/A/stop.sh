#!/bin/sh
# Stop script of failover group A (sample). armd runs it when the group stops, with ARMS_EVENT,
# ARMS_SERVER, ARMS_DISK and ARMS_PRIORITY as in the start run just before it (so never RECOVER),
# ARMS_GROUPNAME, and ARMS_FACTOR, why the group stops:
#   CLUSTERSHUTDOWN SERVERSHUTDOWN CLUSTERLEAVE GROUPSTOP GROUPMOVE GROUPFAILOVER GROUPRESTART
# Its output goes to the agent's log, with the group and script named. The arm* commands are on PATH.

# ---- The application of this group: the same name as in start.sh. ----
APP_NAME=demo                            # the name armload started it under (armload -i)
APP_STOP_TIMEOUT=10                      # seconds from SIGTERM to SIGKILL

# Stop the application armload started, without a failover (the agent stops watching it first).
stop_app() {
    killout=$(armkill -i "$APP_NAME" -t "$APP_STOP_TIMEOUT" 2>&1)
    killret=$?
    if [ "$killret" = "0" ]
    then
        armlog "$APP_NAME stopped ($ARMS_FACTOR)"
    elif [ "$killret" = "2" ]
    then
        # not running: armload found it dead (GROUPRESTART, GROUPFAILOVER) or it never started
        armlog "$APP_NAME was not running ($ARMS_FACTOR)"
    else
        armlog "ARMKILL ERROR: exit $killret: $killout"
    fi
}

# Kill the processes still using each PATH given (armrelpath: 0 none, 1 killed some, other: error), and log
# each process it killed ("killed PID (NAME) using PATH").
arm_rel_path() {
    while [ "$1" != "" ]
    do
        relout=$(armrelpath "$1" 2>&1)
        relret=$?
        if [ "$relret" = "0" ]
        then
            armlog "KILL NO PROCESS: $1"
        elif [ "$relret" = "1" ]
        then
            armlog "KILL SOME PROCESS: $1"
            printf '%s\n' "$relout" | while IFS= read -r line
            do
                armlog "$line"
            done
        else
            armlog "ARMRELPATH ERROR: $1: exit $relret: $relout"
        fi
        shift
    done
}

# Kill the processes using the mount points of this group's shared disks, so they can be released.
# Remove the call of arm_rel_mntpoint below if that is not wanted.
arm_rel_mntpoint() {
    # our current directory must not be on the shared disk
    cd / || return
    mntpoint=$(armlsmnt "$ARMS_GROUPNAME" 2>&1)
    mntret=$?
    if [ "$mntret" = "0" ]
    then
        if [ "$mntpoint" != "" ]
        then
            # one mount point a line: a blank inside a mount point stays in it
            oldifs=$IFS
            IFS='
'
            set -f
            # shellcheck disable=SC2086
            arm_rel_path $mntpoint
            set +f
            IFS=$oldifs
        else
            armlog "NO MOUNT POINT"
        fi
    else
        armlog "ARMLSMNT ERROR: exit $mntret: $mntpoint"
    fi
}

if [ "$ARMS_EVENT" = "START" ]
then
    if [ "$ARMS_DISK" = "SUCCESS" ]
    then
        # Normal stop of the application.
        # When: (2) normal cluster shutdown; (10) server1 leaves the cluster; (11) a group stop; before
        # a restart or failover when armload found the application dead.
        echo "$ARMS_GROUPNAME: stop ($ARMS_FACTOR) after START: stopping the application"

        if [ "$ARMS_SERVER" = "HOME" ]
        then
            # Only when the application stops normally on the primary server.
            :
        else
            # Only when the application stops normally on another server.
            # When: (13) the group stopped on the server it failed over to.
            :
        fi
        stop_app
        arm_rel_mntpoint
    else
        # A shared disk had failed to connect (the application was not started): clean up after the disk
        # error.
        echo "$ARMS_GROUPNAME: stop ($ARMS_FACTOR) after a START with a disk failure"
    fi

elif [ "$ARMS_EVENT" = "FAILOVER" ]
then
    if [ "$ARMS_DISK" = "SUCCESS" ]
    then
        # Stop after a failover.
        # When: (5) cluster shutdown after server1 failed over; (6) moving A and C back.
        echo "$ARMS_GROUPNAME: stop ($ARMS_FACTOR) after FAILOVER: stopping the application"

        if [ "$ARMS_SERVER" = "HOME" ]
        then
            # Only when, after a failover, the application stops on the primary server.
            :
        else
            # Only when, after a failover, the application stops on another server.
            # When: (5) cluster shutdown after the failover; (6) moving A and C back.
            :
        fi
        stop_app
        arm_rel_mntpoint
    else
        echo "$ARMS_GROUPNAME: stop ($ARMS_FACTOR) after a FAILOVER with a disk failure"
    fi

else
    #NO_ARM
    # armd is not running (the script was started by hand): do nothing cluster-related.
    :
fi

#EXIT
exit 0
