/*
 * compare.c - measure Debian's HTML parsers for sekisho's HTML-to-text step.
 *
 * Every parser feeds the same visitor (element start/end, text, comment), which
 * collects the visible text (collapsing whitespace, skipping <script>/<style>,
 * breaking lines at block elements) into a buffer, and counts text bytes,
 * elements, comments and the deepest element nesting it saw.  Tree parsers are
 * walked iteratively (no recursion) so the walker itself never limits depth.
 *
 * Parsers (-p):
 *   gumbo   gumbo_parse_with_options() + tree walk            (libgumbo 0.10.1)
 *   lxsax   libxml2 htmlCreatePushParserCtxt/htmlParseChunk, SAX callbacks only,
 *           no tree                                           (libxml2 2.9.14)
 *   lxtree  libxml2 htmlReadMemory() + tree walk
 *   tidy    tidyParseBuffer() + tree walk                     (libtidy 5.6.0)
 *
 * usage: compare -p PARSER [-n ITER] [-c CHUNK] [-H] [-E MAXERR] [-u] [-t|-x] [-f LIST] [FILE...]
 *   -n ITER   parse every file ITER times (default 1); timing covers all of them
 *   -c CHUNK  lxsax: bytes per htmlParseChunk call (default 65536)
 *   -H        libxml2: add XML_PARSE_HUGE (lifts the 256-deep tree limit)
 *   -E N      gumbo: GumboOptions.max_errors (default -1 = unlimited)
 *   -u        input is UTF-8 already (as sekisho feeds it after MIME charset
 *             decoding): libxml2 gets "UTF-8" + HTML_PARSE_IGNORE_ENC; gumbo and
 *             tidy always read UTF-8
 *   -t        print the rendered text of each file (one iteration)
 *   -x        print the event trace of each file (one iteration)
 *   -f LIST   read file names, one a line, from LIST
 * Prints one summary line: parser files bytes iters seconds MB/s (over all
 * iterations) bestMBps (fastest single iteration) text (bytes the visitor saw)
 * out (rendered bytes) elements comments maxdepth rss_before_kB maxrss_kB.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include <gumbo.h>
#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <tidy/tidy.h>
#include <tidy/tidybuffio.h>

/* ------------------------------------------------------------------ visitor */

typedef struct {
    char *buf;
    size_t len, cap;
    size_t text_bytes, elements, comments;
    long depth, maxdepth;
    int skip;          /* >0 inside <script>/<style> */
    int pre;           /* >0 inside <pre> */
    int space;         /* last byte emitted was whitespace */
    int mode;          /* 0 count, 't' render, 'x' trace */
} Vis;

static void out(Vis *v, const char *s, size_t n)
{
    if (v->len + n + 1 > v->cap) {
        size_t c = v->cap ? v->cap : 4096;
        while (c < v->len + n + 1)
            c *= 2;
        char *p = realloc(v->buf, c);
        if (!p) {
            perror("realloc");
            exit(3);
        }
        v->buf = p;
        v->cap = c;
    }
    memcpy(v->buf + v->len, s, n);
    v->len += n;
}

static void linebreak(Vis *v, const char *s)
{
    /* drop trailing space before a line break */
    while (v->len && v->buf[v->len - 1] == ' ')
        v->len--;
    out(v, s, strlen(s));
    v->space = 1;
}

static int is_block(const char *n)
{
    static const char *b[] = {"p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                              "table", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd",
                              "hr", "title", "address", "center", "form", "section",
                              "article", "header", "footer", NULL};
    for (int i = 0; b[i]; i++)
        if (!strcasecmp(n, b[i]))
            return 1;
    return 0;
}

static int is_hidden(const char *n)
{
    return !strcasecmp(n, "script") || !strcasecmp(n, "style");
}

static void v_reset(Vis *v)
{
    v->len = 0;
    v->depth = 0;
    v->skip = 0;
    v->pre = 0;
    v->space = 1;
}

