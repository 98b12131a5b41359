/* gmsvar.io._ann: the sub-fields of annotation entries (VEP CSQ, SnpEff ANN) as codes.
 *
 * fields(entries, n, codes) -> uniques
 *     entries  list of str, one annotation entry each ("A|missense_variant|MODERATE|...").
 *     n        the number of sub-fields the header declares.
 *     codes    writable buffer of n * len(entries) int32, filled column by column:
 *              codes[j * len(entries) + i] is the code of entry i's sub-field j.
 *     uniques  list of n lists of str: the distinct values of each sub-field in order of
 *              first appearance; code k means uniques[j][k].
 *
 * An entry is split at '|' as str.split("|") does; an entry with more than n sub-fields
 * is cut to the first n, one with fewer is padded with "" (what the per-entry parser,
 * annotations._Entry, does). Each distinct value becomes one str object, so the caller
 * works on the few distinct values of a column rather than on every entry.
 *
 * Entries are read as UTF-8 (str's own cached form); '|' is ASCII, so every piece is
 * valid UTF-8 and decodes to the same text str.split gives.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

typedef struct {
    const char *p;   /* into an entry's UTF-8 (alive while the entries list is) */
    Py_ssize_t len;
    uint64_t hash;
    int32_t code;    /* -1: empty slot */
} Slot;

typedef struct {
    Slot *slots;
    size_t mask;     /* capacity - 1 (a power of two) */
    size_t used;
    PyObject *uniques; /* list */
} Column;

static uint64_t hash_bytes(const char *p, Py_ssize_t len) {
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)len; /* FNV-1a, length-seeded */
    for (Py_ssize_t i = 0; i < len; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static int column_init(Column *c, size_t capacity) {
    c->slots = PyMem_Malloc(capacity * sizeof(Slot));
    c->uniques = PyList_New(0);
    if (c->slots == NULL || c->uniques == NULL) {
        PyMem_Free(c->slots);
        c->slots = NULL;
        Py_CLEAR(c->uniques);
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < capacity; i++) c->slots[i].code = -1;
    c->mask = capacity - 1;
    c->used = 0;
    return 0;
}

static void column_free(Column *c) {
    PyMem_Free(c->slots);
    c->slots = NULL;
    Py_CLEAR(c->uniques);
}

static int column_grow(Column *c) {
    size_t cap = (c->mask + 1) * 2;
    Slot *slots = PyMem_Malloc(cap * sizeof(Slot));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < cap; i++) slots[i].code = -1;
    for (size_t i = 0; i <= c->mask; i++) {
        Slot s = c->slots[i];
        if (s.code < 0) continue;
        size_t k = (size_t)s.hash & (cap - 1);
        while (slots[k].code >= 0) k = (k + 1) & (cap - 1);
        slots[k] = s;
    }
    PyMem_Free(c->slots);
    c->slots = slots;
    c->mask = cap - 1;
    return 0;
}

/* The code of value p[0:len) in column c, adding it if new; -1 on error. */
static int32_t column_code(Column *c, const char *p, Py_ssize_t len) {
    uint64_t h = hash_bytes(p, len);
    size_t k = (size_t)h & c->mask;
    for (;;) {
        Slot *s = &c->slots[k];
        if (s->code < 0) break;
        if (s->hash == h && s->len == len && memcmp(s->p, p, (size_t)len) == 0) return s->code;
        k = (k + 1) & c->mask;
    }
    if (c->used >= INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "too many distinct values");
        return -1;
    }
    PyObject *text = PyUnicode_DecodeUTF8(p, len, "strict");
    if (text == NULL) return -1;
    int rc = PyList_Append(c->uniques, text);
    Py_DECREF(text);
    if (rc < 0) return -1;
    int32_t code = (int32_t)c->used++;
    Slot *s = &c->slots[k];
    s->p = p;
    s->len = len;
    s->hash = h;
    s->code = code;
    if (2 * c->used > c->mask && column_grow(c) < 0) return -1;
    return code;
}

static PyObject *ann_fields(PyObject *self, PyObject *args) {
    PyObject *entries;
    Py_ssize_t n;
    Py_buffer out = {0};
    if (!PyArg_ParseTuple(args, "O!nw*:fields", &PyList_Type, &entries, &n, &out)) return NULL;
    PyObject *result = NULL;
    Column *cols = NULL;
    Py_ssize_t m = PyList_GET_SIZE(entries);
    if (n < 1) {
        PyErr_SetString(PyExc_ValueError, "n must be at least 1");
        goto done;
    }
    if (out.len != (Py_ssize_t)sizeof(int32_t) * n * m) {
        PyErr_SetString(PyExc_ValueError, "codes must hold n * len(entries) int32");
        goto done;
    }
    int32_t *codes = (int32_t *)out.buf;
    cols = PyMem_Calloc((size_t)n, sizeof(Column));
    if (cols == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t j = 0; j < n; j++) {
        if (column_init(&cols[j], 64) < 0) goto done;
    }
    /* the list may not change while it is read: nothing below runs Python code */
    for (Py_ssize_t i = 0; i < m; i++) {
        PyObject *item = PyList_GET_ITEM(entries, i);
        if (!PyUnicode_Check(item)) {
            PyErr_Format(PyExc_TypeError, "entries[%zd] is not a str", i);
            goto done;
        }
        Py_ssize_t len;
        const char *p = PyUnicode_AsUTF8AndSize(item, &len);
        if (p == NULL) goto done;
        const char *end = p + len;
        Py_ssize_t j = 0;
        for (; j < n; j++) {
            const char *bar = memchr(p, '|', (size_t)(end - p));
            const char *stop = bar ? bar : end;
            int32_t code = column_code(&cols[j], p, stop - p);
            if (code < 0) goto done;
            codes[j * m + i] = code;
            if (bar == NULL) {
                j++;
                break;
            }
            p = bar + 1;
        }
        for (; j < n; j++) { /* fewer sub-fields than the header: "" */
            int32_t code = column_code(&cols[j], "", 0);
            if (code < 0) goto done;
            codes[j * m + i] = code;
        }
    }
    result = PyList_New(n);
    if (result == NULL) goto done;
    for (Py_ssize_t j = 0; j < n; j++) {
        PyList_SET_ITEM(result, j, cols[j].uniques);
        cols[j].uniques = NULL;
    }
done:
    if (cols != NULL) {
        for (Py_ssize_t j = 0; j < n; j++) column_free(&cols[j]);
        PyMem_Free(cols);
    }
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"fields", ann_fields, METH_VARARGS,
     "fields(entries, n, codes) -> uniques: the sub-fields of annotation entries as codes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "gmsvar.io._ann",
                                    "Annotation entry sub-fields as codes.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__ann(void) { return PyModule_Create(&module); }
