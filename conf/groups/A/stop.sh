#!/bin/sh
# Stop script of failover group A (sample). armd runs it when the group stops, with ARMS_EVENT,
# ARMS_SERVER, ARMS_DISK and ARMS_PRIORITY as in the start run just before it (so never RECOVER),
# ARMS_GROUPNAME, and ARMS_FACTOR, why the group stops:
#   CLUSTERSHUTDOWN SERVERSHUTDOWN CLUSTERLEAVE GROUPSTOP GROUPMOVE GROUPFAILOVER GROUPRESTART
# Its output goes to the agent's log, with the group and script named.

# Kill the processes still using each PATH given (armrelpath: 0 none, 1 killed some, other: error).
arm_rel_path() {
    while [ "$1" != "" ]
    do
        armrelpath "$1" > /dev/null 2>&1
        relret=$?
        if [ "$relret" = "0" ]
        then
            armlog "KILL NO PROCESS"
        elif [ "$relret" = "1" ]
        then
            armlog "KILL SOME PROCESS"
        else
            armlog "ARMRELPATH ERROR"
        fi
        shift
    done
}

# Kill the processes using the mount points of this group's shared disks, so they can be released.
# Remove the calls below if that is not wanted.
arm_rel_mntpoint() {
    command -v armlsmnt > /dev/null 2>&1 || return 0
    # our current directory must not be on the shared disk
    cd /
    mntpoint=$(armlsmnt "$ARMS_GROUPNAME" 2>&1)
    mntret=$?
    if [ "$mntret" = "0" ]
    then
        if [ "$mntpoint" != "" ]
        then
            arm_rel_path $mntpoint
        else
            armlog "NO MOUNT POINT"
        fi
    else
        armlog "ARMLSMNT ERROR"
    fi
}

if [ "$ARMS_EVENT" = "START" ]
then
    if [ "$ARMS_DISK" = "SUCCESS" ]
    then
        # Normal stop of the application.
        # When: (2) normal cluster shutdown; (10) server1 leaves the cluster.
        echo "$ARMS_GROUPNAME: stop ($ARMS_FACTOR) after START: stopping the application"

        if [ "$ARMS_SERVER" = "HOME" ]
        then
            # Only when the application stops normally on the primary server.
            :
        else
            # Only when the application stops normally on another server.
            :
        fi
        arm_rel_mntpoint
    else
        # A shared disk had failed to connect: clean up after the disk error.
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
