/*
 * notify - the console's mail to approvers and requesters (see the header).
 */
#include "web/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "gateway/deliver.h"
#include "gateway/spool.h"
#include "mime/compose.h"
#include "mime/notice.h"

#define NOTIFY_MAX ((size_t)256 * 1024)

void
notify_init(void)
{
	notice_init();
}

static const char *
host_name(const struct config *cfg, char *buf, size_t n)
{
	if (cfg->hostname[0] != '\0')
		return cfg->hostname;
	if (gethostname(buf, n) != 0)
		snprintf(buf, n, "localhost");
	buf[n - 1] = '\0';
	return buf;
}

int
notify_deliver(const struct config *cfg, const char *sender, const char *rcpts, size_t nrcpt,
    const char *msg, size_t len, struct buf *err)
{
	return notify_deliver_via(cfg, cfg->deliver_to, NOTIFY_RCPT_MAX, sender, rcpts, nrcpt,
	    msg, len, err);
}

int
notify_deliver_via(const struct config *cfg, const char *target, size_t rcpt_max,
    const char *sender, const char *rcpts, size_t nrcpt, const char *msg, size_t len,
    struct buf *err)
{
	char host[256], qid[40];
	char (*rcpt)[SPOOL_ADDR_MAX];
	struct deliver_target t;
	struct envelope env;
	unsigned char r[8];
	const char *p = rcpts;
	size_t k = 0;
	int rc = -1;

	if (nrcpt == 0 || nrcpt > rcpt_max) {
		buf_puts(err, nrcpt == 0 ? "no address to deliver to" : "too many addresses");
		return -1;
	}
	if (deliver_parse_target(target, &t, err) != 0)
		return -1;
	if ((rcpt = calloc(nrcpt, sizeof *rcpt)) == NULL)
		return -1;
	while (*p != '\0' && k < nrcpt) {
		const char *e = strchr(p, '\n');
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);

		if (n > 0 && n < SPOOL_ADDR_MAX) {
			memcpy(rcpt[k], p, n);
			rcpt[k][n] = '\0';
			k++;
		}
		p = e != NULL ? e + 1 : p + n;
	}
	host_name(cfg, host, sizeof host);
	randombytes_buf(r, sizeof r);
	snprintf(qid, sizeof qid, "console-%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
	memset(&env, 0, sizeof env);
	snprintf(env.qid, sizeof env.qid, "%s", qid);
	if (sender != NULL)
		snprintf(env.sender, sizeof env.sender, "%s", sender);
	else
		snprintf(env.sender, sizeof env.sender, "postmaster@%s", host);
	env.nrcpt = k;
	env.rcpt = rcpt;
	env.received = (long long)time(NULL) * 1000;
	if (deliver(&t, &env, msg, len, host, err) == DELIVER_OK)
		rc = 0;
	free(rcpt);
	return rc;
}

/* One message to the addresses (one per line in rcpts), delivered. */
static int
send_notice(const struct config *cfg, const char *rcpts, size_t nrcpt, const char *subject,
    const char *body)
{
	char host[256], from[300], mid[300], date[64];
	struct buf msg, err;
	unsigned char r[8];
	time_t now = time(NULL);
	struct tm tm;
	enum out_charset cs = cfg->pol.out_charset;
	int rc = -1;

	if (nrcpt == 0)
		return 0;
	host_name(cfg, host, sizeof host);
	randombytes_buf(r, sizeof r);
	snprintf(from, sizeof from, "sekisho <postmaster@%s>", host);
	snprintf(mid, sizeof mid, "<console-%02x%02x%02x%02x.%lld@%s>", r[0], r[1], r[2], r[3],
	    (long long)now, host);
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	buf_init(&msg, NOTIFY_MAX);
	buf_init(&err, 1024);
	if (compose_header(&msg, "From", from, HK_ADDR, cs) == 0 &&
	    compose_header(&msg, "Subject", subject, HK_TEXT, cs) == 0 &&
	    compose_header(&msg, "Date", date, HK_ASCII, cs) == 0 &&
	    compose_header(&msg, "Message-ID", mid, HK_ASCII, cs) == 0 &&
	    compose_header(&msg, "Auto-Submitted", "auto-generated", HK_ASCII, cs) == 0 &&
	    compose_body(&msg, body, strlen(body), cs) == 0) {
		if (notify_deliver(cfg, NULL, rcpts, nrcpt, msg.data, msg.len, &err) == 0)
			rc = (int)nrcpt;
		else
			syslog(LOG_WARNING, "console: a notice to %zu address(es) was not sent: %s",
			    nrcpt, buf_str(&err));
	}
	buf_free(&msg);
	buf_free(&err);
	return rc;
}

