/* gmsvar.io._tabix: tabix (.tbi) index queries and record selection for region reads.
 *
 * Three entry points, all working on caller-supplied buffers (bounds-checked; anything
 * unexpected raises ValueError, which the Python wrapper turns into FastUnsupported):
 *
 * layout(index[, n_refs])
 *                      walk the inflated .tbi once: the names' end offset and, per
 *                      reference, (bins offset, n_bin, linear index offset, n_intv), as
 *                      bytes of little-endian int64 quadruples; with n_refs >= 0, only the
 *                      first n_refs references (the index may then be inflated partly).
 * chunks(index, bins_off, n_bin, lin_off, n_intv, begs, ends)
 *                      the BGZF chunks (virtual offset pairs, bytes of uint64) to read for
 *                      0-based half-open intervals [begs[i], ends[i]) of one reference:
 *                      bins overlapping each interval, chunks ending after the linear-index
 *                      lower bound, sorted and merged as htslib's hts_itr_query does.
 * select(text, start, stop, contig, begs, ends)
 *                      the whole lines of text[start:stop] whose record overlaps one of
 *                      the sorted disjoint intervals, with the record span htslib's tabix
 *                      reader uses for VCF (tbx_parse1: POS-1 .. POS-1+len(REF), or INFO
 *                      END when it is larger than POS-1). Returns (bytes, n_kept, n_lines).
 *
 * The byte work runs without the GIL.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TBI_MIN_SHIFT 14
#define TBI_N_LVLS 5
#define TBI_MAX_BIN 37450 /* the pseudo-bin holding index metadata */
#define MAX_COORD ((int64_t)1 << 40)

static uint32_t rd_u32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static int32_t rd_i32(const unsigned char *p) { return (int32_t)rd_u32(p); }

static uint64_t rd_u64(const unsigned char *p) {
    return (uint64_t)rd_u32(p) | ((uint64_t)rd_u32(p + 4) << 32);
}

static void wr_i64(unsigned char *p, int64_t v) {
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(u >> (8 * i));
}

static void wr_u64(unsigned char *p, uint64_t u) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(u >> (8 * i));
}

/* ---- layout ------------------------------------------------------------------------------ */

static PyObject *tabix_layout(PyObject *self, PyObject *args) {
    Py_buffer buf;
    long long want = -1;
    if (!PyArg_ParseTuple(args, "y*|L:layout", &buf, &want)) return NULL;
    const unsigned char *d = (const unsigned char *)buf.buf;
    Py_ssize_t n = buf.len, off;
    const char *err = NULL;
    PyObject *out = NULL;
    int32_t n_ref = 0, l_nm = 0, total = 0;
    unsigned char *lay = NULL;

    if (n < 36 || memcmp(d, "TBI\1", 4) != 0) { err = "not a tabix index (no TBI magic)"; goto done; }
    total = rd_i32(d + 4);
    l_nm = rd_i32(d + 32);
    if (total < 0 || total > (1 << 24)) { err = "implausible number of references"; goto done; }
    /* want >= 0: walk only the first `want` references (the start of a partly inflated index) */
    n_ref = (want >= 0 && want < total) ? (int32_t)want : total;
    if (l_nm < 0 || (Py_ssize_t)l_nm > n - 36) { err = "names run past the end of the index"; goto done; }
    off = 36 + l_nm;
    /* every reference takes at least 8 bytes (bin and window counts) */
    if ((int64_t)n_ref * 8 > (int64_t)(n - off)) { err = "index truncated (references)"; goto done; }
    lay = (unsigned char *)malloc((size_t)n_ref * 32 + 1);
    if (lay == NULL) { PyBuffer_Release(&buf); return PyErr_NoMemory(); }
    Py_BEGIN_ALLOW_THREADS
    for (int32_t r = 0; r < n_ref && err == NULL; r++) {
        if (n - off < 4) { err = "index truncated (bins)"; break; }
        int32_t n_bin = rd_i32(d + off);
        off += 4;
        if (n_bin < 0) { err = "negative bin count"; break; }
        Py_ssize_t bins_off = off;
        for (int32_t b = 0; b < n_bin; b++) {
            if (n - off < 8) { err = "index truncated (bin)"; break; }
            int32_t n_chunk = rd_i32(d + off + 4);
            off += 8;
            if (n_chunk < 0 || (int64_t)n_chunk * 16 > (int64_t)(n - off)) {
                err = "index truncated (chunks)";
                break;
            }
            off += (Py_ssize_t)n_chunk * 16;
        }
        if (err != NULL) break;
        if (n - off < 4) { err = "index truncated (linear index)"; break; }
        int32_t n_intv = rd_i32(d + off);
        off += 4;
        if (n_intv < 0 || (int64_t)n_intv * 8 > (int64_t)(n - off)) {
            err = "index truncated (linear index)";
            break;
        }
        wr_i64(lay + 32 * r, bins_off);
        wr_i64(lay + 32 * r + 8, n_bin);
        wr_i64(lay + 32 * r + 16, off);
        wr_i64(lay + 32 * r + 24, n_intv);
        off += (Py_ssize_t)n_intv * 8;
    }
    Py_END_ALLOW_THREADS
    /* an optional trailing uint64 (records without coordinates) may follow */
    if (err == NULL && n_ref == total && n - off != 0 && n - off != 8) err = "unexpected bytes after the index";
    if (err == NULL) out = Py_BuildValue("(ny#)", (Py_ssize_t)(36 + l_nm), (const char *)lay,
                                         (Py_ssize_t)n_ref * 32);
done:
    free(lay);
    PyBuffer_Release(&buf);
    if (err != NULL) PyErr_SetString(PyExc_ValueError, err);
    return out;
}

