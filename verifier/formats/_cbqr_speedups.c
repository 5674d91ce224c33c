/*
 * Fast paths of the cbqr encoder and decoder (verifier/formats/cbqr.py is the reference).
 *
 * Each function handles the common, well-formed case only:
 *
 *   split_qr(text: str)   # "<base URL>/v1#<digits>" or "<digits>"
 *       -> (header: bytes, signing_input: bytes, payload: bytes, signature: bytes) | None
 *   read_claims(payload: bytes) -> QRCredential | None
 *   jws_digits(jws: str) -> str | None
 *   issue_qr(cred, header: str, sign, prefix: str) -> (jws, qr_text) | None
 *
 * (use_types(QRCredential, CreditEntry) tells read_claims which classes to build.)
 *
 * Each returns None for anything it does not fully understand; the caller then runs
 * the Python implementation on the same input, which decides and names the error.
 * So this file never has to reproduce an error message, only the results of
 * the success path, and tests/verifier/test_cbqr_speedups.py holds the two equal on
 * golden vectors, random credentials and random corruptions.
 *
 * split_qr reads untrusted input: the digits of a scanned QR code. read_claims runs
 * only after the signature over the payload has been checked against a trusted key.
 * None releases the GIL; only issue_qr calls back into Python (the signing function).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <string.h>
#include <zlib.h>

/* Longest compact JWS accepted (verifier.formats._jws.MAX_TOKEN_LENGTH). */
#define MAX_TOKEN 16384
/* Inflated payloads up to this size take the fast path; larger ones the Python one. */
#define MAX_FAST_INFLATED 16384
/* 9999-12-31T23:59:59Z, cbqr.MAX_NUMERIC_DATE */
#define MAX_NUMERIC_DATE 253402300799LL

/* The classes read_claims builds (cbqr.QRCredential, cbqr.CreditEntry), set by use_types. */
static PyObject *credential_type = NULL, *entry_type = NULL;

/* digit pair (00..99) -> JWS character; 0 marks a pair outside the alphabet */
static unsigned char PAIR[100];
/* base64url character -> 6-bit value; 0xff marks anything else, '.' included */
static unsigned char B64[256];

static void init_tables(void) {
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    memset(PAIR, 0, sizeof PAIR);
    memset(B64, 0xff, sizeof B64);
    for (int i = 0; i < 64; i++) {
        unsigned char c = (unsigned char)alphabet[i];
        B64[c] = (unsigned char)i;
        PAIR[c - 45] = c;
    }
    PAIR['.' - 45] = '.';
}

/* Canonical unpadded base64url of n characters into out (room for n * 3 / 4 bytes).
 * Returns the number of bytes written, or -1 for an impossible length, a character
 * outside the alphabet or unused bits that are not zero. */
static Py_ssize_t b64url_decode(const unsigned char *in, Py_ssize_t n, unsigned char *out) {
    Py_ssize_t full = n / 4, rest = n % 4, o = 0;
    if (rest == 1) return -1;
    for (Py_ssize_t i = 0; i < full; i++, in += 4) {
        unsigned a = B64[in[0]], b = B64[in[1]], c = B64[in[2]], d = B64[in[3]];
        if ((a | b | c | d) & 0xC0) return -1;
        unsigned v = a << 18 | b << 12 | c << 6 | d;
        out[o++] = (unsigned char)(v >> 16);
        out[o++] = (unsigned char)(v >> 8);
        out[o++] = (unsigned char)v;
    }
    if (rest == 2) {
        unsigned a = B64[in[0]], b = B64[in[1]];
        if (((a | b) & 0xC0) || (b & 0x0F)) return -1;
        out[o++] = (unsigned char)(a << 2 | b >> 4);
    } else if (rest == 3) {
        unsigned a = B64[in[0]], b = B64[in[1]], c = B64[in[2]];
        if (((a | b | c) & 0xC0) || (c & 0x03)) return -1;
        out[o++] = (unsigned char)(a << 2 | b >> 4);
        out[o++] = (unsigned char)((b & 0x0F) << 4 | c >> 2);
    }
    return o;
}

