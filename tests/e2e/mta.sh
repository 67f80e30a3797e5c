# tests/e2e/mta.sh - a private Postfix and a private Dovecot on loopback, for
# the end-to-end tests (tests/e2e/run) and bench/postfix_milter.sh.  Sourced,
# not run.  Nothing here touches the system's own mail setup: each instance
# has its configuration, queue, state and logs under the directory it is
# given, and listens on 127.0.0.1 only.
#
#   mta_install                 install postfix, dovecot-core, dovecot-lmtpd and the
#                               test user if missing; on failure sets MTA_SKIP
#                               (the reason) and returns 1
#   dovecot_start DIR PORT      Dovecot with only LMTP on 127.0.0.1:PORT, every
#                               recipient's Maildir at DIR/mail/<local part>
#   dovecot_stop DIR
#   postfix_start DIR PORT LMTPPORT [MILTER [TRANSPORT]]
#                               Postfix with smtpd on 127.0.0.1:PORT relaying
#                               town.example.lg.jp to Dovecot's LMTP (or to
#                               TRANSPORT, e.g. "discard:"); MILTER (e.g.
#                               inet:127.0.0.1:8891) becomes smtpd_milters with
#                               milter_default_action = tempfail; with
#                               MTA_REINJECT_PORT set, a second smtpd on that
#                               port without the milter (where sekisho sends
#                               held mail on once approved)
#   postfix_stop DIR
#   postfix_drain DIR [SECONDS] wait until Postfix's queue is empty
#   maildir_count MAILDIR       messages in new/ and cur/
#
# Needs root (Postfix and Dovecot start as root and drop privileges), and DIR's
# parent folders searchable by others (Dovecot writes mail as $MTA_USER).

MTA_USER=sekishotest
MTA_SKIP=""

mta_install() {
	if [ "$(id -u)" -ne 0 ]; then
		MTA_SKIP="not root"
		return 1
	fi
	if ! command -v postfix >/dev/null || ! command -v dovecot >/dev/null ||
	    [ ! -x /usr/lib/dovecot/lmtp ]; then
		echo "postfix postfix/main_mailer_type select No configuration" |
			debconf-set-selections 2>/dev/null
		if ! { apt-get update -qq >/dev/null 2>&1
		    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix dovecot-core \
		    dovecot-lmtpd >/dev/null 2>&1; }; then
			MTA_SKIP="cannot install postfix/dovecot with apt-get"
			return 1
		fi
	fi
	if ! command -v postfix >/dev/null || [ ! -x /usr/lib/dovecot/lmtp ]; then
		MTA_SKIP="postfix or dovecot-lmtpd missing after installation"
		return 1
	fi
	if ! id "$MTA_USER" >/dev/null 2>&1 &&
	    ! useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$MTA_USER" 2>/dev/null; then
		MTA_SKIP="cannot create the test user $MTA_USER"
		return 1
	fi
	return 0
}

# wait_port PORT: until something listens on 127.0.0.1:PORT (10 s)
wait_port() {
	for _ in $(seq 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)" \
			2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

dovecot_start() {
	local d=$1 port=$2 uid
	uid=$(id -u "$MTA_USER")
	chmod 755 "$d"
	mkdir -p "$d/dovecot-run" "$d/dovecot-state" "$d/mail"
	chown "$MTA_USER:" "$d/mail"
	cat >"$d/dovecot.conf" <<CONF
# private Dovecot for sekisho's end-to-end tests: LMTP only, loopback only
protocols = lmtp
listen = 127.0.0.1
base_dir = $d/dovecot-run
state_dir = $d/dovecot-state
log_path = $d/dovecot.log
ssl = no
auth_mechanisms = plain
mail_location = maildir:$d/mail/%n
mail_uid = $MTA_USER
mail_gid = $MTA_USER
first_valid_uid = $uid
last_valid_uid = $uid
default_internal_user = dovecot
default_login_user = dovenull
lmtp_save_to_detail_mailbox = no
passdb {
  driver = static
  args = nopassword=y
}
userdb {
  driver = static
  args = uid=$MTA_USER gid=$MTA_USER home=$d/mail/%n
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $port
  }
  process_min_avail = 2
}
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
CONF
	if ! dovecot -c "$d/dovecot.conf" 2>>"$d/dovecot.log"; then
		echo "dovecot did not start:"; tail -5 "$d/dovecot.log"
		return 1
	fi
	wait_port "$port" || { echo "dovecot does not listen on $port:"; tail -5 "$d/dovecot.log"; return 1; }
}

