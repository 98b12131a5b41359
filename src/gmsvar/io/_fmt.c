/* gmsvar.io._fmt: FORMAT (sample column) parser and call-column kernel for the fast reader.
 *
 * parse(data, starts, ends, ranks, n_keep, codes, layout, n_keys, kinds, hints)
 *     Parses the sample columns of a block of VCF records into the arrays that the numpy
 *     code of gmsvar.io.vcf_fast._parse_format computes (GT alleles, phasing, and per
 *     FORMAT key a (calls, width) matrix of values), in one pass over the text, without
 *     the GIL. Record r's sample columns are data[starts[r]:ends[r]] (tab-separated, the
 *     newline excluded); ranks[f] is the output position of file sample f (-1: skipped,
 *     not even checked, as the numpy code does); codes[r] is the record's FORMAT layout;
 *     layout[g * width + j] the slot of sub-field j of layout g (-2: not parsed, -1:
 *     unused), n_keys[g] its number of keys; kinds[slot] what to do with a slot:
 *         0 GT, 1 Integer (kept), 2 Float (kept), 3 String (kept: offsets only),
 *         4 Integer (checked only), 5 Float (checked only);
 *     hints[slot] the number of values per call to expect (a wrong guess costs a copy).
 *     Returns (gt int16 (calls, ploidy), ploidy, phased uint8 (calls,), slots), where
 *     slots[k] is (values, width, record widths int64) for kinds 1-2, (starts, ends) int64
 *     for kind 3, None otherwise. Arrays are returned as buffer objects (native byte order).
 *     Anything the numpy code would read differently or reject raises ValueError (the
 *     caller then runs the numpy code, which reads the block or says why it cannot).
 *
 * lines(data, size, n_columns)
 *     The lines of a block of records (data[:size], each line ending in '\n'): returns
 *     (n, m, offsets int64 (n, m)), m = min(n_columns, 10): the first m - 1 tabs of each
 *     line and its newline. ValueError unless every line has n_columns - 1 tabs and the
 *     text has no control character (below 9) or carriage return.
 *
 * calls(...)
 *     The call-level columns of the allele rows of a run of records (see fmt_calls below),
 *     written into arrays the caller allocated, without the GIL.
 *
 * info_items(data, starts, ends)
 *     The items of the INFO column of each record (data[starts[r]:ends[r]]): the text between
 *     ';' (empty items skipped, as htslib does). Returns (k, items int64 (4, k)): per item its
 *     start, end, the offset of its first '=' (its end when it has none) and its record, in
 *     text order; what gmsvar.io.vcf_fast._info_items computes with numpy. The block's text
 *     must have passed lines() (no control characters); ValueError for a tab or newline
 *     inside a column or a column outside the text.
 *
 * Every read is checked against the buffer bounds: hostile input gives ValueError.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define HAVE_SSE2_SCAN 1
#endif

#define INT_MISSING ((int32_t)INT32_MIN)
#define INT_END ((int32_t)(INT32_MIN + 1))
#define MAX_SLOTS 4096
#define MAX_GT_PLOIDY 8

enum { K_GT = 0, K_INT = 1, K_FLOAT = 2, K_STR = 3, K_INT_CHECK = 4, K_FLOAT_CHECK = 5 };
enum { SLOT_SKIP = -2, SLOT_NONE = -1 };

/* -- owned memory exposed through the buffer protocol ---------------------------------- */
typedef struct {
    PyObject_HEAD
    char *ptr;
    Py_ssize_t len;
} Mem;

static void Mem_dealloc(Mem *self) {
    free(self->ptr);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Mem_getbuffer(PyObject *self, Py_buffer *view, int flags) {
    Mem *m = (Mem *)self;
    return PyBuffer_FillInfo(view, self, m->ptr, m->len, 0, flags);
}

static PyBufferProcs Mem_as_buffer = {Mem_getbuffer, NULL};

static PyTypeObject MemType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gmsvar.io._fmt.Mem",
    .tp_basicsize = sizeof(Mem),
    .tp_dealloc = (destructor)Mem_dealloc,
    .tp_as_buffer = &Mem_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Memory owned by gmsvar.io._fmt, exposed through the buffer protocol.",
};

/* Wrap malloc'ed memory (taken over: freed with the object, or here on failure). */
static PyObject *mem_take(void *ptr, Py_ssize_t len) {
    Mem *m = PyObject_New(Mem, &MemType);
    if (m == NULL) {
        free(ptr);
        return NULL;
    }
    m->ptr = ptr != NULL ? ptr : malloc(1);
    m->len = len;
    if (m->ptr == NULL) {
        m->len = 0;
        Py_DECREF(m);
        return PyErr_NoMemory();
    }
    return (PyObject *)m;
}

/* -- helpers ----------------------------------------------------------------------------- */
static int mul_ok(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > ((size_t)PY_SSIZE_T_MAX) / a) return 0;
    *out = a * b;
    return 1;
}

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline int is_end(uint8_t c) { return c == ',' || c == ':' || c == '\t'; }

/* Integer token [q, t): 0 ok (value in *out), -1 not read exactly as the numpy code reads it. */
static inline int int_token(const uint8_t *d, Py_ssize_t q, Py_ssize_t t, int32_t *out) {
    Py_ssize_t len = t - q;
    if (len == 0 || (len == 1 && d[q] == '.')) {
        *out = INT_MISSING;
        return 0;
    }
    int neg = d[q] == '-';
    Py_ssize_t p = q + neg, nd = t - p;
    if (nd < 1 || nd > 16) return -1;
    uint64_t v = 0;
    for (; p < t; p++) {
        unsigned dg = (unsigned)d[p] - '0';
        if (dg > 9) return -1;
        v = v * 10 + dg;
    }
    if (neg) {
        if (v > 2147483640u) return -1;  /* htslib's reserved range */
        *out = (int32_t)(-(int64_t)v);
    } else {
        if (v > 2147483647u) return -1;
        *out = (int32_t)v;
    }
    return 0;
}

/* Value of the n (1-8) decimal digits at the top of a little-endian word (first digit lowest
 * after the '0' fill), as in fast_float's parse_eight_digits_unrolled. */
static inline uint32_t eight_digits(uint64_t w) {
    const uint64_t mask = 0x000000FF000000FFull;
    const uint64_t mul1 = 0x000F424000000064ull;  /* 100 + (1000000 << 32) */
    const uint64_t mul2 = 0x0000271000000001ull;  /* 1 + (10000 << 32) */
    w -= 0x3030303030303030ull;
    w = (w * 10) + (w >> 8);
    w = (((w & mask) * mul1) + (((w >> 16) & mask) * mul2)) >> 32;
    return (uint32_t)w;
}

/* Integer token from *pp up to the next ',', ':', tab or e (as int_token). `size` bounds the
 * 8-byte reads of the usual case: 1-7 digits followed by a delimiter. */