static PyObject *decoded_part(const unsigned char *in, Py_ssize_t n) {
    PyObject *out = PyBytes_FromStringAndSize(NULL, n / 4 * 3 + 2);
    if (out == NULL) return NULL;
    Py_ssize_t len = b64url_decode(in, n, (unsigned char *)PyBytes_AS_STRING(out));
    if (len < 0) {
        Py_DECREF(out);
        Py_RETURN_NONE;
    }
    if (_PyBytes_Resize(&out, len) < 0) return NULL;
    return out;
}

/* The digits of QR text: what follows the last '#' of "<base URL>/v1#<digits>", or the
 * whole text when it has no '#'. NULL when the text is neither. */
static const unsigned char *qr_digits(PyObject *text, Py_ssize_t *nd) {
    if (!PyUnicode_Check(text) || PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND) return NULL;
    const unsigned char *s = PyUnicode_1BYTE_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), hash = n;
    while (hash > 0 && s[hash - 1] != '#') hash--;
    if (hash == 0) {
        *nd = n;
        return s;
    }
    if (hash < 4 || memcmp(s + hash - 4, "/v1", 3) != 0) return NULL;
    *nd = n - hash;
    return s + hash;
}

static PyObject *split_qr(PyObject *module, PyObject *text) {
    Py_ssize_t nd;
    const unsigned char *d = qr_digits(text, &nd);
    if (d == NULL || nd == 0 || nd % 2 || nd > 2 * MAX_TOKEN) Py_RETURN_NONE;
    Py_ssize_t n = nd / 2, dots[2], ndots = 0;
    unsigned char jws[MAX_TOKEN];
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned hi = (unsigned)d[2 * i] - '0', lo = (unsigned)d[2 * i + 1] - '0';
        if (hi > 9 || lo > 9) Py_RETURN_NONE;
        unsigned char c = PAIR[hi * 10 + lo];
        if (c == 0) Py_RETURN_NONE;
        if (c == '.') {
            if (ndots == 2) Py_RETURN_NONE;
            dots[ndots++] = i;
        }
        jws[i] = c;
    }
    if (ndots != 2) Py_RETURN_NONE;
    Py_ssize_t body = dots[0] + 1, sig = dots[1] + 1;
    if (dots[0] == 0 || sig == n) Py_RETURN_NONE;
    /* The header is only checked here (for the canonical spelling); the caller
     * looks it up by its encoded form and parses it on a miss. */
    unsigned char header[MAX_TOKEN];
    if (b64url_decode(jws, dots[0], header) < 0) Py_RETURN_NONE;
    PyObject *payload = NULL, *signature = NULL;
    payload = decoded_part(jws + body, dots[1] - body);
    if (payload == NULL || payload == Py_None) return payload;
    signature = decoded_part(jws + sig, n - sig);
    if (signature == NULL || signature == Py_None) {
        Py_DECREF(payload);
        return signature;
    }
    return Py_BuildValue("(y#y#NN)", jws, dots[0], jws, dots[1], payload, signature);
}

/* The QR digits of a compact JWS: two decimal digits per character, ord(c) - 45. None for
 * a character outside the JWS alphabet (the Python encoder names that error). */
static PyObject *jws_digits(PyObject *module, PyObject *jws) {
    if (!PyUnicode_Check(jws) || PyUnicode_KIND(jws) != PyUnicode_1BYTE_KIND) Py_RETURN_NONE;
    Py_ssize_t n = PyUnicode_GET_LENGTH(jws);
    const unsigned char *s = PyUnicode_1BYTE_DATA(jws);
    PyObject *out = PyUnicode_New(2 * n, 127);
    if (out == NULL) return NULL;
    unsigned char *d = PyUnicode_1BYTE_DATA(out);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (s[i] != '.' && B64[s[i]] == 0xff) {
            Py_DECREF(out);
            Py_RETURN_NONE;
        }
        unsigned v = (unsigned)s[i] - 45;
        d[2 * i] = (unsigned char)('0' + v / 10);
        d[2 * i + 1] = (unsigned char)('0' + v % 10);
    }
    return out;
}

