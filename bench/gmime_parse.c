/* gmime_parse.c - GMime 3 parse-only floor for the `sekisho mail` benchmark.
 *
 * For each file given: read it with read(), parse it with
 * g_mime_parser_construct_message, decode the Subject, and walk every part
 * (into multiparts and message/rfc822 parts); each leaf part's content is
 * decoded from its transfer encoding, text parts are also converted to UTF-8.
 * No output is written: this is the lower bound sekisho is measured against.
 *
 * Build: cc -O2 -o build/bench/gmime_parse bench/gmime_parse.c \
 *            $(pkg-config --cflags --libs gmime-3.0)
 * Usage: gmime_parse FILE...
 * Prints on stderr: gmime-parse: N messages, T.TTT s, R msg/s
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <gmime/gmime.h>

static size_t decoded; /* bytes of decoded content, so no work is skipped */

static void walk(GMimeObject *obj)
{
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
			walk(g_mime_multipart_get_part(mp, i));
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (inner) {
			const char *s = g_mime_message_get_subject(inner);
			decoded += s ? strlen(s) : 0;
			if (inner->mime_part)
				walk(inner->mime_part);
		}
	} else if (GMIME_IS_TEXT_PART(obj)) {
		char *text = g_mime_text_part_get_text(GMIME_TEXT_PART(obj)); /* CTE + charset */
		decoded += text ? strlen(text) : 0;
		g_free(text);
	} else if (GMIME_IS_PART(obj)) {
		GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(obj));
		if (content) {
			GMimeStream *mem = g_mime_stream_mem_new();
			g_mime_data_wrapper_write_to_stream(content, mem); /* decodes CTE */
			decoded += g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem))->len;
			g_object_unref(mem);
		}
	}
}

static int parse_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	guint8 *buf = g_malloc(st.st_size + 1);
	size_t len = 0;
	ssize_t r;
	while (len < (size_t)st.st_size && (r = read(fd, buf + len, st.st_size - len)) > 0)
		len += r;
	close(fd);

	GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(g_byte_array_new_take(buf, len));
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (!msg) {
		fprintf(stderr, "%s: not parsed\n", path);
		return -1;
	}
	const char *subject = g_mime_message_get_subject(msg);
	decoded += subject ? strlen(subject) : 0;
	if (msg->mime_part)
		walk(msg->mime_part);
	g_object_unref(msg);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	int failed = 0;

	g_mime_init();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 1; i < argc; i++)
		failed += parse_file(argv[i]) < 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	g_mime_shutdown();

	double t = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	int n = argc - 1;
	fprintf(stderr, "gmime-parse: %zu bytes decoded, %d files failed\n", decoded, failed);
	fprintf(stderr, "gmime-parse: %d messages, %.3f s, %.1f msg/s\n", n, t, t > 0 ? n / t : 0.0);
	return failed ? 1 : 0;
}
