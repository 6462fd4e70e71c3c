#!/bin/sh
# Start script of failover group A (sample). armd runs it when the group starts, with:
#   ARMS_EVENT      START | FAILOVER | RECOVER   why it runs
#   ARMS_SERVER     HOME | OTHER                 on the group's primary server or another
#   ARMS_DISK       SUCCESS | FAILURE            whether every shared disk of the group connected
#   ARMS_PRIORITY   1..16                        this server's place in the group's policy
#   ARMS_GROUPNAME  the group's name
# Its output goes to the agent's log, with the group and script named. Exit 0 on success: any other exit
# code is an activation failure of the group.

if [ "$ARMS_EVENT" = "START" ]
then
    if [ "$ARMS_DISK" = "SUCCESS" ]
    then
        # Normal start of the application.
        # When: (1) normal start-up; (6) a group move (online failback).
        echo "$ARMS_GROUPNAME: START on priority $ARMS_PRIORITY: starting the application"

        if [ "$ARMS_SERVER" = "HOME" ]
        then
            # Only when the application starts normally on the primary server.
            # When: (1) normal start-up; (6) a group move back to the primary.
            :
        else
            # Only when the application starts normally on another server.
            :
        fi
    else
        # A shared disk failed to connect: handle the disk error.
        echo "$ARMS_GROUPNAME: START with a disk failure"
    fi

elif [ "$ARMS_EVENT" = "RECOVER" ]
then
    # Recovery after this server returned to the cluster (e.g. repair local data). The group runs on
    # another server: NEVER start the application here, even when there is nothing to recover.
    # When: (4) cluster return; (7) auto-return.
    echo "$ARMS_GROUPNAME: RECOVER: recovery only, the application is not started"

elif [ "$ARMS_EVENT" = "FAILOVER" ]
then
    if [ "$ARMS_DISK" = "SUCCESS" ]
    then
        # Start after a failover (e.g. roll the database back first).
        # When: (3) server1 went down; (10) server1 left the cluster.
        echo "$ARMS_GROUPNAME: FAILOVER to priority $ARMS_PRIORITY: recovering and starting the application"

        if [ "$ARMS_SERVER" = "HOME" ]
        then
            # Only when, after a failover, the application starts on the primary server.
            :
        else
            # Only when, after a failover, the application starts on another server.
            # When: (3) server1 went down; (10) server1 left the cluster.
            :
        fi
    else
        # A shared disk failed to connect: handle the disk error.
        echo "$ARMS_GROUPNAME: FAILOVER with a disk failure"
    fi

else
    #NO_ARM
    # armd is not running (the script was started by hand): do nothing cluster-related.
    :
fi

#EXIT
exit 0
