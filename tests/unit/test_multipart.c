/*
 * test_multipart - web/multipart: the console's multipart/form-data reader
 * takes what a browser sends byte for byte, and refuses, one rule at a
 * time, what could be read two ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "web/multipart.h"

#define TEST_BODY_MAX 65536

/* The boundary of the short bodies below, and their lines. */
#define B "b0undary"
#define DL "--" B "\r\n"
#define CLOSE "--" B "--\r\n"
#define CD(name) "Content-Disposition: form-data; name=\"" name "\"\r\n"
/* One part named a, value 1, headers h after its Content-Disposition. */
#define ONE(h) DL CD("a") h "\r\n" "1\r\n" CLOSE

/*
 * What Chromium sends for <form enctype="multipart/form-data"> with a
 * hidden csrf field and a file input holding 見積書.pdf: the header
 * "Content-Type: multipart/form-data;
 * boundary=----WebKitFormBoundaryq3ZpL8fWkY2mNa7T" and this body.  The file's
 * bytes hold CR, LF, NUL, lone CRs and LFs, a line "--", the boundary after
 * only two dashes (at a line's start and inside one), the delimiter but its
 * last character, and end in LF.
 */
#define CHROME_BOUNDARY "----WebKitFormBoundaryq3ZpL8fWkY2mNa7T"
#define CHROME_CSRF "k3J9x-QpL2vW7nZ0aB4cD6eF8gH1iJ5mN_oR2sT4uV8"
#define CHROME_PDF \
	"%PDF-1.4\r\n%\xe2\xe3\xcf\xd3\r\n" \
	"\x00\x01\x02\r\r\n\n\x00" "0\r" \
	"\r\n--\r\n" \
	"\r\n----WebKitFormBoundaryq3ZpL8fWkY2mNa7T\r\n" \
	"------WebKitFormBoundaryq3ZpL8fWkY2mNa7\r\n" \
	"-- ----WebKitFormBoundaryq3ZpL8fWkY2mNa7T--" \
	"\r\n%%EOF\n"
#define CHROME_HEAD1 \
	"------WebKitFormBoundaryq3ZpL8fWkY2mNa7T\r\n" \
	"Content-Disposition: form-data; name=\"csrf\"\r\n" \
	"\r\n"
#define CHROME_HEAD2 \
	"\r\n" \
	"------WebKitFormBoundaryq3ZpL8fWkY2mNa7T\r\n" \
	"Content-Disposition: form-data; name=\"file\"; filename=\"見積書.pdf\"\r\n" \
	"Content-Type: application/pdf\r\n" \
	"\r\n"
#define CHROME_TAIL \
	"\r\n" \
	"------WebKitFormBoundaryq3ZpL8fWkY2mNa7T--\r\n"

static const char chrome_body[] = CHROME_HEAD1 CHROME_CSRF CHROME_HEAD2 CHROME_PDF CHROME_TAIL;

/* Parse body[0..n) with B; asserts a refusal with exactly reason, m left empty. */
static void
refused_n(const char *boundary, const char *body, size_t n, const char *reason)
{
	struct multipart m;
	const char *why = NULL;

	m.n = 99;
	assert_int_equal(multipart_parse(&m, boundary, body, n, &why), -1);
	assert_int_equal(m.n, 0);
	assert_non_null(why);
	assert_string_equal(why, reason);
	/* why may be NULL */
	assert_int_equal(multipart_parse(&m, boundary, body, n, NULL), -1);
}

#define REFUSED(lit, reason) refused_n(B, (lit), sizeof(lit) - 1, (reason))

/* Parse the C string s with B; asserts it is accepted. */
static void
accepted(struct multipart *m, const char *s)
{
	const char *why = NULL;

	if (multipart_parse(m, B, s, strlen(s), &why) != 0)
		fail_msg("refused: %s", why);
}

/* The C string of a part's data (assert it is short and has no NUL). */
static const char *
data_str(const struct multipart_part *p)
{
	static char s[256];

	assert_true(p->len < sizeof s);
	memcpy(s, p->data, p->len);
	s[p->len] = '\0';
	assert_int_equal(strlen(s), p->len);
	return s;
}

/* ----- what browsers send ----- */

