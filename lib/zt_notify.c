/* zt_notify: one message through Resend / Twilio / Gupshup, or the outbox.
 * See zt_notify.h for the contract. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* explicit_bzero, getrandom, O_CLOEXEC */
#endif

#include "zt_notify.h"
#include "zt_http.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#define RESPONSE_CAP (64 * 1024)   /* we only need an id or an error message */
#define CONNECT_TIMEOUT_MS 3000L
#define USER_AGENT "ztic-notify/1 (+libcurl)"

/* ------------------------------------------------------------------------ */
/* small helpers                                                            */
/* ------------------------------------------------------------------------ */

struct buf {
    char *p;
    size_t len, cap;
    int oom;
};

static int buf_reserve(struct buf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_add(struct buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n) != 0)
        return -1;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int buf_adds(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

static void buf_free(struct buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static int empty(const char *s)
{
    return s == NULL || *s == '\0';
}

static const char *or_default(const char *s, const char *def)
{
    return empty(s) ? def : s;
}

static int has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* Replace every occurrence of secret in s (in place) with "***". */
static void redact(char *s, const char *secret)
{
    size_t n;
    char *p;

    if (empty(secret) || (n = strlen(secret)) < 4)
        return;
    while ((p = strstr(s, secret)) != NULL) {
        memcpy(p, "***", 3);
        memmove(p + 3, p + n, strlen(p + n) + 1);
    }
}

static void set_err(const struct zt_notify_cfg *cfg, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_err(const struct zt_notify_cfg *cfg, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    if (cfg) {
        redact(err, cfg->resend_key);
        redact(err, cfg->twilio_token);
        redact(err, cfg->gupshup_key);
    }
}

/* Copy a provider-supplied text for an error message: printable ASCII only,
 * bounded. */
static void clean_copy(char *dst, size_t dstlen, const char *src)
{
    size_t i = 0;

    if (dstlen == 0)
        return;
    for (; src && *src && i + 1 < dstlen; src++) {
        unsigned char c = (unsigned char)*src;
        dst[i++] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
    }
    dst[i] = '\0';
}

static void lower_copy(char *dst, size_t dstlen, const char *src)
{
    clean_copy(dst, dstlen, src);
    for (; *dst; dst++)
        *dst = (char)tolower((unsigned char)*dst);
}

static void wipe(void *p, size_t n)
{
    explicit_bzero(p, n);
}

static void free_headers(struct curl_slist *h)
{
    for (struct curl_slist *it = h; it; it = it->next)
        if (it->data)
            wipe(it->data, strlen(it->data));
    curl_slist_free_all(h);
}

static struct curl_slist *add_header(struct curl_slist *list, int *oom, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static struct curl_slist *add_header(struct curl_slist *list, int *oom, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n;
    struct curl_slist *r;

    if (*oom)
        return list;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line) {
        wipe(line, sizeof line);
        *oom = 1;
        return list;
    }
    r = curl_slist_append(list, line);
    wipe(line, sizeof line);
    if (!r) {
        *oom = 1;
        return list;
    }
    return r;
}

static int valid_e164(const char *s)
{
    size_t n = 0;

    if (s[0] != '+' || s[1] < '1' || s[1] > '9')
        return 0;
    for (s++; *s; s++, n++)
        if (*s < '0' || *s > '9')
            return 0;
    return n >= 7 && n <= 15;
}

static int valid_email(const char *s)
{
    const char *at = strchr(s, '@');

    if (!at || at == s || at[1] == '\0' || strchr(at + 1, '@'))
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '<' || *s == '>' || *s == ',' || *s == ';')
            return 0;
    return 1;
}

const char *zt_notify_channel_name(enum zt_notify_channel channel)
{
    switch (channel) {
    case ZT_NOTIFY_EMAIL: return "email";
    case ZT_NOTIFY_SMS: return "sms";
    case ZT_NOTIFY_WHATSAPP: return "whatsapp";
    }
    return "unknown";
}

static void put_id(char *provider_id, size_t provider_id_len, const char *prefix, const char *id)
{
    if (provider_id && provider_id_len)
        snprintf(provider_id, provider_id_len, "%s%s", prefix, id ? id : "");
}

/* ------------------------------------------------------------------------ */
/* outbox                                                                   */
/* ------------------------------------------------------------------------ */

static json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int write_outbox(const struct zt_notify_cfg *cfg, const struct zt_notify_msg *msg,
                        char *provider_id, size_t provider_id_len, char *err, size_t errlen)
{
    const char *chan = zt_notify_channel_name(msg->channel);
    struct timespec ts;
    unsigned char rnd[8];
    char hex[17], name[128], created[64], tmbuf[32];
    char *final_path = NULL, *tmp_path = NULL;
    long long ms;
    struct tm tm;
    json_object *o = NULL;
    const char *text;
    int fd = -1, rc = -1;
    size_t dlen;

    if (empty(cfg->outbox_dir)) {
        set_err(cfg, err, errlen, "no provider key for %s and no outbox directory configured", chan);
        return -1;
    }
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        set_err(cfg, err, errlen, "could not write the %s outbox: %s", chan, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    snprintf(name, sizeof name, "%lld-%s-%s.json", ms, chan, hex);

    gmtime_r(&ts.tv_sec, &tm);
    strftime(tmbuf, sizeof tmbuf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(created, sizeof created, "%s.%03uZ", tmbuf, (unsigned)((unsigned long)ts.tv_nsec / 1000000u % 1000u));

    dlen = strlen(cfg->outbox_dir);
    final_path = malloc(dlen + strlen(name) + 2);
    tmp_path = malloc(dlen + strlen(name) + 8);
    o = json_object_new_object();
    if (!final_path || !tmp_path || !o) {
        set_err(cfg, err, errlen, "could not write the %s outbox: out of memory", chan);
        goto out;
    }
    sprintf(final_path, "%s/%s", cfg->outbox_dir, name);
    sprintf(tmp_path, "%s/.%s.tmp", cfg->outbox_dir, name);   /* dot: readers of *.json skip it */

    json_object_object_add(o, "channel", json_object_new_string(chan));
    json_object_object_add(o, "to", json_object_new_string(msg->to));
    json_object_object_add(o, "subject", str_or_null(msg->subject));
    json_object_object_add(o, "text", str_or_null(msg->text));
    json_object_object_add(o, "html", str_or_null(msg->html));
    json_object_object_add(o, "idempotency_key", str_or_null(msg->idempotency_key));
    json_object_object_add(o, "created_at", json_object_new_string(created));
    text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!text) {
        set_err(cfg, err, errlen, "could not write the %s outbox: out of memory", chan);
        goto out;
    }

    fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0) {
        set_err(cfg, err, errlen, "could not write the %s outbox: %s: %s", chan, tmp_path, strerror(errno));
        goto out;
    }
    if (fchmod(fd, 0640) != 0 || write_all(fd, text, strlen(text)) != 0 || write_all(fd, "\n", 1) != 0) {
        set_err(cfg, err, errlen, "could not write the %s outbox: %s: %s", chan, tmp_path, strerror(errno));
        close(fd);
        fd = -1;
        unlink(tmp_path);
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        set_err(cfg, err, errlen, "could not write the %s outbox: %s: %s", chan, tmp_path, strerror(errno));
        unlink(tmp_path);
        goto out;
    }
    fd = -1;
    if (rename(tmp_path, final_path) != 0) {
        set_err(cfg, err, errlen, "could not write the %s outbox: %s: %s", chan, final_path, strerror(errno));
        unlink(tmp_path);
        goto out;
    }
    put_id(provider_id, provider_id_len, "outbox:", name);
    rc = 0;
out:
    if (o)
        json_object_put(o);
    free(final_path);
    free(tmp_path);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* HTTP                                                                     */
/* ------------------------------------------------------------------------ */

static CURL *curl_h;
static int curl_inited;

static CURL *get_handle(void)
{
    if (curl_h)
        return curl_h;
    if (!curl_inited) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return NULL;
        curl_inited = 1;
    }
    curl_h = curl_easy_init();
    return curl_h;
}

void zt_notify_cleanup(void)
{
    if (curl_h) {
        curl_easy_cleanup(curl_h);
        curl_h = NULL;
    }
    if (curl_inited) {
        curl_global_cleanup();
        curl_inited = 0;
    }
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct buf *b = ud;
    size_t n = size * nmemb;
    size_t keep = n;

    if (b->len >= RESPONSE_CAP)
        return n;                        /* drain, ignore */
    if (b->len + keep > RESPONSE_CAP)
        keep = RESPONSE_CAP - b->len;
    if (buf_add(b, ptr, keep) != 0)
        return 0;                        /* aborts the transfer: CURLE_WRITE_ERROR */
    return n;
}

/* https:// anywhere, http:// only to loopback (tests, local fakes). */
static int check_base(const struct zt_notify_cfg *cfg, const char *prov, const char *base,
                      char *err, size_t errlen)
{
    char why[160];
    int rc = zt_http_check_base(prov, base, why, sizeof(why));
    if (rc == -2)
        set_err(cfg, err, errlen, "could not reach %s: out of memory", prov);
    else if (rc != 0)
        set_err(cfg, err, errlen, "%s", why);
    return rc == 0 ? 0 : -1;
}

/* base without trailing slashes + path; caller frees. */
static char *join_url(const char *base, const char *path)
{
    size_t bl = strlen(base);
    char *s;

    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    s = malloc(bl + strlen(path) + 1);
    if (s) {
        memcpy(s, base, bl);
        strcpy(s + bl, path);
    }
    return s;
}

struct call {
    const char *prov;          /* "resend", "twilio", "gupshup" */
    const char *url;
    struct curl_slist *headers;
    const char *body;
    size_t body_len;
    const char *user, *pass;   /* Basic auth, may be NULL */
    long status;               /* out */
    struct buf resp;           /* out */
};

static int perform(const struct zt_notify_cfg *cfg, struct call *c, char *err, size_t errlen)
{
    CURL *h = get_handle();
    char ebuf[CURL_ERROR_SIZE], lowered[CURL_ERROR_SIZE];
    long timeout = cfg->timeout_ms > 0 ? cfg->timeout_ms : ZT_NOTIFY_TIMEOUT_MS;
    long ctimeout = timeout < CONNECT_TIMEOUT_MS ? timeout : CONNECT_TIMEOUT_MS;
    CURLcode rc;
    int failed_setup = 0;

    if (!h) {
        set_err(cfg, err, errlen, "could not reach %s: cannot initialise libcurl", c->prov);
        return -1;
    }
    if (zt_http_prepare(h, c->url, timeout, ctimeout, ebuf, USER_AGENT) != 0)
        failed_setup = 1;
#define SET(opt, val) do { if (curl_easy_setopt(h, opt, val) != CURLE_OK) failed_setup = 1; } while (0)
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_POSTFIELDS, c->body);
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
    SET(CURLOPT_HTTPHEADER, c->headers);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, &c->resp);
    if (c->user) {
        SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        SET(CURLOPT_USERNAME, c->user);
        SET(CURLOPT_PASSWORD, c->pass ? c->pass : "");
    }
#undef SET
    if (failed_setup) {
        curl_easy_reset(h);
        set_err(cfg, err, errlen, "could not reach %s: libcurl refused an option", c->prov);
        return -1;
    }

    rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->status);
    curl_easy_reset(h);   /* drop copies of credentials and the error buffer pointer */

    if (rc != CURLE_OK) {
        lower_copy(lowered, sizeof lowered, ebuf[0] ? ebuf : curl_easy_strerror(rc));
        set_err(cfg, err, errlen, "could not reach %s: %s", c->prov, lowered);
        return -1;
    }
    return 0;
}

