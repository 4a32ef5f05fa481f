/* Unit test of lib/zt_notify.c.  TAP-ish output, exit 0 = pass.
 *
 *   outbox path      no key -> file in outbox_dir, valid JSON, right fields
 *   error paths      unreachable provider, refused base URLs, bad input
 *   provider fakes   one message per channel through tests/fakes/providers.py:
 *                    $ZT_TEST_FAKES_URL if set (keys from ZT_RESEND_API_KEY,
 *                    ZT_TWILIO_ACCOUNT_SID, ZT_TWILIO_AUTH_TOKEN,
 *                    ZT_GUPSHUP_API_KEY or the fake's defaults), otherwise the
 *                    test starts the fake itself on a free port.
 *
 * Build:
 *   gcc -std=c11 -Wall -Wextra -Werror -Ilib -o test-notify \
 *       tests/unit/test-notify.c lib/zt_notify.c $(pkg-config --cflags --libs libcurl json-c)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "zt_http.h"
#include "zt_notify.h"
#include "zt_uuid.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

static int n_tests, n_failed;

static int ok(int cond, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int ok(int cond, const char *name, const char *fmt, ...)
{
    n_tests++;
    printf("%sok %d - %s\n", cond ? "" : "not ", n_tests, name);
    if (!cond) {
        n_failed++;
        if (fmt) {
            va_list ap;
            printf("#   ");
            va_start(ap, fmt);
            vprintf(fmt, ap);
            va_end(ap);
            printf("\n");
        }
    }
    fflush(stdout);
    return cond;
}

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void diag(const char *fmt, ...)
{
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static int starts_with(const char *s, const char *p)
{
    return s && strncmp(s, p, strlen(p)) == 0;
}

static int is_hex(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!s[i] || !strchr("0123456789abcdef", s[i]))
            return 0;
    return 1;
}

/* A UUID in canonical (lowercase) form. */
static int looks_uuid(const char *s)
{
    return zt_is_uuid(s) && strspn(s, "0123456789abcdef-") == ZT_UUID_LEN;
}

static const char *jstr(json_object *o, const char *k)
{
    json_object *v;
    if (o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

static int jnull(json_object *o, const char *k)
{
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) && v == NULL;
}

static int streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* --------------------------------------------------------------------- */
/* small HTTP client for the fake's control endpoints                    */
/* --------------------------------------------------------------------- */

struct resp {
    char *p;
    size_t len;
};

static size_t collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct resp *r = ud;
    size_t n = size * nmemb;
    char *q = realloc(r->p, r->len + n + 1);
    if (!q)
        return 0;
    memcpy(q + r->len, ptr, n);
    r->p = q;
    r->len += n;
    r->p[r->len] = '\0';
    return n;
}

/* Returns parsed JSON (caller puts) or NULL; *status gets the HTTP status. */
static json_object *http_json(const char *method, const char *url, const char *body, long *status)
{
    CURL *h = curl_easy_init();
    struct resp r = { 0 };
    struct curl_slist *hd = NULL;
    json_object *o = NULL;
    long st = 0;

    if (!h)
        return NULL;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    if (body) {
        hd = curl_slist_append(hd, "Content-Type: application/json");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    }
    if (curl_easy_perform(h) == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
        if (r.p)
            o = json_tokener_parse(r.p);
    }
    if (status)
        *status = st;
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    free(r.p);
    return o;
}

/* GET /_fake/messages?provider=P&to=T (T escaped). */
static json_object *fake_messages(const char *base, const char *provider, const char *to)
{
    char url[1024];
    char *e = curl_easy_escape(NULL, to, 0);
    json_object *o;

    snprintf(url, sizeof url, "%s/_fake/messages?provider=%s&to=%s", base, provider, e ? e : "");
    curl_free(e);
    o = http_json("GET", url, NULL, NULL);
    if (o && !json_object_is_type(o, json_type_array)) {
        json_object_put(o);
        o = NULL;
    }
    return o;
}

/* --------------------------------------------------------------------- */
/* starting the fake                                                     */
/* --------------------------------------------------------------------- */

static pid_t fake_pid = -1;
static char fake_dir[256];

