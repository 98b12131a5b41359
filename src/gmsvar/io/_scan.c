/* gmsvar.io._scan: conservative record prefilter for the fast VCF reader.
 *
 * select(data, n_columns, nodes, terms, shape=None) walks a block of whole VCF record
 * lines (each ending in '\n', header already skipped; one buffer or a list of pieces of
 * it), checks the structure of every line and evaluates a small filter program on each
 * record. It returns the lines passed on (concatenated), the number of lines, the 0-based
 * indices of the lines passed on (native int64) and how many of them the program kept
 * (the others are shape carriers, see "record shapes" below). count(data) counts lines.
 * The bulk work runs without the GIL.
 *
 * The program only ever keeps too much: a term it cannot decide (a value it does not
 * parse as a plain number, an unknown consequence term, a tag written without a value)
 * counts as true, and only AND/OR combine terms (no negation), so a record is dropped
 * only when the exact filter, evaluated later on the parsed table, would drop every row
 * of it. Numbers are compared in double precision with a small relative margin, so a
 * value at the float32 boundary of a comparison is kept. The operands of AND/OR are
 * evaluated in the order the pass rates seen so far make cheapest (same result).
 *
 * Program (built by gmsvar.io.prefilter):
 *   nodes  tuple of (kind, a, b): kind 0 = TRUE, 1 = TERM (a = term index),
 *          2 = AND, 3 = OR (a, b = earlier node indices); the last node is the root.
 *   terms  tuple of (kind, op, integer, value, key, field, bcsq, accept, reject):
 *          kind 0 QUAL, 1 FILTER (op 0: ="PASS", 1: !="PASS"), 2 INFO/<key>,
 *          3 FORMAT/<key> (any sample), 4 annotation <key> (consequence sub-field
 *          `field`, '&'-joined terms; `accept`/`reject` tuples of lower-case terms,
 *          terms in neither are unknown -> keep; `bcsq`: skip '@' entries and a
 *          leading '*'); op 0 <, 1 <=, 2 >, 3 >=, 4 ==; `integer`: values use
 *          Integer syntax (no '.' or exponent).
 *   shape  None, or (first_line, window, sample_columns, format_keys): pass on the
 *          shape carriers of each window of `window` file records.
 *
 * Structure errors (raised as ValueError, the reader then falls back): a line without
 * the header's number of columns, an empty fixed column, a '#' line, a carriage return
 * or a control character (bytes 0-8), text not ending in a newline.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NODES 4096
#define MAX_TERMS 1024

enum { K_QUAL, K_FILTER, K_INFO, K_FMT, K_ANN, N_KINDS };
enum { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, N_OPS };
enum { N_TRUE, N_TERM, N_AND, N_OR, N_NODE_KINDS };

typedef struct {
    const char *text;
    Py_ssize_t len;
    int accept;
} Word;

typedef struct {
    Word *slots; /* open addressing; text == NULL marks an empty slot */
    size_t mask;
} WordSet;

typedef struct {
    int kind, op, integer, bcsq;
    double value;
    const char *key;
    Py_ssize_t key_len, field;
    WordSet words;
} Term;

typedef struct {
    int kind;
    Py_ssize_t a, b;
    double cost;          /* rough cost of evaluating the node */
    double evals, passes; /* outcomes so far, to order AND/OR operands */
} Node;

typedef struct {
    Py_ssize_t ncol;
    const char **cs, **ce; /* column starts / ends of the current line */
    const Term *terms;
    Node *nodes;
    Py_ssize_t root;
} Ctx;

/* -- words (consequence terms) ----------------------------------------------------------- */
static inline unsigned char lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static uint64_t word_hash(const char *s, Py_ssize_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= lower((unsigned char)s[i]);
        h *= 1099511628211ULL;
    }
    return h;
}

static int word_equal(const char *s, Py_ssize_t n, const Word *w)
{
    if (w->len != n)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != lower((unsigned char)w->text[i]))
            return 0;
    return 1;
}

/* 1 accept, 0 reject, -1 unknown */
static int word_lookup(const WordSet *set, const char *s, Py_ssize_t n)
{
    if (set->slots == NULL)
        return -1;
    size_t i = (size_t)word_hash(s, n) & set->mask;
    while (set->slots[i].text != NULL) {
        if (word_equal(s, n, &set->slots[i]))
            return set->slots[i].accept;
        i = (i + 1) & set->mask;
    }
    return -1;
}

static void word_insert(WordSet *set, const char *s, Py_ssize_t n, int accept)
{
    size_t i = (size_t)word_hash(s, n) & set->mask;
    while (set->slots[i].text != NULL) {
        if (word_equal(s, n, &set->slots[i])) {
            set->slots[i].accept |= accept; /* listed twice: accepting is the safe side */
            return;
        }
        i = (i + 1) & set->mask;
    }
    set->slots[i].text = s;
    set->slots[i].len = n;
    set->slots[i].accept = accept;
}