static inline int int_scan(const uint8_t *d, Py_ssize_t size, Py_ssize_t *pp, Py_ssize_t e,
                           int32_t *out) {
    Py_ssize_t p = *pp, q = p;
    if (p + 3 <= size) {  /* most values have one or two digits */
        unsigned a = (unsigned)d[p] - '0', b = (unsigned)d[p + 1] - '0';
        if (a <= 9) {
            if (b > 9) {
                if (p + 1 == e || (p + 1 < e && is_end(d[p + 1]))) {
                    *out = (int32_t)a;
                    *pp = p + 1;
                    return 0;
                }
            } else {
                unsigned c = (unsigned)d[p + 2] - '0';
                if (c > 9 && (p + 2 == e || (p + 2 < e && is_end(d[p + 2])))) {
                    *out = (int32_t)(a * 10 + b);
                    *pp = p + 2;
                    return 0;
                }
            }
        }
    }
    if (p + 8 <= size) {
        uint64_t w;
        memcpy(&w, d + p, 8);
        uint64_t flags = ((w - 0x3030303030303030ull) | (w + 0x4646464646464646ull)) &
                         0x8080808080808080ull;  /* lowest set flag: the first non-digit */
        if (flags != 0) {
            uint64_t low = flags & (~flags + 1);  /* byte index of the lowest flag: */
            int n = (int)((((low >> 7) * 0x0001020304050607ull) >> 56) & 0xFF);
            uint8_t after = (uint8_t)(w >> (8 * n));  /* d[p + n], already loaded */
            if (n > 0 && p + n <= e && (p + n == e || is_end(after))) {
                uint64_t x = (w << (8 * (8 - n))) | (0x3030303030303030ull >> (8 * n));
                *out = (int32_t)eight_digits(x);
                *pp = p + n;
                return 0;
            }
        }
    }
    int neg = p < e && d[p] == '-';
    p += neg;
    uint64_t v = 0;
    Py_ssize_t ds = p;
    while (p < e) {
        unsigned dg = (unsigned)d[p] - '0';
        if (dg > 9) break;
        v = v * 10 + dg;
        p++;
    }
    if (p < e && !is_end(d[p])) {  /* something else: only a lone '.' (missing) is read */
        while (p < e && !is_end(d[p])) p++;
        *pp = p;
        return int_token(d, q, p, out);
    }
    *pp = p;
    Py_ssize_t nd = p - ds;
    if (nd == 0) {
        *out = INT_MISSING;
        return neg ? -1 : 0;
    }
    if (nd > 16) return -1;
    if (neg) {
        if (v > 2147483640u) return -1;  /* htslib's reserved range */
        *out = (int32_t)(-(int64_t)v);
    } else {
        if (v > 2147483647u) return -1;
        *out = (int32_t)v;
    }
    return 0;
}

/* Unsigned digits [p, p + n) (n <= 16, may be 0): 1 if all digits. */
static inline int digits(const uint8_t *d, Py_ssize_t p, Py_ssize_t n, uint64_t *v) {
    uint64_t x = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned dg = (unsigned)d[p + i] - '0';
        if (dg > 9) return 0;
        x = x * 10 + dg;
    }
    *v = x;
    return 1;
}

/* Float token [q, t) as vcf_tokens.parse_float reads it without its slow path (mantissa of
 * at most 18 digits and 2**53, power of ten of at most 22: one exact IEEE operation, the
 * correctly rounded double), then rounded to float32. -1 for anything else. */
static inline int float_token(const uint8_t *d, Py_ssize_t q, Py_ssize_t t, float *out) {
    Py_ssize_t len = t - q;
    if (len == 0 || (len == 1 && d[q] == '.')) {
        *out = NAN;
        return 0;
    }
    int neg = d[q] == '-';
    Py_ssize_t s = q + (neg || d[q] == '+');
    Py_ssize_t e_pos = s;
    while (e_pos < t && (d[e_pos] | 0x20) != 'e') e_pos++;
    Py_ssize_t dot = s;
    while (dot < e_pos && d[dot] != '.') dot++;
    Py_ssize_t int_n = dot - s;
    Py_ssize_t frac_s = dot < e_pos ? dot + 1 : e_pos;
    Py_ssize_t frac_n = e_pos - frac_s;
    if (int_n > 16 || frac_n > 16 || int_n + frac_n < 1 || int_n + frac_n > 18) return -1;
    uint64_t vi = 0, vf = 0;
    if (!digits(d, s, int_n, &vi) || !digits(d, frac_s, frac_n, &vf)) return -1;
    int64_t exp = 0;
    if (e_pos < t) {
        Py_ssize_t ex_s = e_pos + 1;
        int ex_neg = 0;
        if (ex_s < t && (d[ex_s] == '-' || d[ex_s] == '+')) {
            ex_neg = d[ex_s] == '-';
            ex_s++;
        }
        uint64_t ve = 0;
        if (t - ex_s < 1 || t - ex_s > 4 || !digits(d, ex_s, t - ex_s, &ve)) return -1;
        exp = ex_neg ? -(int64_t)ve : (int64_t)ve;
    }
    static const uint64_t IPOW10[17] = {
        1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
        100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
        10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull};
    uint64_t mant = vi * IPOW10[frac_n] + vf;
    int64_t e10 = exp - frac_n;
    if (mant > (1ull << 53) || e10 > 22 || e10 < -22) return -1;
    double m = (double)mant;
    double mag = e10 >= 0 ? m * POW10[e10] : m / POW10[-e10];
    *out = (float)(neg ? -mag : mag);
    return 0;
}

/* GT text [q, t): alleles (-1 missing), count, phased. -1 where the numpy code raises. */
static inline int gt_token(const uint8_t *d, Py_ssize_t q, Py_ssize_t t, int16_t *al, int *k_out,
                           int *phased) {
    Py_ssize_t len = t - q;
    if (len < 1 || len > 16) return -1;
    int k = 0, state = 0, phase = 0;  /* state: 0 nothing yet, 1 digits, 2 '.'; phase 1 '/', 2 '|' */
    int64_t acc = 0;
    for (Py_ssize_t p = q; p < t; p++) {
        uint8_t c = d[p];
        unsigned dg = (unsigned)c - '0';
        if (dg <= 9) {
            if (state == 2) return -1;
            acc = acc * 10 + dg;
            state = 1;
        } else if (c == '.') {
            if (state != 0) return -1;
            state = 2;
        } else if (c == '/' || c == '|') {
            int ph = c == '|' ? 2 : 1;
            if (state == 0 || (phase != 0 && phase != ph) || k >= MAX_GT_PLOIDY - 1) return -1;
            phase = ph;
            if (acc > 32767) return -1;
            al[k++] = state == 1 ? (int16_t)acc : -1;
            acc = 0;
            state = 0;
        } else {
            return -1;
        }
    }
    if (state == 0 || acc > 32767) return -1;
    al[k++] = state == 1 ? (int16_t)acc : -1;
    *k_out = k;
    *phased = phase == 2;
    return 0;
}