static void stop_fake(void)
{
    char p[512];
    if (fake_pid > 0) {
        kill(fake_pid, SIGTERM);
        for (int i = 0; i < 50; i++) {
            if (waitpid(fake_pid, NULL, WNOHANG) == fake_pid) {
                fake_pid = -1;
                break;
            }
            usleep(100 * 1000);
        }
        if (fake_pid > 0) {
            kill(fake_pid, SIGKILL);
            waitpid(fake_pid, NULL, 0);
            fake_pid = -1;
        }
    }
    if (fake_dir[0]) {
        snprintf(p, sizeof p, "%s/port", fake_dir);
        unlink(p);
        snprintf(p, sizeof p, "%s/messages.log", fake_dir);
        unlink(p);
        rmdir(fake_dir);
        fake_dir[0] = '\0';
    }
}

static void on_signal(int sig)
{
    stop_fake();
    signal(sig, SIG_DFL);
    raise(sig);
}

static const char *find_script(char *buf, size_t len)
{
    const char *srcdir = getenv("srcdir");
    const char *cands[] = { "tests/fakes/providers.py", "fakes/providers.py", "../fakes/providers.py",
                            "../tests/fakes/providers.py", "../../tests/fakes/providers.py" };
    size_t i;

    if (srcdir && *srcdir) {
        for (i = 0; i < sizeof cands / sizeof cands[0]; i++) {
            snprintf(buf, len, "%s/%s", srcdir, cands[i]);
            if (access(buf, R_OK) == 0)
                return buf;
        }
    }
    for (i = 0; i < sizeof cands / sizeof cands[0]; i++) {
        snprintf(buf, len, "%s", cands[i]);
        if (access(buf, R_OK) == 0)
            return buf;
    }
    return NULL;
}