/* -- numbers ------------------------------------------------------------------------------ */
static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline int is_digit(char c) { return c >= '0' && c <= '9'; }

/* A plain decimal number in [s, e): 1 and *out, or 0 when the text is anything else
 * (signs other than a leading '-', nan, inf, hex, spaces...): the caller keeps the record. */
static int parse_number(const char *s, const char *e, int integer, double *out)
{
    int neg = 0, sig = 0, any = 0;
    long exp10 = 0;
    uint64_t mant = 0;
    if (s < e && *s == '-') {
        neg = 1;
        s++;
    }
    for (; s < e && is_digit(*s); s++) {
        any = 1;
        if (sig < 18) {
            mant = mant * 10 + (uint64_t)(*s - '0');
            if (mant)
                sig++;
        } else {
            exp10++;
        }
    }
    if (integer) {
        if (s != e || !any || exp10 || mant > 2147483648ULL || (!neg && mant > 2147483647ULL))
            return 0;
        *out = neg ? -(double)mant : (double)mant;
        return 1;
    }
    if (s < e && *s == '.') {
        for (s++; s < e && is_digit(*s); s++) {
            any = 1;
            if (sig < 18) {
                mant = mant * 10 + (uint64_t)(*s - '0');
                if (mant)
                    sig++;
                exp10--;
            }
        }
    }
    if (!any)
        return 0;
    if (s < e && (*s == 'e' || *s == 'E')) {
        int eneg = 0, edig = 0;
        long ev = 0;
        s++;
        if (s < e && (*s == '+' || *s == '-')) {
            eneg = *s == '-';
            s++;
        }
        for (; s < e && is_digit(*s); s++) {
            edig = 1;
            if (ev < 100000)
                ev = ev * 10 + (*s - '0');
        }
        if (!edig)
            return 0;
        exp10 += eneg ? -ev : ev;
    }
    if (s != e)
        return 0;
    double v = (double)mant;
    if (mant != 0) {
        if (exp10 > 60 || exp10 < -60)
            return 0; /* far outside float32: not worth deciding */
        while (exp10 > 22) {
            v *= 1e22;
            exp10 -= 22;
        }
        while (exp10 < -22) {
            v /= 1e22;
            exp10 += 22;
        }
        v = exp10 >= 0 ? v * POW10[exp10] : v / POW10[-exp10];
    }
    *out = neg ? -v : v;
    return 1;
}

/* Could `v op c` hold at float32 precision? Errs towards yes. */
static int may_pass(double v, double c, int op)
{
    double av = v < 0 ? -v : v, ac = c < 0 ? -c : c;
    if (av > 1e38 || ac > 1e38)
        return 1; /* float32 overflow to +-inf: keep */
    double tol = 1e-6 * (av > ac ? av : ac) + 1e-30;
    switch (op) {
    case OP_LT: return v < c + tol;
    case OP_LE: return v <= c + tol;
    case OP_GT: return v > c - tol;
    case OP_GE: return v >= c - tol;
    case OP_EQ: return v >= c - tol && v <= c + tol;
    default: return 1;
    }
}

/* Does any comma-separated value in [s, e) (not empty) pass? Missing values ('.') fail. */
static int values_pass(const char *s, const char *e, const Term *t)
{
    const char *p = s;
    for (;;) {
        const char *q = memchr(p, ',', (size_t)(e - p));
        if (q == NULL)
            q = e;
        if (!(q - p == 1 && *p == '.')) {
            double v;
            if (q == p || !parse_number(p, q, t->integer, &v) || may_pass(v, t->value, t->op))
                return 1;
        }
        if (q == e)
            return 0;
        p = q + 1;
    }
}

/* -- terms ---------------------------------------------------------------------------------- */
static int ann_pass(const char *s, const char *e, const Term *t)
{
    const char *p = s;
    for (;;) {
        const char *q = memchr(p, ',', (size_t)(e - p));
        if (q == NULL)
            q = e;
        const char *es = p, *ee = q;
        int skip = t->bcsq && es < ee && *es == '@'; /* a reference to another record */
        if (t->bcsq && es < ee && *es == '*')
            es++;
        if (!skip) {
            Py_ssize_t i = 0;
            const char *f = es;
            while (i < t->field) {
                const char *bar = memchr(f, '|', (size_t)(ee - f));
                if (bar == NULL)
                    break;
                f = bar + 1;
                i++;
            }
            if (i == t->field) { /* else: fewer sub-fields, no consequence */
                const char *fe = memchr(f, '|', (size_t)(ee - f));
                if (fe == NULL)
                    fe = ee;
                for (;;) {
                    const char *amp = memchr(f, '&', (size_t)(fe - f));
                    if (amp == NULL)
                        amp = fe;
                    if (word_lookup(&t->words, f, amp - f) != 0)
                        return 1; /* as severe, or unknown */
                    if (amp == fe)
                        break;
                    f = amp + 1;
                }
            }
        }
        if (q == e)
            return 0;
        p = q + 1;
    }
}