/* -- per-slot output ---------------------------------------------------------------------- */
typedef struct {
    int kind;
    void *vals;       /* int32 / float (n_calls * cap) */
    Py_ssize_t cap;   /* row width allocated */
    Py_ssize_t maxk;  /* most values any call has */
    int64_t *recw;    /* per record width */
    int64_t *s_start, *s_end;
} Slot;

static inline void pad_int(int32_t *row, Py_ssize_t from, Py_ssize_t to) {
    for (Py_ssize_t i = from; i < to; i++) row[i] = INT_END;
}

static inline void pad_float(float *row, Py_ssize_t from, Py_ssize_t to) {
    for (Py_ssize_t i = from; i < to; i++) row[i] = NAN;
}

/* Widen a slot's rows to `want` values: rows [0, rows) keep their values, new cells are padding. */
static int slot_grow(Slot *sl, Py_ssize_t n_calls, Py_ssize_t rows, Py_ssize_t want) {
    Py_ssize_t cap = sl->cap;
    Py_ssize_t ncap = want <= 16 ? want : (want > 2 * cap ? want : 2 * cap);
    size_t cells, bytes;
    if (!mul_ok((size_t)n_calls, (size_t)ncap, &cells) || !mul_ok(cells, 4, &bytes)) return -1;
    char *nv = realloc(sl->vals, bytes ? bytes : 1);
    if (nv == NULL) return -1;
    sl->vals = nv;
    for (Py_ssize_t i = rows - 1; i >= 0; i--) {
        if (sl->kind == K_INT) {
            int32_t *v = (int32_t *)nv;
            memmove(v + i * ncap, v + i * cap, (size_t)cap * 4);
            pad_int(v + i * ncap, cap, ncap);
        } else {
            float *v = (float *)nv;
            memmove(v + i * ncap, v + i * cap, (size_t)cap * 4);
            pad_float(v + i * ncap, cap, ncap);
        }
    }
    sl->cap = ncap;
    return 0;
}

/* Missing row: Integer [MISSING, END, ...], Float NaN. */
static inline void missing_row(Slot *sl, Py_ssize_t call) {
    if (sl->kind == K_INT) {
        int32_t *row = (int32_t *)sl->vals + call * sl->cap;
        row[0] = INT_MISSING;
        pad_int(row, 1, sl->cap);
    } else if (sl->kind == K_FLOAT) {
        pad_float((float *)sl->vals + call * sl->cap, 0, sl->cap);
    }
}

typedef struct {
    const uint8_t *d;
    Py_ssize_t size;
    const int64_t *starts, *ends;
    Py_ssize_t n;
    const int32_t *ranks;
    Py_ssize_t n_file, s;
    const int32_t *codes;
    const int32_t *layout;
    Py_ssize_t lwidth;
    const int32_t *n_keys;
    Py_ssize_t n_groups;
    Py_ssize_t n_slots;
    Slot *slots;
    int gt_slot;
    int16_t *gt;
    Py_ssize_t gt_cap, gt_maxk;
    uint8_t *phased;
    int32_t *gt_pos;    /* per group: sub-field index of GT, -1 */
    uint8_t *in_group;  /* n_groups * n_slots */
    int8_t *gkind;      /* n_groups * lwidth: kind of each sub-field, -1 not parsed */
    Slot **gslot;       /* n_groups * lwidth: its slot */
    Py_ssize_t *rw;     /* lwidth: most values of each sub-field in the current record */
    const char *err;
} Parse;

static int gt_grow(Parse *P, Py_ssize_t rows, Py_ssize_t want) {
    size_t cells, bytes;
    Py_ssize_t n_calls = P->n * P->s;
    if (!mul_ok((size_t)n_calls, (size_t)want, &cells) || !mul_ok(cells, 2, &bytes)) return -1;
    int16_t *ng = realloc(P->gt, bytes ? bytes : 1);
    if (ng == NULL) return -1;
    for (Py_ssize_t i = rows - 1; i >= 0; i--) {
        memmove(ng + i * want, ng + i * P->gt_cap, (size_t)P->gt_cap * 2);
        for (Py_ssize_t j = P->gt_cap; j < want; j++) ng[i * want + j] = -2;
    }
    P->gt = ng;
    P->gt_cap = want;
    return 0;
}

#define FAIL(msg)        \
    do {                 \
        P->err = (msg);  \
        return -1;       \
    } while (0)

/* One call's text from *pp (ending at a tab or at e), layout g: kinds gk[j] (-1: not parsed)
 * and slots gs[j] of its sub-fields; rw[j] collects the most values a call of the record has. */
static int parse_call(Parse *P, Py_ssize_t r, const int8_t *gk, Slot *const *gs, Py_ssize_t nk,
                      Py_ssize_t *rw, Py_ssize_t call, Py_ssize_t *pp, Py_ssize_t e) {
    const uint8_t *d = P->d;
    Py_ssize_t p = *pp;
    Py_ssize_t j = 0;
    for (;;) {
        if (j >= nk) FAIL("a sample has more FORMAT sub-fields than keys");
        int kind = gk[j];
        if (kind == K_INT || kind == K_INT_CHECK) {
            Slot *sl = gs[j];
            Py_ssize_t k = 0, cap = sl->cap;
            int32_t *row = kind == K_INT ? (int32_t *)sl->vals + call * cap : NULL;
            for (;;) {
                int32_t v;
                if (int_scan(d, P->size, &p, e, &v) < 0) FAIL("an Integer FORMAT value is not plain");
                if (row != NULL) {
                    if (k >= cap) {
                        if (slot_grow(sl, P->n * P->s, (r + 1) * P->s, k + 1) < 0) FAIL("out of memory");
                        cap = sl->cap;
                        row = (int32_t *)sl->vals + call * cap;
                    }
                    row[k] = v;
                }
                k++;
                if (p < e && d[p] == ',') {
                    p++;
                    continue;
                }
                break;
            }
            if (k < cap && row != NULL) pad_int(row, k, cap);
            if (k > rw[j]) rw[j] = k;
        } else if (kind == K_GT) {
            Py_ssize_t q = p;
            while (p < e && !is_end(d[p])) p++;
            if (p < e && d[p] == ',') FAIL("a ',' in GT");
            int16_t al[MAX_GT_PLOIDY];
            int k = 0, ph = 0;
            unsigned a0 = 10, a2 = 10;
            if (p - q == 3) {
                a0 = (unsigned)d[q] - '0';
                a2 = (unsigned)d[q + 2] - '0';
            }
            if (p - q == 3 && (a0 <= 9 || d[q] == '.') && (a2 <= 9 || d[q + 2] == '.') &&
                (d[q + 1] == '/' || d[q + 1] == '|')) {  /* the usual diploid call */
                al[0] = a0 <= 9 ? (int16_t)a0 : -1;
                al[1] = a2 <= 9 ? (int16_t)a2 : -1;
                k = 2;
                ph = d[q + 1] == '|';
            } else if (gt_token(d, q, p, al, &k, &ph) < 0) {
                FAIL("GT is not alleles separated by '/' or '|'");
            }
            if (k > P->gt_cap && gt_grow(P, (r + 1) * P->s, k) < 0) FAIL("out of memory");
            int16_t *row = P->gt + call * P->gt_cap;
            for (int i = 0; i < k; i++) row[i] = al[i];
            for (Py_ssize_t i = k; i < P->gt_cap; i++) row[i] = -2;
            if (k > P->gt_maxk) P->gt_maxk = k;
            P->phased[call] = (uint8_t)ph;
        } else if (kind == K_FLOAT || kind == K_FLOAT_CHECK) {
            Slot *sl = gs[j];
            Py_ssize_t k = 0, cap = sl->cap;
            float *row = kind == K_FLOAT ? (float *)sl->vals + call * cap : NULL;
            for (;;) {
                Py_ssize_t q = p;
                while (p < e && !is_end(d[p])) p++;
                float v;
                if (float_token(d, q, p, &v) < 0) FAIL("a Float FORMAT value needs the slow path");
                if (row != NULL) {
                    if (k >= cap) {
                        if (slot_grow(sl, P->n * P->s, (r + 1) * P->s, k + 1) < 0) FAIL("out of memory");
                        cap = sl->cap;
                        row = (float *)sl->vals + call * cap;
                    }
                    row[k] = v;
                }
                k++;
                if (p < e && d[p] == ',') {
                    p++;
                    continue;
                }
                break;
            }
            if (k < cap && row != NULL) pad_float(row, k, cap);
            if (k > rw[j]) rw[j] = k;
        } else if (kind == K_STR) {
            Slot *sl = gs[j];
            Py_ssize_t q = p;
            while (p < e && d[p] != ':' && d[p] != '\t') p++;
            sl->s_start[call] = q;
            sl->s_end[call] = p;
        } else {  /* not parsed */
            while (p < e && d[p] != ':' && d[p] != '\t') p++;
        }
        if (p < e && d[p] == ':') {
            p++;
            j++;
            continue;
        }
        break;
    }
    /* keys after the last sub-field written: missing values */
    for (Py_ssize_t m = j + 1; m < nk; m++) {
        int kind = gk[m];
        if (kind == K_GT) FAIL("GT missing from a sample");
        if (kind == K_INT || kind == K_FLOAT) missing_row(gs[m], call);
    }
    *pp = p;
    return 0;
}