int
notify_send(const struct config *cfg, const char *rcpts, size_t nrcpt, const char *subject,
    const char *body)
{
	return send_notice(cfg, rcpts, nrcpt, subject, body);
}

static void
link_to(const struct config *cfg, struct buf *b, const char *what)
{
	size_t n = strlen(cfg->pol.console_url);

	while (n > 0 && cfg->pol.console_url[n - 1] == '/')
		n--;
	if (n > 0)
		buf_printf(b, "  %.*s%s\n", (int)n, cfg->pol.console_url, what);
}

struct approvers {
	const struct account *requester;
	struct buf rcpts;
	size_t n;
};

static int
approver_of(const struct account *a, void *ctx)
{
	struct approvers *ap = ctx;
	const char *p = a->addresses;

	if (a->role != ROLE_APPROVER || a->disabled || a->group[0] == '\0' ||
	    strcmp(a->group, ap->requester->group) != 0 ||
	    strcmp(a->name, ap->requester->name) == 0)
		return 0;
	while (*p != '\0' && ap->n < NOTIFY_RCPT_MAX) {
		const char *e = strchr(p, '\n');
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);

		buf_printf(&ap->rcpts, "%.*s\n", (int)n, p);
		ap->n++;
		p = e != NULL ? e + 1 : p + n;
	}
	return 0;
}

int
notify_request(const struct config *cfg, struct store *s, const struct account *requester,
    const char *item, const char *subject, const char *sender, const char *reason, int outbound)
{
	const int en = cfg->console_language == 1;
	struct approvers ap = { .requester = requester };
	struct buf body, subj, err;
	int r;

	if (requester->group[0] == '\0')
		return 0;
	buf_init(&ap.rcpts, NOTIFY_RCPT_MAX * (ACCOUNT_ADDRESS_MAX + 1) + 1);
	buf_init(&err, 1024);
	if (account_list(s, approver_of, &ap, &err) != 0) {
		syslog(LOG_ERR, "console: approvers of %s: %s", requester->group, buf_str(&err));
		buf_free(&ap.rcpts);
		buf_free(&err);
		return -1;
	}
	buf_init(&body, NOTIFY_MAX);
	buf_init(&subj, 8192);
	buf_printf(&subj, en ? "[Approval requested] %s" : "【承認依頼】%s", subject);
	if (en && outbound)
		buf_printf(&body, "%s (%s) asks to send a message that was held as it left.\n\n"
		    "Receipt: %s\nSubject: %s\nReason: %s\n\nSee what was found and approve or "
		    "reject it in the staff console:\n", requester->display, requester->name, item,
		    subject, reason);
	else if (en)
		buf_printf(&body, "%s (%s) asks for the original of a message.\n\nReceipt: %s\n"
		    "Subject: %s\nFrom: %s\nReason: %s\n\nApprove or reject it in the staff "
		    "console:\n", requester->display, requester->name, item, subject, sender, reason);
	else if (outbound)
		buf_printf(&body, "%s さん（%s）から、送信を保留したメールの送信承認の申請が"
		    "ありました。\n\n受付番号: %s\n件名: %s\n申請理由: %s\n\n"
		    "検出内容を職員コンソールで確認し、承認または却下してください:\n",
		    requester->display, requester->name, item, subject, reason);
	else
		buf_printf(&body, "%s さん（%s）から、メールの原本の申請がありました。\n\n"
		    "受付番号: %s\n件名: %s\n差出人: %s\n申請理由: %s\n\n"
		    "職員コンソールで承認または却下してください:\n", requester->display,
		    requester->name, item, subject, sender, reason);
	link_to(cfg, &body, "/approvals");
	r = send_notice(cfg, buf_str(&ap.rcpts), ap.n, buf_str(&subj), buf_str(&body));
	buf_free(&body);
	buf_free(&subj);
	buf_free(&ap.rcpts);
	buf_free(&err);
	return r;
}