static int info_term(const Ctx *c, const Term *t)
{
    const char *p = c->cs[7], *e = c->ce[7];
    while (p < e) {
        const char *q = memchr(p, ';', (size_t)(e - p));
        if (q == NULL)
            q = e;
        if (q - p >= t->key_len && memcmp(p, t->key, (size_t)t->key_len) == 0) {
            if (q - p == t->key_len)
                return 1; /* written without a value: undecided */
            if (p[t->key_len] == '=') {
                const char *vs = p + t->key_len + 1;
                if (vs < q && (t->kind == K_ANN ? ann_pass(vs, q, t) : values_pass(vs, q, t)))
                    return 1;
            }
        }
        p = q + 1;
    }
    return 0;
}

static int format_key_pass(const Ctx *c, const Term *t, Py_ssize_t k)
{
    for (Py_ssize_t j = 9; j < c->ncol; j++) {
        const char *p = c->cs[j], *e = c->ce[j];
        Py_ssize_t i = 0;
        while (i < k) {
            const char *q = memchr(p, ':', (size_t)(e - p));
            if (q == NULL)
                break;
            p = q + 1;
            i++;
        }
        if (i < k)
            continue; /* fewer sub-fields: missing */
        const char *q = memchr(p, ':', (size_t)(e - p));
        if (q == NULL)
            q = e;
        if (q > p && values_pass(p, q, t))
            return 1;
    }
    return 0;
}

static int format_term(const Ctx *c, const Term *t)
{
    if (c->ncol < 10)
        return 1;
    const char *p = c->cs[8], *e = c->ce[8];
    for (Py_ssize_t k = 0;; k++) {
        const char *q = memchr(p, ':', (size_t)(e - p));
        if (q == NULL)
            q = e;
        if (q - p == t->key_len && memcmp(p, t->key, (size_t)t->key_len) == 0 &&
            format_key_pass(c, t, k))
            return 1;
        if (q == e)
            return 0;
        p = q + 1;
    }
}

static int filter_term(const Ctx *c, const Term *t)
{
    const char *s = c->cs[6], *e = c->ce[6];
    Py_ssize_t n = e - s;
    if (t->op == 1) /* != "PASS": only a FILTER of exactly PASS fails */
        return !(n == 4 && memcmp(s, "PASS", 4) == 0);
    for (const char *p = s; e - p >= 4; p++)
        if (memcmp(p, "PASS", 4) == 0)
            return 1;
    return 0;
}

static int qual_term(const Ctx *c, const Term *t)
{
    const char *s = c->cs[5], *e = c->ce[5];
    double v;
    if (e - s == 1 && *s == '.')
        return 0;
    return !parse_number(s, e, 0, &v) || may_pass(v, t->value, t->op);
}

/* Relative costs of the term kinds (an annotation test reads the long annotation text). */
static const double KIND_COST[N_KINDS] = {1.0, 1.0, 3.0, 4.0, 10.0};

static int eval_term(const Ctx *c, const Term *t)
{
    switch (t->kind) {
    case K_QUAL: return qual_term(c, t);
    case K_FILTER: return filter_term(c, t);
    case K_INFO:
    case K_ANN: return info_term(c, t);
    case K_FMT: return format_term(c, t);
    default: return 1;
    }
}

static int eval_node(const Ctx *c, Py_ssize_t i);

/* Should operand a go first? The result does not depend on the order (terms have no side
 * effects); the cost does: for AND, the operand likelier to fail and cheaper goes first
 * (expected cost a + P(a) b against b + P(b) a), for OR the one likelier to pass. The
 * pass rates are those seen so far in this call. */
static int a_first(const Node *n, const Node *a, const Node *b)
{
    double pa = (a->passes + 1) / (a->evals + 2), pb = (b->passes + 1) / (b->evals + 2);
    if (n->kind == N_AND)
        return a->cost * (1 - pb) <= b->cost * (1 - pa);
    return a->cost * pb <= b->cost * pa;
}

static int eval_node(const Ctx *c, Py_ssize_t i)
{
    Node *n = &c->nodes[i];
    int r;
    switch (n->kind) {
    case N_TERM:
        r = eval_term(c, &c->terms[n->a]);
        break;
    case N_AND:
    case N_OR: {
        Py_ssize_t first = n->a, second = n->b;
        if (!a_first(n, &c->nodes[n->a], &c->nodes[n->b])) {
            first = n->b;
            second = n->a;
        }
        r = eval_node(c, first);
        if (r == (n->kind == N_AND))
            r = eval_node(c, second);
        break;
    }
    default:
        r = 1;
    }
    n->evals += 1;
    n->passes += r;
    return r;
}

