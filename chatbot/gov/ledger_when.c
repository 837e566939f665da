/* ledger_when.c - see ledger_when.h. */
#include "chatbot/gov/ledger_when.h"

long long ledger_changed_at(const struct gov_ctx *g, long long item_id)
{
	if (!g->store)
		return 0;
	if (item_id > 0)
		return store_count(g->store, "SELECT coalesce(max(m), 0) FROM ("
				   "SELECT max(max(created_at), coalesce(closed_at, 0)) AS m FROM items WHERE id = ?1"
				   " UNION ALL SELECT max(at) FROM audit WHERE item_id = ?1"
				   " UNION ALL SELECT max(at) FROM fields WHERE item_id = ?1"
				   " UNION ALL SELECT max(at) FROM letters WHERE item_id = ?1"
				   " UNION ALL SELECT max(at) FROM votes WHERE item_id = ?1"
				   " UNION ALL SELECT max(at) FROM ballots WHERE item_id = ?1"
				   " UNION ALL SELECT max(at) FROM recusals WHERE item_id = ?1"
				   " UNION ALL SELECT max(at) FROM decisions WHERE item_id = ?1)", item_id);
	return store_count(g->store, "SELECT coalesce(max(m), ?1) FROM ("
			   "SELECT max(created_at) AS m FROM items UNION ALL SELECT max(closed_at) FROM items"
			   " UNION ALL SELECT max(at) FROM audit UNION ALL SELECT max(at) FROM fields"
			   " UNION ALL SELECT max(at) FROM letters UNION ALL SELECT max(at) FROM votes"
			   " UNION ALL SELECT max(at) FROM ballots UNION ALL SELECT max(at) FROM recusals"
			   " UNION ALL SELECT max(at) FROM decisions)", 0);
}

long long ledger_roster_changed_at(const struct gov_ctx *g)
{
	if (!g->store)
		return 0;
	return store_count(g->store, "SELECT coalesce(max(at), ?1) FROM roster_events", 0);
}