static void
test_chrome_upload(void **state)
{
	struct multipart m;
	const struct multipart_part *csrf, *file;
	const char *why = "unset";
	char b[MULTIPART_BOUNDARY_MAX + 1];

	assert_int_equal(multipart_boundary("multipart/form-data; boundary=" CHROME_BOUNDARY,
	    b, sizeof b), 0);
	assert_string_equal(b, CHROME_BOUNDARY);
	assert_int_equal(multipart_parse(&m, b, chrome_body, sizeof chrome_body - 1, &why), 0);
	assert_string_equal(why, "unset");	/* untouched when accepted */
	assert_int_equal(m.n, 2);

	csrf = multipart_get(&m, "csrf");
	assert_ptr_equal(csrf, &m.part[0]);
	assert_string_equal(csrf->name, "csrf");
	assert_int_equal(csrf->has_filename, 0);
	assert_string_equal(csrf->filename, "");
	assert_string_equal(csrf->content_type, "");
	assert_ptr_equal(csrf->data, chrome_body + sizeof CHROME_HEAD1 - 1);
	assert_int_equal(csrf->len, sizeof CHROME_CSRF - 1);
	assert_memory_equal(csrf->data, CHROME_CSRF, csrf->len);

	file = multipart_get(&m, "file");
	assert_ptr_equal(file, &m.part[1]);
	assert_int_equal(file->has_filename, 1);
	assert_string_equal(file->filename, "見積書.pdf");
	assert_int_equal(strlen(file->filename), 13);	/* 3 x 3 bytes + ".pdf" */
	assert_string_equal(file->content_type, "application/pdf");
	assert_ptr_equal(file->data, chrome_body + sizeof CHROME_HEAD1 - 1 +
	    sizeof CHROME_CSRF - 1 + sizeof CHROME_HEAD2 - 1);
	assert_int_equal(file->len, sizeof CHROME_PDF - 1);
	assert_memory_equal(file->data, CHROME_PDF, file->len);
	assert_int_equal(file->data[file->len - 1], '\n');	/* its own LF, not the CR LF */

	assert_null(multipart_get(&m, "Csrf"));	/* names are exact */
	assert_null(multipart_get(&m, "other"));

	/* cut anywhere before the close delimiter's last dash: refused */
	for (size_t n = 0; n < sizeof chrome_body - 3; n++)
		assert_int_equal(multipart_parse(&m, b, chrome_body, n, NULL), -1);
	/* without the final CR LF: still whole */
	assert_int_equal(multipart_parse(&m, b, chrome_body, sizeof chrome_body - 3, NULL), 0);
	assert_int_equal(m.n, 2);
}

/* A file input left empty: filename="", application/octet-stream, no data. */
static void
test_empty_file(void **state)
{
	struct multipart m;

	accepted(&m, DL "Content-Disposition: form-data; name=\"file\"; filename=\"\"\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n\r\n" CLOSE);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.part[0].has_filename, 1);
	assert_string_equal(m.part[0].filename, "");
	assert_string_equal(m.part[0].content_type, "application/octet-stream");
	assert_int_equal(m.part[0].len, 0);
	assert_non_null(m.part[0].data);

	/* an empty field value */
	accepted(&m, DL CD("a") "\r\n\r\n" CLOSE);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.part[0].len, 0);
	assert_int_equal(m.part[0].has_filename, 0);

	/* a form with no fields */
	accepted(&m, CLOSE);
	assert_int_equal(m.n, 0);
}

static void
test_preamble_epilogue(void **state)
{
	struct multipart m;

	accepted(&m, "This is the preamble.\r\nIt is ignored.\r\n" DL CD("a") "\r\n"
	    "1\r\n" CLOSE "This is the epilogue.\r\n-- b0undar\r\n");
	assert_int_equal(m.n, 1);
	assert_string_equal(data_str(&m.part[0]), "1");

	/* an empty preamble before its CR LF */
	accepted(&m, "\r\n" ONE(""));
	assert_int_equal(m.n, 1);
	/* the close delimiter at the very end, without CR LF */
	accepted(&m, DL CD("a") "\r\n1\r\n--" B "--");
	assert_int_equal(m.n, 1);
	assert_string_equal(data_str(&m.part[0]), "1");
}

/* Spaces and tabs after a delimiter (RFC 2046 transport padding). */
static void
test_transport_padding(void **state)
{
	struct multipart m;

	accepted(&m, "--" B " \t \r\n" CD("a") "\r\n1\r\n--" B "\t\r\n" CD("b") "\r\n2\r\n"
	    "--" B "--  \r\n");
	assert_int_equal(m.n, 2);
	assert_string_equal(data_str(&m.part[0]), "1");
	assert_string_equal(data_str(&m.part[1]), "2");
	accepted(&m, DL CD("a") "\r\n1\r\n--" B "-- ");
	assert_int_equal(m.n, 1);
}

/* Headers as other clients may write them: names in any case, OWS, binary. */
static void
test_header_forms(void **state)
{
	struct multipart m;

	accepted(&m, DL "content-DISPOSITION:Form-Data ;NAME=tok.en-1 ;  FileName=\"a b.txt\"  \r\n"
	    "CONTENT-TYPE:  text/plain; charset=\"utf-8\"\t\r\n"
	    "Content-Transfer-Encoding: BINARY\r\n\r\n\r\nx\r\n" CLOSE);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.part[0].name, "tok.en-1");
	assert_int_equal(m.part[0].has_filename, 1);
	assert_string_equal(m.part[0].filename, "a b.txt");
	assert_string_equal(m.part[0].content_type, "text/plain; charset=\"utf-8\"");
	assert_string_equal(data_str(&m.part[0]), "\r\nx");
	accepted(&m, ONE("Content-Transfer-Encoding: 7bit\r\n"));
	accepted(&m, ONE("Content-Transfer-Encoding: 8bit\r\n"));
}