/* -- record shapes --------------------------------------------------------------------------- */
/* A table's genotype ploidy and FORMAT value widths are the largest among the records of a
 * chunk, and the reader's chunks are windows of `window` file records, so a record the
 * program drops can still widen them. In each window (within this block), the dropped
 * records that reach a maximum no kept record reaches are passed on as well ("carriers"):
 * the exact filter drops them again, and each chunk gets the shape of the unfiltered read. */
typedef struct {
    Py_ssize_t first_line, window, n_samples, n_keys;
    Py_ssize_t *samples;  /* column index of each sample the reader keeps */
    const char **keys;    /* numeric FORMAT keys whose widths count */
    Py_ssize_t *key_len;
    Py_ssize_t *idx;      /* sub-field index of GT and of each key in the FORMAT below, or -1 */
    Py_ssize_t last_idx;  /* the largest of them */
    const char *format;   /* the FORMAT column idx was found for (lines share it, as a rule) */
    Py_ssize_t format_len;
} Shape;

/* shape[0]: the most alleles a kept sample's GT has (0 without GT); shape[1 + i]: the most
 * values a kept sample has for keys[i], at least 1 when FORMAT has the key, else 0. */
static void line_shape(const Ctx *c, Shape *sh, int32_t *shape)
{
    const Py_ssize_t dims = 1 + sh->n_keys;
    for (Py_ssize_t d = 0; d < dims; d++)
        shape[d] = 0;
    if (c->ncol < 10)
        return;
    const char *p = c->cs[8], *e = c->ce[8];
    if (sh->format == NULL || sh->format_len != e - p || memcmp(sh->format, p, (size_t)(e - p))) {
        sh->format = p;
        sh->format_len = e - p;
        sh->last_idx = -1;
        for (Py_ssize_t d = 0; d < dims; d++)
            sh->idx[d] = -1;
        for (Py_ssize_t k = 0;; k++) {
            const char *q = memchr(p, ':', (size_t)(e - p));
            if (q == NULL)
                q = e;
            if (sh->idx[0] < 0 && q - p == 2 && p[0] == 'G' && p[1] == 'T')
                sh->idx[0] = sh->last_idx = k;
            for (Py_ssize_t d = 1; d < dims; d++)
                if (sh->idx[d] < 0 && q - p == sh->key_len[d - 1] &&
                    memcmp(p, sh->keys[d - 1], (size_t)(q - p)) == 0)
                    sh->idx[d] = sh->last_idx = k;
            if (q == e)
                break;
            p = q + 1;
        }
    }
    const Py_ssize_t last_idx = sh->last_idx;
    for (Py_ssize_t d = 1; d < dims; d++)
        shape[d] = sh->idx[d] >= 0; /* FORMAT has the key: at least one value */
    for (Py_ssize_t i = 0; i < sh->n_samples && last_idx >= 0; i++) {
        p = c->cs[sh->samples[i]];
        e = c->ce[sh->samples[i]];
        for (Py_ssize_t k = 0; k <= last_idx; k++) {
            const char *q = memchr(p, ':', (size_t)(e - p));
            if (q == NULL)
                q = e;
            for (Py_ssize_t d = 0; d < dims; d++) {
                if (sh->idx[d] != k)
                    continue;
                int32_t n = 1;
                for (const char *x = p; x < q; x++)
                    n += d == 0 ? (*x == '/' || *x == '|') : *x == ',';
                if (n > shape[d])
                    shape[d] = n;
            }
            if (q == e)
                break;
            p = q + 1;
        }
    }
}

/* -- the scan ------------------------------------------------------------------------------ */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
/* nonzero when some byte of w is below 0x20 (tab, newline, other control bytes) */
#define HAS_CONTROL(w) (((w) - ONES * 0x20) & ~(w) & HIGHS)

/* Every line of the block: where it is, whether the program keeps it (1; 2 for a carrier)
 * and its shape (dims values). */
typedef struct {
    const char **start;
    Py_ssize_t *len;
    unsigned char *flag;
    int32_t *shape;
    Py_ssize_t n, cap, dims;
} Lines;

