/*
 * stmt_cache - the slots of a handle's cached statements (see the header).
 */
#include "store/stmt_cache.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

int
stmt_cache_find(struct stmt_cache *c, const char *sql, int *hit, int *old)
{
	int victim = -1;

	*hit = 0;
	*old = 0;
	if (strlen(sql) >= STMT_CACHE_SQL_MAX)
		return -1;
	c->clock++;
	for (int i = 0; i < STMT_CACHE_SLOTS; i++) {
		if (c->slot[i].sql != NULL && !c->slot[i].busy && strcmp(c->slot[i].sql, sql) == 0) {
			c->slot[i].busy = 1;
			c->slot[i].used = c->clock;
			*hit = 1;
			return i;
		}
	}
	for (int i = 0; i < STMT_CACHE_SLOTS; i++) {
		if (c->slot[i].busy)
			continue;
		if (c->slot[i].sql == NULL) {
			victim = i;
			break;
		}
		if (victim < 0 || c->slot[i].used < c->slot[victim].used)
			victim = i;
	}
	if (victim < 0)
		return -1;
	*old = c->slot[victim].sql != NULL;
	free(c->slot[victim].sql);
	c->slot[victim].sql = NULL;
	c->slot[victim].busy = 1;
	c->slot[victim].used = c->clock;
	return victim;
}

void
stmt_cache_fill(struct stmt_cache *c, int slot, const char *sql)
{
	free(c->slot[slot].sql);
	c->slot[slot].sql = xstrdup(sql);
}

void
stmt_cache_release(struct stmt_cache *c, int slot)
{
	c->slot[slot].busy = 0;
}

void
stmt_cache_forget(struct stmt_cache *c, int slot)
{
	free(c->slot[slot].sql);
	c->slot[slot].sql = NULL;
	c->slot[slot].busy = 0;
}

void
stmt_cache_clear(struct stmt_cache *c)
{
	for (int i = 0; i < STMT_CACHE_SLOTS; i++)
		stmt_cache_forget(c, i);
	c->clock = 0;
}