static int parse_records(Parse *P) {
    const uint8_t *d = P->d;
    Py_ssize_t s = P->s, lw = P->lwidth;
    Py_ssize_t *rw = P->rw;
    for (Py_ssize_t r = 0; r < P->n; r++) {
        int64_t st = P->starts[r], en = P->ends[r];
        if (st < 0 || en < st || en > P->size) FAIL("record offsets out of range");
        int32_t g = P->codes[r];
        if (g < 0 || g >= P->n_groups) FAIL("FORMAT layout code out of range");
        const uint8_t *in = P->in_group + (Py_ssize_t)g * P->n_slots;
        const int8_t *gk = P->gkind + (Py_ssize_t)g * lw;
        Slot *const *gs = P->gslot + (Py_ssize_t)g * lw;
        Py_ssize_t nk = P->n_keys[g];
        for (Py_ssize_t k = 0; k < P->n_slots; k++) {
            Slot *sl = &P->slots[k];
            if ((sl->kind == K_INT || sl->kind == K_FLOAT) && !in[k]) {
                sl->recw[r] = 0;
                for (Py_ssize_t c = 0; c < s; c++) missing_row(sl, r * s + c);
            }
        }
        if (P->gt_pos[g] < 0) {
            for (Py_ssize_t c = r * s; c < (r + 1) * s; c++) {
                for (Py_ssize_t i = 0; i < P->gt_cap; i++) P->gt[c * P->gt_cap + i] = -2;
                P->phased[c] = 0;
            }
        }
        for (Py_ssize_t j = 0; j < nk; j++) rw[j] = 1;  /* a call without the key counts 1 */
        Py_ssize_t p = st;
        for (Py_ssize_t f = 0; f < P->n_file; f++) {
            if (f > 0) {
                if (p >= en || d[p] != '\t') FAIL("fewer sample columns than the header");
                p++;
            }
            int32_t rank = P->ranks[f];
            if (rank < 0) {
                const uint8_t *tab = memchr(d + p, '\t', (size_t)(en - p));
                p = tab ? (Py_ssize_t)(tab - d) : en;
                continue;
            }
            if (parse_call(P, r, gk, gs, nk, rw, r * s + rank, &p, en) < 0) return -1;
        }
        if (p != en) FAIL("more sample columns than the header");
        for (Py_ssize_t j = 0; j < nk; j++) {
            if (gk[j] == K_INT || gk[j] == K_FLOAT) {
                Slot *sl = gs[j];
                sl->recw[r] = rw[j];
                if (rw[j] > sl->maxk) sl->maxk = rw[j];
            }
        }
    }
    return 0;
}

static int as_array(PyObject *obj, Py_buffer *view, Py_ssize_t itemsize, Py_ssize_t count,
                    const char *what) {
    if (PyObject_GetBuffer(obj, view, PyBUF_SIMPLE) < 0) return -1;
    if (view->len != itemsize * count) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_ValueError, "%s: expected %zd bytes, got %zd", what, itemsize * count,
                     view->len);
        return -1;
    }
    return 0;
}

