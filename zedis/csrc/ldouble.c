/*
 * Numeric helpers that need the platform C library's own float behaviour.
 *
 * Redis parses and prints INCRBYFLOAT / HINCRBYFLOAT values as C `long double`
 * (80-bit x87 extended precision on x86-64), through strtold() and
 * snprintf("%.17Lf"). Rust has no such type, and the visible results depend on
 * it (10.5 + 0.1 prints "10.6" only because of the extra precision), so the
 * arithmetic lives here. Float arguments elsewhere go through strtod(), which
 * accepts hex floats and "infinity"; calling the real one is the only way to
 * be byte-for-byte faithful. No I/O, no global state, no locale changes: the
 * process runs in the default "C" locale, like the reference server.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest float text the reference server accepts (and its output buffer). */
#define ZEDIS_MAX_LONG_DOUBLE_CHARS (5 * 1024)

/* Return codes of zedis_ld_incr(). */
#define ZEDIS_LD_OK 0
#define ZEDIS_LD_CUR_NOT_FLOAT 1
#define ZEDIS_LD_INCR_NOT_FLOAT 2
#define ZEDIS_LD_NAN_OR_INF 3

/* isspace() of the "C" locale, spelled out so no locale can change it. */
static int zedis_c_isspace(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Strict long double parse: the whole buffer must be one strtold() number,
 * with no leading space, shorter than the reference buffer, not NaN, and not
 * an overflow or an underflow to zero. Returns 1 on success. */
static int zedis_parse_ld(const char *s, size_t len, long double *out) {
    char buf[ZEDIS_MAX_LONG_DOUBLE_CHARS];
    char *end;
    long double v;

    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    v = strtold(buf, &end);
    if (zedis_c_isspace((unsigned char)buf[0])) return 0;
    if (*end != '\0' || (size_t)(end - buf) != len) return 0;
    if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO)) return 0;
    if (errno == EINVAL) return 0;
    if (isnan(v)) return 0;
    *out = v;
    return 1;
}

/* Human-friendly long double text: fixed notation with 17 decimals, trailing
 * zeros and a trailing dot removed, and a lone "-0" shown as "0". When the
 * text does not fit in `cap` bytes (terminator included) the result is empty,
 * as in the reference. Returns the length written (no terminator counted). */
static size_t zedis_fmt_ld_human(long double v, char *out, size_t cap) {
    int n;
    size_t l;

    if (cap == 0) return 0;
    if (isinf(v)) {
        if (cap < 5) return 0;
        if (v > 0) {
            memcpy(out, "inf", 3);
            return 3;
        }
        memcpy(out, "-inf", 4);
        return 4;
    }
    n = snprintf(out, cap, "%.17Lf", v);
    if (n < 0) return 0;
    l = (size_t)n;
    if (l + 1 > cap) return 0;
    if (memchr(out, '.', l) != NULL) {
        while (l > 0 && out[l - 1] == '0') l--;
        if (l > 0 && out[l - 1] == '.') l--;
    }
    if (l == 2 && out[0] == '-' && out[1] == '0') {
        out[0] = '0';
        l = 1;
    }
    return l;
}

/* cur == NULL means "no current value" (zero). On ZEDIS_LD_OK the sum is in
 * out[0..*outlen]. */
int zedis_ld_incr(const char *cur, size_t curlen, const char *incr, size_t incrlen,
                  char *out, size_t outcap, size_t *outlen) {
    long double a = 0, b = 0;

    *outlen = 0;
    if (cur != NULL && !zedis_parse_ld(cur, curlen, &a)) return ZEDIS_LD_CUR_NOT_FLOAT;
    if (!zedis_parse_ld(incr, incrlen, &b)) return ZEDIS_LD_INCR_NOT_FLOAT;
    a += b;
    if (isnan(a) || isinf(a)) return ZEDIS_LD_NAN_OR_INF;
    *outlen = zedis_fmt_ld_human(a, out, outcap);
    return ZEDIS_LD_OK;
}

/* 0: not a valid long double argument, 1: finite, 2: infinite. */
int zedis_ld_classify(const char *s, size_t len) {
    long double v;
    if (!zedis_parse_ld(s, len, &v)) return 0;
    return isinf(v) ? 2 : 1;
}

/* Runs strtod() over a NUL-terminated copy of s. Returns the number of bytes
 * consumed, or -1 if memory ran out; errno is left as strtod() set it. */
static long zedis_strtod_copy(const char *s, size_t len, double *out, int *err) {
    char small[256];
    char *buf = small;
    char *end;
    long used;

    if (len >= sizeof(small)) {
        buf = malloc(len + 1);
        if (buf == NULL) return -1;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    *out = strtod(buf, &end);
    *err = errno;
    used = (long)(end - buf);
    if (buf != small) free(buf);
    return used;
}

/* Strict double parse (the reference's string2d): whole buffer consumed, no
 * leading space, not empty, not NaN, no overflow, no underflow to zero. */
int zedis_string2d(const char *s, size_t len, double *out) {
    int err = 0;
    long used;

    if (len == 0 || zedis_c_isspace((unsigned char)s[0])) return 0;
    used = zedis_strtod_copy(s, len, out, &err);
    if (used < 0 || (size_t)used != len) return 0;
    if (err == ERANGE && (*out == HUGE_VAL || *out == -HUGE_VAL || fpclassify(*out) == FP_ZERO)) return 0;
    if (isnan(*out)) return 0;
    return 1;
}

/* Lenient double parse (plain strtod() as used for ZRANGEBYSCORE bounds):
 * leading space allowed, overflow gives +-inf, parsing stops at the first NUL
 * byte, the empty string is 0; only trailing junk before the NUL and NaN are
 * rejected. */
int zedis_strtod_lenient(const char *s, size_t len, double *out) {
    int err = 0;
    long used;
    const char *nul = memchr(s, '\0', len);

    if (nul != NULL) len = (size_t)(nul - s);
    used = zedis_strtod_copy(s, len, out, &err);
    if (used < 0 || (size_t)used != len) return 0;
    if (isnan(*out)) return 0;
    return 1;
}

/* snprintf("%.17g"), the reference's text for double replies. `cap` must be
 * large enough (32 bytes always is). Returns the length written. */
size_t zedis_fmt_g17(double v, char *out, size_t cap) {
    int n = snprintf(out, cap, "%.17g", v);
    if (n < 0 || (size_t)n >= cap) return 0;
    return (size_t)n;
}
