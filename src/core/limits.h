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
};

#endif