static int lines_push(Lines *L, const char *s, Py_ssize_t n, int flag)
{
    if (L->n == L->cap) {
        Py_ssize_t cap = L->cap ? 2 * L->cap : 1024;
        const char **start = realloc(L->start, (size_t)cap * sizeof(char *));
        if (start != NULL)
            L->start = start;
        Py_ssize_t *len = realloc(L->len, (size_t)cap * sizeof(Py_ssize_t));
        if (len != NULL)
            L->len = len;
        unsigned char *fl = realloc(L->flag, (size_t)cap);
        if (fl != NULL)
            L->flag = fl;
        int32_t *shape = L->dims ? realloc(L->shape, (size_t)(cap * L->dims) * sizeof(int32_t))
                                 : L->shape;
        if (L->dims && shape != NULL)
            L->shape = shape;
        if (start == NULL || len == NULL || fl == NULL || (L->dims && shape == NULL))
            return -1;
        L->cap = cap;
    }
    L->start[L->n] = s;
    L->len[L->n] = n;
    L->flag[L->n] = (unsigned char)flag;
    L->n++;
    return 0;
}

static const char *scan(Ctx *c, Shape *sh, const char *data, Py_ssize_t len, Lines *L)
{
    const char *p = data, *end = data + len;
    const Py_ssize_t last = c->ncol - 1;
    if (len == 0)
        return NULL;
    if (end[-1] != '\n')
        return "the text does not end with a newline";
    while (p < end) {
        const char *ls = p;
        Py_ssize_t ntab = 0;
        if (*p == '#')
            return "a '#' line among the records";
        for (;;) {
            while (end - p >= 8) {
                uint64_t w;
                memcpy(&w, p, 8);
                if (HAS_CONTROL(w))
                    break;
                p += 8;
            }
            while ((unsigned char)*p >= 0x20) /* stops at the final newline at the latest */
                p++;
            unsigned char ch = (unsigned char)*p;
            if (ch == '\t') {
                if (ntab < last) {
                    c->ce[ntab] = p;
                    c->cs[ntab + 1] = p + 1;
                }
                ntab++;
                p++;
                continue;
            }
            if (ch == '\n')
                break;
            if (ch == '\r')
                return "a carriage return (CRLF line ends)";
            if (ch <= 8)
                return "a control character";
            p++;
        }
        if (ntab != last)
            return "a line does not have the header's number of columns";
        c->cs[0] = ls;
        c->ce[last] = p;
        for (int j = 0; j < 8; j++)
            if (c->ce[j] == c->cs[j])
                return "an empty fixed column";
        p++;
        if (lines_push(L, ls, p - ls, eval_node(c, c->root)) < 0)
            return "out of memory";
        if (L->dims)
            line_shape(c, sh, L->shape + (L->n - 1) * L->dims);
    }
    return NULL;
}

/* Lines may run across the boundary between two parts: each is copied into its own buffer,
 * kept (in `owned`) until the call ends. */
typedef struct {
    char **buf;
    Py_ssize_t n, cap;
} Owned;

static char *owned_copy(Owned *o, const char *a, size_t na, const char *b, size_t nb)
{
    if (o->n == o->cap) {
        Py_ssize_t cap = o->cap ? 2 * o->cap : 16;
        char **buf = realloc(o->buf, (size_t)cap * sizeof(char *));
        if (buf == NULL)
            return NULL;
        o->buf = buf;
        o->cap = cap;
    }
    char *s = malloc(na + nb + 1);
    if (s == NULL)
        return NULL;
    if (na)
        memcpy(s, a, na);
    if (nb)
        memcpy(s + na, b, nb);
    o->buf[o->n++] = s;
    return s;
}

static const char *scan_parts(Ctx *c, Shape *sh, const Py_buffer *views, Py_ssize_t n_views,
                              Lines *L, Owned *own)
{
    const char *head = NULL; /* the unfinished line, in `own` */
    size_t head_len = 0;
    for (Py_ssize_t i = 0; i < n_views; i++) {
        const char *p = views[i].buf, *end = p + views[i].len;
        const char *err;
        if (head != NULL) { /* finish the line begun in earlier parts */
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *stop = nl ? nl + 1 : end;
            char *line = owned_copy(own, head, head_len, p, (size_t)(stop - p));
            if (line == NULL)
                return "out of memory";
            head = line;
            head_len += (size_t)(stop - p);
            p = stop;
            if (nl == NULL)
                continue;
            if ((err = scan(c, sh, head, (Py_ssize_t)head_len, L)) != NULL)
                return err;
            head = NULL;
            head_len = 0;
        }
        const char *tail = end;
        while (tail > p && tail[-1] != '\n')
            tail--;
        if (tail > p && (err = scan(c, sh, p, tail - p, L)) != NULL)
            return err;
        if (tail < end) {
            head = owned_copy(own, tail, (size_t)(end - tail), NULL, 0);
            if (head == NULL)
                return "out of memory";
            head_len = (size_t)(end - tail);
        }
    }
    if (head != NULL)
        return "the text does not end with a newline";
    return NULL;
}