static void v_start(Vis *v, const char *name)
{
    v->elements++;
    if (++v->depth > v->maxdepth)
        v->maxdepth = v->depth;
    if (v->mode == 'x')
        printf("%*s<%s>\n", (int)(v->depth > 40 ? 40 : v->depth), "", name);
    if (is_hidden(name))
        v->skip++;
    else if (!strcasecmp(name, "pre"))
        v->pre++;
    if (!strcasecmp(name, "br"))
        linebreak(v, "\n");
    else if (is_block(name) && v->len && v->buf[v->len - 1] != '\n')
        linebreak(v, "\n");
}

static void v_end(Vis *v, const char *name)
{
    if (v->mode == 'x')
        printf("%*s</%s>\n", (int)(v->depth > 40 ? 40 : v->depth), "", name);
    v->depth--;
    if (is_hidden(name)) {
        if (v->skip)
            v->skip--;
    } else if (!strcasecmp(name, "pre")) {
        if (v->pre)
            v->pre--;
    }
    if (is_block(name) && v->len && v->buf[v->len - 1] != '\n')
        linebreak(v, "\n");
    else if (!strcasecmp(name, "td") || !strcasecmp(name, "th"))
        out(v, "\t", 1), v->space = 1;
}

static void v_text(Vis *v, const char *s, size_t n)
{
    if (v->mode == 'x') {
        printf("%*s\"", (int)(v->depth > 40 ? 40 : v->depth) + 1, "");
        for (size_t i = 0; i < n && i < 60; i++)
            putchar((unsigned char)s[i] < 0x20 ? '.' : s[i]);
        printf("%s\" (%zu)\n", n > 60 ? "..." : "", n);
    }
    if (v->skip)
        return;
    v->text_bytes += n;
    if (v->pre) {
        out(v, s, n);
        return;
    }
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && !isspace((unsigned char)s[j]))
            j++;
        if (j > i) {
            out(v, s + i, j - i);
            v->space = 0;
        }
        if (j < n) {
            if (!v->space)
                out(v, " ", 1);
            v->space = 1;
            while (j < n && isspace((unsigned char)s[j]))
                j++;
        }
        i = j;
    }
}

static void v_comment(Vis *v, const char *s, size_t n)
{
    v->comments++;
    if (v->mode == 'x') {
        printf("%*s<!--", (int)(v->depth > 40 ? 40 : v->depth) + 1, "");
        for (size_t i = 0; i < n && i < 60; i++)
            putchar((unsigned char)s[i] < 0x20 ? '.' : s[i]);
        printf("%s--> (%zu)\n", n > 60 ? "..." : "", n);
    }
}

/* -------------------------------------------------------------------- gumbo */

static int gumbo_max_errors = -1;

static const char *g_name(GumboNode *n, char *tmp, size_t tmpsz)
{
    GumboElement *e = &n->v.element;
    if (e->tag != GUMBO_TAG_UNKNOWN)
        return gumbo_normalized_tagname(e->tag);
    GumboStringPiece p = e->original_tag;
    gumbo_tag_from_original_text(&p);
    size_t k = p.length < tmpsz - 1 ? p.length : tmpsz - 1;
    for (size_t i = 0; i < k; i++)
        tmp[i] = (char)tolower((unsigned char)p.data[i]);
    tmp[k] = 0;
    return tmp;
}

static GumboVector *g_kids(GumboNode *n)
{
    if (n->type == GUMBO_NODE_DOCUMENT)
        return &n->v.document.children;
    if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
        return &n->v.element.children;
    return NULL;
}