dovecot_stop() {
	local pidf=$1/dovecot-run/master.pid pid
	[ -f "$pidf" ] || return 0
	pid=$(cat "$pidf")
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	true
}

postfix_start() {
	local d=$1 port=$2 lmtp=$3 milter=${4:-} transport=${5:-lmtp:inet:127.0.0.1:$3}
	local cf=$d/postfix
	chmod 755 "$d"
	mkdir -p "$cf" "$d/postfix-queue" "$d/postfix-data"
	chown postfix: "$d/postfix-data"
	cat >"$cf/main.cf" <<CONF
# private Postfix for sekisho's end-to-end tests and benchmark
compatibility_level = 3.6
queue_directory = $d/postfix-queue
data_directory = $d/postfix-data
maillog_file = $d/postfix.log
maillog_file_prefixes = $d
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.sekisho-e2e.test
mydomain = sekisho-e2e.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains = town.example.lg.jp
relay_transport = $transport
default_transport = $transport
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
smtp_dns_support_level = disabled
lmtp_host_lookup = native
biff = no
# mail is not slowed down when the queue manager is busy (benchmarks)
in_flow_delay = 0
# deferred mail is retried soon (tests)
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 10s
CONF
	if [ -n "$milter" ]; then
		cat >>"$cf/main.cf" <<CONF
smtpd_milters = $milter
milter_protocol = 6
# a dead or failing milter refuses mail for now: never delivered unsanitised
milter_default_action = tempfail
CONF
	fi
	cat >"$cf/master.cf" <<CONF
127.0.0.1:$port inet n - n - - smtpd
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CONF
	if [ -n "${MTA_REINJECT_PORT:-}" ]; then
		echo "127.0.0.1:$MTA_REINJECT_PORT inet n - n - - smtpd -o smtpd_milters=" >>"$cf/master.cf"
	fi
	if ! postfix -c "$cf" start >>"$d/postfix-start.log" 2>&1; then
		echo "postfix did not start:"; tail -5 "$d/postfix-start.log" "$d/postfix.log" 2>/dev/null
		return 1
	fi
	wait_port "$port" || { echo "postfix does not listen on $port:"; tail -5 "$d/postfix.log"; return 1; }
}

postfix_stop() {
	[ -f "$1/postfix/main.cf" ] || return 0
	postfix -c "$1/postfix" stop >/dev/null 2>&1
	for _ in $(seq 50); do
		[ -f "$1/postfix-queue/pid/master.pid" ] || return 0
		kill -0 "$(tr -d ' ' <"$1/postfix-queue/pid/master.pid")" 2>/dev/null || return 0
		sleep 0.1
	done
	postfix -c "$1/postfix" abort >/dev/null 2>&1
	true
}

# postfix_drain DIR [SECONDS]: 0 when the queue is empty
postfix_drain() {
	local t=${2:-600}
	for _ in $(seq $((t * 4))); do
		[ -z "$(find "$1/postfix-queue/incoming" "$1/postfix-queue/active" \
		    "$1/postfix-queue/deferred" "$1/postfix-queue/hold" "$1/postfix-queue/maildrop" \
		    -type f 2>/dev/null | head -1)" ] && return 0
		sleep 0.25
	done
	echo "postfix queue did not drain:"; postqueue -c "$1/postfix" -p | tail -5
	return 1
}

maildir_count() {
	find "$1/new" "$1/cur" -type f 2>/dev/null | wc -l
}