/* Mark the carriers of each window segment of the block (flag 2). */
static int mark_carriers(Lines *L, const Shape *sh)
{
    const Py_ssize_t dims = L->dims;
    int32_t *kept_max = malloc((size_t)dims * sizeof(int32_t));
    int32_t *drop_max = malloc((size_t)dims * sizeof(int32_t));
    Py_ssize_t *drop_at = malloc((size_t)dims * sizeof(Py_ssize_t));
    if (kept_max == NULL || drop_max == NULL || drop_at == NULL) {
        free(kept_max);
        free(drop_max);
        free(drop_at);
        return -1;
    }
    for (Py_ssize_t i = 0; i < L->n;) {
        Py_ssize_t w = (sh->first_line + i) / sh->window;
        Py_ssize_t stop = (w + 1) * sh->window - sh->first_line;
        if (stop > L->n)
            stop = L->n;
        for (Py_ssize_t d = 0; d < dims; d++) {
            kept_max[d] = drop_max[d] = -1;
            drop_at[d] = -1;
        }
        for (Py_ssize_t k = i; k < stop; k++) {
            const int32_t *v = L->shape + k * dims;
            for (Py_ssize_t d = 0; d < dims; d++) {
                if (L->flag[k]) {
                    if (v[d] > kept_max[d])
                        kept_max[d] = v[d];
                } else if (v[d] > drop_max[d]) {
                    drop_max[d] = v[d];
                    drop_at[d] = k;
                }
            }
        }
        for (Py_ssize_t d = 0; d < dims; d++)
            if (drop_at[d] >= 0 && drop_max[d] > kept_max[d])
                L->flag[drop_at[d]] = 2;
        i = stop;
    }
    free(kept_max);
    free(drop_max);
    free(drop_at);
    return 0;
}

/* -- argument parsing ------------------------------------------------------------------------ */
static int parse_words(PyObject *tuple, WordSet *set, int accept)
{
    Py_ssize_t n = PyTuple_GET_SIZE(tuple);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *w = PyTuple_GET_ITEM(tuple, i);
        if (!PyBytes_Check(w)) {
            PyErr_SetString(PyExc_TypeError, "consequence terms must be bytes");
            return -1;
        }
        word_insert(set, PyBytes_AS_STRING(w), PyBytes_GET_SIZE(w), accept);
    }
    return 0;
}

static int parse_term(PyObject *obj, Term *t)
{
    PyObject *accept, *reject;
    memset(t, 0, sizeof(*t));
    if (!PyTuple_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "a term must be a tuple");
        return -1;
    }
    if (!PyArg_ParseTuple(obj, "iiidy#niO!O!:term", &t->kind, &t->op, &t->integer, &t->value,
                          &t->key, &t->key_len, &t->field, &t->bcsq, &PyTuple_Type, &accept,
                          &PyTuple_Type, &reject))
        return -1;
    if (t->kind < 0 || t->kind >= N_KINDS || t->op < 0 || t->op >= N_OPS || t->field < 0) {
        PyErr_SetString(PyExc_ValueError, "bad term: kind, op or field out of range");
        return -1;
    }
    if ((t->kind == K_INFO || t->kind == K_FMT || t->kind == K_ANN) && t->key_len == 0) {
        PyErr_SetString(PyExc_ValueError, "bad term: empty key");
        return -1;
    }
    if (t->kind == K_ANN) {
        Py_ssize_t n = PyTuple_GET_SIZE(accept) + PyTuple_GET_SIZE(reject);
        size_t size = 16;
        while (size < (size_t)(2 * n + 2))
            size <<= 1;
        t->words.slots = calloc(size, sizeof(Word));
        if (t->words.slots == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->words.mask = size - 1;
        if (parse_words(reject, &t->words, 0) < 0 || parse_words(accept, &t->words, 1) < 0)
            return -1;
    }
    return 0;
}