/* Browsers send '"' as %22 and CR LF as %0D%0A: kept as sent, not decoded. */
static void
test_percent_kept(void **state)
{
	struct multipart m;

	accepted(&m, DL "Content-Disposition: form-data; name=\"a%22b\"; "
	    "filename=\"x%22%0D%0Ay.txt\"\r\n\r\n1\r\n" CLOSE);
	assert_string_equal(m.part[0].name, "a%22b");
	assert_string_equal(m.part[0].filename, "x%22%0D%0Ay.txt");
	assert_non_null(multipart_get(&m, "a%22b"));
	assert_null(multipart_get(&m, "a\"b"));
}

/* MULTIPART_PARTS_MAX parts, names and file names and types at their ceilings. */
static void
test_ceilings(void **state)
{
	struct multipart m;
	struct buf b;
	const char *why = NULL;

	buf_init(&b, TEST_BODY_MAX);
	for (int i = 0; i < MULTIPART_PARTS_MAX; i++)
		assert_int_equal(buf_printf(&b, DL "Content-Disposition: form-data; "
		    "name=\"f%d\"\r\n\r\n%d\r\n", i, i), 0);
	assert_int_equal(buf_puts(&b, CLOSE), 0);
	assert_int_equal(multipart_parse(&m, B, b.data, b.len, &why), 0);
	assert_int_equal(m.n, MULTIPART_PARTS_MAX);
	assert_string_equal(data_str(multipart_get(&m, "f7")), "7");

	/* a name of 63 bytes, a file name of 255 (85 three-byte characters), a type of 127 */
	buf_reset(&b);
	assert_int_equal(buf_puts(&b, DL "Content-Disposition: form-data; name=\""), 0);
	for (int i = 0; i < MULTIPART_NAME_MAX; i++)
		assert_int_equal(buf_putc(&b, 'n'), 0);
	assert_int_equal(buf_puts(&b, "\"; filename=\""), 0);
	for (int i = 0; i < MULTIPART_FILENAME_MAX / 3; i++)
		assert_int_equal(buf_puts(&b, "見"), 0);
	assert_int_equal(buf_puts(&b, "\"\r\nContent-Type: application/x"), 0);
	for (size_t i = strlen("application/x"); i < MULTIPART_TYPE_MAX; i++)
		assert_int_equal(buf_putc(&b, 'x'), 0);
	assert_int_equal(buf_puts(&b, "\r\n\r\n1\r\n" CLOSE), 0);
	assert_int_equal(multipart_parse(&m, B, b.data, b.len, &why), 0);
	assert_int_equal(strlen(m.part[0].name), MULTIPART_NAME_MAX);
	assert_int_equal(strlen(m.part[0].filename), MULTIPART_FILENAME_MAX);
	assert_int_equal(strlen(m.part[0].content_type), MULTIPART_TYPE_MAX);
	buf_free(&b);
}

/* ----- refusals, one rule each ----- */

/* The close delimiter is missing: the body was cut short. */
static void
test_refuse_truncated(void **state)
{
	REFUSED(DL CD("a") "\r\n1\r\n", "the body ends without a close delimiter");
	REFUSED(DL CD("a") "\r\n1\r\n--" B, "the body ends without a close delimiter");
	REFUSED(DL CD("a") "\r\n1\r\n--" B "\r\n", "the body ends without a close delimiter");
	REFUSED(DL CD("a") "\r\n1\r\n--" B "-", "a delimiter line holds more than the boundary");
	REFUSED("", "the body holds no delimiter");
	REFUSED("a=1&b=2", "the body holds no delimiter");
	refused_n(B, NULL, 0, "the body holds no delimiter");
}

/* The first delimiter must start the body or follow CR LF. */
static void
test_refuse_first_delimiter(void **state)
{
	REFUSED("x" ONE(""), "the boundary stands inside the preamble");
	REFUSED("preamble\n" ONE(""), "the boundary stands inside the preamble");
	REFUSED("\n" ONE(""), "the boundary stands inside the preamble");
	REFUSED("\r" ONE(""), "the boundary stands inside the preamble");
}

/* A delimiter line is the boundary, padding and CR LF, nothing else. */
static void
test_refuse_delimiter_line(void **state)
{
	REFUSED("--" B "x\r\n" CD("a") "\r\n1\r\n" CLOSE,
	    "a delimiter line holds more than the boundary");
	REFUSED(DL CD("a") "\r\n1\r\n--" B " x\r\n" CLOSE,
	    "a delimiter line holds more than the boundary");
	REFUSED(DL CD("a") "\r\n1\r\n--" B "\n" CLOSE,
	    "a delimiter line holds more than the boundary");
	REFUSED(DL CD("a") "\r\n1\r\n--" B "--x",
	    "a delimiter line holds more than the boundary");
	REFUSED(DL CD("a") "\r\n1\r\n--" B "-- --\r\n",
	    "a delimiter line holds more than the boundary");
}

