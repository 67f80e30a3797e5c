/*
 * test_html - text/html: HTML mail rendered as readable plain text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "text/html.h"

struct rendered {
	char text[8192];
	struct html_info info;
};

static const struct html_opts defaults = {
	.max_depth = 256,
	.max_nodes = 100000,
	.show_urls = 1,
	.defang = 0,
	.lang_en = 0,
};

static void
render_with(const char *html, const struct html_opts *o, struct rendered *r)
{
	struct buf out;

	buf_init(&out, sizeof r->text - 1);
	assert_int_equal(html_to_text(html, strlen(html), o, &out, &r->info), 0);
	memcpy(r->text, buf_str(&out), out.len + 1);
	buf_free(&out);
}

static void
render(const char *html, struct rendered *r)
{
	render_with(html, &defaults, r);
}

/* A fragment inside <html><body>, as most mailers send it. */
static void
render_body(const char *fragment, struct rendered *r)
{
	char html[8192];

	snprintf(html, sizeof html, "<html><body>%s</body></html>", fragment);
	render(html, r);
}

static void
test_paragraphs_and_br(void **state)
{
	struct rendered r;

	render("<html><body><p>one</p><p>two</p></body></html>", &r);
	assert_string_equal(r.text, "one\n\ntwo\n");
	render("<p>a<br>b<br/>c</p>", &r);
	assert_string_equal(r.text, "a\nb\nc\n");
	/* source whitespace collapses */
	render_body("<div>  lots   of\n\n   space  </div><div>next</div>", &r);
	assert_string_equal(r.text, "lots of space\nnext\n");
	assert_null(r.info.limit_hit);
}

static void
test_headings(void **state)
{
	struct rendered r;

	render_body("<p>intro</p><h1>Title</h1><p>body</p><h3>  Sub </h3>end", &r);
	assert_string_equal(r.text, "intro\n\n■ Title\n\nbody\n\n■ Sub\n\nend\n");
}

static void
test_lists(void **state)
{
	struct rendered r;

	render("<ul><li>apple</li><li>orange</li></ul>", &r);
	assert_string_equal(r.text, "・ apple\n・ orange\n");
	render("<ol><li>first</li><li>second</li><li>third</li></ol>", &r);
	assert_string_equal(r.text, "1. first\n2. second\n3. third\n");
	/* nested lists are indented */
	render("<ul><li>a<ol><li>b</li><li>c</li></ol></li><li>d</li></ul>", &r);
	assert_string_equal(r.text, "・ a\n  1. b\n  2. c\n・ d\n");
}

static void
test_tables(void **state)
{
	struct rendered r;

	render_body("<table><tr><th>品名</th><th>数量</th></tr>"
	    "<tr><td>a</td><td>b</td></tr>"
	    "<tr><td> c </td><td></td><td>d</td></tr></table>", &r);
	assert_string_equal(r.text, "品名 | 数量\na | b\nc | d\n");
}

static void
test_links(void **state)
{
	struct rendered r;
	struct html_opts o = defaults;

	render("<a href=\"https://example.com/path?q=1\">our site</a>", &r);
	assert_string_equal(r.text, "our site <https://example.com/path?q=1>\n");
	/* text that is the URL is not repeated */
	render("<a href=\"https://example.com/\">https://example.com/</a>", &r);
	assert_string_equal(r.text, "https://example.com/\n");
	render("<a href=\"mailto:a@example.com\">a@example.com</a>", &r);
	assert_string_equal(r.text, "a@example.com\n");
	/* defanged */
	o.defang = 1;
	render_with("<a href=\"http://www.example.co.jp/a.html\">click</a>", &o, &r);
	assert_string_equal(r.text, "click <hxxp://www[.]example[.]co[.]jp/a.html>\n");
	/* show_urls off: the text alone */
	o.defang = 0;
	o.show_urls = 0;
	render_with("<a href=\"http://example.com/\">click</a>", &o, &r);
	assert_string_equal(r.text, "click\n");
}

static void
test_dangerous_urls_never_shown(void **state)
{
	static const char *const html[] = {
		"<a href=\"javascript:alert(1)\">click</a>",
		"<a href=\"  JaVaScRiPt:alert(1)\">click</a>",
		"<a href=\"vbscript:msgbox\">click</a>",
		"<a href=\"data:text/html;base64,PHNjcmlwdD4=\">click</a>",
		"<a href=\"java&#x09;script:alert(1)\">click</a>",
	};
	struct rendered r;

	for (size_t i = 0; i < sizeof html / sizeof html[0]; i++) {
		render(html[i], &r);
		assert_string_equal(r.text, "click\n");
		assert_null(strstr(r.text, "script"));
		assert_null(strstr(r.text, "data:"));
	}
}