int
notify_decision(const struct config *cfg, const struct account *requester, const char *item,
    const char *subject, int approved, const char *by, const char *comment, int outbound)
{
	const int en = cfg->console_language == 1;
	size_t n = 0;
	struct buf body, subj, path;
	int r;

	for (const char *p = requester->addresses; *p != '\0'; p++)
		n += *p == '\n';
	if (requester->addresses[0] != '\0')
		n++;
	buf_init(&body, NOTIFY_MAX);
	buf_init(&subj, 8192);
	buf_init(&path, 512);
	if (en)
		buf_printf(&subj, approved ? "[Approved] %s" : "[Rejected] %s", subject);
	else
		buf_printf(&subj, approved ? "【承認されました】%s" : outbound ? "【送信却下】%s" :
		    "【却下されました】%s", subject);
	if (outbound && en)
		buf_printf(&body, "Your request to send a held message was %s by %s.\n\n"
		    "Receipt: %s\nSubject: %s\nComment: %s\n\n%s", approved ? "approved" :
		    "rejected", by, item, subject, comment, approved ? "It was sent to its "
		    "recipients. The message in the staff console:\n" : "It was not sent. The "
		    "message in the staff console:\n");
	else if (outbound)
		buf_printf(&body, "送信を保留したメールの送信申請は %s さんにより%sされました。\n\n"
		    "受付番号: %s\n件名: %s\nコメント: %s\n\n%s", by, approved ? "承認" : "却下",
		    item, subject, comment, approved ? "メールは宛先に送信されました。"
		    "職員コンソールの該当ページ:\n" : "メールは送信されていません。"
		    "職員コンソールの該当ページ:\n");
	else if (en)
		buf_printf(&body, "Your request for the original was %s by %s.\n\nReceipt: %s\n"
		    "Subject: %s\nComment: %s\n\n%s", approved ? "approved" : "rejected", by, item,
		    subject, comment, approved ? "Download it in the staff console:\n" :
		    "The message in the staff console:\n");
	else
		buf_printf(&body, "原本の申請は %s さんにより%sされました。\n\n受付番号: %s\n"
		    "件名: %s\nコメント: %s\n\n%s", by, approved ? "承認" : "却下", item, subject,
		    comment, approved ? "職員コンソールからダウンロードできます:\n" :
		    "職員コンソールの該当ページ:\n");
	buf_printf(&path, "/items/%s", item);
	link_to(cfg, &body, buf_str(&path));
	r = send_notice(cfg, requester->addresses, n, buf_str(&subj), buf_str(&body));
	buf_free(&body);
	buf_free(&subj);
	buf_free(&path);
	return r;
}

int
notify_outbound_held(const struct config *cfg, const char *id, const char *sender,
    const char *subject, const char *reason)
{
	const int en = cfg->console_language == 1;
	struct buf body, subj, path, rcpt, why;
	const char *a = sender;
	size_t n;
	int r;

	/* the envelope sender, without its angle brackets */
	if (*a == '<')
		a++;
	n = strcspn(a, ">");
	if (n == 0 || n >= SPOOL_ADDR_MAX || memchr(a, '@', n) == NULL)
		return 0;	/* a bounce (<>) or no address: nobody to tell */
	buf_init(&body, NOTIFY_MAX);
	buf_init(&subj, 8192);
	buf_init(&path, 512);
	buf_init(&rcpt, SPOOL_ADDR_MAX + 2);
	buf_init(&why, 1024);
	buf_printf(&rcpt, "%.*s", (int)n, a);
	notice_withheld_reason_text(reason, en ? LANG_EN : LANG_JA, &why);
	buf_printf(&subj, en ? "[Held, not sent] %s" : "【送信保留】%s", subject);
	if (en)
		buf_printf(&body, "Your message was held and has not been sent: it may carry "
		    "information that must not leave (%s).\n\nReceipt: %s\nSubject: %s\n\n"
		    "In the staff console, see what was found; then ask your approver to send it, "
		    "or recall it if it was a mistake:\n", buf_str(&why), id, subject);
	else
		buf_printf(&body, "お送りになったメールは、外部に出してはならない情報を含む"
		    "おそれがあるため、送信を保留しました（%s）。まだ送信されていません。\n\n"
		    "受付番号: %s\n件名: %s\n\n職員コンソールで検出内容を確認し、送信が必要なら"
		    "所属長に承認を申請してください。誤りであれば取り消してください:\n",
		    buf_str(&why), id, subject);
	buf_printf(&path, "/items/%s", id);
	link_to(cfg, &body, buf_str(&path));
	r = send_notice(cfg, buf_str(&rcpt), 1, buf_str(&subj), buf_str(&body));
	buf_free(&body);
	buf_free(&subj);
	buf_free(&path);
	buf_free(&rcpt);
	buf_free(&why);
	return r < 0 ? -1 : 0;
}