/* "--boundary" inside a part's data or headers, not after CR LF. */
static void
test_refuse_boundary_in_part(void **state)
{
	REFUSED(DL CD("a") "\r\n1--" B "\r\n" CLOSE, "the boundary stands inside a part");
	REFUSED(DL CD("a") "\r\n1\n--" B "\r\n" CLOSE, "the boundary stands inside a part");
	REFUSED(DL CD("a") "\r\n1\r--" B "--\r\n", "the boundary stands inside a part");
}

/* "--boundary" in the epilogue, where a reader that goes on would find parts. */
static void
test_refuse_boundary_in_epilogue(void **state)
{
	REFUSED(ONE("") DL CD("b") "\r\n2\r\n" CLOSE, "the boundary stands in the epilogue");
	REFUSED(ONE("") "x--" B, "the boundary stands in the epilogue");
}

static void
test_refuse_bare_lf(void **state)
{
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"\n\r\n1\r\n" CLOSE,
	    "a part's headers hold a bare LF");
	REFUSED(DL CD("a") "\n1\r\n" CLOSE, "a part's headers hold a bare LF");
}

static void
test_refuse_bare_cr(void **state)
{
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"\r\r\n1\r\n" CLOSE,
	    "a part's headers hold a bare CR");
	REFUSED(DL "Content-Disposition: form-data;\rname=\"a\"\r\n\r\n1\r\n" CLOSE,
	    "a part's headers hold a bare CR");
}

/* A line starting with a space or a tab continues the last (obsolete folding). */
static void
test_refuse_folding(void **state)
{
	REFUSED(ONE(" ; filename=\"x\"\r\n"), "a part's header is folded");
	REFUSED(ONE("\tfilename=\"x\"\r\n"), "a part's header is folded");
	REFUSED(DL " " CD("a") "\r\n1\r\n" CLOSE, "a part's header is folded");
}

/* More than MULTIPART_HEADERS_MAX bytes before the empty line. */
static void
test_refuse_headers_too_large(void **state)
{
	struct buf b;

	buf_init(&b, TEST_BODY_MAX);
	assert_int_equal(buf_puts(&b, DL CD("a") "Content-Type: text/plain; x=\""), 0);
	for (int i = 0; i < MULTIPART_HEADERS_MAX; i++)
		assert_int_equal(buf_putc(&b, 'a'), 0);
	assert_int_equal(buf_puts(&b, "\"\r\n\r\n1\r\n" CLOSE), 0);
	refused_n(B, b.data, b.len, "a part's headers are too large");
	/* the ceiling bounds the search for a line's end, whatever the line */
	buf_reset(&b);
	assert_int_equal(buf_puts(&b, DL), 0);
	for (int i = 0; i < MULTIPART_HEADERS_MAX + 1; i++)
		assert_int_equal(buf_putc(&b, 'h'), 0);
	assert_int_equal(buf_puts(&b, "\r\n\r\n1\r\n" CLOSE), 0);
	refused_n(B, b.data, b.len, "a part's headers are too large");
	buf_free(&b);
}

/* The CR LF before the delimiter is the delimiter's: no empty line, no data. */
static void
test_refuse_headers_not_ended(void **state)
{
	REFUSED(DL CD("a") CLOSE, "a part's headers do not end before the next delimiter");
	REFUSED(DL CD("a") "Content-Type: text/plain\r\n" CLOSE,
	    "a part's headers do not end before the next delimiter");
	REFUSED(DL DL CD("a") "\r\n1\r\n" CLOSE, "a part has no headers");
}

static void
test_refuse_no_disposition(void **state)
{
	REFUSED(DL "Content-Type: text/plain\r\n\r\n1\r\n" CLOSE,
	    "a part has no Content-Disposition");
	REFUSED(DL "\r\n1\r\n" CLOSE, "a part has no Content-Disposition");
}

/* Any of the three headers twice, in any case. */
static void
test_refuse_header_twice(void **state)
{
	REFUSED(ONE(CD("b")), "a part's header is given twice");
	REFUSED(ONE("content-disposition: form-data; name=\"a\"\r\n"),
	    "a part's header is given twice");
	REFUSED(ONE("Content-Type: text/plain\r\nContent-Type: text/html\r\n"),
	    "a part's header is given twice");
	REFUSED(ONE("Content-Transfer-Encoding: binary\r\ncontent-transfer-encoding: binary\r\n"),
	    "a part's header is given twice");
}