static PyObject *fmt_parse(PyObject *self, PyObject *args) {
    PyObject *o_data, *o_starts, *o_ends, *o_ranks, *o_codes, *o_layout, *o_nkeys, *o_kinds,
        *o_hints;
    Py_ssize_t s;
    if (!PyArg_ParseTuple(args, "OOOOnOOOOO", &o_data, &o_starts, &o_ends, &o_ranks, &s, &o_codes,
                          &o_layout, &o_nkeys, &o_kinds, &o_hints))
        return NULL;
    Py_buffer b_data = {0}, b_starts = {0}, b_ends = {0}, b_ranks = {0}, b_codes = {0},
              b_layout = {0}, b_nkeys = {0}, b_kinds = {0}, b_hints = {0};
    PyObject *result = NULL;
    Parse P;
    memset(&P, 0, sizeof P);
    Slot *slots = NULL;

    if (PyObject_GetBuffer(o_data, &b_data, PyBUF_SIMPLE) < 0) return NULL;
    if (PyObject_GetBuffer(o_starts, &b_starts, PyBUF_SIMPLE) < 0) goto done;
    Py_ssize_t n = b_starts.len / 8;
    if (b_starts.len % 8 || as_array(o_ends, &b_ends, 8, n, "ends") < 0) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "starts: not int64");
        goto done;
    }
    if (PyObject_GetBuffer(o_ranks, &b_ranks, PyBUF_SIMPLE) < 0) goto done;
    if (as_array(o_codes, &b_codes, 4, n, "codes") < 0) goto done;
    if (PyObject_GetBuffer(o_nkeys, &b_nkeys, PyBUF_SIMPLE) < 0) goto done;
    if (PyObject_GetBuffer(o_layout, &b_layout, PyBUF_SIMPLE) < 0) goto done;
    if (PyObject_GetBuffer(o_kinds, &b_kinds, PyBUF_SIMPLE) < 0) goto done;
    if (as_array(o_hints, &b_hints, 4, b_kinds.len / 4, "hints") < 0) goto done;
    Py_ssize_t n_file = b_ranks.len / 4, n_groups = b_nkeys.len / 4, n_slots = b_kinds.len / 4;
    if (b_ranks.len % 4 || b_nkeys.len % 4 || b_kinds.len % 4 || b_layout.len % 4 || s < 1 ||
        n_groups < 1 || n_slots > MAX_SLOTS) {
        PyErr_SetString(PyExc_ValueError, "bad array sizes");
        goto done;
    }
    Py_ssize_t lwidth = (b_layout.len / 4) / n_groups;
    if (lwidth * n_groups * 4 != b_layout.len) {
        PyErr_SetString(PyExc_ValueError, "layout: not n_groups rows");
        goto done;
    }
    const int32_t *ranks = b_ranks.buf, *nkeys = b_nkeys.buf, *layout = b_layout.buf,
                  *kinds = b_kinds.buf, *hints = b_hints.buf;
    /* the kept samples: each output position exactly once */
    {
        Py_ssize_t kept = 0;
        uint8_t *seen = calloc((size_t)s, 1);
        if (seen == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        int bad = 0;
        for (Py_ssize_t f = 0; f < n_file; f++) {
            if (ranks[f] < -1 || ranks[f] >= s || (ranks[f] >= 0 && seen[ranks[f]]++)) bad = 1;
            kept += ranks[f] >= 0;
        }
        free(seen);
        if (bad || kept != s) {
            PyErr_SetString(PyExc_ValueError, "ranks: not each kept sample once");
            goto done;
        }
    }
    int gt_slot = -1;
    for (Py_ssize_t k = 0; k < n_slots; k++) {
        if (kinds[k] < K_GT || kinds[k] > K_FLOAT_CHECK || (kinds[k] == K_GT && gt_slot >= 0)) {
            PyErr_SetString(PyExc_ValueError, "kinds: unknown kind or GT twice");
            goto done;
        }
        if (kinds[k] == K_GT) gt_slot = (int)k;
    }
    P.gt_pos = malloc((size_t)n_groups * sizeof(int32_t));
    P.in_group = calloc((size_t)n_groups * (size_t)(n_slots ? n_slots : 1), 1);
    if (P.gt_pos == NULL || P.in_group == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t g = 0; g < n_groups; g++) {
        P.gt_pos[g] = -1;
        if (nkeys[g] < 0 || nkeys[g] > lwidth) {
            PyErr_SetString(PyExc_ValueError, "n_keys out of range");
            goto done;
        }
        for (Py_ssize_t j = 0; j < lwidth; j++) {
            int32_t sl = layout[g * lwidth + j];
            if (sl < SLOT_SKIP || sl >= n_slots || (j < nkeys[g] && sl == SLOT_NONE) ||
                (j >= nkeys[g] && sl != SLOT_NONE)) {
                PyErr_SetString(PyExc_ValueError, "layout: bad slot");
                goto done;
            }
            if (sl >= 0) {
                if (P.in_group[g * n_slots + sl]) {
                    PyErr_SetString(PyExc_ValueError, "layout: a slot twice in one layout");
                    goto done;
                }
                P.in_group[g * n_slots + sl] = 1;
                if (sl == gt_slot) P.gt_pos[g] = (int32_t)j;
            }
        }
    }
    size_t n_calls_u, tmp;
    if (!mul_ok((size_t)n, (size_t)s, &n_calls_u) || !mul_ok(n_calls_u, 16, &tmp)) {
        PyErr_SetString(PyExc_ValueError, "too many calls");
        goto done;
    }
    Py_ssize_t n_calls = (Py_ssize_t)n_calls_u;
    slots = calloc((size_t)(n_slots ? n_slots : 1), sizeof(Slot));
    P.gt_cap = 2;
    P.gt = malloc(n_calls_u * 4 + 1);
    P.phased = malloc(n_calls_u + 1);
    if (slots == NULL || P.gt == NULL || P.phased == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < n_slots; k++) {
        Slot *sl = &slots[k];
        sl->kind = kinds[k];
        if (sl->kind == K_INT || sl->kind == K_FLOAT) {
            /* the expected width (from Number=): growing the rows later copies them */
            sl->cap = hints[k] >= 1 && hints[k] <= 64 ? hints[k] : 1;
            sl->vals = malloc(n_calls_u * 4 * (size_t)sl->cap + 1);
            sl->recw = malloc((size_t)n * 8 + 1);
            if (sl->vals == NULL || sl->recw == NULL) {
                PyErr_NoMemory();
                goto done;
            }
        } else if (sl->kind == K_STR) {
            sl->s_start = malloc(n_calls_u * 8 + 1);
            sl->s_end = malloc(n_calls_u * 8 + 1);
            if (sl->s_start == NULL || sl->s_end == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            for (Py_ssize_t c = 0; c < n_calls; c++) sl->s_start[c] = sl->s_end[c] = -1;
        }
    }
    P.gkind = malloc((size_t)n_groups * (size_t)lwidth + 1);
    P.gslot = malloc(((size_t)n_groups * (size_t)lwidth + 1) * sizeof(Slot *));
    P.rw = malloc(((size_t)lwidth + 1) * sizeof(Py_ssize_t));
    if (P.gkind == NULL || P.gslot == NULL || P.rw == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n_groups * lwidth; i++) {
        int32_t sl = layout[i];
        P.gkind[i] = (int8_t)(sl >= 0 ? slots[sl].kind : -1);
        P.gslot[i] = sl >= 0 ? &slots[sl] : NULL;
    }
    P.d = b_data.buf;
    P.size = b_data.len;
    P.starts = b_starts.buf;
    P.ends = b_ends.buf;
    P.n = n;
    P.ranks = ranks;
    P.n_file = n_file;
    P.s = s;
    P.codes = b_codes.buf;
    P.layout = layout;
    P.lwidth = lwidth;
    P.n_keys = nkeys;
    P.n_groups = n_groups;
    P.n_slots = n_slots;
    P.slots = slots;
    P.gt_slot = gt_slot;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = parse_records(&P);
    if (rc == 0) {
        /* compact rows allocated wider than the widest call */
        for (Py_ssize_t k = 0; k < n_slots; k++) {
            Slot *sl = &slots[k];
            if (sl->kind != K_INT && sl->kind != K_FLOAT) continue;
            Py_ssize_t w = sl->maxk > 1 ? sl->maxk : 1;
            if (w < sl->cap) {
                char *v = sl->vals;
                for (Py_ssize_t c = 0; c < n_calls; c++)
                    memmove(v + (size_t)c * w * 4, v + (size_t)c * sl->cap * 4, (size_t)w * 4);
                sl->cap = w;
            }
        }
        if (gt_slot >= 0 && P.gt_maxk < P.gt_cap) {
            Py_ssize_t w = P.gt_maxk > 1 ? P.gt_maxk : 1;
            for (Py_ssize_t c = 0; c < n_calls; c++)
                memmove(P.gt + c * w, P.gt + c * P.gt_cap, (size_t)w * 2);
            P.gt_cap = w;
        }
    }
    Py_END_ALLOW_THREADS
    if (rc < 0) {
        if (strcmp(P.err, "out of memory") == 0)
            PyErr_NoMemory();
        else
            PyErr_SetString(PyExc_ValueError, P.err);
        goto done;
    }
    {
        PyObject *lst = PyList_New(n_slots);
        if (lst == NULL) goto done;
        for (Py_ssize_t k = 0; k < n_slots; k++) {
            Slot *sl = &slots[k];
            PyObject *item;
            if (sl->kind == K_INT || sl->kind == K_FLOAT) {
                PyObject *v = mem_take(sl->vals, n_calls * sl->cap * 4);
                sl->vals = NULL;
                PyObject *w = mem_take(sl->recw, n * 8);
                sl->recw = NULL;
                item = (v && w) ? Py_BuildValue("(OnO)", v, sl->cap, w) : NULL;
                Py_XDECREF(v);
                Py_XDECREF(w);
            } else if (sl->kind == K_STR) {
                PyObject *a = mem_take(sl->s_start, n_calls * 8);
                sl->s_start = NULL;
                PyObject *b = mem_take(sl->s_end, n_calls * 8);
                sl->s_end = NULL;
                item = (a && b) ? PyTuple_Pack(2, a, b) : NULL;
                Py_XDECREF(a);
                Py_XDECREF(b);
            } else {
                Py_INCREF(Py_None);
                item = Py_None;
            }
            if (item == NULL) {
                Py_DECREF(lst);
                goto done;
            }
            PyList_SET_ITEM(lst, k, item);
        }
        PyObject *gt = mem_take(P.gt, n_calls * P.gt_cap * 2);
        P.gt = NULL;
        PyObject *ph = mem_take(P.phased, n_calls);
        P.phased = NULL;
        if (gt && ph) result = Py_BuildValue("(OnOO)", gt, P.gt_cap, ph, lst);
        Py_XDECREF(gt);
        Py_XDECREF(ph);
        Py_DECREF(lst);
    }
done:
    if (slots != NULL) {
        for (Py_ssize_t k = 0; k < n_slots; k++) {
            free(slots[k].vals);
            free(slots[k].recw);
            free(slots[k].s_start);
            free(slots[k].s_end);
        }
        free(slots);
    }
    free(P.gt);
    free(P.phased);
    free(P.gt_pos);
    free(P.in_group);
    free(P.gkind);
    free(P.gslot);
    free(P.rw);
    PyBuffer_Release(&b_data);
    PyBuffer_Release(&b_starts);
    PyBuffer_Release(&b_ends);
    PyBuffer_Release(&b_ranks);
    PyBuffer_Release(&b_codes);
    PyBuffer_Release(&b_layout);
    PyBuffer_Release(&b_nkeys);
    PyBuffer_Release(&b_kinds);
    PyBuffer_Release(&b_hints);
    return result;
}


/* -- call-level columns ------------------------------------------------------------------- */
typedef struct {
    Py_buffer b;
    int on;
} Opt;

static int get_opt(PyObject *o, Opt *x, int writable, Py_ssize_t want, const char *what) {
    x->on = 0;
    if (o == Py_None) return 0;
    if (PyObject_GetBuffer(o, &x->b, writable ? PyBUF_WRITABLE : PyBUF_SIMPLE) < 0) return -1;
    x->on = 1;
    if (want >= 0 && x->b.len != want) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd bytes, got %zd", what, want, x->b.len);
        return -1;
    }
    return 0;
}