int
notify_outbound_refused(const struct config *cfg, const char *id, const char *sender,
    const char *subject, const char *reason)
{
	const int en = cfg->console_language == 1;
	struct buf body, subj, why;
	int r;

	if (strchr(sender, '@') == NULL)
		return 0;
	buf_init(&body, NOTIFY_MAX);
	buf_init(&subj, 8192);
	buf_init(&why, 1024);
	notice_withheld_reason_text(reason, en ? LANG_EN : LANG_JA, &why);
	buf_printf(&subj, en ? "[Not sent] %s" : "【送信できませんでした】%s", subject);
	if (en)
		buf_printf(&body, "Your message was refused and has not been sent: %s.\n\n"
		    "Receipt: %s\nSubject: %s\n\nAn encrypted file (a zip with a password) cannot "
		    "be checked and does not leave; send the file another way your office allows, "
		    "or ask your system administrator quoting the receipt.\n", buf_str(&why), id,
		    subject);
	else
		buf_printf(&body, "お送りになったメールは、送信できませんでした（%s）。"
		    "宛先には届いていません。\n\n受付番号: %s\n件名: %s\n\n"
		    "パスワード付き zip など中身を確認できないファイルは送信できません。"
		    "庁内で認められた別の方法で送るか、受付番号を添えてシステム担当者に"
		    "ご相談ください。\n", buf_str(&why), id, subject);
	r = send_notice(cfg, sender, 1, buf_str(&subj), buf_str(&body));
	buf_free(&body);
	buf_free(&subj);
	buf_free(&why);
	return r < 0 ? -1 : 0;
}