static void parse_gumbo(const char *data, size_t len, Vis *v)
{
    GumboOptions o = kGumboDefaultOptions;
    o.max_errors = gumbo_max_errors;
    GumboOutput *g = gumbo_parse_with_options(&o, data, len);
    GumboNode *root = g->document, *n;
    char tmp[256];
    GumboVector *k = g_kids(root);
    n = k->length ? k->data[0] : NULL;
    while (n) {
        GumboVector *kids = NULL;
        switch (n->type) {
        case GUMBO_NODE_ELEMENT:
        case GUMBO_NODE_TEMPLATE:
            v_start(v, g_name(n, tmp, sizeof tmp));
            kids = g_kids(n);
            break;
        case GUMBO_NODE_TEXT:
        case GUMBO_NODE_CDATA:
        case GUMBO_NODE_WHITESPACE:
            v_text(v, n->v.text.text, strlen(n->v.text.text));
            break;
        case GUMBO_NODE_COMMENT:
            v_comment(v, n->v.text.text, strlen(n->v.text.text));
            break;
        default:
            break;
        }
        if (kids && kids->length) {
            n = kids->data[0];
            continue;
        }
        for (;;) {
            if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
                v_end(v, g_name(n, tmp, sizeof tmp));
            GumboNode *p = n->parent;
            GumboVector *sib = g_kids(p);
            if (n->index_within_parent + 1 < sib->length) {
                n = sib->data[n->index_within_parent + 1];
                break;
            }
            if (p == root) {
                n = NULL;
                break;
            }
            n = p;
        }
    }
    gumbo_destroy_output(&o, g);
}

/* ------------------------------------------------------------------ libxml2 */

static int lx_huge = 0;
static int utf8_in = 0; /* -u: input is already UTF-8, ignore <meta charset> */
static size_t lx_chunk = 65536;

static int lx_opts(void)
{
    return HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
           (lx_huge ? XML_PARSE_HUGE : 0) | (utf8_in ? HTML_PARSE_IGNORE_ENC : 0);
}

static void lx_silent(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void lx_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    (void)atts;
    v_start(((xmlParserCtxtPtr)ctx)->_private, (const char *)name);
}

static void lx_end(void *ctx, const xmlChar *name)
{
    v_end(((xmlParserCtxtPtr)ctx)->_private, (const char *)name);
}

static void lx_chars(void *ctx, const xmlChar *s, int n)
{
    v_text(((xmlParserCtxtPtr)ctx)->_private, (const char *)s, (size_t)n);
}

static void lx_comment(void *ctx, const xmlChar *s)
{
    v_comment(((xmlParserCtxtPtr)ctx)->_private, (const char *)s, strlen((const char *)s));
}

static void parse_lxsax(const char *data, size_t len, Vis *v)
{
    htmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.startElement = lx_start;
    sax.endElement = lx_end;
    sax.characters = lx_chars;
    sax.ignorableWhitespace = lx_chars;
    sax.cdataBlock = lx_chars; /* <script>/<style> bodies arrive here */
    sax.comment = lx_comment;
    sax.warning = lx_silent;
    sax.error = lx_silent;
    /* first 4 bytes go to the constructor so it can sniff a BOM */
    size_t first = len < 4 ? len : 4;
    htmlParserCtxtPtr c =
        htmlCreatePushParserCtxt(&sax, NULL, data, (int)first, NULL,
                                 utf8_in ? XML_CHAR_ENCODING_UTF8 : XML_CHAR_ENCODING_NONE);
    if (!c) {
        fprintf(stderr, "htmlCreatePushParserCtxt failed\n");
        exit(3);
    }
    c->_private = v;
    htmlCtxtUseOptions(c, lx_opts());
    for (size_t off = first; off < len; off += lx_chunk) {
        size_t n = len - off < lx_chunk ? len - off : lx_chunk;
        htmlParseChunk(c, data + off, (int)n, 0);
    }
    htmlParseChunk(c, NULL, 0, 1);
    htmlFreeParserCtxt(c);
}