/* calls(s, ploidy, ad_width, n_alt, gt, block_ploidy, has_gt, phased, ad, ad_w, ad_present,
 *       dp, dp_w, dp_present, gq, gq_w, gq_present, gq_float,
 *       out_gt, out_phased, out_ad, out_dp, out_gq, out_vaf, out_code)
 * For records with n_alt[r] ALTs (one allele row each, one row for none), from one block's
 * arrays (gt int16 (n, s, block_ploidy), has_gt/phased bytes, ad/dp int32 and gq int32 or
 * float32 (n, s, width) with presence per record, or None), writes what the numpy code of
 * gmsvar.io.buffer.RecordBuffer._call_columns computes for a FORMAT/AD plan: genotypes
 * recoded per allele (int8, padded or cut to the chunk's ploidy; -1 for a record without
 * GT), phasing, (REF, ALT) depths, depth (DP, else the AD total over the record's alleles
 * and the chunk's AD width), GQ, and VAF with its source code (or not, if None). */
static PyObject *fmt_calls(PyObject *self, PyObject *args) {
    Py_ssize_t s, P, W, Pb, ad_w, dp_w, gq_w;
    int gq_float;
    PyObject *o[17];
    if (!PyArg_ParseTuple(args, "nnnOOnOOOnOOnOOnOpOOOOOOO", &s, &P, &W, &o[0], &o[1], &Pb, &o[2],
                          &o[3], &o[4], &ad_w, &o[5], &o[6], &dp_w, &o[7], &o[8], &gq_w, &o[9],
                          &gq_float, &o[10], &o[11], &o[12], &o[13], &o[14], &o[15], &o[16]))
        return NULL;
    Opt x[17];
    memset(x, 0, sizeof x);
    PyObject *result = NULL;
    int rc = 0;
    size_t tmp;
    if (s < 1 || P < 1 || P > 64 || W < 1 || Pb < 0 || Pb > 64 || ad_w < 1 || dp_w < 1 || gq_w < 1 ||
        !mul_ok((size_t)s, 64 * 16, &tmp)) {
        PyErr_SetString(PyExc_ValueError, "bad sizes");
        goto done;
    }
    if (get_opt(o[0], &x[0], 0, -1, "n_alt") < 0) goto done;
    if (!x[0].on || x[0].b.len % 8) {
        PyErr_SetString(PyExc_ValueError, "n_alt: not int64");
        goto done;
    }
    Py_ssize_t nb = x[0].b.len / 8, rows = 0;
    const int64_t *n_alt = x[0].b.buf;
    for (Py_ssize_t r = 0; r < nb; r++) {
        if (n_alt[r] < 0 || n_alt[r] > (1 << 20)) {
            PyErr_SetString(PyExc_ValueError, "n_alt out of range");
            goto done;
        }
        rows += n_alt[r] > 1 ? n_alt[r] : 1;
    }
    size_t calls_in, calls_out;
    if (!mul_ok((size_t)nb, (size_t)s, &calls_in) || !mul_ok((size_t)rows, (size_t)s, &calls_out) ||
        !mul_ok(calls_in, 64 * 8, &tmp) || !mul_ok(calls_out, 64 * 8, &tmp)) {
        PyErr_SetString(PyExc_ValueError, "too many calls");
        goto done;
    }
    Py_ssize_t ci = (Py_ssize_t)calls_in, co = (Py_ssize_t)calls_out;
    if (get_opt(o[1], &x[1], 0, ci * Pb * 2, "gt") < 0 || get_opt(o[2], &x[2], 0, nb, "has_gt") < 0 ||
        get_opt(o[3], &x[3], 0, ci, "phased") < 0 || get_opt(o[4], &x[4], 0, ci * ad_w * 4, "ad") < 0 ||
        get_opt(o[5], &x[5], 0, nb, "ad_present") < 0 ||
        get_opt(o[6], &x[6], 0, ci * dp_w * 4, "dp") < 0 ||
        get_opt(o[7], &x[7], 0, nb, "dp_present") < 0 ||
        get_opt(o[8], &x[8], 0, ci * gq_w * 4, "gq") < 0 ||
        get_opt(o[9], &x[9], 0, nb, "gq_present") < 0 ||
        get_opt(o[10], &x[10], 1, co * P, "out_gt") < 0 ||
        get_opt(o[11], &x[11], 1, co, "out_phased") < 0 ||
        get_opt(o[12], &x[12], 1, co * 8, "out_ad") < 0 ||
        get_opt(o[13], &x[13], 1, co * 4, "out_dp") < 0 ||
        get_opt(o[14], &x[14], 1, co * 4, "out_gq") < 0 ||
        get_opt(o[15], &x[15], 1, co * 4, "out_vaf") < 0 ||
        get_opt(o[16], &x[16], 1, co, "out_code") < 0)
        goto done;
    for (int i = 1; i <= 14; i++) {
        if (!x[i].on && (i <= 3 || i >= 10)) {
            PyErr_SetString(PyExc_ValueError, "a required array is None");
            goto done;
        }
    }
    if (x[4].on != x[5].on || x[6].on != x[7].on || x[8].on != x[9].on || x[15].on != x[16].on) {
        PyErr_SetString(PyExc_ValueError, "values and presence must both be given");
        goto done;
    }
    {
        const int16_t *gt = x[1].b.buf;
        const uint8_t *has_gt = x[2].b.buf, *phased = x[3].b.buf;
        const int32_t *ad = x[4].on ? x[4].b.buf : NULL, *dp = x[6].on ? x[6].b.buf : NULL;
        const uint8_t *ad_p = x[5].on ? x[5].b.buf : NULL, *dp_p = x[7].on ? x[7].b.buf : NULL,
                      *gq_p = x[9].on ? x[9].b.buf : NULL;
        const void *gq = x[8].on ? x[8].b.buf : NULL;
        int8_t *out_gt = x[10].b.buf, *out_code = x[16].on ? x[16].b.buf : NULL;
        uint8_t *out_ph = x[11].b.buf;
        int32_t *out_ad = x[12].b.buf, *out_dp = x[13].b.buf, *out_gq = x[14].b.buf;
        float *out_vaf = x[15].on ? x[15].b.buf : NULL;
        Py_BEGIN_ALLOW_THREADS
        Py_ssize_t row = 0;
        for (Py_ssize_t r = 0; r < nb && rc == 0; r++) {
            int64_t na = n_alt[r], n_all = na + 1;
            Py_ssize_t nrow = na > 1 ? (Py_ssize_t)na : 1;
            int hg = has_gt[r] != 0;
            int adp = ad != NULL && ad_p[r], dpp = dp != NULL && dp_p[r], gqp = gq != NULL && gq_p[r];
            Py_ssize_t limit = n_all < W ? (Py_ssize_t)n_all : W;
            for (Py_ssize_t j = 0; j < s; j++) {
                Py_ssize_t c = r * s + j;
                int16_t g[64];
                for (Py_ssize_t q = 0; q < P; q++) g[q] = !hg ? -1 : (q < Pb ? gt[c * Pb + q] : -2);
                uint8_t ph = phased[c] && hg && P > 1 && g[1] >= -1;
                int32_t ref = -1;
                int64_t total = -1;
                const int32_t *v = adp ? ad + c * ad_w : NULL;
                if (v != NULL && v[0] > INT_END) {
                    ref = v[0];
                    total = v[0];
                    for (Py_ssize_t k = 1; k < limit; k++) {
                        int32_t a = k < ad_w ? v[k] : INT_MISSING;
                        if (a <= INT_END) {
                            total = -1;
                            break;
                        }
                        total += a;
                    }
                }
                int32_t dpv = dpp ? dp[c * dp_w] : INT_MISSING;
                if (dpv <= INT_END) dpv = (int32_t)total;
                int32_t gqv = -1;
                if (gqp && !gq_float) {
                    int32_t gi = ((const int32_t *)gq)[c * gq_w];
                    gqv = gi <= INT_END ? -1 : gi;
                } else if (gqp) {
                    float gf = ((const float *)gq)[c * gq_w];
                    if (!isnan(gf)) {
                        float fl = floorf(gf);
                        if (!(fl >= -2147483648.0f && fl < 2147483648.0f)) {
                            rc = -1;  /* numpy's cast of an out-of-range value: its own path */
                            break;
                        }
                        gqv = (int32_t)fl;
                    }
                }
                for (Py_ssize_t i = 0; i < nrow; i++) {
                    int64_t a = i + 1;
                    Py_ssize_t oc = (row + i) * s + j;
                    for (Py_ssize_t q = 0; q < P; q++)
                        out_gt[oc * P + q] = (int8_t)(g[q] < 0 ? g[q] : g[q] == a);
                    out_ph[oc] = ph;
                    int32_t alt = -1;
                    if (a < W && v != NULL && a < ad_w && v[a] > INT_END) alt = v[a];
                    out_ad[oc * 2] = ref;
                    out_ad[oc * 2 + 1] = alt;
                    out_dp[oc] = dpv;
                    out_gq[oc] = gqv;
                    if (out_vaf != NULL) {
                        int ok = alt >= 0 && total > 0;
                        /* the float64 quotient rounded to float32 (0 and 1 exactly, no division) */
                        out_vaf[oc] = !ok ? NAN : alt == 0 ? 0.0f : alt == total ? 1.0f
                                                 : (float)((double)alt / (double)total);
                        out_code[oc] = ok ? 0 : -1;
                    }
                }
            }
            row += nrow;
        }
        Py_END_ALLOW_THREADS
    }
    if (rc < 0) {
        PyErr_SetString(PyExc_ValueError, "a Float GQ outside the int32 range");
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    for (int i = 0; i < 17; i++)
        if (x[i].on) PyBuffer_Release(&x[i].b);
    return result;
}


/* -- record lines ------------------------------------------------------------------------- */
/* Any byte below n (n <= 128) in the word? */
static inline int has_less(uint64_t w, uint64_t n) {
    return ((w - 0x0101010101010101ull * n) & ~w & 0x8080808080808080ull) != 0;
}

/* Offset of the first byte at or after p that is 13 or below (tab, newline, control characters,
 * carriage return), or size if none: 16 bytes at a time with SSE2, else 8 with a word test. */
static inline Py_ssize_t next_low(const uint8_t *d, Py_ssize_t p, Py_ssize_t size) {
#ifdef HAVE_SSE2_SCAN
    const __m128i lim = _mm_set1_epi8(13);
    while (p + 16 <= size) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(d + p));
        int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(x, lim), x));  /* x <= 13 */
        if (mask != 0) return p + __builtin_ctz((unsigned)mask);
        p += 16;
    }
