/*
 * limits - the named ceilings every sanitising step obeys.
 *
 * This is only the plain struct the lower layers read.  The names, defaults,
 * ranges and documentation of each limit live in one table in
 * src/policy/config.c; a limit that is hit is reported by its name there
 * (limit_name_*) in the receipt's "limits_hit".
 */
#ifndef SEKISHO_CORE_LIMITS_H
#define SEKISHO_CORE_LIMITS_H

#include <stddef.h>

struct limits {
	size_t message_bytes;	/* message_size_limit */
	size_t header_bytes;	/* header_size_limit: all headers of one entity */
	size_t line_bytes;	/* line_length_limit */
	size_t parts;		/* mime_part_limit */
	size_t nesting;		/* mime_nesting_limit */
	size_t text_bytes;	/* text_size_limit: decoded text of one message */
	size_t html_depth;	/* html_depth_limit */
	size_t html_nodes;	/* html_node_limit */
	size_t seconds;		/* time_limit, per item */
	size_t memory_bytes;	/* memory_limit, per worker */

	/* files (src/cdr) */
	size_t file_bytes;	/* file_size_limit: one file given to sekisho file */
	size_t file_out_bytes;	/* file_output_size_limit: one sanitised file */
	size_t pdf_pages;	/* pdf_page_limit */
	size_t image_pixels;	/* image_pixel_limit: width x height of one image */
	size_t archive_entries;	/* archive_entry_limit: members of one archive, all levels */
	size_t archive_total;	/* archive_total_size_limit: unpacked bytes, all levels */
	size_t archive_entry_bytes;	/* archive_entry_size_limit: one unpacked member */
	size_t archive_ratio;	/* archive_ratio_limit: unpacked/packed of one member */
	size_t archive_depth;	/* archive_depth_limit: archives inside archives */
	size_t office_parts;	/* office_part_limit: members of one OOXML package */
};

#endif