int
notify_outbound_confirm(const struct config *cfg, const char *id, const char *sender,
    const char *subject, const char *fresh)
{
	const int en = cfg->console_language == 1;
	struct buf body, subj, path, list;
	int r;

	if (strchr(sender, '@') == NULL)
		return 0;
	buf_init(&body, NOTIFY_MAX);
	buf_init(&subj, 8192);
	buf_init(&path, 512);
	buf_init(&list, NOTIFY_MAX / 2);
	for (const char *p = fresh; *p != '\0';) {
		size_t n = strcspn(p, "\n");

		buf_printf(&list, "  %.*s\n", (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
	buf_printf(&subj, en ? "[Confirm before it leaves] %s" : "【送信確認】%s", subject);
	if (en)
		buf_printf(&body, "Your message has not been sent: it is for addresses you have "
		    "never sent to before.\n\nReceipt: %s\nSubject: %s\nNew addresses:\n%s\n"
		    "If they are right, send it in the staff console; if not, recall it:\n", id,
		    subject, buf_str(&list));
	else
		buf_printf(&body, "お送りになったメールには、これまでに送信したことのない宛先が"
		    "含まれるため、まだ送信していません。\n\n受付番号: %s\n件名: %s\n"
		    "初めての宛先:\n%s\n宛先が正しければ職員コンソールで「送信する」を、"
		    "誤りであれば「送信を取り消す」を押してください:\n", id, subject,
		    buf_str(&list));
	buf_printf(&path, "/items/%s", id);
	link_to(cfg, &body, buf_str(&path));
	r = send_notice(cfg, sender, 1, buf_str(&subj), buf_str(&body));
	buf_free(&body);
	buf_free(&subj);
	buf_free(&path);
	buf_free(&list);
	return r < 0 ? -1 : 0;
}

struct pending {
	struct buf list;	/* one line per request */
	size_t n;
};

static int
take_pending(size_t ncols, const char *const *c, void *ctx)
{
	struct pending *pd = ctx;
	time_t t;
	struct tm tm;
	char when[32];

	if (ncols != 4 || c[0] == NULL || c[1] == NULL || c[2] == NULL || c[3] == NULL)
		return 0;
	t = (time_t)strtoll(c[3], NULL, 10) + 9 * 3600;
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%m/%d %H:%M", &tm);
	if (buf_printf(&pd->list, "- %s  %s (%s): %s\n", when, c[0], c[1], c[2]) != 0)
		return 1;	/* the ceiling: the rest are in the console */
	pd->n++;
	return 0;
}

struct digest_ctx {
	const struct config *cfg;
	struct store *s;
	int sent, failed;
};

static int
digest_one(const struct account *a, void *ctx)
{
	struct digest_ctx *dc = ctx;
	const int en = dc->cfg->console_language == 1;
	struct pending pd;
	struct buf body, subj, err;
	const char *p[2] = { a->group, a->name };
	size_t n = 1;
	int r;

	if (a->disabled || a->addresses[0] == '\0' || (a->role != ROLE_APPROVER &&
	    a->role != ROLE_OPERATOR) || (a->role == ROLE_APPROVER && a->group[0] == '\0'))
		return 0;
	buf_init(&pd.list, 64 * 1024);
	pd.n = 0;
	buf_init(&err, 1024);
	/* what this account may decide: its group's, or every one for an
	 * operator; never its own */
	r = store_query(dc->s, 0, a->role == ROLE_OPERATOR ?
	    "SELECT i.subject, r.requested_by, r.reason, r.requested_at FROM requests r JOIN "
	    "items i ON i.receipt_id = r.receipt_id WHERE r.state = 'pending' AND "
	    "r.requested_by <> ?2 AND ?1 = ?1 ORDER BY r.requested_at" :
	    "SELECT i.subject, r.requested_by, r.reason, r.requested_at FROM requests r JOIN "
	    "items i ON i.receipt_id = r.receipt_id JOIN users u ON u.name = r.requested_by "
	    "WHERE r.state = 'pending' AND u.grp = ?1 AND r.requested_by <> ?2 ORDER BY "
	    "r.requested_at", p, 2, take_pending, &pd, NULL, &err);
	if (r != 0 || pd.n == 0) {
		if (r != 0) {
			syslog(LOG_ERR, "console: digest for %s: %s", a->name, buf_str(&err));
			dc->failed = 1;
		}
		buf_free(&pd.list);
		buf_free(&err);
		return 0;
	}
	buf_init(&body, NOTIFY_MAX);
	buf_init(&subj, 256);
	buf_printf(&subj, en ? "[Approvals waiting: %zu]" : "【承認待ち %zu件】", pd.n);
	buf_printf(&body, en ? "Requests for originals waiting for your decision:\n\n" :
	    "承認を待っている原本の申請があります:\n\n");
	buf_append(&body, pd.list.data, pd.list.len);
	buf_puts(&body, en ? "\nDecide them in the staff console:\n" :
	    "\n職員コンソールで承認または却下してください:\n");
	link_to(dc->cfg, &body, "/approvals");
	for (const char *q = a->addresses; *q != '\0'; q++)
		n += *q == '\n';
	if (send_notice(dc->cfg, a->addresses, n, buf_str(&subj), buf_str(&body)) > 0)
		dc->sent++;
	buf_free(&body);
	buf_free(&subj);
	buf_free(&pd.list);
	buf_free(&err);
	return 0;
}

int
notify_digest(const struct config *cfg, struct store *s)
{
	struct digest_ctx dc = { .cfg = cfg, .s = s };
	struct buf err;

	buf_init(&err, 1024);
	if (account_list(s, digest_one, &dc, &err) != 0) {
		syslog(LOG_ERR, "console: digest: %s", buf_str(&err));
		buf_free(&err);
		return -1;
	}
	buf_free(&err);
	return dc.failed ? -1 : dc.sent;
}