/* -- claims ------------------------------------------------------------------------- */

typedef struct {
    const unsigned char *p, *end;
} Cursor;

static int expect(Cursor *c, char ch) {
    if (c->p < c->end && *c->p == (unsigned char)ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* A JSON string without escapes or control characters, as str (NULL: not one). */
static PyObject *string(Cursor *c) {
    if (!expect(c, '"')) return NULL;
    const unsigned char *start = c->p;
    while (c->p < c->end && *c->p != '"') {
        if (*c->p < 0x20 || *c->p == '\\') return NULL;
        c->p++;
    }
    if (c->p == c->end) return NULL;
    PyObject *s = PyUnicode_DecodeUTF8((const char *)start, c->p - start, NULL);
    c->p++;
    if (s == NULL) PyErr_Clear();
    return s;
}

/* A key: a short string of ASCII letters (our claim names), copied into buf. */
static int key(Cursor *c, char *buf, size_t size) {
    if (!expect(c, '"')) return 0;
    size_t len = 0;
    while (c->p < c->end && *c->p != '"') {
        unsigned char ch = *c->p++;
        if (len + 1 >= size || !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))) return 0;
        buf[len++] = (char)ch;
    }
    buf[len] = 0;
    return expect(c, '"') && expect(c, ':');
}

/* A non-negative JSON integer of at most 18 digits (no sign, no leading zero). */
static int integer(Cursor *c, long long *out) {
    const unsigned char *start = c->p;
    long long v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (c->p - start >= 18) return 0;
        v = v * 10 + (*c->p++ - '0');
    }
    if (c->p == start || (*start == '0' && c->p - start > 1)) return 0;
    *out = v;
    return 1;
}

/* The end of a number: what follows may not continue it (".5e3", "1E2"). */
static int number_ends(Cursor *c) {
    return c->p < c->end && (*c->p == ',' || *c->p == '}' || *c->p == ']');
}

/* Credits as half credits: an integer, or an integer followed by ".5". */
static int half_credits(Cursor *c, long long *half) {
    long long whole;
    if (!integer(c, &whole) || whole > 1000000000000LL) return 0;
    *half = whole * 2;
    if (c->p + 1 < c->end && c->p[0] == '.' && c->p[1] == '5') {
        c->p += 2;
        *half += 1;
    }
    return number_ends(c);
}

static PyObject *date(Cursor *c) {
    const unsigned char *s = c->p;
    if (c->end - s < 12 || s[0] != '"' || s[5] != '-' || s[8] != '-' || s[11] != '"') return NULL;
    int v[8], idx[8] = {1, 2, 3, 4, 6, 7, 9, 10};
    for (int i = 0; i < 8; i++) {
        if (s[idx[i]] < '0' || s[idx[i]] > '9') return NULL;
        v[i] = s[idx[i]] - '0';
    }
    int year = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    int month = v[4] * 10 + v[5], day = v[6] * 10 + v[7];
    c->p += 12;
    PyObject *out = PyDate_FromDate(year, month, day);
    if (out == NULL) PyErr_Clear();
    return out;
}

/* Field bits, to refuse a duplicate key and a missing one. */
enum { T = 1, D = 2, K = 4, C = 8, H = 16, S = 32, I = 64, DT = 128 };
#define ENTRY_REQUIRED (T | D | K | C | S | I | DT)