/* shape = (first_line, window, samples, keys); the arrays are freed by the caller */
static int parse_shape(PyObject *obj, Py_ssize_t ncol, Shape *sh)
{
    PyObject *samples, *keys;
    if (!PyTuple_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "shape must be a tuple (first_line, window, samples, keys)");
        return -1;
    }
    if (!PyArg_ParseTuple(obj, "nnO!O!:shape", &sh->first_line, &sh->window, &PyTuple_Type,
                          &samples, &PyTuple_Type, &keys))
        return -1;
    if (sh->first_line < 0 || sh->window < 1) {
        PyErr_SetString(PyExc_ValueError, "shape: first_line must be >= 0 and window >= 1");
        return -1;
    }
    sh->n_samples = PyTuple_GET_SIZE(samples);
    sh->n_keys = PyTuple_GET_SIZE(keys);
    sh->samples = malloc((size_t)(sh->n_samples + 1) * sizeof(Py_ssize_t));
    sh->keys = malloc((size_t)(sh->n_keys + 1) * sizeof(char *));
    sh->key_len = malloc((size_t)(sh->n_keys + 1) * sizeof(Py_ssize_t));
    sh->idx = malloc((size_t)(sh->n_keys + 1) * sizeof(Py_ssize_t));
    if (!sh->samples || !sh->keys || !sh->key_len || !sh->idx) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < sh->n_samples; i++) {
        Py_ssize_t j = PyLong_AsSsize_t(PyTuple_GET_ITEM(samples, i));
        if (j == -1 && PyErr_Occurred())
            return -1;
        if (j < 9 || j >= ncol) {
            PyErr_SetString(PyExc_ValueError, "shape: a sample column is out of range");
            return -1;
        }
        sh->samples[i] = j;
    }
    for (Py_ssize_t i = 0; i < sh->n_keys; i++) {
        PyObject *k = PyTuple_GET_ITEM(keys, i);
        if (!PyBytes_Check(k)) {
            PyErr_SetString(PyExc_TypeError, "shape: FORMAT keys must be bytes");
            return -1;
        }
        sh->keys[i] = PyBytes_AS_STRING(k);
        sh->key_len[i] = PyBytes_GET_SIZE(k);
    }
    return 0;
}

/* The text: one bytes-like object, or a list/tuple of them (pieces of one text). */
static Py_buffer *get_views(PyObject *data, Py_ssize_t *n_views, Py_ssize_t *total)
{
    PyObject *seq = NULL;
    if (PyList_Check(data) || PyTuple_Check(data)) {
        seq = PySequence_Fast(data, "data must be bytes-like or a list of bytes-like objects");
        if (seq == NULL)
            return NULL;
    }
    Py_ssize_t n = seq ? PySequence_Fast_GET_SIZE(seq) : 1;
    Py_buffer *views = calloc((size_t)(n ? n : 1), sizeof(Py_buffer));
    if (views == NULL) {
        Py_XDECREF(seq);
        PyErr_NoMemory();
        return NULL;
    }
    *total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = seq ? PySequence_Fast_GET_ITEM(seq, i) : data;
        if (PyObject_GetBuffer(item, &views[i], PyBUF_SIMPLE) < 0) {
            for (Py_ssize_t j = 0; j < i; j++)
                PyBuffer_Release(&views[j]);
            free(views);
            Py_XDECREF(seq);
            return NULL;
        }
        *total += views[i].len;
    }
    Py_XDECREF(seq); /* the views hold their objects */
    *n_views = n;
    return views;
}

static void release_views(Py_buffer *views, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++)
        PyBuffer_Release(&views[i]);
    free(views);
}