static void parse_lxtree(const char *data, size_t len, Vis *v)
{
    htmlDocPtr doc = htmlReadMemory(data, (int)len, NULL, utf8_in ? "UTF-8" : NULL, lx_opts());
    if (!doc)
        return;
    xmlNodePtr root = (xmlNodePtr)doc, n = root->children;
    while (n) {
        int descend = 0;
        switch (n->type) {
        case XML_ELEMENT_NODE:
            v_start(v, (const char *)n->name);
            descend = n->children != NULL;
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (n->content)
                v_text(v, (const char *)n->content, strlen((const char *)n->content));
            break;
        case XML_COMMENT_NODE:
            if (n->content)
                v_comment(v, (const char *)n->content, strlen((const char *)n->content));
            break;
        default:
            break;
        }
        if (descend) {
            n = n->children;
            continue;
        }
        for (;;) {
            if (n->type == XML_ELEMENT_NODE)
                v_end(v, (const char *)n->name);
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
            if (!n || n == root) {
                n = NULL;
                break;
            }
        }
    }
    xmlFreeDoc(doc);
}

/* --------------------------------------------------------------------- tidy */

static Bool TIDY_CALL tidy_quiet(TidyDoc d, TidyReportLevel l, uint line, uint col, ctmbstr m)
{
    (void)d, (void)l, (void)line, (void)col, (void)m;
    return no;
}

static void parse_tidy(const char *data, size_t len, Vis *v)
{
    TidyDoc d = tidyCreate();
    TidyBuffer in, txt;
    tidyBufInit(&txt);
    tidyOptSetBool(d, TidyForceOutput, yes);
    tidyOptSetBool(d, TidyShowWarnings, no);
    tidyOptSetInt(d, TidyShowErrors, 0);
    tidyOptSetBool(d, TidyQuiet, yes);
    tidySetReportFilter(d, tidy_quiet);
    tidySetCharEncoding(d, "utf8");
    tidyBufInit(&in);
    tidyBufAttach(&in, (byte *)data, (uint)len);
    tidyParseBuffer(d, &in);
    tidyBufDetach(&in);

    TidyNode root = tidyGetRoot(d), n = tidyGetChild(root);
    while (n) {
        TidyNodeType t = tidyNodeGetType(n);
        int el = (t == TidyNode_Start || t == TidyNode_StartEnd);
        if (el) {
            ctmbstr nm = tidyNodeGetName(n);
            v_start(v, nm ? nm : "?");
        } else if (t == TidyNode_Text || t == TidyNode_CDATA) {
            tidyBufClear(&txt);
            tidyNodeGetValue(d, n, &txt);
            v_text(v, (const char *)txt.bp, txt.size);
        } else if (t == TidyNode_Comment) {
            tidyBufClear(&txt);
            tidyNodeGetValue(d, n, &txt);
            v_comment(v, (const char *)txt.bp, txt.size);
        }
        TidyNode c = el ? tidyGetChild(n) : NULL;
        if (c) {
            n = c;
            continue;
        }
        for (;;) {
            TidyNodeType tt = tidyNodeGetType(n);
            if (tt == TidyNode_Start || tt == TidyNode_StartEnd) {
                ctmbstr nm = tidyNodeGetName(n);
                v_end(v, nm ? nm : "?");
            }
            TidyNode s = tidyGetNext(n);
            if (s) {
                n = s;
                break;
            }
            n = tidyGetParent(n);
            if (!n || n == root) {
                n = NULL;
                break;
            }
        }
    }
    tidyBufFree(&txt);
    tidyRelease(d);
}

/* --------------------------------------------------------------------- main */