static PyObject *entry(Cursor *c) {
    PyObject *f[8] = {NULL}; /* title domain kind half hours standard institution date */
    long long half = 0, hours = 0;
    int seen = 0;
    char name[4];
    if (!expect(c, '{')) return NULL;
    for (;;) {
        if (!key(c, name, sizeof name)) goto fail;
        int bit, slot;
        if (!strcmp(name, "t")) bit = T, slot = 0;
        else if (!strcmp(name, "d")) bit = D, slot = 1;
        else if (!strcmp(name, "k")) bit = K, slot = 2;
        else if (!strcmp(name, "c")) bit = C, slot = 3;
        else if (!strcmp(name, "h")) bit = H, slot = 4;
        else if (!strcmp(name, "s")) bit = S, slot = 5;
        else if (!strcmp(name, "i")) bit = I, slot = 6;
        else if (!strcmp(name, "dt")) bit = DT, slot = 7;
        else goto fail;
        if (seen & bit) goto fail;
        seen |= bit;
        if (bit == C) {
            if (!half_credits(c, &half)) goto fail;
        } else if (bit == H) {
            if (!integer(c, &hours) || !number_ends(c)) goto fail;
        } else if (bit == DT) {
            if ((f[slot] = date(c)) == NULL) goto fail;
        } else if ((f[slot] = string(c)) == NULL) {
            goto fail;
        }
        if (expect(c, '}')) break;
        if (!expect(c, ',')) goto fail;
    }
    if ((seen & ENTRY_REQUIRED) != ENTRY_REQUIRED) goto fail;
    PyObject *hours_obj = (seen & H) ? PyLong_FromLongLong(hours) : Py_NewRef(Py_None);
    if (hours_obj == NULL) goto fail;
    PyObject *half_obj = PyLong_FromLongLong(half);
    if (half_obj == NULL) {
        Py_DECREF(hours_obj);
        goto fail;
    }
    PyObject *args[8] = {f[0], f[1], f[2], half_obj, hours_obj, f[5], f[6], f[7]};
    PyObject *out = PyObject_Vectorcall(entry_type, args, 8, NULL);
    Py_DECREF(half_obj);
    Py_DECREF(hours_obj);
    for (int i = 0; i < 8; i++) Py_XDECREF(f[i]);
    return out;
fail:
    for (int i = 0; i < 8; i++) Py_XDECREF(f[i]);
    return NULL;
}