static void
test_refuse_not_form_data(void **state)
{
	REFUSED(DL "Content-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n" CLOSE,
	    "a part's Content-Disposition is not form-data");
	REFUSED(DL "Content-Disposition: form-data2; name=\"a\"\r\n\r\n1\r\n" CLOSE,
	    "a part's Content-Disposition is not form-data");
	REFUSED(DL "Content-Disposition: ; name=\"a\"\r\n\r\n1\r\n" CLOSE,
	    "a part's Content-Disposition is not form-data");
}

static void
test_refuse_no_name(void **state)
{
	REFUSED(DL "Content-Disposition: form-data; filename=\"a.txt\"\r\n\r\n1\r\n" CLOSE,
	    "a part's Content-Disposition has no name");
	REFUSED(DL "Content-Disposition: form-data\r\n\r\n1\r\n" CLOSE,
	    "a part's Content-Disposition has no name");
}

/* name= or filename= twice: which one counts differs by reader. */
static void
test_refuse_param_twice(void **state)
{
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\n1\r\n" CLOSE,
	    "a Content-Disposition parameter is given twice");
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"; NAME=a\r\n\r\n1\r\n" CLOSE,
	    "a Content-Disposition parameter is given twice");
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"; filename=\"x.txt\"; "
	    "filename=\"x.exe\"\r\n\r\n1\r\n" CLOSE,
	    "a Content-Disposition parameter is given twice");
	/* in a Content-Type too */
	REFUSED(ONE("Content-Type: text/plain; charset=utf-8; Charset=shift_jis\r\n"),
	    "a part's Content-Type is malformed");
}

/* RFC 5987 filename*: some readers prefer it to filename, some ignore it. */
static void
test_refuse_filename_star(void **state)
{
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"; filename=\"a.txt\"; "
	    "filename*=UTF-8''a.exe\r\n\r\n1\r\n" CLOSE, "filename* is refused");
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"; "
	    "FILENAME*=UTF-8''%E8%A6%8B.pdf\r\n\r\n1\r\n" CLOSE, "filename* is refused");
}

static void
test_refuse_unknown_param(void **state)
{
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"; size=3\r\n\r\n1\r\n" CLOSE,
	    "a Content-Disposition parameter is not name or filename");
	REFUSED(DL "Content-Disposition: form-data; name*=UTF-8''a\r\n\r\n1\r\n" CLOSE,
	    "a Content-Disposition parameter is not name or filename");
}

static void
test_refuse_transfer_encoding(void **state)
{
	static const char *why = "a part's Content-Transfer-Encoding is not 7bit, 8bit or binary";

	REFUSED(ONE("Content-Transfer-Encoding: base64\r\n"), why);
	REFUSED(ONE("Content-Transfer-Encoding: quoted-printable\r\n"), why);
	REFUSED(ONE("Content-Transfer-Encoding: binary; x=y\r\n"), why);
	REFUSED(ONE("Content-Transfer-Encoding: binary binary\r\n"), why);
	REFUSED(ONE("Content-Transfer-Encoding:\r\n"), why);
}

static void
test_refuse_other_header(void **state)
{
	static const char *why = "a part has a header other than Content-Disposition, "
	    "Content-Type and Content-Transfer-Encoding";

	REFUSED(ONE("X-Foo: bar\r\n"), why);
	REFUSED(ONE("Content-ID: <a@b>\r\n"), why);
	REFUSED(ONE("Content-Length: 1\r\n"), why);
}

/* Malformed header lines and parameter lists. */
static void
test_refuse_malformed(void **state)
{
	static const char *cd = "a part's Content-Disposition is malformed";

	REFUSED(DL "Content-Disposition : form-data; name=\"a\"\r\n\r\n1\r\n" CLOSE,
	    "a part's header is malformed");
	REFUSED(ONE("no colon\r\n"), "a part's header is malformed");
	REFUSED(ONE(": empty name\r\n"), "a part's header is malformed");
	REFUSED(DL "Content-Disposition: form-data; name = \"a\"\r\n\r\n1\r\n" CLOSE, cd);
	REFUSED(DL "Content-Disposition: form-data; name=\"a\r\n\r\n1\r\n" CLOSE, cd);
	REFUSED(DL "Content-Disposition: form-data; name=\"a\";\r\n\r\n1\r\n" CLOSE, cd);
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"x\r\n\r\n1\r\n" CLOSE, cd);
	REFUSED(DL "Content-Disposition: form-data; name=a b\r\n\r\n1\r\n" CLOSE, cd);
	REFUSED(DL "Content-Disposition: form-data; name=\r\n\r\n1\r\n" CLOSE, cd);
	REFUSED(DL "Content-Disposition: form-data name=\"a\"\r\n\r\n1\r\n" CLOSE, cd);
	REFUSED(ONE("Content-Type: text\r\n"), "a part's Content-Type is malformed");
	REFUSED(ONE("Content-Type: text/plain;\r\n"), "a part's Content-Type is malformed");
	REFUSED(ONE("Content-Type: \r\n"), "a part's Content-Type is malformed");
	REFUSED(ONE("Content-Type: text/plain; name=\"見\"\r\n"),
	    "a part's Content-Type is not printable ASCII");
}

