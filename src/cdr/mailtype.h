/*
 * mailtype - is this content a mail message, or an mbox of them?
 *
 * A message saved as a file (.eml, a forwarded message in a zip, a .txt
 * that is really a message) carries its attachments inside it; classed as
 * plain text, it would cross whole, base64 attachment included.  These
 * checks tell such content from text so that it is sanitised as mail.
 *
 * A message: the content opens with a header block (every line a
 * "Name: value" field or its continuation, within MAILTYPE_HEADER_SCAN
 * bytes) with at least two fields mail uses, one of them a field only a
 * message or a MIME entity has (From, Received, Return-Path, Message-ID,
 * MIME-Version, Content-Type, Content-Transfer-Encoding), and a body after
 * it: after a blank line, or from the first line that is no field (where
 * lenient parsers, Python's among them, start the body).  A note that
 * starts "Subject: ...\nDate: ..." stays text, and so do headers alone
 * (a bounce's copy of them: nothing is carried).  An mbox: a "From "
 * envelope line, then a message.
 * mailtype_mbox_next() splits an mbox at "From " lines that start the file
 * or follow a blank line.  Pure functions over bounded input.
 */
#ifndef SEKISHO_CDR_MAILTYPE_H
#define SEKISHO_CDR_MAILTYPE_H

#include <stddef.h>

#define MAILTYPE_HEADER_SCAN (256 * 1024)	/* bytes of a header block looked at */

int mailtype_is_message(const unsigned char *p, size_t len);
int mailtype_is_mbox(const unsigned char *p, size_t len);
/*
 * The next message of an mbox from *pos (0 at first): 1 with the message
 * in [*start, *end) (its "From " line left out) and *pos moved past it,
 * 0 when there is none left.
 */
int mailtype_mbox_next(const unsigned char *p, size_t len, size_t *pos, size_t *start,
    size_t *end);

#endif