static PyObject *entries(Cursor *c) {
    if (!expect(c, '[')) return NULL;
    PyObject *list = PyList_New(0);
    if (list == NULL) return NULL;
    for (;;) {
        PyObject *e = entry(c);
        if (e == NULL || PyList_Append(list, e) < 0) {
            Py_XDECREF(e);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(e);
        if (expect(c, ']')) break;
        if (!expect(c, ',')) {
            Py_DECREF(list);
            return NULL;
        }
    }
    PyObject *out = PyList_AsTuple(list);
    Py_DECREF(list);
    return out;
}

enum { ISS = 1, JTI = 2, NBF = 4, EXP = 8, NAME = 16, ID = 32, CR = 64, ST = 128 };
#define CLAIMS_REQUIRED (ISS | JTI | NBF | NAME | ID | CR | ST)

static PyObject *claims(Cursor *c) {
    PyObject *iss = NULL, *jti = NULL, *nm = NULL, *id = NULL, *cr = NULL, *list_id = NULL;
    long long nbf = 0, exp = 0, index = 0;
    int seen = 0;
    char name[4];
    if (!expect(c, '{')) return NULL;
    for (;;) {
        if (!key(c, name, sizeof name)) goto fail;
        int bit;
        if (!strcmp(name, "iss")) bit = ISS;
        else if (!strcmp(name, "jti")) bit = JTI;
        else if (!strcmp(name, "nbf")) bit = NBF;
        else if (!strcmp(name, "exp")) bit = EXP;
        else if (!strcmp(name, "n")) bit = NAME;
        else if (!strcmp(name, "id")) bit = ID;
        else if (!strcmp(name, "cr")) bit = CR;
        else if (!strcmp(name, "st")) bit = ST;
        else goto fail;
        if (seen & bit) goto fail;
        seen |= bit;
        switch (bit) {
        case ISS: if ((iss = string(c)) == NULL) goto fail; break;
        case JTI: if ((jti = string(c)) == NULL) goto fail; break;
        case NAME: if ((nm = string(c)) == NULL) goto fail; break;
        case ID: if ((id = string(c)) == NULL) goto fail; break;
        case CR: if ((cr = entries(c)) == NULL) goto fail; break;
        case NBF:
            if (!integer(c, &nbf) || !number_ends(c) || nbf > MAX_NUMERIC_DATE) goto fail;
            break;
        case EXP:
            if (!integer(c, &exp) || !number_ends(c) || exp > MAX_NUMERIC_DATE) goto fail;
            break;
        case ST:
            if (!expect(c, '[') || (list_id = string(c)) == NULL || !expect(c, ',')) goto fail;
            if (!integer(c, &index) || !expect(c, ']')) goto fail;
            break;
        }
        if (expect(c, '}')) break;
        if (!expect(c, ',')) goto fail;
    }
    if ((seen & CLAIMS_REQUIRED) != CLAIMS_REQUIRED || c->p != c->end) goto fail;
    PyObject *nums[3] = {
        PyLong_FromLongLong(nbf),
        (seen & EXP) ? PyLong_FromLongLong(exp) : Py_NewRef(Py_None),
        PyLong_FromLongLong(index),
    };
    PyObject *out = NULL;
    if (nums[0] != NULL && nums[1] != NULL && nums[2] != NULL) {
        PyObject *args[9] = {iss, jti, nums[0], nums[1], nm, id, cr, list_id, nums[2]};
        out = PyObject_Vectorcall(credential_type, args, 9, NULL);
    }
    for (int i = 0; i < 3; i++) Py_XDECREF(nums[i]);
    Py_DECREF(iss);
    Py_DECREF(jti);
    Py_DECREF(nm);
    Py_DECREF(id);
    Py_DECREF(cr);
    Py_DECREF(list_id);
    return out;
fail:
    Py_XDECREF(iss);
    Py_XDECREF(jti);
    Py_XDECREF(nm);
    Py_XDECREF(id);
    Py_XDECREF(cr);
    Py_XDECREF(list_id);
    return NULL;
}

static PyObject *use_types(PyObject *module, PyObject *args) {
    PyObject *credential, *entry;
    if (!PyArg_ParseTuple(args, "OO:use_types", &credential, &entry)) return NULL;
    Py_XDECREF(credential_type);
    Py_XDECREF(entry_type);
    credential_type = Py_NewRef(credential);
    entry_type = Py_NewRef(entry);
    Py_RETURN_NONE;
}

static PyObject *read_claims(PyObject *module, PyObject *payload) {
    if (credential_type == NULL || entry_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "use_types() has not been called");
        return NULL;
    }
    if (!PyBytes_Check(payload) || PyBytes_GET_SIZE(payload) > MAX_TOKEN) Py_RETURN_NONE;
    unsigned char text[MAX_FAST_INFLATED];
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -15) != Z_OK) Py_RETURN_NONE;
    zs.next_in = (Bytef *)PyBytes_AS_STRING(payload);
    zs.avail_in = (uInt)PyBytes_GET_SIZE(payload);
    zs.next_out = text;
    zs.avail_out = sizeof text;
    int rc = inflate(&zs, Z_FINISH);
    Py_ssize_t len = (Py_ssize_t)zs.total_out;
    int complete = rc == Z_STREAM_END && zs.avail_in == 0;
    inflateEnd(&zs);
    if (!complete) Py_RETURN_NONE;
    Cursor c = {text, text + len};
    PyObject *out = claims(&c);
    if (out == NULL) {
        if (PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_MemoryError)) PyErr_Clear();
            else return NULL;
        }
        Py_RETURN_NONE;
    }
    return out;
}


/* -- issuance ----------------------------------------------------------------------- */