static json_object *parse_resp(const struct buf *b)
{
    if (!b->p || b->len == 0)
        return NULL;
    return json_tokener_parse(b->p);
}

static const char *get_str(json_object *o, const char *key)
{
    json_object *v;

    if (o && json_object_is_type(o, json_type_object) &&
        json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

/* Non-2xx: "twilio answered 400: A 'To' phone number is required. (code 21604)" */
static void answered_err(const struct zt_notify_cfg *cfg, const struct call *c, json_object *o,
                         char *err, size_t errlen)
{
    char detail[200];
    const char *m = get_str(o, "message");
    json_object *code;

    detail[0] = '\0';
    if (m)
        clean_copy(detail, sizeof detail, m);
    if (detail[0] && o && json_object_object_get_ex(o, "code", &code) && json_object_is_type(code, json_type_int)) {
        size_t l = strlen(detail);
        snprintf(detail + l, sizeof detail - l, " (code %d)", json_object_get_int(code));
    }
    if (detail[0])
        set_err(cfg, err, errlen, "%s answered %ld: %s", c->prov, c->status, detail);
    else
        set_err(cfg, err, errlen, "%s answered %ld", c->prov, c->status);
}

/* Runs the call and interprets the answer; id_key names the id field. */
static int run(const struct zt_notify_cfg *cfg, struct call *c, const char *id_key,
               char *provider_id, size_t provider_id_len, char *err, size_t errlen)
{
    json_object *o;
    int rc = -1;

    if (perform(cfg, c, err, errlen) != 0)
        return -1;
    if (c->resp.oom) {
        set_err(cfg, err, errlen, "%s answered %ld but the answer could not be read", c->prov, c->status);
        return -1;
    }
    o = parse_resp(&c->resp);
    if (c->status < 200 || c->status > 299) {
        answered_err(cfg, c, o, err, errlen);
    } else if (strcmp(c->prov, "gupshup") == 0 && get_str(o, "status") && strcmp(get_str(o, "status"), "error") == 0) {
        char detail[200];
        clean_copy(detail, sizeof detail, get_str(o, "message") ? get_str(o, "message") : "no reason given");
        set_err(cfg, err, errlen, "gupshup refused the message: %s", detail);
    } else {
        const char *id = get_str(o, id_key);
        char clean[128];
        clean_copy(clean, sizeof clean, id ? id : "");
        put_id(provider_id, provider_id_len, "", clean);
        rc = 0;
    }
    if (o)
        json_object_put(o);
    return rc;
}

/* "k=v" form field, escaped; appends '&' first if needed. */
static int form_add(CURL *h, struct buf *b, const char *k, const char *v)
{
    char *ev = curl_easy_escape(h, v, 0);
    int rc;

    if (!ev) {
        b->oom = 1;
        return -1;
    }
    rc = (b->len && buf_adds(b, "&") != 0) || buf_adds(b, k) != 0 || buf_adds(b, "=") != 0 ||
         buf_adds(b, ev) != 0;
    curl_free(ev);
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------------------ */
/* providers                                                                */
/* ------------------------------------------------------------------------ */

static int send_resend(const struct zt_notify_cfg *cfg, const struct zt_notify_msg *msg,
                       char *provider_id, size_t provider_id_len, char *err, size_t errlen)
{
    const char *base = or_default(cfg->resend_base, ZT_NOTIFY_RESEND_BASE);
    const char *from = or_default(cfg->email_from, ZT_NOTIFY_EMAIL_FROM);
    struct call c = { .prov = "resend" };
    json_object *o = NULL, *to;
    const char *body;
    char *url = NULL;
    int oom = 0, rc = -1;

    if (has_ctl(cfg->resend_key)) {
        set_err(cfg, err, errlen, "resend key contains control characters");
        return -1;
    }
    if (msg->idempotency_key && (msg->idempotency_key[0] == '\0' || strlen(msg->idempotency_key) > 256 ||
                                 has_ctl(msg->idempotency_key))) {
        set_err(cfg, err, errlen, "idempotency key must be 1-256 printable characters");
        return -1;
    }
    if (check_base(cfg, "resend", base, err, errlen) != 0)
        return -1;

    o = json_object_new_object();
    to = json_object_new_array();
    if (!o || !to) {
        json_object_put(to);
        goto oom;
    }
    json_object_object_add(o, "from", json_object_new_string(from));
    json_object_array_add(to, json_object_new_string(msg->to));
    json_object_object_add(o, "to", to);
    json_object_object_add(o, "subject", json_object_new_string(msg->subject));
    if (!empty(msg->text))
        json_object_object_add(o, "text", json_object_new_string(msg->text));
    if (!empty(msg->html))
        json_object_object_add(o, "html", json_object_new_string(msg->html));
    body = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    url = join_url(base, "/emails");
    if (!body || !url)
        goto oom;

    c.url = url;
    c.body = body;
    c.body_len = strlen(body);
    c.headers = add_header(c.headers, &oom, "Content-Type: application/json");
    c.headers = add_header(c.headers, &oom, "Accept: application/json");
    c.headers = add_header(c.headers, &oom, "Authorization: Bearer %s", cfg->resend_key);
    if (msg->idempotency_key)
        c.headers = add_header(c.headers, &oom, "Idempotency-Key: %s", msg->idempotency_key);
    c.headers = add_header(c.headers, &oom, "Expect:");
    if (oom)
        goto oom;
    rc = run(cfg, &c, "id", provider_id, provider_id_len, err, errlen);
    goto out;
oom:
    set_err(cfg, err, errlen, "could not reach resend: out of memory");
out:
    free_headers(c.headers);
    buf_free(&c.resp);
    free(url);
    if (o)
        json_object_put(o);
    return rc;
}

static int send_twilio(const struct zt_notify_cfg *cfg, const struct zt_notify_msg *msg,
                       char *provider_id, size_t provider_id_len, char *err, size_t errlen)
{
    const char *base = or_default(cfg->twilio_base, ZT_NOTIFY_TWILIO_BASE);
    struct call c = { .prov = "twilio" };
    struct buf form = { 0 }, path = { 0 };
    CURL *h = get_handle();
    char *esid = NULL, *url = NULL;
    int oom = 0, rc = -1;

    if (empty(cfg->twilio_sid) || empty(cfg->twilio_token) || empty(cfg->twilio_from)) {
        set_err(cfg, err, errlen, "twilio is not fully configured: %s is missing",
                empty(cfg->twilio_sid) ? "the account sid" : empty(cfg->twilio_token) ? "the auth token" : "the from number");
        return -1;
    }
    if (has_ctl(cfg->twilio_sid) || has_ctl(cfg->twilio_token)) {
        set_err(cfg, err, errlen, "twilio credentials contain control characters");
        return -1;
    }
    if (check_base(cfg, "twilio", base, err, errlen) != 0)
        return -1;
    if (!h) {
        set_err(cfg, err, errlen, "could not reach twilio: cannot initialise libcurl");
        return -1;
    }

    esid = curl_easy_escape(h, cfg->twilio_sid, 0);
    if (!esid)
        goto oom;
    if (buf_adds(&path, "/2010-04-01/Accounts/") != 0 || buf_adds(&path, esid) != 0 ||
        buf_adds(&path, "/Messages.json") != 0)
        goto oom;
    url = join_url(base, path.p);
    if (!url)
        goto oom;
    /* A Messaging Service SID ("MG…") goes in MessagingServiceSid, a number in From. */
    if (form_add(h, &form, "To", msg->to) ||
        form_add(h, &form, strncmp(cfg->twilio_from, "MG", 2) == 0 ? "MessagingServiceSid" : "From", cfg->twilio_from) ||
        form_add(h, &form, "Body", msg->text))
        goto oom;

    c.url = url;
    c.body = form.p;
    c.body_len = form.len;
    c.user = cfg->twilio_sid;
    c.pass = cfg->twilio_token;
    c.headers = add_header(c.headers, &oom, "Content-Type: application/x-www-form-urlencoded");
    c.headers = add_header(c.headers, &oom, "Accept: application/json");
    c.headers = add_header(c.headers, &oom, "Expect:");
    if (oom)
        goto oom;
    rc = run(cfg, &c, "sid", provider_id, provider_id_len, err, errlen);
    goto out;
oom:
    set_err(cfg, err, errlen, "could not reach twilio: out of memory");
out:
    free_headers(c.headers);
    buf_free(&c.resp);
    buf_free(&form);
    buf_free(&path);
    curl_free(esid);
    free(url);
    return rc;
}

static int send_gupshup(const struct zt_notify_cfg *cfg, const struct zt_notify_msg *msg,
                        char *provider_id, size_t provider_id_len, char *err, size_t errlen)
{
    const char *base = or_default(cfg->gupshup_base, ZT_NOTIFY_GUPSHUP_BASE);
    struct call c = { .prov = "gupshup" };
    struct buf form = { 0 };
    CURL *h = get_handle();
    json_object *m = NULL;
    const char *mjson, *src, *dst;
    char *url = NULL;
    int oom = 0, rc = -1;

    if (empty(cfg->gupshup_source) || empty(cfg->gupshup_app)) {
        set_err(cfg, err, errlen, "gupshup is not fully configured: %s is missing",
                empty(cfg->gupshup_source) ? "the source number" : "the app name");
        return -1;
    }
    if (has_ctl(cfg->gupshup_key)) {
        set_err(cfg, err, errlen, "gupshup key contains control characters");
        return -1;
    }
    if (check_base(cfg, "gupshup", base, err, errlen) != 0)
        return -1;
    if (!h) {
        set_err(cfg, err, errlen, "could not reach gupshup: cannot initialise libcurl");
        return -1;
    }
    /* Gupshup wants country code + number, without '+'. */
    src = cfg->gupshup_source[0] == '+' ? cfg->gupshup_source + 1 : cfg->gupshup_source;
    dst = msg->to[0] == '+' ? msg->to + 1 : msg->to;

    m = json_object_new_object();
    if (!m)
        goto oom;
    json_object_object_add(m, "type", json_object_new_string("text"));
    json_object_object_add(m, "text", json_object_new_string(msg->text));
    mjson = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    url = join_url(base, "/wa/api/v1/msg");
    if (!mjson || !url)
        goto oom;
    if (form_add(h, &form, "channel", "whatsapp") ||
        form_add(h, &form, "source", src) ||
        form_add(h, &form, "destination", dst) ||
        form_add(h, &form, "message", mjson) ||
        form_add(h, &form, "src.name", cfg->gupshup_app))
        goto oom;

    c.url = url;
    c.body = form.p;
    c.body_len = form.len;
    c.headers = add_header(c.headers, &oom, "apikey: %s", cfg->gupshup_key);
    c.headers = add_header(c.headers, &oom, "Content-Type: application/x-www-form-urlencoded");
    c.headers = add_header(c.headers, &oom, "Accept: application/json");
    c.headers = add_header(c.headers, &oom, "Cache-Control: no-cache");
    c.headers = add_header(c.headers, &oom, "Expect:");
    if (oom)
        goto oom;
    rc = run(cfg, &c, "messageId", provider_id, provider_id_len, err, errlen);
    goto out;
oom:
    set_err(cfg, err, errlen, "could not reach gupshup: out of memory");
out:
    free_headers(c.headers);
    buf_free(&c.resp);
    buf_free(&form);
    free(url);
    if (m)
        json_object_put(m);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* entry point                                                              */
/* ------------------------------------------------------------------------ */

int zt_notify_send(const struct zt_notify_cfg *cfg, const struct zt_notify_msg *msg,
                   char *provider_id, size_t provider_id_len, char *err, size_t errlen)
{
    const char *chan;

    if (provider_id && provider_id_len)
        provider_id[0] = '\0';
    if (err && errlen)
        err[0] = '\0';
    if (!cfg || !msg) {
        set_err(NULL, err, errlen, "no configuration or no message");
        return -1;
    }
    if (msg->channel != ZT_NOTIFY_EMAIL && msg->channel != ZT_NOTIFY_SMS && msg->channel != ZT_NOTIFY_WHATSAPP) {
        set_err(cfg, err, errlen, "unknown channel %d", (int)msg->channel);
        return -1;
    }
    chan = zt_notify_channel_name(msg->channel);
    if (empty(msg->to)) {
        set_err(cfg, err, errlen, "%s message has no recipient", chan);
        return -1;
    }
    if (msg->channel == ZT_NOTIFY_EMAIL) {
        if (!valid_email(msg->to)) {
            set_err(cfg, err, errlen, "email recipient is not an email address");
            return -1;
        }
        if (empty(msg->subject)) {
            set_err(cfg, err, errlen, "email message has no subject");
            return -1;
        }
        if (empty(msg->text) && empty(msg->html)) {
            set_err(cfg, err, errlen, "email message has no text and no html");
            return -1;
        }
    } else {
        if (!valid_e164(msg->to)) {
            set_err(cfg, err, errlen, "%s recipient is not an e.164 phone number", chan);
            return -1;
        }
        if (empty(msg->text)) {
            set_err(cfg, err, errlen, "%s message has no text", chan);
            return -1;
        }
    }

    switch (msg->channel) {
    case ZT_NOTIFY_EMAIL:
        if (empty(cfg->resend_key))
            return write_outbox(cfg, msg, provider_id, provider_id_len, err, errlen);
        return send_resend(cfg, msg, provider_id, provider_id_len, err, errlen);
    case ZT_NOTIFY_SMS:
        if (empty(cfg->twilio_sid) && empty(cfg->twilio_token))
            return write_outbox(cfg, msg, provider_id, provider_id_len, err, errlen);
        return send_twilio(cfg, msg, provider_id, provider_id_len, err, errlen);
    case ZT_NOTIFY_WHATSAPP:
        if (empty(cfg->gupshup_key))
            return write_outbox(cfg, msg, provider_id, provider_id_len, err, errlen);
        return send_gupshup(cfg, msg, provider_id, provider_id_len, err, errlen);
    }
    return -1;
}
