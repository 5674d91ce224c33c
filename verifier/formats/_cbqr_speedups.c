/*
 * Fast paths of the cbqr decoder (verifier/formats/cbqr.py holds the reference).
 *
 * Two functions, each for the common, well-formed case only:
 *
 *   split_qr(text: str)   # "<base URL>/v1#<digits>" or "<digits>"
 *       -> (header: bytes, signing_input: bytes, payload: bytes, signature: bytes) | None
 *   read_claims(payload: bytes) -> QRCredential | None
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
 * Neither releases the GIL or calls back into Python code.
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

static PyMethodDef methods[] = {
    {"split_qr", split_qr, METH_O, "QR text to (header, signing input, payload, signature)."},
    {"jws_digits", jws_digits, METH_O, "The QR digits of a compact JWS."},
    {"read_claims", read_claims, METH_O, "Inflate and read a cbqr payload's claims."},
    {"use_types", use_types, METH_VARARGS, "The classes read_claims builds."},
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