/* A growing byte buffer; ok drops to 0 when it cannot grow (MemoryError set). */
typedef struct {
    char *data;
    Py_ssize_t len, cap;
    int ok;
} Buf;

static int grow(Buf *b, Py_ssize_t more) {
    if (!b->ok) return 0;
    if (b->len + more <= b->cap) return 1;
    Py_ssize_t cap = (b->len + more) * 2;
    char *data = PyMem_Realloc(b->data, cap);
    if (data == NULL) {
        PyErr_NoMemory();
        b->ok = 0;
        return 0;
    }
    b->data = data, b->cap = cap;
    return 1;
}

static void add(Buf *b, const char *s, Py_ssize_t n) {
    if (grow(b, n)) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
    }
}

static void add_str(Buf *b, const char *s) { add(b, s, (Py_ssize_t)strlen(s)); }

static void add_int(Buf *b, long long v) {
    char tmp[32];
    add(b, tmp, snprintf(tmp, sizeof tmp, "%lld", v));
}

/* A JSON string as json.dumps(ensure_ascii=False) writes it. 0: not a str, or one
 * UTF-8 cannot hold (a lone surrogate): the Python encoder decides then. */
static int add_json_string(Buf *b, PyObject *value) {
    if (!PyUnicode_CheckExact(value)) return 0;
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(value, &n);
    if (s == NULL) {
        PyErr_Clear();
        return 0;
    }
    add(b, "\"", 1);
    Py_ssize_t run = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        add(b, s + run, i - run);
        run = i + 1;
        char esc[8];
        switch (c) {
        case '"': add(b, "\\\"", 2); break;
        case '\\': add(b, "\\\\", 2); break;
        case '\n': add(b, "\\n", 2); break;
        case '\r': add(b, "\\r", 2); break;
        case '\t': add(b, "\\t", 2); break;
        case '\b': add(b, "\\b", 2); break;
        case '\f': add(b, "\\f", 2); break;
        default: add(b, esc, snprintf(esc, sizeof esc, "\\u%04x", c));
        }
    }
    add(b, s + run, n - run);
    add(b, "\"", 1);
    return b->ok;
}

/* An int attribute in [0, 2**52], the range the Python encoder writes the same way. */
static int int_attr(PyObject *obj, const char *name, long long *out) {
    PyObject *v = PyObject_GetAttrString(obj, name);
    if (v == NULL) return 0;
    int ok = PyLong_CheckExact(v);
    if (ok) {
        *out = PyLong_AsLongLong(v);
        ok = !(*out == -1 && PyErr_Occurred()) && *out >= 0 && *out <= (1LL << 52);
    }
    PyErr_Clear();
    Py_DECREF(v);
    return ok;
}

static int string_attr(Buf *b, PyObject *obj, const char *name) {
    PyObject *v = PyObject_GetAttrString(obj, name);
    if (v == NULL) return 0;
    int ok = add_json_string(b, v);
    Py_DECREF(v);
    return ok;
}

/* ,"exp":123 or nothing for None; the same for an entry's hours */
static int optional_int_attr(Buf *b, PyObject *obj, const char *name, const char *key) {
    PyObject *v = PyObject_GetAttrString(obj, name);
    if (v == NULL) return 0;
    int none = v == Py_None;
    Py_DECREF(v);
    if (none) return 1;
    long long n;
    if (!int_attr(obj, name, &n)) return 0;
    add_str(b, key);
    add_int(b, n);
    return 1;
}

