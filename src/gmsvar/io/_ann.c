/* gmsvar.io._ann: the sub-fields of annotation entries (VEP CSQ, SnpEff ANN) as codes.
 *
 * fields(records, n) -> (uniques, m, codes, counts, empty)
 *     records  list of str, the annotation of one record each: entries separated by ','
 *              (read from a tuple copy of the list)
 *              ("A|missense_variant|MODERATE|...,A|intron_variant|...").
 *     n        the number of sub-fields the header declares.
 *     uniques  list of n lists of str: the distinct values of each sub-field in order of
 *              first appearance.
 *     m        the number of entries (over all records, in order).
 *     codes    bytes of n * m int32, column by column: codes[j * m + i] indexes
 *              uniques[j] for entry i's sub-field j.
 *     counts   bytes of int32, the entries of each record.
 *     empty    bytes of m uint8, 1 for an empty entry (the middle one of "A|x,,B|y"; "").
 *
 * A record is split at ',' and an entry at '|' as str.split does; an entry with more than
 * n sub-fields is cut to the first n, one with fewer is padded with "" (what the
 * per-entry parser, annotations._Entry, does). Each distinct value becomes one str
 * object, so the caller works on the few distinct values of a column rather than on
 * every entry.
 *
 * Records are read as UTF-8 (str's own cached form); ',' and '|' are ASCII, so every
 * piece is valid UTF-8 and decodes to the same text str.split gives.
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
    /* eight bytes at a time, each word mixed in by a multiply (wyhash-like constants) */
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)len;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
        p += 8;
        len -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, (size_t)len);
    h = (h ^ w) * 0x94D049BB133111EBULL;
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
static int32_t column_code(Column *c, const char *p, Py_ssize_t len, int ascii) {
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
    PyObject *text;
    if (ascii) {  /* the entry is ASCII: so is every piece */
        text = PyUnicode_New(len, 127);
        if (text != NULL) memcpy(PyUnicode_1BYTE_DATA(text), p, (size_t)len);
    } else {
        text = PyUnicode_DecodeUTF8(p, len, "strict");
    }
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
    PyObject *list;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "O!n:fields", &PyList_Type, &list, &n)) return NULL;
    if (n < 1) {
        PyErr_SetString(PyExc_ValueError, "n must be at least 1");
        return NULL;
    }
    /* a tuple of the items: a finalizer run by the garbage collector during an allocation
       below could change the list, not the tuple (which also keeps every item alive) */
    PyObject *records = PyList_AsTuple(list);
    if (records == NULL) return NULL;
    PyObject *result = NULL, *uniques = NULL, *codes_obj = NULL, *counts_obj = NULL, *empty_obj = NULL;
    Column *cols = NULL;
    Py_ssize_t n_rec = PyTuple_GET_SIZE(records), m = 0;
    for (Py_ssize_t r = 0; r < n_rec; r++) {  /* count the entries */
        PyObject *item = PyTuple_GET_ITEM(records, r);
        if (!PyUnicode_Check(item)) {
            PyErr_Format(PyExc_TypeError, "records[%zd] is not a str", r);
            goto done;
        }
        Py_ssize_t len;
        const char *p = PyUnicode_AsUTF8AndSize(item, &len);
        if (p == NULL) goto done;
        const char *end = p + len;
        m++;
        while ((p = memchr(p, ',', (size_t)(end - p))) != NULL) {
            m++;
            p++;
        }
    }
    if (m > PY_SSIZE_T_MAX / 4 / n) {
        PyErr_NoMemory();
        goto done;
    }
    codes_obj = PyBytes_FromStringAndSize(NULL, 4 * n * m);
    counts_obj = PyBytes_FromStringAndSize(NULL, 4 * n_rec);
    empty_obj = PyBytes_FromStringAndSize(NULL, m);
    cols = PyMem_Calloc((size_t)n, sizeof(Column));
    if (codes_obj == NULL || counts_obj == NULL || empty_obj == NULL || cols == NULL) {
        if (cols == NULL) PyErr_NoMemory();
        goto done;
    }
    int32_t *codes = (int32_t *)PyBytes_AS_STRING(codes_obj);
    int32_t *counts = (int32_t *)PyBytes_AS_STRING(counts_obj);
    char *empty = PyBytes_AS_STRING(empty_obj);
    for (Py_ssize_t j = 0; j < n; j++) {
        if (column_init(&cols[j], 16) < 0) goto done;
    }
    Py_ssize_t i = 0;  /* entry */
    for (Py_ssize_t r = 0; r < n_rec; r++) {
        PyObject *item = PyTuple_GET_ITEM(records, r);
        Py_ssize_t len;
        const char *p = PyUnicode_AsUTF8AndSize(item, &len);  /* (cached by the first pass) */
        if (p == NULL) goto done;
        int ascii = PyUnicode_IS_ASCII(item);
        const char *rec_end = p + len;
        Py_ssize_t first = i;
        for (;;) {  /* each entry: up to the next ',' */
            const char *comma = memchr(p, ',', (size_t)(rec_end - p));
            const char *end = comma != NULL ? comma : rec_end;
            empty[i] = end == p;
            Py_ssize_t j = 0;
            for (; j < n; j++) {
                const char *stop = p;
                while (stop < end && *stop != '|') stop++;
                int32_t code = column_code(&cols[j], p, stop - p, ascii);
                if (code < 0) goto done;
                codes[j * m + i] = code;
                if (stop == end) {
                    j++;
                    break;
                }
                p = stop + 1;
            }
            for (; j < n; j++) {  /* fewer sub-fields than the header: "" */
                int32_t code = column_code(&cols[j], "", 0, 1);
                if (code < 0) goto done;
                codes[j * m + i] = code;
            }
            i++;
            if (comma == NULL) break;
            p = comma + 1;
        }
        counts[r] = (int32_t)(i - first);
    }
    uniques = PyList_New(n);
    if (uniques == NULL) goto done;
    for (Py_ssize_t j = 0; j < n; j++) {
        PyList_SET_ITEM(uniques, j, cols[j].uniques);
        cols[j].uniques = NULL;
    }
    result = Py_BuildValue("(OnOOO)", uniques, m, codes_obj, counts_obj, empty_obj);
done:
    if (cols != NULL) {
        for (Py_ssize_t j = 0; j < n; j++) column_free(&cols[j]);
        PyMem_Free(cols);
    }
    Py_DECREF(records);
    Py_XDECREF(uniques);
    Py_XDECREF(codes_obj);
    Py_XDECREF(counts_obj);
    Py_XDECREF(empty_obj);
    return result;
}

static PyMethodDef methods[] = {
    {"fields", ann_fields, METH_VARARGS,
     "fields(records, n) -> (uniques, m, codes, counts, empty): annotation sub-fields as codes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "gmsvar.io._ann",
                                    "Annotation entry sub-fields as codes.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__ann(void) { return PyModule_Create(&module); }
