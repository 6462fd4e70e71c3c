/*
 * arm_protocol.h: the armd control protocol, version 1.
 *
 * The arm* commands and `armd ctl` talk to the running agent over an AF_UNIX stream socket
 * (env ARMD_SOCKET, else ARM_DEFAULT_SOCKET; mode 0600 in a 0700 directory: root and the
 * agent's own user only). One request per connection: the client connects, writes one
 * request, reads one response, and the agent closes the connection.
 *
 * This header is the protocol's single definition. The Java codec (armd.wire.ControlCodec)
 * mirrors it, and a Java test parses this file and checks every ARM_* constant against it.
 * Change a value only together with ARM_PROTOCOL_VERSION, and keep the old fixtures.
 *
 * Every message (request or response) is a 16-byte header and a payload, all integers
 * big-endian (network order):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                  magic = 0x41524D44 ("ARMD")                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        version (= 1)          |        type (arm_type)        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        flags (ARM_FLAG_*)     | status (arm_status; 0 in reqs)|
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                   payload length in bytes                     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  payload: fields, each a 32-bit byte length then that many    |
 *   |  bytes of UTF-8 without NUL; nothing after the last field     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Each type has a fixed number of fields (ARM_NFIELDS_*), all strings; numbers are decimal
 * ASCII; an optional value is sent as the empty string. A request's header plus payload is
 * at most ARM_MAX_REQUEST bytes; a response's payload at most ARM_MAX_RESPONSE_PAYLOAD.
 *
 * The agent answers every request with ARM_RES_RESULT (status + one text field: a one-line
 * message, or the requested text such as status output or mount points). A request it cannot
 * parse (bad magic, other version, unknown type or flags, oversized, wrong field count,
 * NUL or invalid UTF-8 in a field, too slow to arrive) is answered with ARM_RES_PROTOCOL_ERROR
 * (status ARM_ST_PROTOCOL, text says why; its header carries the agent's own version) and
 * the connection is closed. A caller other than root or the agent's user gets ARM_ST_REFUSED.
 */
#ifndef ARM_PROTOCOL_H
#define ARM_PROTOCOL_H

#define ARM_PROTOCOL_MAGIC 0x41524D44
#define ARM_PROTOCOL_VERSION 1
#define ARM_HEADER_SIZE 16
/* header + payload of one request */
#define ARM_MAX_REQUEST 65536
#define ARM_MAX_RESPONSE_PAYLOAD 1048576
#define ARM_DEFAULT_SOCKET "/run/armd/armd.sock"

/* header flags */
/* STATUS: answer in JSON (one object) instead of text */
#define ARM_FLAG_JSON 0x0001

/* message types: requests below 0x8000, responses from 0x8000 */
enum arm_type {
    ARM_REQ_CLUSTER_START = 0x0001,    /* fields: none */
    ARM_REQ_CLUSTER_SHUTDOWN = 0x0002, /* none */
    ARM_REQ_SERVER_SHUTDOWN = 0x0010,  /* server ("" = this server) */
    ARM_REQ_SERVER_LEAVE = 0x0011,     /* server ("" = this server) */
    ARM_REQ_SERVER_RETURN = 0x0012,    /* server ("" = this server) */
    ARM_REQ_GROUP_START = 0x0020,      /* group, server ("" = by the group's policy) */
    ARM_REQ_GROUP_STOP = 0x0021,       /* group */
    ARM_REQ_GROUP_MOVE = 0x0022,       /* group, server ("" = the next server by policy) */
    ARM_REQ_GROUP_FAILOVER = 0x0023,   /* group (armfover GROUP; ARMS_FACTOR GROUPFAILOVER) */
    ARM_REQ_STATUS = 0x0030,           /* none; ARM_FLAG_JSON for JSON */
    ARM_REQ_LOG = 0x0040,              /* group, script (start|stop|""), message */
    ARM_REQ_LOAD = 0x0041,             /* group, id, pid, action, restarts, wait_sec, command */
    ARM_REQ_KILL = 0x0042,             /* group, id, timeout_ms */
    ARM_REQ_DOWN = 0x0043,             /* none: shut this server down as a cluster member */
    ARM_REQ_LSMNT = 0x0044,            /* group; result text: mount points, one a line */
    ARM_REQ_SUPER = 0x0050,            /* action (push|apply|force-return), argument (push: FILE, absolute) */
    ARM_RES_RESULT = 0x8001,           /* text */
    ARM_RES_PROTOCOL_ERROR = 0x8002    /* text */
};

/* field counts per type */
#define ARM_NFIELDS_CLUSTER_START 0
#define ARM_NFIELDS_CLUSTER_SHUTDOWN 0
#define ARM_NFIELDS_SERVER_SHUTDOWN 1
#define ARM_NFIELDS_SERVER_LEAVE 1
#define ARM_NFIELDS_SERVER_RETURN 1
#define ARM_NFIELDS_GROUP_START 2
#define ARM_NFIELDS_GROUP_STOP 1
#define ARM_NFIELDS_GROUP_MOVE 2
#define ARM_NFIELDS_GROUP_FAILOVER 1
#define ARM_NFIELDS_STATUS 0
#define ARM_NFIELDS_LOG 3
#define ARM_NFIELDS_LOAD 7
#define ARM_NFIELDS_KILL 3
#define ARM_NFIELDS_DOWN 0
#define ARM_NFIELDS_LSMNT 1
#define ARM_NFIELDS_SUPER 2
#define ARM_NFIELDS_RESULT 1
#define ARM_NFIELDS_PROTOCOL_ERROR 1
#define ARM_MAX_FIELDS 7

/* LOAD action: what the agent does when the watched process disappears and the in-place
   restarts (field restarts) are used up */
#define ARM_LOAD_ACTION_FAILOVER "failover"
#define ARM_LOAD_ACTION_RESTART "restart"

/* response status; the commands exit with arm_status_exit() of it */
enum arm_status {
    ARM_ST_OK = 0,      /* done: exit 0 */
    ARM_ST_REFUSED = 1, /* not allowed now or not allowed for this caller: exit 1 */
    ARM_ST_FAULT = 2,   /* tried and failed (a script failed, a resource fault): exit 1 */
    ARM_ST_USAGE = 3,   /* bad arguments (a bad pid, an empty group name): exit 2 */
    ARM_ST_UNKNOWN = 4, /* no such group or server: exit 2 */
    ARM_ST_SYSTEM = 5,  /* a system error in the agent: exit 3 */
    ARM_ST_TIMEOUT = 6, /* the agent did not finish in its deadline: exit 1 */
    ARM_ST_PROTOCOL = 7 /* malformed request or other protocol version: exit 3 */
};

/* exit codes of every arm* command */
#define ARM_EXIT_OK 0
#define ARM_EXIT_FAULT 1
#define ARM_EXIT_USAGE 2
#define ARM_EXIT_SYSTEM 3
#define ARM_EXIT_NO_AGENT 4

#endif