static PyObject *select_lines(PyObject *self, PyObject *args)
{
    Py_ssize_t ncol, n_nodes, n_terms, n_views = 0, total = 0, out_len = 0, n_kept = 0, n_pass = 0;
    PyObject *data, *nodes_obj, *terms_obj, *shape_obj = Py_None, *out = NULL;
    Py_buffer *views = NULL;
    Node *nodes = NULL;
    Term *terms = NULL;
    Lines L;
    Owned own;
    Shape sh;
    Ctx c;
    char *text = NULL;
    int64_t *kept = NULL;
    const char *err = NULL;

    memset(&L, 0, sizeof(L));
    memset(&own, 0, sizeof(own));
    memset(&sh, 0, sizeof(sh));
    memset(&c, 0, sizeof(c));
    if (!PyArg_ParseTuple(args, "OnO!O!|O:select", &data, &ncol, &PyTuple_Type, &nodes_obj,
                          &PyTuple_Type, &terms_obj, &shape_obj))
        return NULL;
    n_nodes = PyTuple_GET_SIZE(nodes_obj);
    n_terms = PyTuple_GET_SIZE(terms_obj);
    if (ncol < 8 || ncol > 100000000) {
        PyErr_SetString(PyExc_ValueError, "n_columns must be at least 8");
        return NULL;
    }
    if (n_nodes < 1 || n_nodes > MAX_NODES || n_terms > MAX_TERMS) {
        PyErr_SetString(PyExc_ValueError, "the program needs 1 to 4096 nodes and <= 1024 terms");
        return NULL;
    }
    views = get_views(data, &n_views, &total);
    if (views == NULL)
        return NULL;
    if (shape_obj != Py_None) {
        if (parse_shape(shape_obj, ncol, &sh) < 0)
            goto done;
        L.dims = 1 + sh.n_keys;
    }
    nodes = calloc((size_t)n_nodes, sizeof(Node));
    terms = calloc((size_t)(n_terms ? n_terms : 1), sizeof(Term));
    c.cs = malloc((size_t)ncol * sizeof(char *));
    c.ce = malloc((size_t)ncol * sizeof(char *));
    if (!nodes || !terms || !c.cs || !c.ce) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n_terms; i++)
        if (parse_term(PyTuple_GET_ITEM(terms_obj, i), &terms[i]) < 0)
            goto done;
    for (Py_ssize_t i = 0; i < n_nodes; i++) {
        Node *n = &nodes[i];
        PyObject *item = PyTuple_GET_ITEM(nodes_obj, i);
        if (!PyTuple_Check(item) || !PyArg_ParseTuple(item, "inn:node", &n->kind, &n->a, &n->b)) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "a node must be a tuple (kind, a, b)");
            goto done;
        }
        int ok = (n->kind == N_TRUE) || (n->kind == N_TERM && n->a >= 0 && n->a < n_terms) ||
                 ((n->kind == N_AND || n->kind == N_OR) && n->a >= 0 && n->a < i && n->b >= 0 &&
                  n->b < i);
        if (!ok) {
            PyErr_Format(PyExc_ValueError, "bad node %zd: unknown kind or index out of range", i);
            goto done;
        }
        n->cost = n->kind == N_TERM ? KIND_COST[terms[n->a].kind]
                  : n->kind == N_TRUE ? 0.0 : nodes[n->a].cost + nodes[n->b].cost;
    }
    c.ncol = ncol;
    c.nodes = nodes;
    c.terms = terms;
    c.root = n_nodes - 1;
    Py_BEGIN_ALLOW_THREADS
    err = scan_parts(&c, &sh, views, n_views, &L, &own);
    if (err == NULL && L.dims && mark_carriers(&L, &sh) < 0)
        err = "out of memory";
    if (err == NULL) {
        text = malloc((size_t)total + 1);
        kept = malloc((size_t)(L.n + 1) * sizeof(int64_t));
        if (text == NULL || kept == NULL)
            err = "out of memory";
    }
    if (err == NULL) {
        for (Py_ssize_t i = 0; i < L.n; i++) {
            if (!L.flag[i])
                continue;
            memcpy(text + out_len, L.start[i], (size_t)L.len[i]);
            out_len += L.len[i];
            kept[n_kept++] = i;
            n_pass += L.flag[i] == 1;
        }
    }
    Py_END_ALLOW_THREADS
    if (err != NULL) {
        PyErr_Format(PyExc_ValueError, "record line %zd: %s", L.n + 1, err);
        goto done;
    }
    out = Py_BuildValue("(y#ny#n)", text, out_len, L.n, (const char *)kept,
                        (Py_ssize_t)(n_kept * (Py_ssize_t)sizeof(int64_t)), n_pass);
done:
    if (terms != NULL)
        for (Py_ssize_t i = 0; i < n_terms; i++)
            free(terms[i].words.slots);
    free(terms);
    free(nodes);
    free(text);
    free(kept);
    free(c.cs);
    free(c.ce);
    free(L.start);
    free(L.len);
    free(L.flag);
    free(L.shape);
    for (Py_ssize_t i = 0; i < own.n; i++)
        free(own.buf[i]);
    free(own.buf);
    free(sh.samples);
    free(sh.keys);
    free(sh.key_len);
    free(sh.idx);
    release_views(views, n_views);
    return out;
}

static PyObject *count_lines(PyObject *self, PyObject *arg)
{
    Py_ssize_t n_views = 0, total = 0, n = 0;
    Py_buffer *views = get_views(arg, &n_views, &total);
    if (views == NULL)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n_views; i++) {
        const char *p = views[i].buf, *end = p + views[i].len;
        while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            n++;
            p++;
        }
    }
    Py_END_ALLOW_THREADS
    release_views(views, n_views);
    return PyLong_FromSsize_t(n);
}

PyDoc_STRVAR(select_doc,
"select(data, n_columns, nodes, terms, shape=None) -> (text, n_lines, kept, n_passed)\n\n"
"Check the structure of every record line in `data` (bytes-like, or a list of bytes-like\n"
"pieces of one text; whole lines) and return the lines the program may keep,\n"
"concatenated, the number of lines, the 0-based indices of the returned lines as native\n"
"int64 bytes, and how many of them the program kept. With shape = (first_line, window,\n"
"sample_columns, format_keys) the shape carriers of each window are returned too.\n"
"Raises ValueError on malformed structure or a malformed program. See\n"
"gmsvar.io.prefilter.");

PyDoc_STRVAR(count_doc,
"count(data) -> int\n\nNumber of newlines in `data` (bytes-like, or a list of pieces).");

static PyMethodDef methods[] = {
    {"select", select_lines, METH_VARARGS, select_doc},
    {"count", count_lines, METH_O, count_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "gmsvar.io._scan",
    "Conservative record prefilter for the fast VCF reader (see gmsvar.io.prefilter).", -1,
    methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__scan(void) { return PyModule_Create(&module); }