/* Starts providers.py on a free port; fills base. 0 on success. */
static int start_fake(char *base, size_t baselen)
{
    char script[1024], portfile[512], line[64];
    int pfd[2];
    size_t got = 0;
    FILE *f;
    int port = 0;

    if (!find_script(script, sizeof script)) {
        diag("cannot find tests/fakes/providers.py (set srcdir or run from the checkout)");
        return -1;
    }
    snprintf(fake_dir, sizeof fake_dir, "/tmp/zt-test-notify-fake.XXXXXX");
    if (!mkdtemp(fake_dir)) {
        fake_dir[0] = '\0';
        return -1;
    }
    snprintf(portfile, sizeof portfile, "%s/port", fake_dir);
    if (pipe(pfd) != 0)
        return -1;
    fflush(stdout);
    fake_pid = fork();
    if (fake_pid < 0)
        return -1;
    if (fake_pid == 0) {
        char logfile[512];
        int devnull = open("/dev/null", O_RDONLY);
        snprintf(logfile, sizeof logfile, "%s/messages.log", fake_dir);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        execl("/usr/bin/python3", "python3", script, "--port", "0", "--host", "127.0.0.1",
              "--port-file", portfile, "--log", logfile,
              "--resend-key", "re_test_key", "--twilio-sid", "ACtest",
              "--twilio-token", "twilio_test_token", "--gupshup-key", "gupshup_test_key", (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    atexit(stop_fake);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    /* wait for "ready" (15 s) */
    for (;;) {
        struct pollfd p = { .fd = pfd[0], .events = POLLIN };
        ssize_t n;
        if (poll(&p, 1, 15000) <= 0) {
            diag("fake did not print ready within 15 s");
            close(pfd[0]);
            return -1;
        }
        n = read(pfd[0], line + got, sizeof line - 1 - got);
        if (n <= 0) {
            diag("fake exited before ready");
            close(pfd[0]);
            return -1;
        }
        got += (size_t)n;
        line[got] = '\0';
        if (strstr(line, "ready\n"))
            break;
        if (got >= sizeof line - 1) {
            diag("unexpected output from fake: %s", line);
            close(pfd[0]);
            return -1;
        }
    }
    close(pfd[0]);   /* the fake prints nothing else */
    f = fopen(portfile, "r");
    if (!f || fscanf(f, "%d", &port) != 1 || port <= 0) {
        if (f)
            fclose(f);
        diag("could not read the fake's port file");
        return -1;
    }
    fclose(f);
    snprintf(base, baselen, "http://127.0.0.1:%d", port);
    return 0;
}

/* --------------------------------------------------------------------- */
/* outbox                                                                */
/* --------------------------------------------------------------------- */

static json_object *read_json_file(const char *path)
{
    return json_object_from_file(path);
}

static void test_outbox(void)
{
    char dir[] = "/tmp/zt-test-notify-outbox.XXXXXX";
    char id[256], err[512], path[1024];
    struct zt_notify_cfg cfg = { 0 };
    struct zt_notify_msg m = { 0 };
    struct stat sb;
    json_object *o;
    int rc;

    if (!mkdtemp(dir)) {
        ok(0, "outbox: mkdtemp", "%s", strerror(errno));
        return;
    }
    cfg.outbox_dir = dir;
    cfg.timeout_ms = 2000;

    /* email */
    m.channel = ZT_NOTIFY_EMAIL;
    m.to = "buyer@example.com";
    m.subject = "Your tickets \"now\"";
    m.text = "Line 1\nLine 2 & <b>é</b> / done";
    m.html = "<p>Hello</p>";
    m.idempotency_key = "booking-42";
    /* a file: binary bytes (NUL, high bit) go as base64 */
    static const unsigned char pdf[] = { '%', 'P', 'D', 'F', 0, 0xff, 0x80, '\n' };
    const struct zt_notify_attachment att = { "ztic-0f0e0d0c.pdf", "application/pdf", pdf, sizeof pdf };
    m.attachments = &att;
    m.nattachments = 1;
    rc = zt_notify_send(&cfg, &m, id, sizeof id, err, sizeof err);
    ok(rc == 0, "outbox: email without resend key succeeds", "rc=%d err=%s", rc, err);
    ok(starts_with(id, "outbox:"), "outbox: provider_id is outbox:<file>", "id=%s", id);
    {
        const char *name = id + 7;
        const char *dash = strchr(name, '-');
        int shape = dash && dash > name && starts_with(dash, "-email-") && strlen(dash + 7) == 16 + 5 &&
                    is_hex(dash + 7, 16) && streq(dash + 7 + 16, ".json");
        for (const char *q = name; shape && q < dash; q++)
            shape = *q >= '0' && *q <= '9';
        ok(shape, "outbox: file name is <unix-ms>-email-<16 hex>.json", "name=%s", name);
    }
    snprintf(path, sizeof path, "%s/%s", dir, id + 7);
    ok(stat(path, &sb) == 0 && S_ISREG(sb.st_mode), "outbox: email file exists", "%s", path);
    ok((sb.st_mode & 0777) == 0640, "outbox: file mode is 0640", "mode=%o", (unsigned)(sb.st_mode & 0777));
    o = read_json_file(path);
    ok(o != NULL && json_object_is_type(o, json_type_object), "outbox: email file is valid JSON", NULL);
    ok(streq(jstr(o, "channel"), "email") && streq(jstr(o, "to"), m.to) && streq(jstr(o, "subject"), m.subject) &&
       streq(jstr(o, "text"), m.text) && streq(jstr(o, "html"), m.html),
       "outbox: email fields channel/to/subject/text/html", "json=%s", o ? json_object_to_json_string(o) : "-");
    {
        json_object *files = NULL, *f0;
        json_object_object_get_ex(o, "attachments", &files);
        f0 = files && json_object_array_length(files) == 1 ? json_object_array_get_idx(files, 0) : NULL;
        ok(f0 && streq(jstr(f0, "filename"), "ztic-0f0e0d0c.pdf") && streq(jstr(f0, "content"), "JVBERgD/gAo="),
           "outbox: email attachments [{filename, content base64}]", "json=%s", o ? json_object_to_json_string(o) : "-");
    }
    {
        const char *c = jstr(o, "created_at");
        ok(c && strlen(c) == 24 && c[10] == 'T' && c[23] == 'Z', "outbox: created_at is ISO-8601 UTC with ms",
           "created_at=%s", c ? c : "(none)");
    }
    json_object_put(o);

    /* sms */
    memset(&m, 0, sizeof m);
    m.channel = ZT_NOTIFY_SMS;
    m.to = "+919876543210";
    m.text = "Your code is 123456";
    rc = zt_notify_send(&cfg, &m, id, sizeof id, err, sizeof err);
    ok(rc == 0 && strstr(id, "-sms-"), "outbox: sms without twilio credentials", "rc=%d id=%s err=%s", rc, id, err);
    snprintf(path, sizeof path, "%s/%s", dir, id + 7);
    o = read_json_file(path);
    ok(o && streq(jstr(o, "channel"), "sms") && streq(jstr(o, "to"), m.to) && streq(jstr(o, "text"), m.text) &&
       jnull(o, "subject") && jnull(o, "html"),
       "outbox: sms fields (subject/html null)", "json=%s", o ? json_object_to_json_string(o) : "-");
    json_object_put(o);

    /* whatsapp */
    m.channel = ZT_NOTIFY_WHATSAPP;
    m.text = "Your tickets: https://ztic.example/t/abc";
    rc = zt_notify_send(&cfg, &m, id, sizeof id, err, sizeof err);
    ok(rc == 0 && strstr(id, "-whatsapp-"), "outbox: whatsapp without gupshup key", "rc=%d id=%s err=%s", rc, id,
       err);
    snprintf(path, sizeof path, "%s/%s", dir, id + 7);
    o = read_json_file(path);
    ok(o && streq(jstr(o, "channel"), "whatsapp") && streq(jstr(o, "text"), m.text), "outbox: whatsapp fields",
       "json=%s", o ? json_object_to_json_string(o) : "-");
    json_object_put(o);

    /* directory holds exactly the three finished files, no temp files */
    {
        DIR *d = opendir(dir);
        struct dirent *de;
        int files = 0, hidden = 0;
        while (d && (de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            if (de->d_name[0] == '.')
                hidden++;
            else
                files++;
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            unlink(path);
        }
        if (d)
            closedir(d);
        ok(files == 3 && hidden == 0, "outbox: three files, no temp files left", "files=%d temp=%d", files, hidden);
    }

    /* a provider_id buffer that is too small is truncated, not overrun */
    {
        char small[10];
        memset(small, 'X', sizeof small);
        rc = zt_notify_send(&cfg, &m, small, 8, err, sizeof err);
        ok(rc == 0 && strlen(small) == 7 && small[8] == 'X', "outbox: short provider_id buffer is truncated safely",
           "rc=%d", rc);
        DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || de->d_name[1] == '.'))
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            unlink(path);
        }
        if (d)
            closedir(d);
    }

    /* outbox dir missing */
    cfg.outbox_dir = "/nonexistent/zt-outbox";
    rc = zt_notify_send(&cfg, &m, id, sizeof id, err, sizeof err);
    ok(rc == -1 && strstr(err, "outbox"), "outbox: unwritable directory is an error", "rc=%d err=%s", rc, err);
    cfg.outbox_dir = NULL;
    rc = zt_notify_send(&cfg, &m, id, sizeof id, err, sizeof err);
    ok(rc == -1 && strstr(err, "no outbox directory"), "outbox: no key and no outbox_dir is an error",
       "rc=%d err=%s", rc, err);
    rmdir(dir);
}

/* --------------------------------------------------------------------- */
/* input validation and error paths without a server                     */
/* --------------------------------------------------------------------- */

#define S_RESEND "re_SECRET_resend_9f8e7d"
#define S_TWILIO "twilio_SECRET_token_6c5b4a"
#define S_GUPSHUP "gupshup_SECRET_key_3a2b1c"

static int has_secret(const char *err)
{
    return strstr(err, S_RESEND) || strstr(err, S_TWILIO) || strstr(err, S_GUPSHUP);
}

static void test_errors(void)
{
    struct zt_notify_cfg cfg = {
        .outbox_dir = "/tmp",
        .resend_key = S_RESEND, .resend_base = "http://127.0.0.1:1", .email_from = "ztic <no-reply@ztic.in>",
        .twilio_sid = "ACunreach", .twilio_token = S_TWILIO, .twilio_from = "+15005550006",
        .twilio_base = "http://127.0.0.1:1",
        .gupshup_key = S_GUPSHUP, .gupshup_source = "917834811114", .gupshup_app = "ztic",
        .gupshup_base = "http://127.0.0.1:1/",
        .timeout_ms = 2000,
    };
    struct zt_notify_msg email = { ZT_NOTIFY_EMAIL, "a@example.com", "Hi", "Hello", NULL, NULL, NULL, 0 };
    struct zt_notify_msg sms = { ZT_NOTIFY_SMS, "+919876543210", NULL, "Hello", NULL, NULL, NULL, 0 };
    struct zt_notify_msg wa = { ZT_NOTIFY_WHATSAPP, "+919876543210", NULL, "Hello", NULL, NULL, NULL, 0 };
    char id[128], err[512];
    int rc;

    rc = zt_notify_send(&cfg, &email, id, sizeof id, err, sizeof err);
    ok(rc == -1 && starts_with(err, "could not reach resend: ") && !has_secret(err),
       "unreachable resend: -1, names provider, no secret", "rc=%d err=%s", rc, err);
    diag("err: %s", err);
    rc = zt_notify_send(&cfg, &sms, id, sizeof id, err, sizeof err);
    ok(rc == -1 && starts_with(err, "could not reach twilio: ") && !has_secret(err),
       "unreachable twilio: -1, names provider, no secret", "rc=%d err=%s", rc, err);
    rc = zt_notify_send(&cfg, &wa, id, sizeof id, err, sizeof err);
    ok(rc == -1 && starts_with(err, "could not reach gupshup: ") && !has_secret(err),
       "unreachable gupshup: -1, names provider, no secret", "rc=%d err=%s", rc, err);
    ok(id[0] == '\0', "failure leaves provider_id empty", "id=%s", id);

    /* NULL err / provider_id are allowed */
    rc = zt_notify_send(&cfg, &sms, NULL, 0, NULL, 0);
    ok(rc == -1, "NULL provider_id and err buffers are accepted", NULL);

    /* base URL policy */
    cfg.twilio_base = "http://api.twilio.example";
    rc = zt_notify_send(&cfg, &sms, id, sizeof id, err, sizeof err);
    ok(rc == -1 && strstr(err, "refusing plain http") && strstr(err, "twilio"),
       "plain http to a non-loopback host is refused", "err=%s", err);
    cfg.twilio_base = "ftp://127.0.0.1:1";
    rc = zt_notify_send(&cfg, &sms, id, sizeof id, err, sizeof err);
    ok(rc == -1 && strstr(err, "must be https"), "non-http(s) base url is refused", "err=%s", err);
    cfg.twilio_base = "http://127.0.0.1:1";

    /* half-configured channels are errors, not silent outbox writes */
    cfg.twilio_sid = NULL;
    rc = zt_notify_send(&cfg, &sms, id, sizeof id, err, sizeof err);
    ok(rc == -1 && strstr(err, "twilio is not fully configured") && !has_secret(err),
       "twilio token without sid is a config error", "err=%s", err);
    cfg.twilio_sid = "ACunreach";
    cfg.gupshup_app = "";
    rc = zt_notify_send(&cfg, &wa, id, sizeof id, err, sizeof err);
    ok(rc == -1 && strstr(err, "gupshup is not fully configured"), "gupshup key without app name is a config error",
       "err=%s", err);
    cfg.gupshup_app = "ztic";

    /* message validation */
    {
        struct zt_notify_msg bad = email;
        bad.subject = "";
        rc = zt_notify_send(&cfg, &bad, id, sizeof id, err, sizeof err);
        ok(rc == -1 && strstr(err, "subject"), "email without subject is refused", "err=%s", err);
        bad = email;
        bad.to = "not-an-email";
        rc = zt_notify_send(&cfg, &bad, id, sizeof id, err, sizeof err);
        ok(rc == -1 && strstr(err, "email"), "email to a non-address is refused", "err=%s", err);
        bad = sms;
        bad.to = "9876543210";
        rc = zt_notify_send(&cfg, &bad, id, sizeof id, err, sizeof err);
        ok(rc == -1 && strstr(err, "e.164"), "sms to a non-E.164 number is refused", "err=%s", err);
        bad = wa;
        bad.text = NULL;
        rc = zt_notify_send(&cfg, &bad, id, sizeof id, err, sizeof err);
        ok(rc == -1 && strstr(err, "no text"), "whatsapp without text is refused", "err=%s", err);
        bad = email;
        bad.idempotency_key = "bad\r\nX-Injected: 1";
        rc = zt_notify_send(&cfg, &bad, id, sizeof id, err, sizeof err);
        ok(rc == -1 && strstr(err, "idempotency key"), "idempotency key with CR/LF is refused", "err=%s", err);
        bad = email;
        bad.channel = (enum zt_notify_channel)42;
        rc = zt_notify_send(&cfg, &bad, id, sizeof id, err, sizeof err);
        ok(rc == -1 && strstr(err, "unknown channel"), "unknown channel is refused", "err=%s", err);
    }
    ok(strcmp(zt_notify_channel_name(ZT_NOTIFY_WHATSAPP), "whatsapp") == 0, "zt_notify_channel_name", NULL);
}

/* --------------------------------------------------------------------- */
/* against the provider fakes                                            */
/* --------------------------------------------------------------------- */

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

static json_object *only_message(const char *base, const char *provider, const char *to, int *count)
{
    json_object *arr = fake_messages(base, provider, to), *m = NULL;
    *count = arr ? (int)json_object_array_length(arr) : -1;
    if (arr && *count >= 1)
        m = json_object_get(json_object_array_get_idx(arr, (size_t)*count - 1));
    json_object_put(arr);
    return m;
}

static void test_fakes(const char *base)
{
    unsigned char rnd[4];
    char tag[16], email_to[64], phone[20], ikey[64], id[128], id2[128], err[512], url[1024];
    struct zt_notify_cfg cfg = {
        .outbox_dir = NULL,   /* must never be used here */
        .resend_key = env_or("ZT_RESEND_API_KEY", "re_test_key"),
        .resend_base = base,
        .email_from = "ztic <no-reply@ztic.in>",
        .twilio_sid = env_or("ZT_TWILIO_ACCOUNT_SID", "ACtest"),
        .twilio_token = env_or("ZT_TWILIO_AUTH_TOKEN", "twilio_test_token"),
        .twilio_from = "+15005550006",
        .twilio_base = base,
        .gupshup_key = env_or("ZT_GUPSHUP_API_KEY", "gupshup_test_key"),
        .gupshup_source = "+917834811114",
        .gupshup_app = "ztic",
        .gupshup_base = base,
        .timeout_ms = 5000,
    };
    const char *tricky = "Hi & welcome = 100% \"ztic\" + ü\nline two";
    struct zt_notify_msg m;
    json_object *rec, *o;
    long st;
    int rc, count;

    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        memset(rnd, 7, sizeof rnd);
    snprintf(tag, sizeof tag, "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
    snprintf(email_to, sizeof email_to, "t-%s@example.com", tag);
    /* +91 98 + 8 digits derived from the tag: unique recipient per run */
    snprintf(phone, sizeof phone, "+9198%08u",
             (unsigned)(((unsigned)rnd[0] << 24 | (unsigned)rnd[1] << 16 | (unsigned)rnd[2] << 8 | rnd[3]) % 100000000u));
    snprintf(ikey, sizeof ikey, "test-notify-%s", tag);

    o = http_json("GET", (snprintf(url, sizeof url, "%s/_fake/health", base), url), NULL, &st);
    ok(st == 200, "fake: health endpoint answers", "status=%ld", st);
    json_object_put(o);

    /* email through Resend */
    memset(&m, 0, sizeof m);
    m.channel = ZT_NOTIFY_EMAIL;
    m.to = email_to;
    m.subject = "Your ztic tickets";
    m.text = tricky;
    m.html = "<p>Hi &amp; welcome</p>";
    m.idempotency_key = ikey;
    rc = zt_notify_send(&cfg, &m, id, sizeof id, err, sizeof err);
    ok(rc == 0 && looks_uuid(id), "resend: email accepted, id is a uuid", "rc=%d id=%s err=%s", rc, id, err);
    rec = only_message(base, "resend", email_to, &count);
    ok(count == 1 && streq(jstr(rec, "id"), id) && streq(jstr(rec, "subject"), m.subject) &&
       streq(jstr(rec, "text"), tricky) && streq(jstr(rec, "html"), m.html) &&
       streq(jstr(rec, "from"), cfg.email_from),
       "resend: fake recorded the email with exact subject/text/html/from", "count=%d rec=%s", count,
       rec ? json_object_to_json_string(rec) : "-");
    {
        json_object *hd = NULL;
        json_object_object_get_ex(rec, "headers", &hd);
        ok(streq(jstr(hd, "idempotency-key"), ikey), "resend: Idempotency-Key header sent", "headers=%s",
           hd ? json_object_to_json_string(hd) : "-");
    }
    json_object_put(rec);
    rc = zt_notify_send(&cfg, &m, id2, sizeof id2, err, sizeof err);
    rec = only_message(base, "resend", email_to, &count);
    ok(rc == 0 && streq(id, id2) && count == 1, "resend: same idempotency key -> same id, no second email",
       "rc=%d id=%s id2=%s count=%d err=%s", rc, id, id2, count, err);
    json_object_put(rec);
    {
        struct zt_notify_msg m2 = m;
        m2.text = "different body";
        rc = zt_notify_send(&cfg, &m2, id2, sizeof id2, err, sizeof err);
        ok(rc == -1 && starts_with(err, "resend answered 409"), "resend: same key, different body -> 409",
           "rc=%d err=%s", rc, err);
    }

    /* an email with a file: Resend's attachments [{filename, content}] */
    {
        static const unsigned char pdf[] = { '%', 'P', 'D', 'F', 0, 0xff, 0x80, '\n' };
        const struct zt_notify_attachment att = { "ztic-0f0e0d0c.pdf", "application/pdf", pdf, sizeof pdf };
        char to2[96];
        json_object *files = NULL, *f0;
        snprintf(to2, sizeof to2, "att-%s", email_to);
        memset(&m, 0, sizeof m);
        m.channel = ZT_NOTIFY_EMAIL;
        m.to = to2;
        m.subject = "Your tickets";
        m.text = "attached";
        m.attachments = &att;
        m.nattachments = 1;
        rc = zt_notify_send(&cfg, &m, id, sizeof id, err, sizeof err);
        rec = only_message(base, "resend", to2, &count);
        json_object_object_get_ex(rec, "attachments", &files);
        f0 = files && json_object_array_length(files) == 1 ? json_object_array_get_idx(files, 0) : NULL;
        ok(rc == 0 && count == 1 && f0 && streq(jstr(f0, "filename"), att.filename) &&
           streq(jstr(f0, "content"), "JVBERgD/gAo="),
           "resend: the fake recorded the attachment's name and base64 content", "rc=%d err=%s rec=%s", rc, err,
           rec ? json_object_to_json_string(rec) : "-");
        json_object_put(rec);
    }

    /* sms through Twilio */
    memset(&m, 0, sizeof m);
    m.channel = ZT_NOTIFY_SMS;
    m.to = phone;
    m.text = tricky;
    rc = zt_notify_send(&cfg, &m, id, sizeof id, err, sizeof err);
    ok(rc == 0 && starts_with(id, "SM") && strlen(id) == 34 && is_hex(id + 2, 32),
       "twilio: sms accepted, sid is SM + 32 hex", "rc=%d id=%s err=%s", rc, id, err);
    rec = only_message(base, "twilio", phone, &count);
    ok(count == 1 && streq(jstr(rec, "id"), id) && streq(jstr(rec, "to"), phone) && streq(jstr(rec, "body"), tricky) &&
       streq(jstr(rec, "from"), cfg.twilio_from),
       "twilio: fake recorded the sms with exact To/From/Body", "count=%d rec=%s", count,
       rec ? json_object_to_json_string(rec) : "-");
    json_object_put(rec);

    /* whatsapp through Gupshup */
    m.channel = ZT_NOTIFY_WHATSAPP;
    rc = zt_notify_send(&cfg, &m, id, sizeof id, err, sizeof err);
    ok(rc == 0 && looks_uuid(id), "gupshup: whatsapp accepted, messageId is a uuid", "rc=%d id=%s err=%s", rc, id,
       err);
    rec = only_message(base, "gupshup", phone, &count);
    ok(count == 1 && streq(jstr(rec, "id"), id) && streq(jstr(rec, "to"), phone + 1) &&
       streq(jstr(rec, "source"), "917834811114") && streq(jstr(rec, "src_name"), "ztic") &&
       streq(jstr(rec, "message_type"), "text") && streq(jstr(rec, "text"), tricky),
       "gupshup: fake recorded destination without '+', source, src.name, text", "count=%d rec=%s", count,
       rec ? json_object_to_json_string(rec) : "-");
    json_object_put(rec);

    /* wrong credentials: provider status in err, no secret */
    {
        struct zt_notify_cfg bad = cfg;
        struct zt_notify_msg e = { ZT_NOTIFY_EMAIL, email_to, "x", "x", NULL, NULL, NULL, 0 };
        bad.resend_key = S_RESEND;
        bad.twilio_token = S_TWILIO;
        bad.gupshup_key = S_GUPSHUP;
        rc = zt_notify_send(&bad, &e, id, sizeof id, err, sizeof err);
        ok(rc == -1 && starts_with(err, "resend answered 403") && !has_secret(err),
           "resend: wrong key -> 'resend answered 403', no secret", "rc=%d err=%s", rc, err);
        diag("err: %s", err);
        rc = zt_notify_send(&bad, &m, id, sizeof id, err, sizeof err);  /* m is whatsapp */
        ok(rc == -1 && starts_with(err, "gupshup answered 401") && !has_secret(err),
           "gupshup: wrong key -> 'gupshup answered 401', no secret", "rc=%d err=%s", rc, err);
        m.channel = ZT_NOTIFY_SMS;
        rc = zt_notify_send(&bad, &m, id, sizeof id, err, sizeof err);
        ok(rc == -1 && starts_with(err, "twilio answered 401") && strstr(err, "20003") && !has_secret(err),
           "twilio: wrong token -> 'twilio answered 401 ... (code 20003)', no secret", "rc=%d err=%s", rc, err);
        diag("err: %s", err);
    }
    snprintf(url, sizeof url, "%s/_fake/rejected?provider=twilio", base);
    o = http_json("GET", url, NULL, &st);
    {
        int found = 0;
        size_t n = o && json_object_is_type(o, json_type_array) ? json_object_array_length(o) : 0;
        for (size_t i = 0; i < n; i++) {
            json_object *r = json_object_array_get_idx(o, i);
            const char *reason = jstr(r, "reason");
            if (reason && strstr(reason, "invalid credentials"))
                found = 1;
        }
        ok(found, "fake: /_fake/rejected explains the refused twilio call", "rejected=%s",
           o ? json_object_to_json_string(o) : "-");
    }
    json_object_put(o);

    /* injected provider failure */
    snprintf(url, sizeof url, "%s/_fake/fail", base);
    o = http_json("POST", url, "{\"provider\":\"twilio\",\"status\":500,\"count\":1}", &st);
    json_object_put(o);
    rc = zt_notify_send(&cfg, &m, id, sizeof id, err, sizeof err);
    ok(st == 200 && rc == -1 && starts_with(err, "twilio answered 500"), "twilio: injected 500 -> -1 'twilio answered 500'",
       "st=%ld rc=%d err=%s", st, rc, err);
    rc = zt_notify_send(&cfg, &m, id, sizeof id, err, sizeof err);
    ok(rc == 0, "twilio: next call after the injected failure succeeds (handle reused)", "rc=%d err=%s", rc, err);

    /* timeout */
    o = http_json("POST", url, "{\"provider\":\"gupshup\",\"status\":0,\"delay_ms\":1500,\"count\":1}", &st);
    json_object_put(o);
    {
        struct zt_notify_cfg quick = cfg;
        struct timespec t0, t1;
        long ms;
        quick.timeout_ms = 300;
        m.channel = ZT_NOTIFY_WHATSAPP;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = zt_notify_send(&quick, &m, id, sizeof id, err, sizeof err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        ok(rc == -1 && starts_with(err, "could not reach gupshup: ") && strstr(err, "timed out") && ms < 1200,
           "gupshup: slow provider -> timeout after timeout_ms", "rc=%d ms=%ld err=%s", rc, ms, err);
    }
    rc = zt_notify_send(&cfg, &m, id, sizeof id, err, sizeof err);
    ok(rc == 0, "gupshup: works again after a timeout", "rc=%d err=%s", rc, err);
}

int main(void)
{
    const char *fakes = getenv("ZT_TEST_FAKES_URL");
    char base[256];

    setvbuf(stdout, NULL, _IOLBF, 0);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    test_outbox();
    test_errors();

    if (fakes && *fakes) {
        diag("using provider fakes at %s", fakes);
        snprintf(base, sizeof base, "%s", fakes);
        test_fakes(base);
    } else if (start_fake(base, sizeof base) == 0) {
        diag("started provider fakes at %s", base);
        test_fakes(base);
        stop_fake();
    } else {
        ok(0, "start tests/fakes/providers.py", "could not start the fake (see above)");
    }

    zt_http_cleanup();
    curl_global_cleanup();
    printf("1..%d\n", n_tests);
    if (n_failed)
        printf("# %d of %d failed\n", n_failed, n_tests);
    return n_failed ? 1 : 0;
}
