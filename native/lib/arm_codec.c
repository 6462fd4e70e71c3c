/* arm_codec.c: the control protocol's framing (arm_protocol.h); mirrored by armd.wire.ControlCodec */
#include "arm_codec.h"

#include <stdio.h>
#include <string.h>

int arm_nfields(unsigned type)
{
    switch (type) {
    case ARM_REQ_CLUSTER_START:
        return ARM_NFIELDS_CLUSTER_START;
    case ARM_REQ_CLUSTER_SHUTDOWN:
        return ARM_NFIELDS_CLUSTER_SHUTDOWN;
    case ARM_REQ_SERVER_SHUTDOWN:
        return ARM_NFIELDS_SERVER_SHUTDOWN;
    case ARM_REQ_SERVER_LEAVE:
        return ARM_NFIELDS_SERVER_LEAVE;
    case ARM_REQ_SERVER_RETURN:
        return ARM_NFIELDS_SERVER_RETURN;
    case ARM_REQ_GROUP_START:
        return ARM_NFIELDS_GROUP_START;
    case ARM_REQ_GROUP_STOP:
        return ARM_NFIELDS_GROUP_STOP;
    case ARM_REQ_GROUP_MOVE:
        return ARM_NFIELDS_GROUP_MOVE;
    case ARM_REQ_GROUP_FAILOVER:
        return ARM_NFIELDS_GROUP_FAILOVER;
    case ARM_REQ_STATUS:
        return ARM_NFIELDS_STATUS;
    case ARM_REQ_LOG:
        return ARM_NFIELDS_LOG;
    case ARM_REQ_LOAD:
        return ARM_NFIELDS_LOAD;
    case ARM_REQ_KILL:
        return ARM_NFIELDS_KILL;
    case ARM_REQ_DOWN:
        return ARM_NFIELDS_DOWN;
    case ARM_REQ_LSMNT:
        return ARM_NFIELDS_LSMNT;
    case ARM_REQ_SUPER:
        return ARM_NFIELDS_SUPER;
    case ARM_RES_RESULT:
        return ARM_NFIELDS_RESULT;
    case ARM_RES_PROTOCOL_ERROR:
        return ARM_NFIELDS_PROTOCOL_ERROR;
    default:
        return -1;
    }
}

unsigned arm_allowed_flags(unsigned type)
{
    return type == ARM_REQ_STATUS ? ARM_FLAG_JSON : 0;
}

int arm_status_exit(unsigned status)
{
    switch (status) {
    case ARM_ST_OK:
        return ARM_EXIT_OK;
    case ARM_ST_USAGE:
    case ARM_ST_UNKNOWN:
        return ARM_EXIT_USAGE;
    case ARM_ST_SYSTEM:
    case ARM_ST_PROTOCOL:
        return ARM_EXIT_SYSTEM;
    default:
        return ARM_EXIT_FAULT;
    }
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
    return ((unsigned)p[0] << 8) | p[1];
}

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

uint32_t arm_header_payload_length(const uint8_t *header)
{
    return get32(header + 12);
}

long arm_encode(uint8_t *buf, size_t cap, unsigned type, unsigned flags, unsigned status, const char *const *fields,
                size_t n)
{
    if (arm_nfields(type) != (int)n || cap < ARM_HEADER_SIZE) {
        return -1;
    }
    size_t off = ARM_HEADER_SIZE;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(fields[i]);
        if (len > UINT32_MAX || cap - off < 4 || cap - off - 4 < len) {
            return -1;
        }
        put32(buf + off, (uint32_t)len);
        memcpy(buf + off + 4, fields[i], len);
        off += 4 + len;
    }
    put32(buf, ARM_PROTOCOL_MAGIC);
    put16(buf + 4, ARM_PROTOCOL_VERSION);
    put16(buf + 6, type);
    put16(buf + 8, flags);
    put16(buf + 10, status);
    put32(buf + 12, (uint32_t)(off - ARM_HEADER_SIZE));
    return (long)off;
}

/* RFC 3629 UTF-8: no overlongs, no surrogates, nothing above U+10FFFF */
static int valid_utf8(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (len - i - 1 < n) {
            return 0;
        }
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
            return 0;
        }
        i += n + 1;
    }
    return 1;
}

int arm_decode(const uint8_t *buf, size_t len, size_t max_payload, struct arm_msg *m, char *err, size_t errlen)
{
    if (len < ARM_HEADER_SIZE) {
        snprintf(err, errlen, "truncated header: %zu of %d bytes", len, ARM_HEADER_SIZE);
        return -1;
    }
    uint32_t magic = get32(buf);
    m->version = (uint16_t)get16(buf + 4);
    m->type = (uint16_t)get16(buf + 6);
    m->flags = (uint16_t)get16(buf + 8);
    m->status = (uint16_t)get16(buf + 10);
    uint32_t plen = get32(buf + 12);
    if (magic != ARM_PROTOCOL_MAGIC) {
        snprintf(err, errlen, "bad magic 0x%08x (not an armd control message)", (unsigned)magic);
        return -1;
    }
    if (m->version != ARM_PROTOCOL_VERSION) {
        snprintf(err, errlen, "protocol version %u not supported (this command speaks %d)", m->version,
                 ARM_PROTOCOL_VERSION);
        return -1;
    }
    int expected = arm_nfields(m->type);
    if (expected < 0) {
        snprintf(err, errlen, "unknown type 0x%04x", m->type);
        return -1;
    }
    if ((m->flags & ~arm_allowed_flags(m->type)) != 0) {
        snprintf(err, errlen, "unknown flags 0x%04x", m->flags);
        return -1;
    }
    if (m->type < 0x8000 && m->status != 0) {
        snprintf(err, errlen, "a request must have status 0");
        return -1;
    }
    if (plen > max_payload) {
        snprintf(err, errlen, "payload of %u bytes exceeds %zu", (unsigned)plen, max_payload);
        return -1;
    }
    if (plen != len - ARM_HEADER_SIZE) {
        snprintf(err, errlen, "payload length %u but %zu bytes follow the header", (unsigned)plen,
                 len - ARM_HEADER_SIZE);
        return -1;
    }
    size_t off = ARM_HEADER_SIZE;
    m->nfields = 0;
    while (off < len) {
        if (m->nfields == (uint32_t)expected) {
            snprintf(err, errlen, "more than %d fields for type 0x%04x", expected, m->type);
            return -1;
        }
        if (len - off < 4) {
            snprintf(err, errlen, "truncated field length");
            return -1;
        }
        uint32_t flen = get32(buf + off);
        off += 4;
        if (flen > len - off) {
            snprintf(err, errlen, "field %u of %u bytes overruns the payload", m->nfields + 1, (unsigned)flen);
            return -1;
        }
        if (memchr(buf + off, 0, flen) != NULL) {
            snprintf(err, errlen, "NUL byte in field %u", m->nfields + 1);
            return -1;
        }
        if (!valid_utf8(buf + off, flen)) {
            snprintf(err, errlen, "field %u is not valid UTF-8", m->nfields + 1);
            return -1;
        }
        m->fields[m->nfields].ptr = (const char *)(buf + off);
        m->fields[m->nfields].len = flen;
        m->nfields++;
        off += flen;
    }
    if (m->nfields != (uint32_t)expected) {
        snprintf(err, errlen, "%u fields where type 0x%04x has %d", m->nfields, m->type, expected);
        return -1;
    }
    return 0;
}