static void
test_images(void **state)
{
	struct rendered r;
	struct html_opts o = defaults;

	render("<p>logo: <img src=\"cid:x\" alt=\"会社ロゴ\"></p>", &r);
	assert_string_equal(r.text, "logo: [画像: 会社ロゴ]\n");
	render("<img src=\"x.png\">", &r);
	assert_string_equal(r.text, "[画像]\n");
	/* tracking pixels say nothing */
	render("<p>hi<img src=\"https://t.example/p.gif\" width=\"1\" height=\"1\"></p>", &r);
	assert_string_equal(r.text, "hi\n");
	assert_int_equal(r.info.images, 1);
	o.lang_en = 1;
	render_with("<img alt=\"logo\">", &o, &r);
	assert_string_equal(r.text, "[image: logo]\n");
}

static void
test_hidden_content_absent(void **state)
{
	struct rendered r;

	render("<html><head><title>SECRET1</title><style>p{color:red} SECRET2</style>"
	    "<script>var s='SECRET3';</script></head><body>"
	    "<p>visible</p>"
	    "<script>SECRET4()</script>"
	    "<div hidden>SECRET5</div>"
	    "<span style=\"DISPLAY : none\">SECRET6</span>"
	    "<p style=\"color:red; visibility: hidden\">SECRET7</p>"
	    "<form><input type=\"text\" value=\"SECRET8\"><textarea>SECRET9</textarea>"
	    "<select><option>SECRET10</option></select><button>SECRET11</button></form>"
	    "<!-- SECRET12 -->"
	    "<template><p>SECRET13</p></template>"
	    "<noscript>SECRET14</noscript>"
	    "<p>end</p></body></html>", &r);
	assert_null(strstr(r.text, "SECRET"));
	assert_string_equal(r.text, "visible\n\nend\n");
	assert_true(r.info.scripts_skipped >= 1);	/* the one in <head> goes with it */
	assert_true(r.info.hidden_skipped >= 3);
	assert_true(r.info.forms_skipped >= 1);
}

static void
test_hidden_nesting_resumes(void **state)
{
	struct rendered r;

	/* text after a hidden subtree with children is shown again */
	render_body("<div style=\"display:none\"><p><b>x</b></p><br><img alt=\"y\"></div>"
	    "<p>shown</p>", &r);
	assert_string_equal(r.text, "shown\n");
}

static void
test_entities(void **state)
{
	struct rendered r;

	render("<p>a &amp; b&nbsp;c &#x2460; &#12354; &lt;tag&gt; &quot;q&quot; &copy;</p>", &r);
	assert_string_equal(r.text, "a & b c ① あ <tag> \"q\" \xc2\xa9\n");
}

static void
test_blockquote(void **state)
{
	struct rendered r;

	render_body("<p>hi</p><blockquote><p>quoted</p><p>more<br>line</p></blockquote><p>after</p>", &r);
	assert_int_equal(strncmp(r.text, "hi\n", 3), 0);
	assert_non_null(strstr(r.text, "\n> quoted\n>\n> more\n> line\n\nafter\n"));
	/* regression: the blank line before a quote carries no marker */
	assert_string_equal(r.text, "hi\n\n> quoted\n>\n> more\n> line\n\nafter\n");
	render("<blockquote>a<blockquote>b</blockquote></blockquote>", &r);
	assert_string_equal(r.text, "> a\n> > b\n");
}

static void
test_pre(void **state)
{
	struct rendered r;

	render_body("<pre>a  b\n  c</pre><p>x  y</p>", &r);
	assert_string_equal(r.text, "a  b\n  c\n\nx y\n");
}

static void
test_depth_limit(void **state)
{
	struct rendered r;
	struct html_opts o = defaults;
	char html[1024];
	size_t n = 0;

	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(html + n, sizeof html - n, "<div>");
	snprintf(html + n, sizeof html - n, "deep");
	o.max_depth = 8;
	render_with(html, &o, &r);
	assert_non_null(r.info.limit_hit);
	assert_string_equal(r.info.limit_hit, "html_depth_limit");
	assert_null(strstr(r.text, "deep"));
	/* within the limit: no limit hit */
	o.max_depth = 32;
	render_with(html, &o, &r);
	assert_null(r.info.limit_hit);
	assert_string_equal(r.text, "deep\n");
	/* the 20 divs sit inside the html and body elements the parser implies */
	assert_int_equal(r.info.max_depth_seen, 22);
}

static void
test_node_limit(void **state)
{
	struct rendered r;
	struct html_opts o = defaults;
	char html[4096];
	size_t n = 0;

	n += (size_t)snprintf(html, sizeof html, "<html><body>");
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(html + n, sizeof html - n, "<b>%d</b>", i);
	snprintf(html + n, sizeof html - n, "</body></html>");
	o.max_nodes = 100;
	render_with(html, &o, &r);
	assert_non_null(r.info.limit_hit);
	assert_string_equal(r.info.limit_hit, "html_node_limit");
	assert_null(strstr(r.text, "199"));
	o.max_nodes = 1000;
	render_with(html, &o, &r);
	assert_null(r.info.limit_hit);
	assert_non_null(strstr(r.text, "199"));
}

