/*
 * health - is sekisho well?  The checks behind `sekisho status` and the
 * alert mails of sekishod's health process (sk-health).
 *
 * Each check looks at one thing an operator must hear about and says OK,
 * BAD (with what it saw, in Japanese and in English) or OFF (not part of
 * this configuration): the listeners answer; clamd answers PING; the
 * quarantine's metadata opens and answers; the quarantine key is there and
 * private; the file systems of the spool, the quarantine and the journal
 * have alert_disk_percent free; nothing has waited in the spool longer than
 * alert_queue_minutes; fewer than alert_worker_deaths sandboxed workers
 * died in the last hour; the journal verifies (chain and signed checkpoints).
 *
 * sk-health runs the checks each alert_check_seconds and writes what it
 * found to spool_dir/HEALTH_STATE_FILE (JSON, replaced atomically): the
 * checks, when, and which alerts were mailed, so that a restart does not
 * mail the same alert again.  When a check turns BAD it mails alert_to
 * once (【sekisho 警告】), and once more when it is OK again
 * (【sekisho 復旧】), through deliver_to like the console's notices.
 * `sekisho status` runs the checks itself, but takes the workers' deaths
 * from that file (only the daemon sees them), and says so when sekishod
 * has not written it lately.
 */
#ifndef SEKISHO_DAEMON_HEALTH_H
#define SEKISHO_DAEMON_HEALTH_H

#include <stdint.h>

#include "core/buf.h"
#include "policy/config.h"

#define HEALTH_STATE_FILE "health.json"	/* under spool_dir */
#define HEALTH_DETAIL_MAX 2048		/* bytes of what a check saw, each language */
#define HEALTH_CONNECT_S 5		/* a listener or clamd must answer within this */
#define HEALTH_JOURNAL_EVERY_S 600	/* sk-health verifies the journal this often */
#define HEALTH_DEATHS_WINDOW_S 3600	/* worker deaths are counted over this */
#define HEALTH_SAMPLES_MAX 1024		/* deaths samples kept for the window */
#define HEALTH_STATE_MAX ((size_t)64 * 1024)	/* the state file, read back */
#define HEALTH_SPOOL_SCAN_MAX 100000	/* spool files looked at for the oldest */

enum health_check {
	HEALTH_LISTENER,	/* SMTP/LMTP listen */
	HEALTH_MILTER,		/* milter_listen */
	HEALTH_CONSOLE,		/* console_listen */
	HEALTH_CLAMD,
	HEALTH_STORE,
	HEALTH_KEY,
	HEALTH_DISK,
	HEALTH_QUEUE,
	HEALTH_WORKERS,
	HEALTH_JOURNAL,
	HEALTH_N
};

enum health_state { HEALTH_OK, HEALTH_BAD, HEALTH_OFF };

struct health_report {
	long long at;				/* seconds since the epoch */
	enum health_state st[HEALTH_N];
	char ja[HEALTH_N][HEALTH_DETAIL_MAX];	/* what was seen */
	char en[HEALTH_N][HEALTH_DETAIL_MAX];
};

/* sk-health, started as root, keeps O_PATH descriptors of the quarantine
 * key and the audit public key (in a folder only root may search): it may
 * look at the key (fstat: present, private) and reopen the public key
 * (/proc/self/fd), never read the secret.  -1: use the paths. */
void health_use_fds(int quarantine_key_opath, int audit_pub_opath);

/* "listener", "clamd", ... (the JSON's and the alert's name). */
const char *health_name(enum health_check c);
/* What the check is about, for people: "clamd（ウイルス検査）" / "clamd (virus scanning)". */
const char *health_title(enum health_check c, int english);

/*
 * Run the checks into r (those not asked for are OFF).  deaths: worker
 * deaths in the last hour, or -1 when unknown (the workers' check then
 * reads the daemon's state file).  HEALTH_F_JOURNAL: verify the journal
 * (it reads the whole file); HEALTH_F_LISTENERS: connect to the listeners
 * (each answers with a session of its own, so sk-health does not).
 */
#define HEALTH_F_JOURNAL 1
#define HEALTH_F_LISTENERS 2
void health_run(const struct config *cfg, long long deaths, int flags,
    struct health_report *r);

/* The state file: written (0, or -1 with the reason), read back (0, 1 when
 * there is none, -1 unreadable).  alerted: a bit per check whose alert was
 * mailed and whose recovery was not yet. */
int health_state_write(const struct config *cfg, const struct health_report *r,
    uint32_t alerted, struct buf *err);
int health_state_read(const struct config *cfg, struct health_report *r, uint32_t *alerted,
    struct buf *err);

/*
 * The health process's loop (sk-health, as the daemon user): checks each
 * alert_check_seconds, the journal each HEALTH_JOURNAL_EVERY_S, mails
 * alert_to on each change of a check between OK and BAD.  Returns when
 * *stop is set.
 */
int health_run_loop(const struct config *cfg, volatile int *stop);

#endif