/* "a\"; filename=..." reads as one name with escapes, as two parameters without. */
static void
test_refuse_backslash(void **state)
{
	static const char *cd = "a part's Content-Disposition is malformed";

	REFUSED(DL "Content-Disposition: form-data; name=\"a\\\"; filename=\"b\"\r\n\r\n1\r\n"
	    CLOSE, cd);
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"; filename=\"C:\\x.txt\"\r\n\r\n"
	    "1\r\n" CLOSE, cd);
	REFUSED(DL "Content-Disposition: form-data; name=\"a\\\\\"\r\n\r\n1\r\n" CLOSE, cd);
	REFUSED(ONE("Content-Type: text/plain; charset=\"a\\\"\"\r\n"),
	    "a part's Content-Type is malformed");
}

static void
test_refuse_not_utf8(void **state)
{
	REFUSED(DL "Content-Disposition: form-data; name=\"\xff\"\r\n\r\n1\r\n" CLOSE,
	    "a part's header is not UTF-8");
	/* Shift_JIS 見積書 (as an old client might send it) */
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"; filename=\"\x8c\xa9\x90\xcf"
	    "\x8f\x91.pdf\"\r\n\r\n1\r\n" CLOSE, "a part's header is not UTF-8");
	/* an overlong '/' */
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"; filename=\"\xc0\xaf\"\r\n\r\n"
	    "1\r\n" CLOSE, "a part's header is not UTF-8");
}

/* NUL, DEL and other controls in a header; TAB where a name has it. */
static void
test_refuse_control(void **state)
{
	static const char *hdr = "a part's header holds a control character";
	static const char nul[] = DL "Content-Disposition: form-data; name=\"a\0b\"\r\n\r\n1\r\n"
	    CLOSE;

	refused_n(B, nul, sizeof nul - 1, hdr);
	REFUSED(DL "Content-Disposition: form-data; name=\"a\x7f\"\r\n\r\n1\r\n" CLOSE, hdr);
	REFUSED(DL "Content-Disposition: form-data; name=\"a\x1b[31m\"\r\n\r\n1\r\n" CLOSE, hdr);
	REFUSED(DL "Content-Disposition: form-data; name=\"a\tb\"\r\n\r\n1\r\n" CLOSE,
	    "a name or file name holds a control character");
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"; filename=\"\tx\"\r\n\r\n"
	    "1\r\n" CLOSE, "a name or file name holds a control character");
}

static void
test_refuse_filename_slash(void **state)
{
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"; filename=\"../etc/passwd\"\r\n"
	    "\r\n1\r\n" CLOSE, "a file name holds '/'");
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"; filename=\"/\"\r\n"
	    "\r\n1\r\n" CLOSE, "a file name holds '/'");
	/* a token may hold no '/' either (RFC 9110) */
	REFUSED(DL "Content-Disposition: form-data; name=\"a\"; filename=a/b\r\n"
	    "\r\n1\r\n" CLOSE, "a part's Content-Disposition is malformed");
}

static void
test_refuse_empty_name(void **state)
{
	REFUSED(DL "Content-Disposition: form-data; name=\"\"\r\n\r\n1\r\n" CLOSE,
	    "a part's name is empty");
	REFUSED(DL "Content-Disposition: form-data; name=\"\"; filename=\"a.txt\"\r\n\r\n"
	    "1\r\n" CLOSE, "a part's name is empty");
}

/* The same name in two parts: which value counts is a guess. */
static void
test_refuse_name_twice(void **state)
{
	REFUSED(DL CD("csrf") "\r\n1\r\n" DL CD("csrf") "\r\n2\r\n" CLOSE,
	    "a name is given in two parts");
	REFUSED(DL CD("f") "\r\n1\r\n" DL "Content-Disposition: form-data; name=f; "
	    "filename=\"x\"\r\n\r\n2\r\n" CLOSE, "a name is given in two parts");
}

static void
test_refuse_too_many_parts(void **state)
{
	struct buf b;

	buf_init(&b, TEST_BODY_MAX);
	for (int i = 0; i <= MULTIPART_PARTS_MAX; i++)
		assert_int_equal(buf_printf(&b, DL "Content-Disposition: form-data; "
		    "name=\"f%d\"\r\n\r\n%d\r\n", i, i), 0);
	assert_int_equal(buf_puts(&b, CLOSE), 0);
	refused_n(B, b.data, b.len, "the form has too many parts");
	buf_free(&b);
}