static int entry_json(Buf *b, PyObject *e) {
    long long half;
    add_str(b, "{\"t\":");
    if (!string_attr(b, e, "title")) return 0;
    add_str(b, ",\"d\":");
    if (!string_attr(b, e, "domain")) return 0;
    add_str(b, ",\"k\":");
    if (!string_attr(b, e, "kind")) return 0;
    add_str(b, ",\"c\":");
    if (!int_attr(e, "half_credits", &half)) return 0;
    add_int(b, half / 2);
    if (half % 2) add_str(b, ".5");
    if (!optional_int_attr(b, e, "hours", ",\"h\":")) return 0;
    add_str(b, ",\"s\":");
    if (!string_attr(b, e, "standard")) return 0;
    add_str(b, ",\"i\":");
    if (!string_attr(b, e, "institution")) return 0;
    PyObject *d = PyObject_GetAttrString(e, "date");
    if (d == NULL) return 0;
    int ok = PyDate_CheckExact(d);
    if (ok) {
        char tmp[32];
        add(b, tmp, snprintf(tmp, sizeof tmp, ",\"dt\":\"%04d-%02d-%02d\"}",
                             PyDateTime_GET_YEAR(d), PyDateTime_GET_MONTH(d),
                             PyDateTime_GET_DAY(d)));
    }
    Py_DECREF(d);
    return ok && b->ok;
}

/* cbqr.claims_json(cred) into b; 0 when the credential holds anything unusual. */
static int claims_json(Buf *b, PyObject *cred) {
    long long nbf, index;
    add_str(b, "{\"iss\":");
    if (!string_attr(b, cred, "issuer")) return 0;
    add_str(b, ",\"jti\":");
    if (!string_attr(b, cred, "jti")) return 0;
    add_str(b, ",\"nbf\":");
    if (!int_attr(cred, "nbf", &nbf)) return 0;
    add_int(b, nbf);
    if (!optional_int_attr(b, cred, "exp", ",\"exp\":")) return 0;
    add_str(b, ",\"n\":");
    if (!string_attr(b, cred, "name")) return 0;
    add_str(b, ",\"id\":");
    if (!string_attr(b, cred, "masked_id")) return 0;
    add_str(b, ",\"cr\":[");
    PyObject *entries = PyObject_GetAttrString(cred, "entries");
    if (entries == NULL) return 0;
    int ok = PyTuple_CheckExact(entries) && PyTuple_GET_SIZE(entries) > 0;
    for (Py_ssize_t i = 0; ok && i < PyTuple_GET_SIZE(entries); i++) {
        if (i) add(b, ",", 1);
        ok = entry_json(b, PyTuple_GET_ITEM(entries, i));
    }
    Py_DECREF(entries);
    if (!ok) return 0;
    add_str(b, "],\"st\":[");
    if (!string_attr(b, cred, "status_list")) return 0;
    add(b, ",", 1);
    if (!int_attr(cred, "status_index", &index)) return 0;
    add_int(b, index);
    add_str(b, "]}");
    return b->ok;
}

