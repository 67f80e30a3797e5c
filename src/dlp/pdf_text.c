/*
 * pdf_text - the text of a PDF's pages.  See pdf_text.h.
 */
#include "dlp/pdf_text.h"

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include <stdio.h>
#include <string.h>

#include "cdr/pdf.h"
#include "core/buf.h"
#include "core/utf8.h"

/* One page's text into b; -1 when text_size_limit cut it. */
static int
page_text(fz_context *ctx, fz_page *page, struct buf *b)
{
	fz_stext_page *tp = fz_new_stext_page_from_page(ctx, page, NULL);
	int rc = 0;

	for (fz_stext_block *bl = tp->first_block; bl != NULL && rc == 0; bl = bl->next) {
		if (bl->type != FZ_STEXT_BLOCK_TEXT)
			continue;
		for (fz_stext_line *ln = bl->u.t.first_line; ln != NULL && rc == 0; ln = ln->next) {
			for (fz_stext_char *ch = ln->first_char; ch != NULL && rc == 0; ch = ch->next)
				if (ch->c > 0 && (ch->c < 0xd800 || ch->c > 0xdfff) && ch->c <= 0x10ffff)
					rc = utf8_put(b, (unsigned int)ch->c);
			if (rc == 0)
				rc = buf_putc(b, '\n');
		}
	}
	fz_drop_stext_page(ctx, tp);
	return rc;
}

int
pdf_text(const unsigned char *in, size_t len, const struct limits *lim,
    pdf_page_fn fn, void *arg, char *why, size_t whylen)
{
	struct pdf_mem mem;
	fz_context *ctx = cdr_pdf_context(&mem, lim->memory_bytes);
	fz_stream *volatile stm = NULL;
	pdf_document *volatile doc = NULL;
	fz_page *volatile page = NULL;
	const char *volatile reason = NULL;
	size_t text_left = lim->text_bytes;
	struct buf b;

	why[0] = '\0';
	if (ctx == NULL) {
		snprintf(why, whylen, "memory_limit");
		return -1;
	}
	buf_init(&b, lim->text_bytes);
	fz_try(ctx) {
		int n;

		stm = fz_open_memory(ctx, in, len);
		doc = pdf_open_document_with_stream(ctx, stm);
		if (pdf_needs_password(ctx, doc)) {
			reason = "encrypted";
			break;
		}
		n = pdf_count_pages(ctx, doc);
		for (int i = 0; i < n && reason == NULL; i++) {
			char where[32];

			if ((size_t)i >= lim->pdf_pages) {
				reason = "pdf_page_limit";
				break;
			}
			buf_reset(&b);
			b.max = text_left;
			page = fz_load_page(ctx, (fz_document *)doc, i);
			if (page_text(ctx, page, &b) != 0)
				reason = "text_size_limit";
			fz_drop_page(ctx, page);
			page = NULL;
			text_left -= b.len;
			snprintf(where, sizeof where, "page %d", i + 1);
			fn(where, buf_str(&b), b.len, arg);	/* what was read, also when cut */
		}
	}
	fz_always(ctx) {
		fz_drop_page(ctx, page);
		pdf_drop_document(ctx, doc);
		fz_drop_stream(ctx, stm);
	}
	fz_catch(ctx) {
		if (reason == NULL)
			reason = mem.hit ? "memory_limit" : "malformed";
	}
	fz_drop_context(ctx);
	buf_free(&b);
	if (reason != NULL) {
		snprintf(why, whylen, "%s", reason);
		return -1;
	}
	return 0;
}