typedef struct {
    char *name;
    char *data;
    size_t len;
} Doc;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0, r;
    char *b = malloc(cap);
    while ((r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            b = realloc(b, cap *= 2);
    }
    fclose(f);
    *len = n;
    return b;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *parser = NULL, *list = NULL;
    int iters = 1, mode = 0, c;
    while ((c = getopt(argc, argv, "p:n:c:HE:utxf:")) != -1) {
        switch (c) {
        case 'p': parser = optarg; break;
        case 'n': iters = atoi(optarg); break;
        case 'c': lx_chunk = (size_t)atol(optarg); break;
        case 'H': lx_huge = 1; break;
        case 'E': gumbo_max_errors = atoi(optarg); break;
        case 'u': utf8_in = 1; break;
        case 't': mode = 't'; break;
        case 'x': mode = 'x'; break;
        case 'f': list = optarg; break;
        default:
            fprintf(stderr, "usage: %s -p gumbo|lxsax|lxtree|tidy [-n N] [-c CHUNK] [-H] "
                            "[-E N] [-u] [-t|-x] [-f LIST] [FILE...]\n", argv[0]);
            return 2;
        }
    }
    void (*fn)(const char *, size_t, Vis *) = NULL;
    if (parser && !strcmp(parser, "gumbo"))
        fn = parse_gumbo;
    else if (parser && !strcmp(parser, "lxsax"))
        fn = parse_lxsax;
    else if (parser && !strcmp(parser, "lxtree"))
        fn = parse_lxtree;
    else if (parser && !strcmp(parser, "tidy"))
        fn = parse_tidy;
    if (!fn || lx_chunk == 0 || iters < 1) {
        fprintf(stderr, "need -p gumbo|lxsax|lxtree|tidy\n");
        return 2;
    }
    if (mode)
        iters = 1;

    Doc *docs = NULL;
    size_t ndocs = 0, cap = 0, total = 0;
    char **names = argv + optind;
    int nnames = argc - optind;
    char *listbuf = NULL;
    if (list) {
        size_t ll;
        listbuf = slurp(list, &ll);
        if (!listbuf) {
            perror(list);
            return 2;
        }
        listbuf = realloc(listbuf, ll + 1);
        listbuf[ll] = 0;
        nnames = 0;
        for (size_t i = 0; i < ll; i++)
            nnames += listbuf[i] == '\n';
        names = calloc((size_t)nnames + 1, sizeof *names);
        nnames = 0;
        for (char *s = strtok(listbuf, "\n"); s; s = strtok(NULL, "\n"))
            names[nnames++] = s;
    }
    for (int i = 0; i < nnames; i++) {
        if (ndocs == cap)
            docs = realloc(docs, (cap = cap ? cap * 2 : 256) * sizeof *docs);
        Doc *d = &docs[ndocs];
        d->name = names[i];
        d->data = slurp(names[i], &d->len);
        if (!d->data) {
            perror(names[i]);
            return 2;
        }
        total += d->len;
        ndocs++;
    }

    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, lx_silent);
    long rss0 = maxrss_kb();
    Vis v;
    memset(&v, 0, sizeof v);
    v.mode = mode;
    size_t text_bytes = 0;
    double t0 = now(), best = 0;
    for (int it = 0; it < iters; it++) {
        double ti = now();
        for (size_t i = 0; i < ndocs; i++) {
            v_reset(&v);
            if (mode)
                printf("===== %s (%s)\n", docs[i].name, parser);
            fn(docs[i].data, docs[i].len, &v);
            if (mode == 't') {
                fwrite(v.buf, 1, v.len, stdout);
                printf("\n");
            }
            if (it == 0)
                text_bytes += v.len;
        }
        ti = now() - ti;
        if (it == 0 || ti < best)
            best = ti;
    }
    double secs = now() - t0;
    printf("%s\tfiles=%zu\tbytes=%zu\titers=%d\tsecs=%.3f\tMBps=%.1f\tbestMBps=%.1f\ttext=%zu"
           "\tout=%zu\telements=%zu\tcomments=%zu\tmaxdepth=%ld\trss0_kB=%ld\tmaxrss_kB=%ld\n",
           parser, ndocs, total, iters, secs, secs > 0 ? total * (double)iters / secs / 1e6 : 0,
           best > 0 ? total / best / 1e6 : 0,
           v.text_bytes / (size_t)iters, text_bytes, v.elements / (size_t)iters,
           v.comments / (size_t)iters, v.maxdepth, rss0, maxrss_kb());
    for (size_t i = 0; i < ndocs; i++)
        free(docs[i].data);
    free(docs);
    free(v.buf);
    if (list) {
        free(names);
        free(listbuf);
    }
    xmlCleanupParser();
    return 0;
}