#else
    while (p + 8 <= size) {
        uint64_t w;
        memcpy(&w, d + p, 8);
        if (has_less(w, 14)) break;
        p += 8;
    }
#endif
    while (p < size && d[p] > 13) p++;
    return p;
}

static PyObject *fmt_lines(PyObject *self, PyObject *args) {
    Py_buffer b;
    Py_ssize_t size, ncol;
    if (!PyArg_ParseTuple(args, "y*nn", &b, &size, &ncol)) return NULL;
    PyObject *result = NULL;
    int64_t *out = NULL;
    if (size < 1 || size > b.len || ncol < 8 || ncol > (1 << 24)) {
        PyErr_SetString(PyExc_ValueError, "bad sizes");
        goto done;
    }
    const uint8_t *d = b.buf;
    Py_ssize_t m = ncol < 10 ? ncol : 10, n = 0;
    for (const uint8_t *q = d; (q = memchr(q, '\n', (size_t)(d + size - q))) != NULL; q++) n++;
    size_t cells;
    if (n < 1 || d[size - 1] != '\n' || !mul_ok((size_t)n, (size_t)m * 8, &cells)) {
        PyErr_SetString(PyExc_ValueError, "no whole lines");
        goto done;
    }
    out = malloc(cells);
    if (out == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const char *err = NULL;
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t p = 0;
    for (Py_ssize_t line = 0; line < n && err == NULL; line++) {
        int64_t *row = out + line * m;
        Py_ssize_t k = 0;  /* tabs so far */
        for (;;) {  /* (the text ends with a newline, so the line's is found before size) */
            p = next_low(d, p, size);
            uint8_t c = d[p];
            if (c == '\n') break;
            if (c == '\t') {
                if (k < m - 1) row[k] = p;
                k++;
            } else if (c < 9 || c == '\r') {
                err = "a control character or carriage return";
                break;
            }
            p++;
        }
        if (err == NULL && k != ncol - 1) err = "a line does not have the header's number of columns";
        row[m - 1] = p;
        p++;
    }
    Py_END_ALLOW_THREADS
    if (err != NULL) {
        PyErr_SetString(PyExc_ValueError, err);
        goto done;
    }
    PyObject *mem = mem_take(out, (Py_ssize_t)cells);
    out = NULL;
    if (mem != NULL) {
        result = Py_BuildValue("(nnO)", n, m, mem);
        Py_DECREF(mem);
    }
done:
    free(out);
    PyBuffer_Release(&b);
    return result;
}

/* ---- INFO items ---------------------------------------------------------------------- */
static PyObject *fmt_info_items(PyObject *self, PyObject *args) {
    Py_buffer b = {0}, bs = {0}, be = {0};
    if (!PyArg_ParseTuple(args, "y*y*y*", &b, &bs, &be)) return NULL;
    PyObject *result = NULL;
    int64_t *out = NULL;
    Py_ssize_t n = bs.len / 8;
    if (bs.len % 8 || be.len != bs.len) {
        PyErr_SetString(PyExc_ValueError, "starts and ends must be int64 arrays of one length");
        goto done;
    }
    const char *d = b.buf;
    const int64_t *starts = bs.buf, *ends = be.buf;
    const char *err = NULL;
    Py_ssize_t k = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t r = 0; r < n; r++) {  /* count the non-empty items; check the spans */
        int64_t s = starts[r], e = ends[r];
        if (s < 0 || e < s || e > b.len) {
            err = "a column outside the text";
            break;
        }
        const char *item = d + s, *stop = d + e, *semi;
        while ((semi = memchr(item, ';', (size_t)(stop - item))) != NULL) {
            k += semi > item;
            item = semi + 1;
        }
        k += stop > item;
        /* the block was checked for control characters (lines()); a tab or newline inside a
           column would mean a wrong span */
        if (memchr(d + s, '\t', (size_t)(e - s)) != NULL || memchr(d + s, '\n', (size_t)(e - s)) != NULL) {
            err = "INFO column split unexpectedly";
            break;
        }
    }
    Py_END_ALLOW_THREADS
    if (err != NULL) {
        PyErr_SetString(PyExc_ValueError, err);
        goto done;
    }
    size_t cells;
    if (!mul_ok((size_t)k, 4 * 8, &cells)) {
        PyErr_NoMemory();
        goto done;
    }
    out = malloc(cells ? cells : 1);
    if (out == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    int64_t *is = out, *ie = out + k, *ieq = out + 2 * k, *iline = out + 3 * k;
    Py_ssize_t j = 0;
    for (Py_ssize_t r = 0; r < n; r++) {
        const char *item = d + starts[r], *stop = d + ends[r];
        while (item < stop) {
            const char *semi = memchr(item, ';', (size_t)(stop - item));
            const char *end = semi != NULL ? semi : stop;
            if (end > item) {
                const char *eq = memchr(item, '=', (size_t)(end - item));
                is[j] = item - d;
                ie[j] = end - d;
                ieq[j] = (eq != NULL ? eq : end) - d;
                iline[j] = r;
                j++;
            }
            item = end + 1;
        }
    }
    Py_END_ALLOW_THREADS
    PyObject *mem = mem_take(out, (Py_ssize_t)cells);
    out = NULL;
    if (mem != NULL) {
        result = Py_BuildValue("(nO)", k, mem);
        Py_DECREF(mem);
    }
done:
    free(out);
    PyBuffer_Release(&b);
    PyBuffer_Release(&bs);
    PyBuffer_Release(&be);
    return result;
}

static PyMethodDef methods[] = {
    {"parse", fmt_parse, METH_VARARGS, "Parse the sample columns of a block of records."},
    {"calls", fmt_calls, METH_VARARGS, "Call-level columns of the allele rows of records."},
    {"lines", fmt_lines, METH_VARARGS, "Tab and newline offsets of the record lines of a block."},
    {"info_items", fmt_info_items, METH_VARARGS, "Items of the INFO column of each record."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "gmsvar.io._fmt",
                                    "FORMAT parser and call-column kernel of the fast reader.", -1,
                                    methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__fmt(void) {
    if (PyType_Ready(&MemType) < 0) return NULL;
    return PyModule_Create(&module);
}
