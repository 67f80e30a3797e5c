/*
 * stmt_cache - which of a database handle's few cached statements holds a
 * given SQL text (the generic store_query path: the console's statements,
 * the recipients' index).  The backend keeps its own statement per slot
 * (SQLite's sqlite3_stmt, PostgreSQL's prepared name); this file only
 * decides hits, the least recently used victim and which slots are in use.
 *
 * Contract: the SQL text is copied (a caller's buffer may be reused); a slot
 * marked busy (a statement still stepping, when a row callback queries the
 * same handle again) is never chosen as a victim nor handed out twice;
 * stmt_cache_find returns -1 when every slot is busy and the caller then
 * runs the statement uncached.  At most STMT_CACHE_SLOTS statements per
 * handle, at most STMT_CACHE_SQL_MAX bytes of SQL each (longer: uncached).
 */
#ifndef SEKISHO_STORE_STMT_CACHE_H
#define SEKISHO_STORE_STMT_CACHE_H

#include <stddef.h>

#define STMT_CACHE_SLOTS 48
#define STMT_CACHE_SQL_MAX 4096

struct stmt_cache {
	struct {
		char *sql;		/* NULL: empty */
		unsigned long long used;	/* the clock at its last use */
		int busy;
	} slot[STMT_CACHE_SLOTS];
	unsigned long long clock;
};

/*
 * The slot of sql, busy from now on: *hit = 1 when it holds sql already;
 * *hit = 0 when it is a slot to fill (its old statement, if *old is set, is
 * to be released by the caller first; then stmt_cache_fill).  -1: no slot.
 */
int stmt_cache_find(struct stmt_cache *c, const char *sql, int *hit, int *old);
/* The slot now holds sql (its statement was prepared). */
void stmt_cache_fill(struct stmt_cache *c, int slot, const char *sql);
/* The statement of slot is done with for now. */
void stmt_cache_release(struct stmt_cache *c, int slot);
/* The slot holds nothing (its statement could not be prepared). */
void stmt_cache_forget(struct stmt_cache *c, int slot);
/* Every slot empty (a new connection: its statements are gone); the texts freed. */
void stmt_cache_clear(struct stmt_cache *c);

#endif
