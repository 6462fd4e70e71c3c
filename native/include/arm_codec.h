/*
 * arm_codec.h: encode and decode armd control messages (arm_protocol.h). Pure: no I/O, no allocation.
 */
#ifndef ARM_CODEC_H
#define ARM_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "arm_protocol.h"

/* one field: points into the decoded buffer, not NUL-terminated */
struct arm_field {
    const char *ptr;
    uint32_t len;
};

struct arm_msg {
    uint16_t version;
    uint16_t type;
    uint16_t flags;
    uint16_t status;
    uint32_t nfields;
    struct arm_field fields[ARM_MAX_FIELDS];
};

/* field count of a message type, or -1 when the type is unknown */
int arm_nfields(unsigned type);
/* the flags a type accepts */
unsigned arm_allowed_flags(unsigned type);
/* exit code of a command for a reply status (ARM_EXIT_*) */
int arm_status_exit(unsigned status);

/*
 * Encodes a message of `type` with `n` NUL-terminated fields into buf (capacity cap).
 * Returns the encoded length, or -1 when it does not fit or n is not the type's field count.
 */
long arm_encode(uint8_t *buf, size_t cap, unsigned type, unsigned flags, unsigned status, const char *const *fields,
                size_t n);

/*
 * Decodes one whole message of exactly `len` bytes whose payload is at most max_payload bytes:
 * checks magic, version, type, flags (and status 0 for requests), field count, field bounds, no
 * NUL and valid UTF-8. Returns 0, or -1 with a one-line reason in err.
 */
int arm_decode(const uint8_t *buf, size_t len, size_t max_payload, struct arm_msg *m, char *err, size_t errlen);

/* reads the payload length from a header of ARM_HEADER_SIZE bytes (no checks) */
uint32_t arm_header_payload_length(const uint8_t *header);

#endif