static const char B64URL_CHARS[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void add_b64url(Buf *b, const unsigned char *in, Py_ssize_t n) {
    if (!grow(b, (n + 2) / 3 * 4)) return;
    char *o = b->data + b->len;
    Py_ssize_t i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        *o++ = B64URL_CHARS[v >> 18], *o++ = B64URL_CHARS[(v >> 12) & 63];
        *o++ = B64URL_CHARS[(v >> 6) & 63], *o++ = B64URL_CHARS[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        *o++ = B64URL_CHARS[v >> 18], *o++ = B64URL_CHARS[(v >> 12) & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        *o++ = B64URL_CHARS[v >> 18], *o++ = B64URL_CHARS[(v >> 12) & 63];
        *o++ = B64URL_CHARS[(v >> 6) & 63];
    }
    b->len = o - b->data;
}

/* issue_qr(cred, header, sign, prefix) -> (jws, qr_text) | None
 *
 * cbqr.encode and cbqr.to_qr_text in one pass: the claims JSON, raw DEFLATE at level 9
 * (zlib, as cbqr.deflate), base64url, sign(signing_input) -> signature, and the QR
 * digits after prefix ("<base URL>/v1#"). None when the credential holds anything the
 * Python encoder should write itself. */
static PyObject *issue_qr(PyObject *module, PyObject *args) {
    PyObject *cred, *header, *sign, *prefix;
    if (!PyArg_ParseTuple(args, "OUOU:issue_qr", &cred, &header, &sign, &prefix)) return NULL;
    Buf json = {NULL, 0, 0, 1}, jws = {NULL, 0, 0, 1};
    PyObject *result = NULL;
    if (!claims_json(&json, cred)) {
        if (json.ok && !PyErr_Occurred()) result = Py_NewRef(Py_None);
        else if (!PyErr_ExceptionMatches(PyExc_MemoryError)) PyErr_Clear(), result = Py_NewRef(Py_None);
        goto done;
    }
    unsigned char packed[MAX_FAST_INFLATED];
    uLongf packed_len = sizeof packed;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    zs.next_in = (Bytef *)json.data, zs.avail_in = (uInt)json.len;
    zs.next_out = packed, zs.avail_out = (uInt)packed_len;
    int rc = deflate(&zs, Z_FINISH);
    packed_len = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    Py_ssize_t hlen;
    const char *h = PyUnicode_AsUTF8AndSize(header, &hlen);
    if (h == NULL) goto done;
    add(&jws, h, hlen);
    add(&jws, ".", 1);
    add_b64url(&jws, packed, (Py_ssize_t)packed_len);
    if (!jws.ok) goto done;
    PyObject *signing_input = PyBytes_FromStringAndSize(jws.data, jws.len);
    if (signing_input == NULL) goto done;
    PyObject *signature = PyObject_CallOneArg(sign, signing_input);
    Py_DECREF(signing_input);
    if (signature == NULL) goto done;
    if (!PyBytes_Check(signature)) {
        Py_DECREF(signature);
        PyErr_SetString(PyExc_TypeError, "sign() must return bytes");
        goto done;
    }
    add(&jws, ".", 1);
    add_b64url(&jws, (unsigned char *)PyBytes_AS_STRING(signature), PyBytes_GET_SIZE(signature));
    Py_DECREF(signature);
    if (!jws.ok) goto done;
    Py_ssize_t plen = PyUnicode_GET_LENGTH(prefix); /* characters, not UTF-8 bytes */
    PyObject *token = PyUnicode_DecodeASCII(jws.data, jws.len, NULL);
    if (token == NULL) goto done;
    PyObject *text = PyUnicode_New(plen + 2 * jws.len, PyUnicode_MAX_CHAR_VALUE(prefix));
    if (text == NULL) {
        Py_DECREF(token);
        goto done;
    }
    if (PyUnicode_CopyCharacters(text, 0, prefix, 0, plen) < 0) {
        Py_DECREF(token);
        Py_DECREF(text);
        goto done;
    }
    int kind = PyUnicode_KIND(text);
    void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = 0; i < jws.len; i++) {
        unsigned v = (unsigned char)jws.data[i] - 45;
        PyUnicode_WRITE(kind, data, plen + 2 * i, '0' + v / 10);
        PyUnicode_WRITE(kind, data, plen + 2 * i + 1, '0' + v % 10);
    }
    result = PyTuple_Pack(2, token, text);
    Py_DECREF(token);
    Py_DECREF(text);
done:
    PyMem_Free(json.data);
    PyMem_Free(jws.data);
    return result;
}

static PyMethodDef methods[] = {
    {"split_qr", split_qr, METH_O, "QR text to (header, signing input, payload, signature)."},
    {"jws_digits", jws_digits, METH_O, "The QR digits of a compact JWS."},
    {"read_claims", read_claims, METH_O, "Inflate and read a cbqr payload's claims."},
    {"use_types", use_types, METH_VARARGS, "The classes read_claims builds."},
    {"issue_qr", issue_qr, METH_VARARGS, "cbqr.encode and cbqr.to_qr_text in one pass."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_cbqr_speedups",
    "Fast paths of the cbqr decoder; verifier.formats.cbqr is the reference.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__cbqr_speedups(void) {
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL) return NULL;
    init_tables();
    return PyModule_Create(&module);
}