/* ---- chunks ------------------------------------------------------------------------------ */

typedef struct {
    uint64_t u, v;
} pair64;

static int cmp_pair(const void *a, const void *b) {
    const pair64 *x = (const pair64 *)a, *y = (const pair64 *)b;
    if (x->u != y->u) return x->u < y->u ? -1 : 1;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return 0;
}

typedef struct {
    pair64 *p;
    size_t n, m;
} pairs;

static int push_pair(pairs *a, uint64_t u, uint64_t v) {
    if (a->n == a->m) {
        size_t m = a->m ? 2 * a->m : 64;
        pair64 *p = (pair64 *)realloc(a->p, m * sizeof(pair64));
        if (p == NULL) return -1;
        a->p = p;
        a->m = m;
    }
    a->p[a->n].u = u;
    a->p[a->n].v = v;
    a->n++;
    return 0;
}

/* Linear-index lower bound for a query starting at 0-based beg: the offset stored for its
 * 16 kb window, or the nearest set entry before it (entries of 0 or ~0 are unset). */
static uint64_t linear_min(const unsigned char *lin, int64_t n_intv, int64_t beg) {
    int64_t w = beg >> TBI_MIN_SHIFT;
    if (w >= n_intv) return 0; /* no record reaches this window: nothing to prune with */
    for (; w >= 0; w--) {
        uint64_t o = rd_u64(lin + 8 * w);
        if (o != 0 && o != UINT64_MAX) return o;
    }
    return 0;
}

