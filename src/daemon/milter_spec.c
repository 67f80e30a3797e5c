/*
 * milter_spec - the milter_listen setting, in Postfix's spelling and
 * libmilter's.  See milter.h.
 */
#include "daemon/milter.h"

#include <stdio.h>
#include <string.h>

#include "core/num.h"

/*
 * Postfix names a milter "inet:HOST:PORT" or "unix:/path"; libmilter wants
 * "inet:PORT@HOST" or "unix:/path".  Both spellings are accepted; conn gets
 * libmilter's.
 */
int
milter_conn_spec(const char *spec, char *conn, size_t n, struct buf *err)
{
	const char *rest, *colon;
	uint64_t port;
	char portstr[16];

	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		rest = strchr(spec, ':') + 1;
		if (rest[0] != '/') {
			buf_printf(err, "milter_listen: \"%s\": the socket path must be absolute", spec);
			return -1;
		}
		if (strlen(rest) >= 100) {	/* sun_path */
			buf_printf(err, "milter_listen: \"%s\": socket path too long", spec);
			return -1;
		}
		snprintf(conn, n, "unix:%s", rest);
		return 0;
	}
	if (strncmp(spec, "inet:", 5) != 0 && strncmp(spec, "inet6:", 6) != 0) {
		buf_printf(err, "milter_listen: \"%s\" is not inet:HOST:PORT or unix:/path", spec);
		return -1;
	}
	rest = strchr(spec, ':') + 1;
	if (strchr(rest, '@') != NULL) {	/* already libmilter's PORT@HOST */
		size_t pl = strcspn(rest, "@");

		if (pl == 0 || pl >= sizeof portstr) {
			buf_printf(err, "milter_listen: \"%s\": bad port", spec);
			return -1;
		}
		memcpy(portstr, rest, pl);
		portstr[pl] = '\0';
		if (parse_u64(portstr, &port) != 0 || port == 0 || port > 65535 ||
		    rest[pl + 1] == '\0') {
			buf_printf(err, "milter_listen: \"%s\": bad port or host", spec);
			return -1;
		}
		snprintf(conn, n, "%s", spec);
		return 0;
	}
	if ((colon = strrchr(rest, ':')) == NULL || colon == rest ||
	    parse_u64(colon + 1, &port) != 0 || port == 0 || port > 65535) {
		buf_printf(err, "milter_listen: \"%s\" is not inet:HOST:PORT", spec);
		return -1;
	}
	if (snprintf(conn, n, "%.*s%llu@%.*s", (int)(rest - spec), spec,
	    (unsigned long long)port, (int)(colon - rest), rest) >= (int)n) {
		buf_printf(err, "milter_listen: \"%s\" is too long", spec);
		return -1;
	}
	return 0;
}

int
milter_check_spec(const char *spec, struct buf *err)
{
	char conn[300];

	return milter_conn_spec(spec, conn, sizeof conn, err);
}

