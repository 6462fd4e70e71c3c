/*
 * test_codec: the C codec against the byte fixtures the Java ControlCodecTest reads too
 * (src/test/resources/fixtures/control/MANIFEST.tsv): every good fixture encodes to exactly its bytes
 * and decodes to its fields; every bad one is rejected as a request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arm_codec.h"

static const struct {
    const char *name;
    unsigned value;
} types[] = {
    {"REQ_CLUSTER_START", ARM_REQ_CLUSTER_START},
    {"REQ_CLUSTER_SHUTDOWN", ARM_REQ_CLUSTER_SHUTDOWN},
    {"REQ_SERVER_SHUTDOWN", ARM_REQ_SERVER_SHUTDOWN},
    {"REQ_SERVER_LEAVE", ARM_REQ_SERVER_LEAVE},
    {"REQ_SERVER_RETURN", ARM_REQ_SERVER_RETURN},
    {"REQ_GROUP_START", ARM_REQ_GROUP_START},
    {"REQ_GROUP_STOP", ARM_REQ_GROUP_STOP},
    {"REQ_GROUP_MOVE", ARM_REQ_GROUP_MOVE},
    {"REQ_GROUP_FAILOVER", ARM_REQ_GROUP_FAILOVER},
    {"REQ_STATUS", ARM_REQ_STATUS},
    {"REQ_LOG", ARM_REQ_LOG},
    {"REQ_LOAD", ARM_REQ_LOAD},
    {"REQ_KILL", ARM_REQ_KILL},
    {"REQ_DOWN", ARM_REQ_DOWN},
    {"REQ_LSMNT", ARM_REQ_LSMNT},
    {"REQ_SUPER", ARM_REQ_SUPER},
    {"RES_RESULT", ARM_RES_RESULT},
    {"RES_PROTOCOL_ERROR", ARM_RES_PROTOCOL_ERROR},
};

static int failures;

#define CHECK(cond, ...)                                         \
    do {                                                         \
        if (!(cond)) {                                           \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                        \
            fputc('\n', stderr);                                 \
            failures++;                                          \
        }                                                        \
    } while (0)

static uint8_t file_buf[ARM_MAX_REQUEST * 2];
static uint8_t enc_buf[ARM_MAX_REQUEST * 2];

static long read_file(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return -1;
    }
    size_t n = fread(file_buf, 1, sizeof file_buf, f);
    fclose(f);
    return (long)n;
}

/* \n, \t and \\ escapes of the manifest, in place */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r != '\0'; r++) {
        if (*r == '\\' && r[1] != '\0') {
            r++;
            *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* splits on TAB keeping empty columns */
static int split(char *line, char **cols, int max)
{
    int n = 0;
    cols[n++] = line;
    for (char *p = line; *p != '\0' && n < max; p++) {
        if (*p == '\t') {
            *p = '\0';
            cols[n++] = p + 1;
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../src/test/resources/fixtures/control";
    char manifest[4096];
    snprintf(manifest, sizeof manifest, "%s/MANIFEST.tsv", dir);
    FILE *m = fopen(manifest, "r");
    if (m == NULL) {
        fprintf(stderr, "FAIL: cannot open %s\n", manifest);
        return 1;
    }
    static char line[8192];
    int good = 0, bad = 0;
    while (fgets(line, sizeof line, m) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *cols[16];
        int n = split(line, cols, 16);
        if (strcmp(cols[0], "good") == 0) {
            good++;
            unsigned type = 0;
            for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
                if (strcmp(types[i].name, cols[2]) == 0) {
                    type = types[i].value;
                }
            }
            CHECK(type != 0, "%s: unknown type %s", cols[1], cols[2]);
            const char *fields[ARM_MAX_FIELDS];
            int nf = n - 5;
            for (int i = 0; i < nf; i++) {
                unescape(cols[5 + i]);
                fields[i] = cols[5 + i];
            }
            long len = read_file(dir, cols[1]);
            CHECK(len >= 0, "%s: cannot read", cols[1]);
            long enc = arm_encode(enc_buf, sizeof enc_buf, type, (unsigned)atoi(cols[3]), (unsigned)atoi(cols[4]),
                                  fields, (size_t)nf);
            CHECK(enc == len && memcmp(enc_buf, file_buf, (size_t)len) == 0, "%s: encodes differently (%ld vs %ld)",
                  cols[1], enc, len);
            struct arm_msg msg;
            char err[200];
            int rc = arm_decode(file_buf, (size_t)len, ARM_MAX_RESPONSE_PAYLOAD, &msg, err, sizeof err);
            CHECK(rc == 0, "%s: decode failed: %s", cols[1], err);
            if (rc == 0) {
                CHECK(msg.type == type && msg.flags == (unsigned)atoi(cols[3]) && msg.status == (unsigned)atoi(cols[4]),
                      "%s: header values", cols[1]);
                CHECK(msg.nfields == (uint32_t)nf, "%s: %u fields, manifest %d", cols[1], msg.nfields, nf);
                for (int i = 0; i < nf && i < (int)msg.nfields; i++) {
                    CHECK(msg.fields[i].len == strlen(fields[i]) &&
                              memcmp(msg.fields[i].ptr, fields[i], msg.fields[i].len) == 0,
                          "%s: field %d", cols[1], i + 1);
                }
            }
        } else if (strcmp(cols[0], "bad") == 0) {
            bad++;
            long len = read_file(dir, cols[1]);
            CHECK(len >= 0, "%s: cannot read", cols[1]);
            struct arm_msg msg;
            char err[200] = "";
            int rc = arm_decode(file_buf, (size_t)len, ARM_MAX_REQUEST - ARM_HEADER_SIZE, &msg, err, sizeof err);
            if (rc == 0 && msg.type >= 0x8000) {
                rc = -1; /* a response type sent as a request: the agent's type check */
            }
            CHECK(rc != 0, "%s (%s): accepted", cols[1], n > 2 ? cols[2] : "");
            CHECK(strchr(err, '\n') == NULL, "%s: multi-line reason", cols[1]);
        }
    }
    fclose(m);
    CHECK(good >= 20 && bad >= 15, "only %d good and %d bad fixtures", good, bad);
    /* the exit codes of the statuses */
    CHECK(arm_status_exit(ARM_ST_OK) == 0 && arm_status_exit(ARM_ST_REFUSED) == 1 &&
              arm_status_exit(ARM_ST_FAULT) == 1 && arm_status_exit(ARM_ST_TIMEOUT) == 1 &&
              arm_status_exit(ARM_ST_USAGE) == 2 && arm_status_exit(ARM_ST_UNKNOWN) == 2 &&
              arm_status_exit(ARM_ST_SYSTEM) == 3 && arm_status_exit(ARM_ST_PROTOCOL) == 3,
          "status exit codes");
    /* encode refuses what does not fit and a wrong field count */
    const char *one[1] = {"A"};
    CHECK(arm_encode(enc_buf, 20, ARM_REQ_GROUP_STOP, 0, 0, one, 1) == -1, "encode into a too-small buffer");
    CHECK(arm_encode(enc_buf, sizeof enc_buf, ARM_REQ_GROUP_MOVE, 0, 0, one, 1) == -1, "encode a wrong field count");
    if (failures > 0) {
        fprintf(stderr, "test_codec: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_codec: %d good and %d bad fixtures ok\n", good, bad);
    return 0;
}