static const char *query_chunks(const unsigned char *d, Py_ssize_t n, int64_t bins_off, int64_t n_bin,
                                int64_t lin_off, int64_t n_intv, const int64_t *begs, const int64_t *ends,
                                Py_ssize_t n_iv, pairs *out) {
    /* bin id -> offset of its record in the index, -1 when absent */
    int64_t *where = (int64_t *)malloc(sizeof(int64_t) * (TBI_MAX_BIN + 1));
    if (where == NULL) return "out of memory";
    for (int i = 0; i <= TBI_MAX_BIN; i++) where[i] = -1;
    const char *err = NULL;
    if (bins_off < 0 || lin_off < 0 || n_bin < 0 || n_intv < 0 || lin_off > n || n_intv * 8 > n - lin_off) {
        err = "bad reference layout";
        goto done;
    }
    int64_t off = bins_off;
    for (int64_t b = 0; b < n_bin; b++) {
        if (off < 0 || n - off < 8) { err = "bad reference layout"; goto done; }
        uint32_t bin = rd_u32(d + off);
        int32_t n_chunk = rd_i32(d + off + 4);
        if (bin > TBI_MAX_BIN) { err = "bin number out of range (not a TBI binning)"; goto done; }
        if (where[bin] >= 0) { err = "bin listed twice"; goto done; }
        if (n_chunk < 0 || (int64_t)n_chunk * 16 > n - off - 8) { err = "bad reference layout"; goto done; }
        where[bin] = off;
        off += 8 + (int64_t)n_chunk * 16;
    }
    const unsigned char *lin = d + lin_off;
    for (Py_ssize_t i = 0; i < n_iv; i++) {
        int64_t beg = begs[i], end = ends[i];
        if (beg < 0 || end > MAX_COORD || beg > MAX_COORD) { err = "interval out of range"; goto done; }
        if (beg >= end) continue;
        uint64_t min_off = linear_min(lin, n_intv, beg);
        /* hts_reg2bins: every bin at every level overlapping [beg, end) */
        int s = TBI_MIN_SHIFT + TBI_N_LVLS * 3;
        int64_t e = end;
        if (e > ((int64_t)1 << s)) e = (int64_t)1 << s;
        if (beg >= e) continue;
        --e;
        int64_t t = 0;
        for (int l = 0; l <= TBI_N_LVLS; l++, s -= 3, t += (int64_t)1 << (3 * (l - 1))) {
            int64_t b0 = t + (beg >> s), b1 = t + (e >> s);
            for (int64_t bin = b0; bin <= b1; bin++) {
                if (bin > TBI_MAX_BIN || where[bin] < 0) continue;
                const unsigned char *p = d + where[bin];
                int32_t n_chunk = rd_i32(p + 4);
                for (int32_t c = 0; c < n_chunk; c++) {
                    uint64_t u = rd_u64(p + 8 + 16 * c), v = rd_u64(p + 16 + 16 * c);
                    if (u > v) { err = "chunk ends before it begins"; goto done; }
                    if (v > min_off && push_pair(out, u, v) < 0) { err = "out of memory"; goto done; }
                }
            }
        }
    }
    if (out->n > 1) {
        size_t i, l;
        qsort(out->p, out->n, sizeof(pair64), cmp_pair);
        /* drop chunks contained in the previous one (hts_itr_query) */
        for (i = 1, l = 0; i < out->n; i++)
            if (out->p[l].v < out->p[i].v) out->p[++l] = out->p[i];
        out->n = l + 1;
        /* cut overlaps between neighbours */
        for (i = 1; i < out->n; i++)
            if (out->p[i - 1].v >= out->p[i].u) out->p[i - 1].v = out->p[i].u;
        /* join chunks that meet in the same BGZF block */
        for (i = 1, l = 0; i < out->n; i++) {
            if (out->p[l].v >> 16 == out->p[i].u >> 16) out->p[l].v = out->p[i].v;
            else out->p[++l] = out->p[i];
        }
        out->n = l + 1;
    }
done:
    free(where);
    return err;
}

static PyObject *tabix_chunks(PyObject *self, PyObject *args) {
    Py_buffer idx, bb, eb;
    long long bins_off, n_bin, lin_off, n_intv;
    if (!PyArg_ParseTuple(args, "y*LLLLy*y*:chunks", &idx, &bins_off, &n_bin, &lin_off, &n_intv, &bb, &eb))
        return NULL;
    const char *err = NULL;
    PyObject *res = NULL;
    pairs out = {NULL, 0, 0};
    if (bb.len != eb.len || bb.len % 8 != 0) {
        err = "begs and ends must be int64 buffers of equal length";
    } else {
        Py_ssize_t n_iv = bb.len / 8;
        int64_t *begs = (int64_t *)malloc(sizeof(int64_t) * (size_t)(n_iv + 1));
        int64_t *ends = (int64_t *)malloc(sizeof(int64_t) * (size_t)(n_iv + 1));
        if (begs == NULL || ends == NULL) {
            err = "out of memory";
        } else {
            memcpy(begs, bb.buf, (size_t)bb.len);
            memcpy(ends, eb.buf, (size_t)eb.len);
            Py_BEGIN_ALLOW_THREADS
            err = query_chunks((const unsigned char *)idx.buf, idx.len, bins_off, n_bin, lin_off, n_intv, begs,
                               ends, n_iv, &out);
            Py_END_ALLOW_THREADS
        }
        free(begs);
        free(ends);
    }
    if (err == NULL) {
        res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(out.n * 16));
        if (res != NULL) {
            unsigned char *p = (unsigned char *)PyBytes_AS_STRING(res);
            for (size_t i = 0; i < out.n; i++) {
                wr_u64(p + 16 * i, out.p[i].u);
                wr_u64(p + 16 * i + 8, out.p[i].v);
            }
        }
    }
    free(out.p);
    PyBuffer_Release(&idx);
    PyBuffer_Release(&bb);
    PyBuffer_Release(&eb);
    if (err != NULL) PyErr_SetString(PyExc_ValueError, err);
    return res;
}