/* A name, file name or type one byte past its array. */
static void
test_refuse_too_long(void **state)
{
	struct buf b;

	buf_init(&b, TEST_BODY_MAX);
	assert_int_equal(buf_puts(&b, DL "Content-Disposition: form-data; name=\""), 0);
	for (int i = 0; i < MULTIPART_NAME_MAX + 1; i++)
		assert_int_equal(buf_putc(&b, 'n'), 0);
	assert_int_equal(buf_puts(&b, "\"\r\n\r\n1\r\n" CLOSE), 0);
	refused_n(B, b.data, b.len, "a part's name is too long");

	buf_reset(&b);
	assert_int_equal(buf_puts(&b, DL "Content-Disposition: form-data; name=a; filename=\""), 0);
	for (int i = 0; i < MULTIPART_FILENAME_MAX / 3; i++)
		assert_int_equal(buf_puts(&b, "見"), 0);
	assert_int_equal(buf_puts(&b, "x\"\r\n\r\n1\r\n" CLOSE), 0);
	refused_n(B, b.data, b.len, "a file name is too long");

	buf_reset(&b);
	assert_int_equal(buf_puts(&b, DL CD("a") "Content-Type: application/x"), 0);
	for (size_t i = strlen("application/x"); i < MULTIPART_TYPE_MAX + 1; i++)
		assert_int_equal(buf_putc(&b, 'x'), 0);
	assert_int_equal(buf_puts(&b, "\r\n\r\n1\r\n" CLOSE), 0);
	refused_n(B, b.data, b.len, "a part's Content-Type is too long");
	buf_free(&b);
}

/* The boundary handed to multipart_parse is checked too. */
static void
test_refuse_bad_boundary(void **state)
{
	static const char body[] = ONE("");
	static const char *why = "the boundary is not 1 to 70 of RFC 2046's characters";
	char b71[MULTIPART_BOUNDARY_MAX + 2];

	refused_n("", body, sizeof body - 1, why);
	refused_n(B " ", body, sizeof body - 1, why);
	refused_n("b0und\"ary", body, sizeof body - 1, why);
	refused_n("b0und\r\nary", body, sizeof body - 1, why);
	memset(b71, 'b', sizeof b71 - 1);
	b71[sizeof b71 - 1] = '\0';
	refused_n(b71, body, sizeof body - 1, why);
}

/* ----- the boundary from the Content-Type header ----- */

/* The boundary read from ct, or "-1" if refused. */
static const char *
boundary_of(const char *ct)
{
	static char out[MULTIPART_BOUNDARY_MAX + 1];

	memset(out, 'X', sizeof out);
	if (multipart_boundary(ct, out, sizeof out) != 0) {
		assert_string_equal(out, "");
		return "-1";
	}
	return out;
}

static void
test_boundary_found(void **state)
{
	char b70[MULTIPART_BOUNDARY_MAX + 1], ct[160];
	char small[4];

	/* Chromium, Firefox (token), quoted */
	assert_string_equal(boundary_of("multipart/form-data; boundary=" CHROME_BOUNDARY),
	    CHROME_BOUNDARY);
	assert_string_equal(boundary_of("multipart/form-data; "
	    "boundary=---------------------------7409215873226931722218064906"),
	    "---------------------------7409215873226931722218064906");
	assert_string_equal(boundary_of("multipart/form-data; boundary=\"a b:c=d?e(f)g,h/i\""),
	    "a b:c=d?e(f)g,h/i");
	/* case-insensitive type and parameter name; OWS around ';'; other parameters */
	assert_string_equal(boundary_of("Multipart/Form-Data; BOUNDARY=abc"), "abc");
	assert_string_equal(boundary_of("multipart/form-data;boundary=abc"), "abc");
	assert_string_equal(boundary_of("multipart/form-data ;\tboundary=\"abc\" ; charset=utf-8"),
	    "abc");
	assert_string_equal(boundary_of("multipart/form-data; charset=\"x;boundary=evil\"; "
	    "boundary=good"), "good");
	/* 70 characters fit */
	memset(b70, 'b', MULTIPART_BOUNDARY_MAX);
	b70[MULTIPART_BOUNDARY_MAX] = '\0';
	memcpy(ct, "multipart/form-data; boundary=", 31);
	memcpy(ct + 30, b70, sizeof b70);
	assert_string_equal(boundary_of(ct), b70);
	/* what fits is the caller's out */
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=abc", small,
	    sizeof small), 0);
	assert_string_equal(small, "abc");
}

