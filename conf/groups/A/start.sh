#!/bin/sh
# Start script of failover group A (sample). armd runs it when the group starts, with:
#   ARMS_EVENT      START | FAILOVER | RECOVER   why it runs
#   ARMS_SERVER     HOME | OTHER                 on the group's primary server or another
#   ARMS_DISK       SUCCESS | FAILURE            whether every shared disk of the group connected
#   ARMS_PRIORITY   1..16                        this server's place in the group's policy
#   ARMS_GROUPNAME  the group's name
# Its output goes to the agent's log, with the group and script named. Exit 0 on success: any other exit
# code is an activation failure of the group. The arm* commands are on PATH.

# ---- The application of this group: change these for yours (stop.sh has the same APP_NAME). ----
# armload starts APP_COMMAND in a session of its own and the agent watches the process it started. When
# that process disappears, the agent restarts the group here (stop with ARMS_FACTOR=GROUPRESTART, then this
# script with RECOVER, then with START) APP_RESTARTS times, APP_RESTART_WAIT seconds after each death, and
# the next time fails the group over to the next server of its policy (GROUPFAILOVER). The restart count
# starts again from 0 when the group is stopped or fails over.
# The demo application is a shell loop that runs while this server's agent answers, so a demo never leaves
# it behind.
APP_NAME=demo                            # the name armload and armkill know the application by
APP_COMMAND="/bin/sh -c 'while armstat > /dev/null 2>&1; do sleep 5; done'"  # its command line (shell quoting)
APP_RESTARTS=1                           # in-place restarts before a failover
APP_RESTART_WAIT=0                       # seconds from a death to the restart
# The application inherits this script's output: what it prints goes to the agent's log. Do not run
# armload inside $(...): the substitution would wait for the application to close its output.

start_app() {
    # APP_COMMAND's words, with its quotes honoured, as this function's arguments
    eval "set -- $APP_COMMAND"
    armload -i "$APP_NAME" -r "$APP_RESTARTS" -w "$APP_RESTART_WAIT" -a failover "$@"
    loadret=$?
    if [ "$loadret" = "0" ]
    then
        armlog "$APP_NAME started ($ARMS_EVENT on priority $ARMS_PRIORITY)"
    else
        armlog "$APP_NAME did not start: armload exit $loadret"
        exit 1
    fi
}

if [ "$ARMS_EVENT" = "START" ]
then
    if [ "$ARMS_DISK" = "SUCCESS" ]
    then
        # Normal start of the application.
        # When: (1) normal start-up; (6) a group move (online failback); (12) a group start; the second
        # start run after armload found the application dead and restarts the group here.
        echo "$ARMS_GROUPNAME: START on priority $ARMS_PRIORITY: starting the application"

        if [ "$ARMS_SERVER" = "HOME" ]
        then
            # Only when the application starts normally on the primary server.
            # When: (1) normal start-up; (6) a group move back to the primary.
            :
        else
            # Only when the application starts normally on another server.
            # When: (14) the group started again on the server it ran on.
            :
        fi
        start_app
    else
        # A shared disk failed to connect: handle the disk error. The application is not started.
        armlog "START with a disk failure: $APP_NAME not started"
    fi

elif [ "$ARMS_EVENT" = "RECOVER" ]
then
    # Recovery after this server returned to the cluster (e.g. repair local data), or the first start run
    # after armload found the application dead. NEVER start the application here, even when there is
    # nothing to recover: the group runs on another server, or START follows.
    # When: (4) cluster return; (7) auto-return; (8) before a failover; after armload found it dead.
    echo "$ARMS_GROUPNAME: RECOVER: recovery only, the application is not started"

elif [ "$ARMS_EVENT" = "FAILOVER" ]
then
    if [ "$ARMS_DISK" = "SUCCESS" ]
    then
        # Start after a failover (e.g. roll the database back first).
        # When: (3) server1 went down; (8) a failover (armload, armfover); (10) server1 left the cluster.
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
        start_app
    else
        # A shared disk failed to connect: handle the disk error. The application is not started.
        armlog "FAILOVER with a disk failure: $APP_NAME not started"
    fi

else
    #NO_ARM
    # armd is not running (the script was started by hand): do nothing cluster-related.
    :
fi

#EXIT
exit 0