/* ---- select ------------------------------------------------------------------------------ */

/* POS as htslib's VCF parser and tabix both read it: plain decimal without a leading zero
 * (tabix uses strtoll base 0, so '010' would be octal there; such files are left to htslib). */
static int parse_pos(const unsigned char *s, const unsigned char *e, int64_t *out) {
    if (s >= e || *s < '1' || *s > '9' || e - s > 15) return -1;
    int64_t v = 0;
    for (; s < e; s++) {
        if (*s < '0' || *s > '9') return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 0;
}

/* INFO/END as tbx_parse1 reads it: the value after a leading "END=" or the first ";END=".
 * Returns 1 and sets *end when it applies, 0 when it does not, -1 for values strtoll (base 0)
 * would read differently from a plain decimal (left to htslib). */
static int info_end(const unsigned char *s, const unsigned char *e, int64_t *end) {
    const unsigned char *v = NULL;
    Py_ssize_t n = e - s;
    if (n >= 4 && memcmp(s, "END=", 4) == 0) {
        v = s + 4;
    } else {
        for (const unsigned char *p = s; p + 5 <= e; p++) {
            if (p[0] == ';' && p[1] == 'E' && p[2] == 'N' && p[3] == 'D' && p[4] == '=') {
                v = p + 5;
                break;
            }
        }
    }
    if (v == NULL || v >= e || *v == '.') return 0;
    if (*v >= '1' && *v <= '9') {
        int64_t x = 0;
        for (; v < e && *v >= '0' && *v <= '9'; v++) {
            x = x * 10 + (*v - '0');
            if (x > MAX_COORD) return -1;
        }
        *end = x;
        return 1;
    }
    if (*v == '-') return 0; /* negative or zero: never after POS, ignored */
    if (*v == '0') {
        if (v + 1 < e && ((v[1] >= '0' && v[1] <= '9') || v[1] == 'x' || v[1] == 'X')) return -1;
        return 0;
    }
    if (*v == '+' || *v == ' ' || (*v >= '\t' && *v <= '\r')) return -1;
    return 0; /* no digits: strtoll gives 0, ignored */
}

static const char *select_lines(const unsigned char *d, Py_ssize_t start, Py_ssize_t stop,
                                const unsigned char *contig, Py_ssize_t contig_len, const int64_t *begs,
                                const int64_t *ends, Py_ssize_t n_iv, unsigned char *kept, Py_ssize_t *n_keep,
                                Py_ssize_t *n_lines, Py_ssize_t *total) {
    Py_ssize_t at = start;
    *n_keep = *n_lines = *total = 0;
    while (at < stop) {
        const unsigned char *line = d + at;
        const unsigned char *nl = (const unsigned char *)memchr(line, '\n', (size_t)(stop - at));
        if (nl == NULL) return "text does not end with a newline";
        Py_ssize_t len = nl - line + 1;
        if (memchr(line, '\0', (size_t)len) != NULL) return "NUL byte in the text";
        /* columns 1..8: CHROM POS ID REF ALT QUAL FILTER INFO */
        const unsigned char *col[9] = {NULL};
        int ncol = 0;
        const unsigned char *p = line;
        col[0] = line;
        while (ncol < 8) {
            const unsigned char *tab = (const unsigned char *)memchr(p, '\t', (size_t)(nl - p));
            if (tab == NULL) {
                col[++ncol] = nl + 1; /* the last column ends at the newline */
                break;
            }
            col[++ncol] = tab + 1;
            p = tab + 1;
        }
        if (ncol < 2) return "a record line with fewer than two columns";
        Py_ssize_t chrom_len = col[1] - col[0] - 1;
        if (chrom_len != contig_len || memcmp(col[0], contig, (size_t)contig_len) != 0)
            return "a record of another contig inside an indexed range";
        int64_t pos;
        if (parse_pos(col[1], col[2] - 1, &pos) < 0) return "POS is not a plain positive integer";
        int64_t beg = pos - 1, end = pos;
        if (ncol >= 4 && col[4] - 1 > col[3]) end = beg + (col[4] - 1 - col[3]);
        if (ncol >= 8) {
            int64_t info = 0;
            int r = info_end(col[7], col[8] - 1, &info);
            if (r < 0) return "INFO/END written in a form htslib reads differently";
            if (r > 0 && info > beg) end = info;
        }
        /* first interval ending after beg (intervals sorted, disjoint) */
        Py_ssize_t lo = 0, hi = n_iv;
        while (lo < hi) {
            Py_ssize_t mid = lo + (hi - lo) / 2;
            if (ends[mid] > beg) hi = mid;
            else lo = mid + 1;
        }
        if (lo < n_iv && begs[lo] < end) {
            memcpy(kept + *total, line, (size_t)len);
            (*n_keep)++;
            *total += len;
        }
        (*n_lines)++;
        at += len;
    }
    return NULL;
}

static PyObject *tabix_select(PyObject *self, PyObject *args) {
    Py_buffer text, contig, bb, eb;
    Py_ssize_t start, stop;
    if (!PyArg_ParseTuple(args, "y*nny*y*y*:select", &text, &start, &stop, &contig, &bb, &eb)) return NULL;
    const char *err = NULL;
    PyObject *res = NULL;
    unsigned char *keep = NULL;
    int64_t *begs = NULL, *ends = NULL;
    Py_ssize_t n_keep = 0, n_lines = 0, total = 0, n_iv = 0;
    if (start < 0 || stop > text.len || start > stop) {
        err = "start/stop outside the text";
        goto done;
    }
    if (bb.len != eb.len || bb.len % 8 != 0) {
        err = "begs and ends must be int64 buffers of equal length";
        goto done;
    }
    n_iv = bb.len / 8;
    begs = (int64_t *)malloc(sizeof(int64_t) * (size_t)(n_iv + 1));
    ends = (int64_t *)malloc(sizeof(int64_t) * (size_t)(n_iv + 1));
    keep = (unsigned char *)malloc((size_t)(stop - start) + 1);
    if (begs == NULL || ends == NULL || keep == NULL) {
        err = "out of memory";
        goto done;
    }
    memcpy(begs, bb.buf, (size_t)bb.len);
    memcpy(ends, eb.buf, (size_t)eb.len);
    for (Py_ssize_t i = 0; i < n_iv; i++) {
        if (begs[i] >= ends[i] || (i > 0 && begs[i] < ends[i - 1])) {
            err = "intervals must be non-empty, sorted and disjoint";
            goto done;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    err = select_lines((const unsigned char *)text.buf, start, stop, (const unsigned char *)contig.buf, contig.len,
                       begs, ends, n_iv, keep, &n_keep, &n_lines, &total);
    Py_END_ALLOW_THREADS
    if (err == NULL) res = Py_BuildValue("(y#nn)", (const char *)keep, total, n_keep, n_lines);
done:
    free(keep);
    free(begs);
    free(ends);
    PyBuffer_Release(&text);
    PyBuffer_Release(&contig);
    PyBuffer_Release(&bb);
    PyBuffer_Release(&eb);
    if (err != NULL) PyErr_SetString(PyExc_ValueError, err);
    return res;
}

static PyMethodDef methods[] = {
    {"layout", tabix_layout, METH_VARARGS,
     "layout(index, n_refs=-1) -> (names_end, bytes of int64 (bins_off, n_bin, lin_off, n_intv) per\n"
     "reference); with n_refs >= 0 only the first n_refs references are walked"},
    {"chunks", tabix_chunks, METH_VARARGS,
     "chunks(index, bins_off, n_bin, lin_off, n_intv, begs, ends) -> bytes of uint64 (begin, end) pairs"},
    {"select", tabix_select, METH_VARARGS,
     "select(text, start, stop, contig, begs, ends) -> (kept lines, n_kept, n_lines)"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "gmsvar.io._tabix",
                                    "Tabix index queries and region record selection (see tabix.py).", -1,
                                    methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__tabix(void) { return PyModule_Create(&module); }