static void
test_boundary_refused(void **state)
{
	char ct[160], small[3] = "XX";

	/* not multipart/form-data */
	assert_string_equal(boundary_of("multipart/mixed; boundary=abc"), "-1");
	assert_string_equal(boundary_of("application/x-www-form-urlencoded"), "-1");
	assert_string_equal(boundary_of("multipart/form-data-x; boundary=abc"), "-1");
	assert_string_equal(boundary_of("multipart / form-data; boundary=abc"), "-1");
	assert_string_equal(boundary_of(""), "-1");
	/* missing */
	assert_string_equal(boundary_of("multipart/form-data"), "-1");
	assert_string_equal(boundary_of("multipart/form-data; charset=utf-8"), "-1");
	assert_string_equal(boundary_of("multipart/form-data; boundary="), "-1");
	assert_string_equal(boundary_of("multipart/form-data; boundary=\"\""), "-1");
	/* twice, even the same, even in another case */
	assert_string_equal(boundary_of("multipart/form-data; boundary=a; boundary=b"), "-1");
	assert_string_equal(boundary_of("multipart/form-data; boundary=a; boundary=a"), "-1");
	assert_string_equal(boundary_of("multipart/form-data; boundary=a; Boundary=\"a\""), "-1");
	/* 71 characters */
	memcpy(ct, "multipart/form-data; boundary=", 30);
	memset(ct + 30, 'b', MULTIPART_BOUNDARY_MAX + 1);
	ct[30 + MULTIPART_BOUNDARY_MAX + 1] = '\0';
	assert_string_equal(boundary_of(ct), "-1");
	/* characters outside bchars: tchars that are not, '@', a control, 8-bit */
	assert_string_equal(boundary_of("multipart/form-data; boundary=ab!c"), "-1");
	assert_string_equal(boundary_of("multipart/form-data; boundary=a#b"), "-1");
	assert_string_equal(boundary_of("multipart/form-data; boundary=\"a@b\""), "-1");
	assert_string_equal(boundary_of("multipart/form-data; boundary=\"a\tb\""), "-1");
	assert_string_equal(boundary_of("multipart/form-data; boundary=\"見\""), "-1");
	/* a trailing space, quoted or after a token */
	assert_string_equal(boundary_of("multipart/form-data; boundary=\"abc \""), "-1");
	assert_string_equal(boundary_of("multipart/form-data; boundary=abc "), "-1");
	assert_string_equal(boundary_of("multipart/form-data; boundary=abc ;charset=x"), "-1");
	/* malformed: backslash, open quote, space around '=', junk after */
	assert_string_equal(boundary_of("multipart/form-data; boundary=\"a\\b\""), "-1");
	assert_string_equal(boundary_of("multipart/form-data; boundary=\"abc"), "-1");
	assert_string_equal(boundary_of("multipart/form-data; boundary = abc"), "-1");
	assert_string_equal(boundary_of("multipart/form-data; boundary=abc def"), "-1");
	assert_string_equal(boundary_of("multipart/form-data; boundary=\"abc\"def"), "-1");
	assert_string_equal(boundary_of("multipart/form-data; boundary=abc;"), "-1");
	assert_string_equal(boundary_of("multipart/form-data, boundary=abc"), "-1");
	/* does not fit out */
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=abc", small,
	    sizeof small), -1);
	assert_string_equal(small, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chrome_upload),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_preamble_epilogue),
		cmocka_unit_test(test_transport_padding),
		cmocka_unit_test(test_header_forms),
		cmocka_unit_test(test_percent_kept),
		cmocka_unit_test(test_ceilings),
		cmocka_unit_test(test_refuse_truncated),
		cmocka_unit_test(test_refuse_first_delimiter),
		cmocka_unit_test(test_refuse_delimiter_line),
		cmocka_unit_test(test_refuse_boundary_in_part),
		cmocka_unit_test(test_refuse_boundary_in_epilogue),
		cmocka_unit_test(test_refuse_bare_lf),
		cmocka_unit_test(test_refuse_bare_cr),
		cmocka_unit_test(test_refuse_folding),
		cmocka_unit_test(test_refuse_headers_too_large),
		cmocka_unit_test(test_refuse_headers_not_ended),
		cmocka_unit_test(test_refuse_no_disposition),
		cmocka_unit_test(test_refuse_header_twice),
		cmocka_unit_test(test_refuse_not_form_data),
		cmocka_unit_test(test_refuse_no_name),
		cmocka_unit_test(test_refuse_param_twice),
		cmocka_unit_test(test_refuse_filename_star),
		cmocka_unit_test(test_refuse_unknown_param),
		cmocka_unit_test(test_refuse_transfer_encoding),
		cmocka_unit_test(test_refuse_other_header),
		cmocka_unit_test(test_refuse_malformed),
		cmocka_unit_test(test_refuse_backslash),
		cmocka_unit_test(test_refuse_not_utf8),
		cmocka_unit_test(test_refuse_control),
		cmocka_unit_test(test_refuse_filename_slash),
		cmocka_unit_test(test_refuse_empty_name),
		cmocka_unit_test(test_refuse_name_twice),
		cmocka_unit_test(test_refuse_too_many_parts),
		cmocka_unit_test(test_refuse_too_long),
		cmocka_unit_test(test_refuse_bad_boundary),
		cmocka_unit_test(test_boundary_found),
		cmocka_unit_test(test_boundary_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