static void
test_text_size_limit(void **state)
{
	struct html_info info;
	struct buf out;
	char html[4096];

	memset(html, 'x', sizeof html - 1);
	html[sizeof html - 1] = '\0';
	buf_init(&out, 100);
	html_to_text(html, strlen(html), &defaults, &out, &info);
	assert_non_null(info.limit_hit);
	assert_string_equal(info.limit_hit, "text_size_limit");
	assert_true(out.len <= 100);
	buf_free(&out);
}

static void
test_fragments_keep_all_content(void **state)
{
	struct rendered r;

	/*
	 * HTML mail is often a fragment: Gmail sends "<div dir=ltr>..</div>
	 * <div class=gmail_quote>..</div>", newsletters start with a bare
	 * <style> block, some clients send <head>..</head><body>..</body> with
	 * no <html>.  Every part of it must be rendered.
	 */
	render("<div>first</div><div>second</div>", &r);
	assert_non_null(strstr(r.text, "first"));
	/* regression: everything after the first top-level element is dropped */
	assert_string_equal(r.text, "first\nsecond\n");
	render("<style>p { color: red }</style><p>The body</p>", &r);
	assert_null(strstr(r.text, "color"));
	/* regression: a style element first lost the whole body */
	assert_string_equal(r.text, "The body\n");
	render("<head><title>t</title></head><body><p>The body</p></body>", &r);
	assert_null(strstr(r.text, "t\n"));
	/* regression: an explicit head first lost the whole body */
	assert_string_equal(r.text, "The body\n");
	render("<html><body><p>a</p></body></html>\n<p>list footer</p>", &r);
	assert_non_null(strstr(r.text, "a\n"));
	/* regression: content after </html> is shown, as browsers do */
	assert_non_null(strstr(r.text, "list footer"));
	/* text before the first element is kept */
	render("hello <b>x</b> world", &r);
	assert_string_equal(r.text, "hello x world\n");
}

static void
test_libxml2_quirks_handled(void **state)
{
	struct rendered r;

	/* Outlook's downlevel-revealed markers are not text; their content is */
	render("<p><![if !supportLists]>1.<![endif]>item</p><!VR><![CDATA[x]]>", &r);
	assert_string_equal(r.text, "1.item\n");
	/* a conditional comment stays one comment, whatever it holds */
	render("<!--[if mso]><p>mso only</p><![endif]--><p>shown</p>", &r);
	assert_string_equal(r.text, "shown\n");
	/* HTML5: references to C1 controls are windows-1252 */
	render("<p>a&#150;b&#153;</p>", &r);
	assert_string_equal(r.text, "a–b™\n");
	/* content after the document's end is still shown */
	render("<html><body><p>a</p></body></html><p>b</p>", &r);
	assert_string_equal(r.text, "a\n\nb\n");
}

static void
test_url_defang(void **state)
{
	struct buf b;

	buf_init(&b, 256);
	url_defang(&b, "http://www.example.com/a.b?c.d", 30);
	assert_string_equal(buf_str(&b), "hxxp://www[.]example[.]com/a.b?c.d");
	buf_reset(&b);
	url_defang(&b, "HTTPS://evil.example", 20);
	assert_string_equal(buf_str(&b), "HXXPS://evil[.]example");
	buf_reset(&b);
	url_defang(&b, "ftp://files.example.org/x", 25);
	assert_string_equal(buf_str(&b), "fxp://files[.]example[.]org/x");
	buf_free(&b);
}

static void
test_meta_charset(void **state)
{
	char cs[40];
	const char *h1 = "<html><head><meta charset=\"shift_jis\"></head>";
	const char *h2 = "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-2022-jp\">";

	assert_int_equal(html_meta_charset(h1, strlen(h1), cs, sizeof cs), 1);
	assert_string_equal(cs, "shift_jis");
	assert_int_equal(html_meta_charset(h2, strlen(h2), cs, sizeof cs), 1);
	assert_string_equal(cs, "iso-2022-jp");
	assert_int_equal(html_meta_charset("<p>none</p>", 11, cs, sizeof cs), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paragraphs_and_br),
		cmocka_unit_test(test_headings),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_dangerous_urls_never_shown),
		cmocka_unit_test(test_images),
		cmocka_unit_test(test_hidden_content_absent),
		cmocka_unit_test(test_hidden_nesting_resumes),
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_blockquote),
		cmocka_unit_test(test_pre),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_node_limit),
		cmocka_unit_test(test_text_size_limit),
		cmocka_unit_test(test_fragments_keep_all_content),
		cmocka_unit_test(test_libxml2_quirks_handled),
		cmocka_unit_test(test_url_defang),
		cmocka_unit_test(test_meta_charset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
